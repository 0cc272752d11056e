/**
The operator UI's state, in plain TypeScript (no React), made of three parts with one job each:
the tallies (`tallies.ts`: it listens to the cluster's telemetry bus and reports, and counts,
times and keeps events for the feed), the commands (`commands.ts`: a key's action → the
operator call and the status line's words), and the frame clock (`frame-clock.ts`: at most
`maxFps` times a second, and at once after a key, it rebuilds the slices that changed and
notifies the subscribers). The session (`session.ts`) holds what the commands change; each
component reads one slice of the view (`slices.ts`).
*/
import type {NodeInfo, OperatorControls, TelemetrySummary} from '../cluster/operator-api.js';
import type {EventName, Measurements, Metadata} from '../telemetry/telemetry.js';
import type {CaptionSource, LessonLauncher} from './command-context.js';
import {type CommandContext, perform, unknownKey, visibleMessage} from './commands.js';
import type {EventKind} from './event-kinds.js';
import {FrameClock} from './frame-clock.js';
import {type Command, type KeyName, commandFor} from './keymap.js';
import {lessonListKey} from './lesson-list.js';
import {Session, errorText} from './session.js';
import type {SliceName, Touch, View} from './slices.js';
import {Tallies} from './tallies.js';
import {viewBuilders} from './view-builders.js';

export type * from './slices.js';
export {sameSnapshot} from './session.js';

export type StoreOptions = {
	readonly operator: OperatorControls;
	/** Milliseconds, monotonic; `performance.now` by default. */
	readonly now?: () => number;
	/** Frames (notifications) per second at most; 10 by default. */
	readonly maxFps?: number;
	/** Feed entries kept per category (and for all events). */
	readonly feedCapacity?: number;
	/** Called once when the user asks to quit. */
	readonly onQuit?: () => void;
	/** Starts a lesson in the cluster's place (`g`); without it, `g` lists the lessons but none starts. */
	readonly launchLesson?: LessonLauncher;
};

/** A replay's verdict, for the status line. */
export type ReplayEnd = {readonly identical: boolean; readonly summary: string};

export class UiStore {
	readonly operator: OperatorControls;
	readonly feedCapacity: number;
	/** For `useSyncExternalStore`: called once per published frame. */
	readonly subscribe: (listener: () => void) => () => void;
	/** The current slices; the same object until the next frame changes something. */
	readonly getView: () => View;
	readonly #clock: FrameClock;
	readonly #session: Session;
	readonly #tallies: Tallies;
	readonly #commands: CommandContext;
	readonly #touch: Touch;
	#lastElapsedSecond = -1;
	#unfollowLesson: (() => void) | undefined;

