/**
The operator UI's state, in plain TypeScript (no React): it listens to the
cluster's telemetry bus, polls the cluster snapshot, and turns key commands into
calls on the operator. Ingesting an event is cheap and never renders: it counts
the event, records span durations and pushes the event into bounded rings. At
most `maxFps` times a second (and at once after a key) the store rebuilds the
slices that changed and notifies its subscribers; each component reads one slice.
*/
import {
	type ClusterSnapshot,
	type NodeInfo,
	type OperatorControls,
	type RequestOutcome,
	startingSnapshot,
	type TelemetrySummary,
} from '../cluster/operator-api.js';
import type {EventName, Measurements, Metadata, Telemetry} from '../telemetry/telemetry.js';
import {Configuration} from '../vsr/configuration.js';
import {restartWords, stuckWords} from './diagnosis.js';
import {
	type EventKind,
	describeEvent,
	viewChangeCompleteName,
	watchedEvents,
} from './event-kinds.js';
import {Feed, type FeedSlice} from './feed.js';
import {formatCount, formatMs, formatPercent, nanosOf} from './format.js';
import {type Command, burstSize, delaySteps, dropSteps, stepThrough} from './keymap.js';
import {type SpanRow, SpanTimings} from './span-timings.js';

export type {FeedEntry, FeedSlice} from './feed.js';

export type HeaderSlice = {
	readonly replicas: number;
	/** Replicas that may be down at once, and how many make a quorum. */
	readonly f: number;
	readonly quorum: number;
	readonly view: number;
	readonly primary: number | undefined;
	readonly commit: number;
	readonly requestsPerSecond: number;
	readonly acked: number;
	readonly events: number;
	readonly eventsPerSecond: number;
	readonly elapsedMs: number;
	readonly paused: boolean;
	readonly held: number;
	readonly load: boolean;
	readonly dropRate: number;
	readonly delayMs: number;
	readonly outsideFailureModel: boolean;
};

export type NodeRow = NodeInfo & {
	/** Ops behind the primary; undefined for a crashed node or when there is no primary. */
	readonly lag: number | undefined;
	/** It believes it is the primary of a view older than the cluster's (cut off, not yet told). */
	readonly stalePrimary: boolean;
};

export type NodesSlice = {
	readonly nodes: readonly NodeRow[];
	/** The selected row. */
	readonly selected: number;
};

export type SpansSlice = {readonly rows: readonly SpanRow[]};

export type LastRequestSlice =
	| {readonly state: 'none'}
	| {readonly state: 'pending'; readonly sentAt: number}
	| {readonly state: 'done'; readonly outcome: RequestOutcome}
	| {readonly state: 'failed'; readonly error: string};

export type StatusTone = 'info' | 'warn' | 'error';
export type StatusSlice =
	{readonly text: string; readonly tone: StatusTone; readonly at: number} | undefined;

export type UiSlice = {readonly help: boolean; readonly quitting: boolean};

/** Plain words for a cluster stuck below a quorum (`diagnosis.ts`); undefined while all is well. */
export type AlertSlice = {readonly text: string | undefined};

export type View = {
	readonly header: HeaderSlice;
	readonly nodes: NodesSlice;
	readonly feed: FeedSlice;
	readonly spans: SpansSlice;
	readonly lastRequest: LastRequestSlice;
	readonly status: StatusSlice;
	readonly ui: UiSlice;
	readonly alert: AlertSlice;
};

type SliceName = keyof View;

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
};

const emptySnapshot = startingSnapshot(0);

// Rates are measured over this window.
const rateWindowMs = 2000;

type Sample = {readonly at: number; readonly acked: number; readonly events: number};

const handlerPrefix = 'vsr-tui-ui';

const errorText = (error: unknown): string =>
	error instanceof Error ? error.message : String(error);

const sameNetwork = (a: NodeInfo['network'], b: NodeInfo['network']): boolean =>
	a.isolated === b.isolated &&
	a.partitioned === b.partitioned &&
	a.dropRate === b.dropRate &&
	a.delayMs === b.delayMs;

const sameNode = (a: NodeInfo, b: NodeInfo): boolean =>
	a.id === b.id &&
	a.pid === b.pid &&
	a.status === b.status &&
	a.isPrimary === b.isPrimary &&
	a.view === b.view &&
	a.op === b.op &&
	a.commit === b.commit &&
	a.restarts === b.restarts &&
	sameNetwork(a.network, b.network);

