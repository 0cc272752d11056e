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
import {TimeTravel} from './time-travel.js';
import {travelRole} from './travel-keys.js';
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
	/** The live tallies (a fork replaces them with the fork's). */
	#tallies: Tallies;
	/** A seeded session's timeline: `,` and `.` show its past; acting there forks. */
	readonly #travel: TimeTravel | undefined;
	readonly #commands: CommandContext;
	readonly #touch: Touch;
	#lastElapsedSecond = -1;
	#unfollowLesson: (() => void) | undefined;
	/** The timeline's length the bar last showed. */
	#timelineShown = -1;
	/** A replay plays and has given no verdict yet (a fork leaves it: then it gives none). */
	#replaying = false;

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
		const seeded = operator.snapshot().seed !== undefined;
		this.#travel = seeded
			? new TimeTravel(operator, () => new Tallies(operator, this.feedCapacity, touch))
			: undefined;
		const travel = this.#travel;
		this.#session.past = travel === undefined ? undefined : () => travel.pastSnapshot();
		this.#session.pastInFlight = travel === undefined ? undefined : () => travel.pastInFlight();
		this.#session.poll();
		// What the screen shows: the live tallies, or those of the point of the past shown.
		const shown = (): Tallies => travel?.pastTallies() ?? this.#tallies;
		this.#clock = new FrameClock(
			viewBuilders,
			{
				session: this.#session,
				get tallies() {
					return shown();
				},
				travel,
			},
			changed,
			options.maxFps ?? 10,
		);
		this.subscribe = this.#clock.subscribe;
		this.getView = this.#clock.getView;
		this.#commands = {
			operator,
			session: this.#session,
			get tallies() {
				return shown();
			},
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

		this.#travel?.start();
		this.#tallies.attach();
		this.#followMessages();
		this.#clock.start(() => {
			this.frame();
		});
	}

	/** The caption pane shows this lesson from now on (and no longer the one before). */
	followLesson(source: CaptionSource): void {
		this.#unfollowLesson?.();
		// A new run: its own timeline (the run before it cannot be travelled back to), and no replay.
		this.#travel?.restart();
		this.#replaying = false;
		this.#touch('travel');
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
		this.#replaying = true;
		end.then(
			(verdict) => {
				if (verdict !== undefined) {
					this.#replaying = false;
					session.say(`replay ${verdict.summary}`, verdict.identical ? 'info' : 'error');
					this.flush();
				}
			},
			(error: unknown) => {
				this.#replaying = false;
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
		this.#travel?.stop();
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
		this.#followTimeline();

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
		this.#followTimeline();
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

	/**
	Carry out one key command (`commands.ts`). Errors from the operator end up in the status line.
	In a seeded session, `,` and `.` travel in time, and a key that acts on the cluster in the past
	forks a new timeline first (`travel-keys.ts`).
	*/
	perform(command: Command): void {
		const travel = this.#travel;
		if (travel === undefined || this.#session.quitting) {
			perform(this.#commands, command);
			return;
		}

		if (travel.forking && command.action !== 'quit') {
			this.#session.say('forking: the new timeline is not ready yet', 'warn');
			this.flush();
			return;
		}

		const role = travelRole(command.action, travel.inPast, this.#session.asking !== undefined);
		if ((role === 'back' || role === 'forward') && this.#session.asking !== undefined) {
			// Any key but y cancels a question, and does nothing else.
			perform(this.#commands, command);
			return;
		}

		if (role !== 'screen') {
			this.#session.setHelp(false);
		}

		switch (role) {
			case 'back': {
				this.#back(travel);
				break;
			}

			case 'forward': {
				this.#forward(travel, command);
				break;
			}

			case 'fork': {
				this.#fork(travel, command);
				break;
			}

			case 'present': {
				this.#toPresent(travel);
				perform(this.#commands, command);
				break;
			}

			case 'refuse': {
				this.#session.say(
					`${command.action === 'tick' ? 't' : 'that key'} acts at the present: . goes forward, space goes back to the present`,
					'warn',
				);
				this.flush();
				break;
			}

			case 'screen': {
				perform(this.#commands, command);
				break;
			}
		}
	}

	/** A key that is not in the keymap: say so (it also answers a question with no). */
	unknownKey(label: string): void {
		unknownKey(this.#commands, label);
	}

	/** The bar shows the timeline's length: redrawn when it grew (or a fork replaced it). */
	#followTimeline(): void {
		const travel = this.#travel;
		if (travel !== undefined && travel.timeline.length !== this.#timelineShown) {
			this.#timelineShown = travel.timeline.length;
			this.#touch('travel');
		}
	}

	/** `,`: one message back (from the present, time stops first: the present stays where it is). */
	#back(travel: TimeTravel): void {
		const session = this.#session;
		if (!travel.inPast && !session.snapshot.paused && travel.timeline.length > 0) {
			try {
				this.operator.pause();
			} catch (error: unknown) {
				session.say(`pause failed: ${errorText(error)}`, 'error');
				this.flush();
				return;
			}
		}

		if (travel.back(this.#tallies)) {
			this.#travelled(travel);
		} else {
			session.say('this is the start: no message was delivered before it', 'warn');
			this.flush();
		}
	}

	/** `.` (and `n` in the past): one message forward; at the present, `n`'s delivery. */
	#forward(travel: TimeTravel, command: Command): void {
		if (!travel.inPast) {
			perform(this.#commands, {...command, action: 'step'});
			return;
		}

		travel.forward(this.#tallies);
		this.#travelled(travel);
	}

	#toPresent(travel: TimeTravel): void {
		if (travel.inPast) {
			travel.toPresent(this.#tallies);
			this.#travelled(travel);
		}
	}

	/** After a move in time: every pane shows the point now shown. */
	#travelled(travel: TimeTravel): void {
		const session = this.#session;
		const {point} = travel;
		const total = travel.timeline.length;
		session.say(
			point === undefined
				? `the present: message ${total} of ${total}`
				: `past: message ${point} of ${total}; acting here forks a new timeline, . goes forward`,
		);
		this.#touchAll();
		this.flush();
	}

	/** Acting in the past: a new timeline from the point shown, then the key's command in it. */
	#fork(travel: TimeTravel, command: Command): void {
		const session = this.#session;
		const from = travel.point;
		const forked = travel.fork();
		session.say(`forking… the run is replayed to message ${from} in fresh processes`);
		this.#touchAll();
		this.flush();
		forked.then(
			(tallies) => {
				this.#tallies.detach();
				this.#tallies = tallies;
				tallies.attach();
				this.#touchAll();
				perform(this.#commands, command);
				const said = session.status?.text ?? '';
				// The replay stopped at the fork: its verdict would be on a run that is not the recording's.
				const left = this.#replaying ? ' (the replay left its recording: no verdict)' : '';
				this.#replaying = false;
				session.say(`fork ${travel.forks} from message ${from}${left}: ${said}`);
				this.flush();
			},
			(error: unknown) => {
				session.say(`the fork failed: ${errorText(error)}`, 'error');
				this.#touchAll();
				this.flush();
			},
		);
	}

	#touchAll(): void {
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- the keys of the builders are the slice names
		for (const slice of Object.keys(viewBuilders) as SliceName[]) {
			this.#touch(slice);
		}
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