	constructor(options: StoreOptions) {
		const {operator} = options;
		this.operator = operator;
		this.feedCapacity = options.feedCapacity ?? 200;
		// Where the parts mark the slices they changed, for the frame clock to rebuild.
		const changed = new Set<SliceName>();
		const touch: Touch = (slice) => {
			changed.add(slice);
		};

		this.#touch = touch;
		this.#session = new Session(operator, options.now ?? (() => performance.now()), touch);
		this.#tallies = new Tallies(operator, this.feedCapacity, touch);
		this.#session.poll();
		this.#clock = new FrameClock(
			viewBuilders,
			{session: this.#session, tallies: this.#tallies},
			changed,
			options.maxFps ?? 10,
		);
		this.subscribe = this.#clock.subscribe;
		this.getView = this.#clock.getView;
		this.#commands = {
			operator,
			session: this.#session,
			tallies: this.#tallies,
			touch,
			flush: () => {
				this.flush();
			},
			onQuit: options.onQuit,
			launchLesson: options.launchLesson,
			followLesson: (source) => {
				this.followLesson(source);
			},
		};
	}

	get frameMs(): number {
		return this.#clock.frameMs;
	}

	// --- Lifecycle -----------------------------------------------------------

	/** Listen to the operator's bus and reports, and start the frame clock. */
	start(): void {
		if (this.#clock.running) {
			return;
		}

		this.#tallies.attach();
		this.#followMessages();
		this.#clock.start(() => {
			this.frame();
		});
	}

	/** The caption pane shows this lesson from now on (and no longer the one before). */
	followLesson(source: CaptionSource): void {
		this.#unfollowLesson?.();
		const session = this.#session;
		const show = (): void => {
			session.caption = source.state;
			this.#touch('caption');
		};

		show();
		this.#unfollowLesson = source.onChange(() => {
			show();
			this.flush();
		});
		this.flush();
	}

	/** The status line says how the replay ended (identical, or the first event that differs). */
	followReplay(end: Promise<ReplayEnd | undefined>): void {
		const session = this.#session;
		end.then(
			(verdict) => {
				if (verdict !== undefined) {
					session.say(`replay ${verdict.summary}`, verdict.identical ? 'info' : 'error');
					this.flush();
				}
			},
			(error: unknown) => {
				session.say(`replay failed: ${errorText(error)}`, 'error');
				this.flush();
			},
		);
	}

	/** Detach from the bus and stop the frame clock; the view stays as it was. */
	dispose(): void {
		this.#unfollowLesson?.();
		this.#clock.stop();
		this.#tallies.detach();
	}

	// --- Ingest ---------------------------------------------------------------

	/** Count one event from the bus (see `Tallies.ingest`). Never renders. */
	ingest(
		event: EventName,
		measurements: Measurements,
		metadata: Metadata,
		known?: EventKind,
	): void {
		this.#tallies.ingest(event, measurements, metadata, known);
	}

	/** Count the events of one replica's telemetry report and merge its duration histograms. */
	ingestSummary(summary: TelemetrySummary): void {
		this.#tallies.ingestSummary(summary);
	}

	/** Events counted since the start. */
	get events(): number {
		return this.#tallies.events;
	}

	// --- Frames ---------------------------------------------------------------

	/** One frame: poll the cluster, then rebuild and publish what changed. Called by the clock. */
	frame(): void {
		this.#session.poll();
		this.#session.listMessages(visibleMessage(this.#tallies));
		this.#followMessages();
		this.#session.sampleRates(this.#tallies.events);
		const second = Math.floor(this.elapsedMs() / 1000);
		if (second !== this.#lastElapsedSecond) {
			this.#lastElapsedSecond = second;
			this.#touch('header');
		}

		this.#clock.publish();
	}

	/** Rebuild and publish at once (after a key, so its effect shows without waiting for a frame). */
	flush(): void {
		this.#session.poll();
		this.#session.listMessages(visibleMessage(this.#tallies));
		this.#followMessages();
		this.#clock.publish();
	}

	/** How many rows the diagram shows (the screen tells): a page for PgUp and PgDn. */
	setDiagramPage(rows: number): void {
		this.#session.diagramPage = Math.max(1, rows);
	}

	/** Resolves once the deliveries asked for so far (n, enter, t) are done. */
	async settled(): Promise<void> {
		return this.#session.settled();
	}

	elapsedMs(): number {
		return this.#session.elapsedMs();
	}

	// --- Commands ---------------------------------------------------------------

	/** The node in the selected row. */
	selectedNode(): NodeInfo | undefined {
		return this.#session.selectedNode();
	}

	/** A key pressed: its command where the keys act now (the message pane has its own), or `unknownKey`. */
	press(key: KeyName): void {
		if (this.#session.lessonList !== undefined && key !== 'q' && key !== 'ctrl-c') {
			if (!this.#session.quitting) {
				lessonListKey(this.#commands, key);
			}

			return;
		}

		const command = commandFor(key, this.#session.focus);
		if (command === undefined) {
			this.unknownKey(key);
		} else {
			this.perform(command);
		}
	}

	/** Carry out one key command (`commands.ts`). Errors from the operator end up in the status line. */
	perform(command: Command): void {
		perform(this.#commands, command);
	}

	/** A key that is not in the keymap: say so (it also answers a question with no). */
	unknownKey(label: string): void {
		unknownKey(this.#commands, label);
	}

	/**
	The cluster reports each message only while someone listens: listen while the diagram or the
	narration is on the screen, or time is paused or slowed (a teaching session); a loaded
	cluster running at full speed with the event feed on screen pays nothing for it.
	*/
	#followMessages(): void {
		const session = this.#session;
		const {snapshot} = session;
		const wanted =
			session.lower === 'diagram' || session.narration || snapshot.paused || snapshot.speed < 1;
		if (wanted !== this.#tallies.listeningToMessages) {
			this.#tallies.listenToMessages(wanted);
			this.#touch('diagram');
			this.#touch('narration');
		}
	}
}
