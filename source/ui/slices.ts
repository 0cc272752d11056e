/**
What the panes read: the store's view, one slice per pane (or per concern, such as the overlay).
Each component reads one slice (`useSlice`) and renders again only when that slice changes.
A new pane's slice is a field here, its builder in `view-builders.ts` (the compiler asks for
it), and a `touch` wherever its data changes.
*/
import type {NodeInfo, RequestOutcome} from '../cluster/operator-api.js';
import type {FeedSlice} from './feed.js';
import type {SpanRow} from './span-timings.js';

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

export type SliceName = keyof View;

/** Marks a slice as changed: the next frame (or flush) rebuilds and publishes it. */
export type Touch = (slice: SliceName) => void;