/** Whether two snapshots show the same thing (the operator may build a new object per call). */
export function sameSnapshot(a: ClusterSnapshot, b: ClusterSnapshot): boolean {
	if (a === b) {
		return true;
	}

	return (
		a.replicas === b.replicas &&
		a.primary === b.primary &&
		a.view === b.view &&
		a.commit === b.commit &&
		a.paused === b.paused &&
		a.held === b.held &&
		a.dropRate === b.dropRate &&
		a.delayMs === b.delayMs &&
		a.load === b.load &&
		a.acked === b.acked &&
		a.outsideFailureModel === b.outsideFailureModel &&
		a.nodes.length === b.nodes.length &&
		a.nodes.every((node, index) => sameNode(node, b.nodes[index]!))
	);
}

export class UiStore {
	readonly operator: OperatorControls;
	readonly feedCapacity: number;
	readonly frameMs: number;
	readonly #now: () => number;
	readonly #onQuit: (() => void) | undefined;
	readonly #startedAt: number;
	readonly #listeners = new Set<() => void>();
	readonly #kinds = new Map<string, EventKind>();

	// Every event counted, and the feed (which counts them per category).
	#events = 0;
	readonly #feed: Feed;
	/** The operator's bus clock (ns) when the store started: feed times count from it. */
	readonly #clockOrigin: number;

	readonly #spans = new SpanTimings();

	#snapshot: ClusterSnapshot = emptySnapshot;
	#selected = 0;
	#lastRequest: LastRequestSlice = {state: 'none'};
	#requestSequence = 0;
	#status: StatusSlice;
	#help = false;
	#quitting = false;
	/** A question the status line asked (R: reset?), answered by y; any other key cancels it. */
	#asking: 'reset' | undefined;
	readonly #samples: Sample[] = [];

	#view: View;
	readonly #dirty = new Set<SliceName>();
	#timer: NodeJS.Timeout | undefined;
	#bus: Telemetry | undefined;
	#attachedIds: string[] = [];
	#unsubscribeReports: (() => void) | undefined;
	// The operator reports counts and histograms: replica events on the bus are a sample.
	readonly #summaries: boolean;
	#lastElapsedSecond = -1;

