/**
What the panes read: the store's view, one slice per pane (or per concern, such as the overlay).
Each component reads one slice (`useSlice`) and renders again only when that slice changes.
A new pane's slice is a field here, its builder in `view-builders.ts` (the compiler asks for
it), and a `touch` wherever its data changes.
*/
import type {InFlightMessage, NodeInfo, RequestOutcome} from '../cluster/operator-api.js';
import type {CaptionState} from '../lessons/lesson-show.js';
import type {DiagramRow} from './diagram.js';
import type {FeedSlice} from './feed.js';
import type {Focus} from './keymap.js';
import type {NarrationEntry} from './narration-log.js';
import type {SpanRow} from './span-timings.js';

export type {FeedEntry, FeedSlice} from './feed.js';
/** What the timeline bar marks, at the point where it first shows. */
export type MarkKind = 'view' | 'crash' | 'restart' | 'partition' | 'heal';

export type TimelineMark = {
	/** The point (after this many messages) where it shows. */
	readonly point: number;
	readonly kind: MarkKind;
};

/** What the timeline bar shows. */
export type TravelSlice = {
	/** A deterministic session: the bar is on the screen. */
	readonly shown: boolean;
	/** The point shown (after this many messages); undefined: the present. */
	readonly point: number | undefined;
	/** Messages delivered in this timeline so far. */
	readonly length: number;
	readonly marks: readonly TimelineMark[];
	/** Timelines forked so far, and the point the current one forked from. */
	readonly forks: number;
	readonly forkedAt: number | undefined;
	readonly forking: boolean;
	readonly full: boolean;
};

/** What the drop, delay and jitter keys act on. */
export type FaultTarget = 'network' | 'node' | 'link';

/** What the lower part of the screen shows. */
export type LowerPane = 'feed' | 'diagram';

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
	/** The seed of a deterministic session, or undefined: live. */
	readonly seed: number | undefined;
	/** Attached to a running cluster of replica servers: its cluster file (`--attach FILE`). */
	readonly attached?: string | undefined;
	readonly speed: number;
	readonly virtualTimeMs: number;
	readonly inFlight: number;
	/** What the drop, delay and jitter keys act on, and its settings. */
	readonly faults: FaultsShown;
};

/** The fault settings the network keys change now: the whole network's, a node's or a link's. */
export type FaultsShown = {
	readonly target: FaultTarget;
	/** `n2`, `0→2`, `0→1,2`; empty for the whole network. */
	readonly name: string;
	readonly dropRate: number;
	readonly delayMs: number;
	/** Undefined where there is no such setting (the whole network's jitter is not a key's). */
	readonly jitterMs: number | undefined;
};

export type NodeRow = NodeInfo & {
	/** Ops behind the primary; undefined for a crashed node or when there is no primary. */
	readonly lag: number | undefined;
	/** It believes it is the primary of a view older than the cluster's (cut off, not yet told). */
	readonly stalePrimary: boolean;
	/** Marked for a partition (`a`). */
	readonly marked: boolean;
	/** Fault settings of the links from it (`→2 drop 50%`), when some were set. */
	readonly links: string;
};

export type NodesSlice = {
	readonly nodes: readonly NodeRow[];
	/** The selected row. */
	readonly selected: number;
	/** The replicas keep their logs on disk (`--data-dir`): the table shows each one's durable op. */
	readonly durable: boolean;
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

export type UiSlice = {
	readonly help: boolean;
	/** The overlay's page, while it is open. */
	readonly helpPage: number;
	readonly quitting: boolean;
	readonly lower: LowerPane;
	readonly narration: boolean;
	readonly messagesShown: boolean;
	readonly focus: Focus;
	/** The lesson list (`g`) is open with this row chosen (undefined: closed). */
	readonly lessonList: number | undefined;
};

/** The caption pane: the lesson on the screen (undefined: none). */
export type CaptionSlice = CaptionState | undefined;

/** The message pane: the messages in flight, in delivery order (heartbeats left out when hidden). */
export type MessagesSlice = {
	readonly messages: readonly InFlightMessage[];
	/** The selected message's number. */
	readonly selected: number | undefined;
	readonly focused: boolean;
	/** Every message in flight, hidden ones included. */
	readonly inFlight: number;
	readonly heartbeatsHidden: boolean;
	readonly paused: boolean;
	/** Digits typed for a message's number. */
	readonly typed: string;
};

/** The sequence diagram: its rows, oldest first, and how far it is scrolled back. */
export type DiagramSlice = {
	readonly rows: readonly DiagramRow[];
	readonly replicas: number;
	readonly scroll: number;
	/** Messages drawn since the start. */
	readonly messages: number;
	readonly heartbeatsHidden: boolean;
	/** The cluster reports its messages (the diagram follows the run). */
	readonly listening: boolean;
};

/** The narrated feed: the newest sentences first. */
export type NarrationSlice = {
	readonly entries: readonly NarrationEntry[];
	readonly heartbeatsHidden: boolean;
	readonly listening: boolean;
};

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
	readonly messages: MessagesSlice;
	readonly diagram: DiagramSlice;
	readonly narration: NarrationSlice;
	readonly caption: CaptionSlice;
	/** The timeline bar of a seeded session (time travel). */
	readonly travel: TravelSlice;
};

export type SliceName = keyof View;

/** Marks a slice as changed: the next frame (or flush) rebuilds and publishes it. */
export type Touch = (slice: SliceName) => void;
