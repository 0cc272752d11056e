import type {Reply, ReplicaMessage, Request} from '../vsr/messages.js';

/**
The IPC protocol between the process cluster and a replica child process (Node IPC,
`serialization: 'json'`). Messages are batched: one IPC message carries every protocol message
a process has for another at that moment, and the ticks that are due, so the cost of a send (a
syscall, a JSON line) is shared by many.

Two ways to drive a replica. Live: `deliver` batches (messages, then ticks) whenever they are
due, and the child answers with batches of its own when its turn of the event loop ends. In
rounds: a `round` lists inputs at virtual times (messages, a tick, a forced timeout); the child
takes them in order and answers at once with what each input made it send. A seeded session
runs on rounds only; a live one uses them to step through a paused cluster.
*/

/** What travels to a replica. */
export type ReplicaBound = Request | ReplicaMessage;

/** Milliseconds of virtual time per replica tick (the core's timeouts assume 10 ms). */
export const tickMs = 10;

/**
 * Real processes on a busy machine miss ticks (a loaded 2-core box can stall
 * one for most of a second), so a backup waits 1 to 2 s for its primary
 * before it starts a view change, instead of the core's 0.5 to 1 s.
 */
export const processTimeouts = {primary: 100, viewChange: 100} as const;

export type ChildMode = 'replica' | 'relay';

/** How a child forwards its telemetry. */
export type TelemetryMode = {
	/** Every event in full (for `--events`); otherwise counts, histograms and a bounded sample. */
	readonly full: boolean;
	/** Full events a second, at most, of the frequent protocol events in sampled mode. */
	readonly feedRate: number;
	/** Full events a second, at most, of the rare ones (view changes, recovery, errors …). */
	readonly rareRate: number;
	/** Durations a second, at most, recorded of the spans sampled at full load (state-machine operations). */
	readonly durationRate: number;
	/** Wall-clock ms between telemetry reports. */
	readonly reportMs: number;
};

/** The child's configuration, passed as one JSON argument. */
export type ChildConfig = {
	readonly mode: ChildMode;
	readonly id: number;
	readonly replicaCount: number;
	/** How many times this replica id was started before. */
	readonly incarnation: number;
	/** A restart: the replica has lost its state and runs the recovery protocol. */
	readonly recovering: boolean;
	/**
	A seeded session's seed: the replica's randomness comes from (seed, id, incarnation), its
	clock is virtual (each input's time), and it is driven by rounds only. Undefined: live.
	*/
	readonly seed?: number | undefined;
	/** Seeded: the virtual time (ns) at which the replica starts. */
	readonly time?: number;
	readonly checkpointInterval?: number;
	readonly telemetry: TelemetryMode;
	/** The replica keeps its log in this directory, every file naming this cluster id (`--data-dir`). */
	readonly storage?: {readonly directory: string; readonly cluster: string} | undefined;
};

export const defaultTelemetryMode: TelemetryMode = {
	full: false,
	feedRate: 200,
	rareRate: 1000,
	durationRate: 2000,
	reportMs: 50,
};

/** One input of a round: its virtual time (ns), and a message, a tick, or a forced timeout. */
export type RoundInput = readonly [time: number, input: ReplicaBound | 'tick' | 'expire'];

/** Process cluster → child. */
export type ToChild =
	/** Live: these messages, then `ticks` ticks (absent: none). */
	| {readonly type: 'deliver'; readonly messages?: readonly unknown[]; readonly ticks?: number}
	/** Take these inputs in order and answer at once: a batch with `round: id` and what each sent. */
	| {readonly type: 'round'; readonly id: number; readonly inputs: readonly RoundInput[]}
	| {readonly type: 'telemetry'; readonly full: boolean}
	/** Send a batch now with the telemetry so far, `flushed: id` and the cumulative `raised` counts. */
	| {readonly type: 'flush'; readonly id: number}
	/** The operator's monotonic clock (ns, a decimal string), answering the child's `clock`. */
	| {readonly type: 'clock'; readonly now: string};

/** Child → operator while it measures its clock offset (`clock-sync.ts`): asks for the operator's clock. */
export type ClockRequest = {type: 'clock'};

/** Status as a tuple: [view, status, op, commit, is primary (0/1), execution digest at commit]. */
export type StatusTuple = [
	view: number,
	status: number,
	op: number,
	commit: number,
	primary: number,
	digest: number,
	/** With storage, the highest op of its log a restart would find; -1 without storage. */
	durable: number,
];

