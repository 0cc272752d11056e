import type {Telemetry} from '../telemetry/telemetry.js';
import type {KvOperation} from '../vsr/kv-store.js';
import type {Result} from '../vsr/state-machine.js';

/** A node as the operator sees it: a replica's status, or starting, or crashed. */
export type NodeStatus = 'starting' | 'normal' | 'view_change' | 'recovering' | 'crashed';

/** A node's own network state. */
export type NodeNetwork = {
	/** Cut off from every other replica (both directions). */
	readonly isolated: boolean;
	/** On one side of a partition (and not isolated). */
	readonly partitioned: boolean;
	/** Per-node fault settings (the global ones apply on top). */
	readonly dropRate: number;
	readonly delayMs: number;
};

/** One row of the node table. */
export type NodeInfo = {
	readonly id: number;
	/** The OS process id while the replica runs; undefined when crashed. */
	readonly pid: number | undefined;
	readonly status: NodeStatus;
	readonly isPrimary: boolean;
	readonly view: number;
	readonly op: number;
	readonly commit: number;
	/** How many times this replica was started before (its incarnation). */
	readonly restarts: number;
	readonly network: NodeNetwork;
};

/** The whole cluster at one moment: what `snapshot()` returns. */
export type ClusterSnapshot = {
	readonly replicas: number;
	readonly nodes: readonly NodeInfo[];
	/** The primary of the highest view that some normal replica is in. */
	readonly primary: number | undefined;
	readonly view: number;
	readonly commit: number;
	/** Delivery is paused: messages wait until `step()` or `resume()`. */
	readonly paused: boolean;
	/** Messages held while paused. */
	readonly held: number;
	readonly dropRate: number;
	readonly delayMs: number;
	/** Steady load is on. */
	readonly load: boolean;
	/** Requests acknowledged since the start. */
	readonly acked: number;
	/** More than f replicas are crashed or recovering: VR promises nothing now (no stable storage). */
	readonly outsideFailureModel: boolean;
};

/** A request's reply, with the client and request number that carried it and its latency. */
export type RequestOutcome = {
	readonly clientId: number;
	readonly requestNumber: number;
	readonly operation: KvOperation;
	readonly result: Result;
	readonly latencyMs: number;
};

/**
 * What one replica summarised in a telemetry report, instead of forwarding every
 * event in full (the bus carries a bounded sample at full load). Deltas since
 * that replica's previous report.
 */
export type TelemetrySummary = {
	readonly node: number;
	/** Events raised, by name joined with dots (`vsr.protocol.prepare.sent`), forwarded in full or not. */
	readonly counts?: Readonly<Record<string, number>>;
	/** hdr-histogram-js histograms (compressed base64) of the `duration` measurement, in ns, by event name. */
	readonly spans?: Readonly<Record<string, string>>;
};

/**
What the operator (the process cluster and its network) offers to whoever drives it: the TUI,
the headless `run` and `bench` modes, tests, and your own front end. A driver reads `snapshot()`
and the telemetry bus, and calls the actions; it never reaches into processes or protocol state.
*/
export type OperatorControls = {
	/** The operator's bus: every replica's events arrive here (with their original metadata) plus `vsr_tui.operator.*`. */
	readonly telemetry: Telemetry;
	/** The cluster now: every node's status, view, op and commit, the network's settings. */
	snapshot(): ClusterSnapshot;
	/**
	 * Optional (added for the UI): calls `listener` with every replica's telemetry report,
	 * so that a driver counts and times every event while the bus carries a sample.
	 * Without it, the events on the bus are all there is. Returns the unsubscribe.
	 */
	onTelemetryReport?(listener: (summary: TelemetrySummary) => void): () => void;
	/** Resolves with the reply; a put of a fresh key when no operation is given. */
	submit(operation?: KvOperation): Promise<RequestOutcome>;
	/** Queues `count` puts of fresh keys, sent as clients become free. */
	burst(count: number): void;
	/** Steady load on or off: every free client sends the key-value workload. */
	setLoad(on: boolean): void;
	/** Kills a replica's process at once (SIGKILL): it loses its memory. */
	crash(node: number): void;
	/** A new process for the replica, which recovers its state from the others. */
	restart(node: number): void;
	/** Cuts a replica off from the others, both ways (clients still reach it). */
	isolate(node: number): void;
	/** Splits the replicas into two sides that cannot reach each other. */
	partition(sideA: readonly number[], sideB: readonly number[]): void;
	/** Ends every isolation and partition. */
	heal(): void;
	/** Drops this share (0 to 1) of every message. */
	setDropRate(rate: number): void;
	/** Delays every message by this many milliseconds. */
	setDelay(ms: number): void;
	/** Holds every message until `resume()`, or `step()` for one at a time. */
	pause(): void;
	/** Delivers the held messages and stops holding. */
	resume(): void;
	/** Delivers the next held message; false when none is held. */
	step(): boolean;
	/** Replaces every replica with a fresh, empty one; resolves when the new cluster is up. */
	reset(): Promise<void>;
	/** Stops every replica; resolves when all are gone. */
	stop(): Promise<void>;
};

/** A cluster of `replicas` before any of them has reported: every node starting, nothing committed. */
export function startingSnapshot(replicas: number): ClusterSnapshot {
	return {
		replicas,
		nodes: Array.from({length: replicas}, (_, id) => ({
			id,
			pid: undefined,
			status: 'starting',
			isPrimary: false,
			view: 0,
			op: 0,
			commit: 0,
			restarts: 0,
			network: {isolated: false, partitioned: false, dropRate: 0, delayMs: 0},
		})),
		primary: undefined,
		view: 0,
		commit: 0,
		paused: false,
		held: 0,
		dropRate: 0,
		delayMs: 0,
		load: false,
		acked: 0,
		outsideFailureModel: false,
	};
}