	constructor(options: StoreOptions) {
		this.operator = options.operator;
		this.#summaries = typeof options.operator.onTelemetryReport === 'function';
		this.#now = options.now ?? (() => performance.now());
		this.#onQuit = options.onQuit;
		this.frameMs = 1000 / Math.max(1, options.maxFps ?? 10);
		this.feedCapacity = options.feedCapacity ?? 200;
		this.#feed = new Feed(this.feedCapacity);
		this.#startedAt = this.#now();
		this.#clockOrigin = Number(options.operator.telemetry.clock.monotonicTime());
		this.#pollSnapshot();
		this.#view = {
			header: this.#buildHeader(),
			nodes: this.#buildNodes(),
			feed: this.#buildFeed(),
			spans: this.#buildSpans(),
			lastRequest: this.#lastRequest,
			status: this.#status,
			ui: this.#buildUi(),
			alert: this.#buildAlert(),
		};
	}

	// --- Lifecycle -----------------------------------------------------------

	/** Listen to the operator's bus and start the frame clock. */
	start(): void {
		if (this.#timer !== undefined) {
			return;
		}

		this.#attach(this.operator.telemetry);
		this.#unsubscribeReports = this.operator.onTelemetryReport?.((summary) => {
			this.ingestSummary(summary);
		});
		this.#timer = setInterval(() => {
			this.frame();
		}, this.frameMs);
		this.#timer.unref();
	}

	/** Detach from the bus and stop the frame clock; the view stays as it was. */
	dispose(): void {
		this.#unsubscribeReports?.();
		this.#unsubscribeReports = undefined;
		if (this.#timer !== undefined) {
			clearInterval(this.#timer);
			this.#timer = undefined;
		}

		if (this.#bus !== undefined) {
			for (const id of this.#attachedIds) {
				this.#bus.detach(id);
			}

			this.#attachedIds = [];
			this.#bus = undefined;
		}
	}

	// --- Subscription (for useSyncExternalStore) ------------------------------

	readonly subscribe = (listener: () => void): (() => void) => {
		this.#listeners.add(listener);
		return () => {
			this.#listeners.delete(listener);
		};
	};

	/** The current slices; the same object until the next frame changes something. */
	readonly getView = (): View => this.#view;

	// --- Ingest ---------------------------------------------------------------

	/**
	Count one event from the bus and remember it for the feed and the timings. Never renders.
	When the operator reports summaries, a replica's events are counted and timed from those
	instead (the bus then carries a sample of them), and only the operator's own are counted here.
	*/
	ingest(
		event: EventName,
		measurements: Measurements,
		metadata: Metadata,
		known?: EventKind,
	): void {
		const kind = known ?? this.#kindOf(event);
		const counted = !(this.#summaries && kind.fromReplica);
		if (counted) {
			this.#events++;
			this.#feed.count(kind.categoryIndex);
		}

		if (kind.span !== undefined && counted) {
			this.#recordSpan(kind, measurements);
		}

		if (kind.name === viewChangeCompleteName && typeof metadata.view_number === 'number') {
			this.#spans.viewEstablished(metadata.view_number);
			this.#dirty.add('spans');
		}

		// When it was raised, on the cluster's clock (the bus's, on which replicas stamp their
		// events); an event without a time was raised here, now.
		const raised =
			nanosOf(measurements.monotonic_time) ?? Number(this.operator.telemetry.clock.monotonicTime());
		this.#feed.add({
			at: (raised - this.#clockOrigin) / 1_000_000,
			kind,
			node: typeof metadata.node_id === 'number' ? metadata.node_id : undefined,
			measurements,
			metadata,
		});
		this.#dirty.add('feed');
		this.#dirty.add('header');
	}

	/** Count the events of one replica's telemetry report and merge its duration histograms. */
	ingestSummary(summary: TelemetrySummary): void {
		for (const [name, count] of Object.entries(summary.counts ?? {})) {
			if (!Number.isFinite(count) || count <= 0) {
				continue;
			}

			const kind = this.#kindOfKey(name);
			this.#events += count;
			this.#feed.count(kind.categoryIndex, count);
			if (kind.span?.end === 'exception') {
				this.#spans.recordError(kind.span.kind, count);
				this.#dirty.add('spans');
			} else if (kind.span?.end === 'stop') {
				// Timed from the report's histograms (perhaps a sample of them); counted here.
				this.#spans.addCount(kind.span.kind, count);
				this.#dirty.add('spans');
			}
		}

		for (const [name, encoded] of Object.entries(summary.spans ?? {})) {
			const role = this.#kindOfKey(name).span;
			if (role?.end === 'stop') {
				try {
					this.#spans.merge(role.kind, encoded);
					this.#dirty.add('spans');
				} catch {
					// A histogram that does not decode is skipped; the counts above still hold.
				}
			}
		}

		this.#dirty.add('header');
		this.#dirty.add('feed');
	}

	/** Events counted since the start. */
	get events(): number {
		return this.#events;
	}

	// --- Frames ---------------------------------------------------------------

	/** One frame: poll the cluster, then rebuild and publish what changed. Called by the clock. */
	frame(): void {
		this.#pollSnapshot();
		this.#sampleRates();
		const second = Math.floor(this.elapsedMs() / 1000);
		if (second !== this.#lastElapsedSecond) {
			this.#lastElapsedSecond = second;
			this.#dirty.add('header');
		}

		this.#publish();
	}

	/** Rebuild and publish at once (after a key, so its effect shows without waiting for a frame). */
	flush(): void {
		this.#pollSnapshot();
		this.#publish();
	}

	elapsedMs(): number {
		return this.#now() - this.#startedAt;
	}

	// --- Commands ---------------------------------------------------------------

	/** The node in the selected row. */
	selectedNode(): NodeInfo | undefined {
		return this.#snapshot.nodes[this.#selected];
	}

	/** Carry out one key command. Errors from the operator end up in the status line. */
	perform(command: Command): void {
		if (this.#quitting) {
			return;
		}

		// Decide on the cluster as it is now, not as the last frame saw it.
		this.#pollSnapshot();
		if (this.#help && command.action !== 'help' && command.action !== 'quit') {
			this.#help = false;
			this.#dirty.add('ui');
		}

		if (this.#asking !== undefined && command.action !== 'confirm' && command.action !== 'quit') {
			this.#asking = undefined;
			this.#say('reset cancelled: nothing changed');
			this.flush();
			return;
		}

		try {
			this.#perform(command);
		} catch (error: unknown) {
			this.#say(`${command.action} failed: ${errorText(error)}`, 'error');
		}

		this.flush();
	}

	/** A key that is not in the keymap: say so (it also answers a question with no). */
	unknownKey(label: string): void {
		if (this.#quitting) {
			return;
		}

		if (this.#asking === undefined) {
			this.#say(`${label}: no such key (? shows the keys)`, 'warn');
		} else {
			this.#asking = undefined;
			this.#say('reset cancelled: nothing changed');
		}

		this.flush();
	}

	// eslint-disable-next-line complexity -- one case per key, as the keymap lists them
	#perform(command: Command): void {
		const {operator} = this;
		switch (command.action) {
			case 'selectPrevious': {
				this.#select(this.#selected - 1);
				break;
			}

			case 'selectNext': {
				this.#select(this.#selected + 1);
				break;
			}

			case 'selectNode': {
				const row = (command.digit ?? 1) - 1;
				if (row < this.#snapshot.nodes.length) {
					this.#select(row);
				} else {
					this.#say(`there is no node in row ${row + 1}`, 'warn');
				}

				break;
			}

			case 'submit': {
				this.#submit();
				break;
			}

			case 'burst': {
				operator.burst(burstSize);
				this.#say(`sent a burst of ${burstSize} requests`);
				break;
			}

			case 'toggleLoad': {
				const on = !this.#snapshot.load;
				operator.setLoad(on);
				this.#say(on ? 'steady load on' : 'steady load off');
				break;
			}

			case 'crash': {
				const node = this.selectedNode();
				if (node === undefined) {
					this.#say('no node is selected', 'warn');
				} else if (node.status === 'crashed') {
					this.#say(`node ${node.id} is already down (r restarts it)`, 'warn');
				} else {
					operator.crash(node.id);
					this.#say(`crashed node ${node.id} (SIGKILL)`);
				}

				break;
			}

			case 'restart': {
				const node = this.selectedNode();
				if (node === undefined) {
					this.#say('no node is selected', 'warn');
				} else {
					const words = restartWords(this.#snapshot, node);
					operator.restart(node.id);
					this.#say(words.text, words.tone);
				}

				break;
			}

			case 'isolate': {
				const node = this.selectedNode();
				if (node === undefined) {
					this.#say('no node is selected', 'warn');
				} else {
					operator.isolate(node.id);
					this.#say(`isolated node ${node.id} (h heals)`);
				}

				break;
			}

			case 'heal': {
				operator.heal();
				this.#say('healed the network');
				break;
			}

			case 'dropUp':
			case 'dropDown': {
				const rate = stepThrough(
					dropSteps,
					this.#snapshot.dropRate,
					command.action === 'dropUp' ? 1 : -1,
				);
				operator.setDropRate(rate);
				this.#say(`drop rate ${formatPercent(rate)}`);
				break;
			}

			case 'delayUp':
			case 'delayDown': {
				const ms = stepThrough(
					delaySteps,
					this.#snapshot.delayMs,
					command.action === 'delayUp' ? 1 : -1,
				);
				operator.setDelay(ms);
				this.#say(`delay ${ms} ms`);
				break;
			}

			case 'togglePause': {
				if (this.#snapshot.paused) {
					operator.resume();
					this.#say('delivery resumed');
				} else {
					operator.pause();
					this.#say('delivery paused: n delivers one message, space resumes');
				}

				break;
			}

			case 'step': {
				const delivered = operator.step();
				if (delivered) {
					this.#pollSnapshot();
					this.#say(`delivered one message (${this.#snapshot.held} held)`);
				} else if (this.#snapshot.paused) {
					this.#say('no message is held');
				} else {
					this.#say('delivery is not paused (space pauses it)', 'warn');
				}

				break;
			}

			case 'filter':
			case 'filterBack': {
				const filter = this.#feed.stepFilter(command.action === 'filter' ? 1 : -1);
				this.#dirty.add('feed');
				this.#say(filter === 'all' ? 'feed: all events' : `feed: ${filter} events`);
				break;
			}

			case 'toggleTimers': {
				const hidden = this.#feed.toggleTimers();
				this.#dirty.add('feed');
				this.#say(
					hidden
						? 'feed: heartbeats and other timer events hidden (t shows them)'
						: 'feed: heartbeats and other timer events shown (t hides them)',
				);
				break;
			}

			case 'clearFeed': {
				this.#feed.clear();
				this.#dirty.add('feed');
				this.#say('feed cleared');
				break;
			}

			case 'toggleFeed': {
				const frozen = this.#feed.toggleFrozen();
				this.#dirty.add('feed');
				this.#say(frozen ? 'feed frozen (p resumes it)' : 'feed live');
				break;
			}

			case 'reset': {
				const {replicas, commit} = this.#snapshot;
				this.#asking = 'reset';
				this.#say(
					commit > 0
						? `y resets the cluster: its ${formatCount(commit)} committed ops are lost; any other key cancels`
						: `y resets the cluster to ${replicas} fresh replicas; any other key cancels`,
					'warn',
				);
				break;
			}

			case 'confirm': {
				if (this.#asking === 'reset') {
					this.#asking = undefined;
					this.#reset();
				} else {
					this.#say('nothing to confirm (y answers a question, such as R’s)', 'warn');
				}

				break;
			}

			case 'help': {
				this.#help = !this.#help;
				this.#dirty.add('ui');
				break;
			}

			case 'closeHelp': {
				if (this.#help) {
					this.#help = false;
					this.#dirty.add('ui');
				}

				break;
			}

			case 'quit': {
				this.#quitting = true;
				this.#dirty.add('ui');
				this.#say('stopping the cluster…');
				this.#onQuit?.();
				break;
			}
		}
	}

	// --- Internals ---------------------------------------------------------------

	#attach(bus: Telemetry): void {
		this.#bus = bus;
		const handler = (
			event: EventName,
			measurements: Measurements,
			metadata: Metadata,
			kind: EventKind,
		): void => {
			this.ingest(event, measurements, metadata, kind);
		};

		for (const event of watchedEvents) {
			const id = `${handlerPrefix}:${event.join('.')}`;
			if (bus.listHandlers(event).some((info) => info.id === id)) {
				continue;
			}

			bus.attach(id, event, handler, this.#kindOf(event));
			this.#attachedIds.push(id);
		}
	}

	#kindOf(event: EventName): EventKind {
		return this.#kindOfKey(event.join('.'), event);
	}

	#kindOfKey(key: string, event: EventName = key.split('.')): EventKind {
		let kind = this.#kinds.get(key);
		if (kind === undefined) {
			kind = describeEvent(event);
			this.#kinds.set(key, kind);
		}

		return kind;
	}

	/** A span's end, from the bus (when no report times it): its duration, or an exception. */
	#recordSpan(kind: EventKind, measurements: Measurements): void {
		const role = kind.span;
		if (role === undefined) {
			return;
		}

		if (role.end === 'exception') {
			this.#spans.recordError(role.kind);
		} else {
			const nanos = nanosOf(measurements.duration);
			if (nanos === undefined) {
				this.#spans.addCount(role.kind, 1);
			} else {
				this.#spans.record(role.kind, nanos);
			}
		}

		this.#dirty.add('spans');
	}

	#submit(): void {
		const sequence = ++this.#requestSequence;
		this.#lastRequest = {state: 'pending', sentAt: this.elapsedMs()};
		this.#dirty.add('lastRequest');
		this.#say('submitted a put of a fresh key');
		this.operator.submit().then(
			(outcome) => {
				if (sequence === this.#requestSequence) {
					this.#lastRequest = {state: 'done', outcome};
					this.#dirty.add('lastRequest');
					this.#say(
						`request ${outcome.requestNumber} of client ${outcome.clientId} committed in ${formatMs(outcome.latencyMs)}`,
					);
					this.flush();
				}
			},
			(error: unknown) => {
				if (sequence === this.#requestSequence) {
					this.#lastRequest = {state: 'failed', error: errorText(error)};
					this.#dirty.add('lastRequest');
					this.#say(`request failed: ${errorText(error)}`, 'error');
					this.flush();
				}
			},
		);
	}

	#reset(): void {
		const {replicas} = this.#snapshot;
		this.#say(`resetting the cluster: ${replicas} fresh replicas are starting`);
		this.operator.reset().then(
			() => {
				this.#spans.newCluster();
				this.#say(`the cluster was reset: ${replicas} fresh replicas, nothing committed`);
				this.flush();
			},
			(error: unknown) => {
				this.#say(`reset failed: ${errorText(error)}`, 'error');
				this.flush();
			},
		);
	}

	#select(row: number): void {
		const count = this.#snapshot.nodes.length;
		if (count === 0) {
			return;
		}

		this.#selected = Math.min(count - 1, Math.max(0, row));
		this.#dirty.add('nodes');
	}

	#say(text: string, tone: StatusTone = 'info'): void {
		this.#status = {text, tone, at: this.elapsedMs()};
		this.#dirty.add('status');
	}

	#pollSnapshot(): void {
		let next: ClusterSnapshot;
		try {
			next = this.operator.snapshot();
		} catch (error: unknown) {
			this.#say(`snapshot failed: ${errorText(error)}`, 'error');
			return;
		}

		if (sameSnapshot(next, this.#snapshot)) {
			return;
		}

		this.#snapshot = next;
		if (this.#selected >= next.nodes.length) {
			this.#selected = Math.max(0, next.nodes.length - 1);
		}

		this.#dirty.add('header');
		this.#dirty.add('nodes');
		this.#dirty.add('alert');
	}

	#sampleRates(): void {
		const at = this.#now();
		this.#samples.push({at, acked: this.#snapshot.acked, events: this.#events});
		while (this.#samples.length > 2 && at - this.#samples[1]!.at >= rateWindowMs) {
			this.#samples.shift();
		}
	}

	#rate(field: 'acked' | 'events'): number {
		const first = this.#samples[0];
		const last = this.#samples.at(-1);
		if (first === undefined || last === undefined || last.at - first.at < 250) {
			return 0;
		}

		return ((last[field] - first[field]) * 1000) / (last.at - first.at);
	}

	#publish(): void {
		if (this.#dirty.size === 0) {
			return;
		}

		const view = {...this.#view};
		for (const slice of this.#dirty) {
			switch (slice) {
				case 'header': {
					view.header = this.#buildHeader();
					break;
				}

				case 'nodes': {
					view.nodes = this.#buildNodes();
					break;
				}

				case 'feed': {
					view.feed = this.#buildFeed();
					break;
				}

				case 'spans': {
					view.spans = this.#buildSpans();
					break;
				}

				case 'lastRequest': {
					view.lastRequest = this.#lastRequest;
					break;
				}

				case 'status': {
					view.status = this.#status;
					break;
				}

				case 'ui': {
					view.ui = this.#buildUi();
					break;
				}

				case 'alert': {
					const alert = this.#buildAlert();
					if (alert.text !== view.alert.text) {
						view.alert = alert;
					}

					break;
				}
			}
		}

		this.#dirty.clear();
		this.#view = view;
		for (const listener of this.#listeners) {
			listener();
		}
	}

	#buildHeader(): HeaderSlice {
		const snapshot = this.#snapshot;
		const configuration = new Configuration(Math.max(1, snapshot.replicas));
		return {
			replicas: snapshot.replicas,
			f: configuration.f,
			quorum: configuration.quorum,
			view: snapshot.view,
			primary: snapshot.primary,
			commit: snapshot.commit,
			requestsPerSecond: this.#rate('acked'),
			acked: snapshot.acked,
			events: this.#events,
			eventsPerSecond: this.#rate('events'),
			elapsedMs: this.elapsedMs(),
			paused: snapshot.paused,
			held: snapshot.held,
			load: snapshot.load,
			dropRate: snapshot.dropRate,
			delayMs: snapshot.delayMs,
			outsideFailureModel: snapshot.outsideFailureModel,
		};
	}

	#buildNodes(): NodesSlice {
		const {nodes, view} = this.#snapshot;
		// The primary of the cluster's view; an older view's primary that was cut off is stale.
		const primary = nodes.find(
			(node) => node.isPrimary && node.status === 'normal' && node.view === view,
		);
		return {
			nodes: nodes.map((node) => ({
				...node,
				lag:
					primary === undefined || node.status === 'crashed'
						? undefined
						: Math.max(0, primary.op - node.op),
				stalePrimary: node.isPrimary && node.status === 'normal' && node.view < view,
			})),
			selected: this.#selected,
		};
	}

	#buildFeed(): FeedSlice {
		return this.#feed.view();
	}

	#buildSpans(): SpansSlice {
		return {rows: this.#spans.rows()};
	}

	#buildUi(): UiSlice {
		return {help: this.#help, quitting: this.#quitting};
	}

	#buildAlert(): AlertSlice {
		return {text: stuckWords(this.#snapshot)};
	}
}