export const statusCodes = ['normal', 'view_change', 'recovering'] as const;

/** Counts and histograms are deltas since the child's previous report. */
export type TelemetryReport = {
	/** Events raised, by name joined with dots (`vsr.protocol.prepare.sent`). */
	counts?: Record<string, number>;
	/** hdr histograms (compressed base64) of the `duration` of span and timed events, in ns. */
	spans?: Record<string, string>;
	/** Events in full, each as `serializeEvent` writes it. */
	events?: string[];
	/** Events raised but not sent in full since the previous report (sampled mode). */
	sampledOut?: number;
};

/**
What a replica sent while taking one input of a round: the input's index, the destination (a
replica id, or -1 for a reply to the client the reply names), the message.
*/
export type RoundOutput = [input: number, to: number, message: ReplicaBound | Reply];

/** Child → process cluster. */
export type FromChild = {
	type: 'batch';
	/** Answers the round with this id: `sent` is what it made the replica send. */
	round?: number;
	sent?: RoundOutput[];
	/** Protocol messages by destination replica (null: none for that one). */
	out?: Array<ReplicaBound[] | null>;
	/** Replies to the operator's clients. */
	replies?: Reply[];
	/** Sent when it changed since the previous batch (always in the first). */
	status?: StatusTuple;
	telemetry?: TelemetryReport;
	/** Answers the telemetry flush (`flushTelemetry`) with this id. */
	flushed?: number;
	/** With `flushed`: every event raised since the child started, by name. */
	raised?: Record<string, number>;
	/** With storage, sent with the telemetry: the log's fdatasyncs since the process started. */
	syncs?: number;
};

export const isRecord = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads the child's argument; throws a TypeError naming what is wrong. */
// eslint-disable-next-line complexity -- a flat list of field checks
export function parseChildConfig(text: string | undefined): ChildConfig {
	let value: unknown;
	try {
		value = JSON.parse(text ?? '');
	} catch {
		throw new TypeError('expected the child configuration as one JSON argument');
	}

	if (!isRecord(value)) {
		throw new TypeError('the child configuration must be a JSON object');
	}

	const {
		mode,
		id,
		replicaCount,
		incarnation,
		recovering,
		seed,
		time,
		checkpointInterval,
		telemetry,
		storage,
	} = value;
	const integer = (x: unknown): x is number =>
		typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
	if (mode !== 'replica' && mode !== 'relay') {
		throw new TypeError(`unknown child mode ${JSON.stringify(mode)}`);
	}

	if (!integer(replicaCount) || replicaCount < 1 || !integer(id) || id >= replicaCount) {
		throw new TypeError('the child needs an id below a replica count from 1 to 9');
	}

	if (!integer(incarnation) || typeof recovering !== 'boolean') {
		throw new TypeError('the child needs an incarnation and the recovering flag');
	}

	if ((seed !== undefined && !integer(seed)) || (time !== undefined && !integer(time))) {
		throw new TypeError('seed and time must be non-negative integers');
	}

	if (
		checkpointInterval !== undefined &&
		(!integer(checkpointInterval) || checkpointInterval < 1)
	) {
		throw new TypeError('checkpointInterval must be a positive integer');
	}

	if (
		!isRecord(telemetry) ||
		typeof telemetry.full !== 'boolean' ||
		!integer(telemetry.feedRate) ||
		!integer(telemetry.rareRate) ||
		!integer(telemetry.durationRate) ||
		!integer(telemetry.reportMs) ||
		telemetry.reportMs < 1
	) {
		throw new TypeError('the child needs a telemetry mode');
	}

	if (
		storage !== undefined &&
		(!isRecord(storage) ||
			typeof storage.directory !== 'string' ||
			typeof storage.cluster !== 'string' ||
			!/^[\da-f]{32}$/v.test(storage.cluster))
	) {
		throw new TypeError('storage needs a directory and a cluster id of 32 hexadecimal digits');
	}

	return {
		mode,
		id,
		replicaCount,
		incarnation,
		recovering,
		storage:
			storage === undefined
				? undefined
				: {directory: String(storage.directory), cluster: String(storage.cluster)},
		seed,
		time,
		checkpointInterval,
		telemetry: {
			full: telemetry.full,
			feedRate: telemetry.feedRate,
			rareRate: telemetry.rareRate,
			durationRate: telemetry.durationRate,
			reportMs: telemetry.reportMs,
		},
	};
}
