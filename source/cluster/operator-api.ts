import type {LinkFaults} from '../net/network-model.js';
import type {Telemetry} from '../telemetry/telemetry.js';
import type {KvOperation} from '../vsr/kv-store.js';
import type {Message} from '../vsr/messages.js';
import type {Result} from '../vsr/state-machine.js';
import type {LoggedAction} from './action-log.js';

export {type LinkFaults, noFaults} from '../net/network-model.js';

/** A node as the operator sees it: a replica's status, or starting, or crashed. */
export type NodeStatus = 'starting' | 'normal' | 'view_change' | 'recovering' | 'crashed';

/** A node's own network state. */
export type NodeNetwork = {
	/** Cut off from every other replica (both directions). */
	readonly isolated: boolean;
	/** On one side of a partition (and not isolated). */
	readonly partitioned: boolean;
	/** Hears nothing from the other replicas (clients still reach it). */
	readonly deaf: boolean;
	/** What it sends to the other replicas is lost (its replies still reach clients). */
	readonly mute: boolean;
	/** Frozen by the operator: its process is stopped (as by a long GC pause) until thawed. */
	readonly frozen: boolean;
	/** Its side's label while the replicas are partitioned (`A`, `B` …; undefined: no partition). */
	readonly side: string | undefined;
	/** Per-node fault settings (the global ones apply on top). */
	readonly dropRate: number;
	readonly delayMs: number;
	readonly jitterMs: number;
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
	/** With a data directory, the highest op of its log that a restart would find (as last reported); undefined without one. */
	readonly durableOp?: number | undefined;
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
	/** Time is stopped: no tick, no delivery, until `resume()`; `deliverNext()` and `advanceTick()` step. */
	readonly paused: boolean;
	/** Messages in flight while paused (0 while time runs). */
	readonly held: number;
	/** The seed of a seeded (deterministic) session; undefined: live. */
	readonly seed: number | undefined;
	/** How fast virtual time runs against wall time: 1, 0.5, 0.2, 0.1, 0.05, 0.02 or 0.01. */
	readonly speed: number;
	/** Virtual time since the cluster started, in ms. */
	readonly virtualTimeMs: number;
	/** Messages in flight (held included). */
	readonly inFlight: number;
	readonly dropRate: number;
	readonly delayMs: number;
	/** Steady load is on. */
	readonly load: boolean;
	/** Requests acknowledged since the start. */
	readonly acked: number;
	/** The cluster's data directory (`--data-dir`): its replicas keep their logs on disk. Undefined: in memory. */
	readonly dataDir?: string | undefined;
	/** More than f replicas are crashed or recovering: VR promises nothing now (no stable storage). */
	readonly outsideFailureModel: boolean;
	/** A lesson or a replay plays the run's rounds: paused, `deliverNext` plays on to the next delivered message, ticks included. */
	readonly played?: boolean;
	/** Attached to a running cluster of replica servers (`--attach FILE`): the cluster file. */
	readonly attached?: string | undefined;
};

/** The speeds time can run at, against wall time (`setSpeed`). */
export {speeds} from './virtual-clock.js';

/** A replica id, or the operator's clients. */
export type Endpoint = number | 'client';

/** A message on its way, as the operator shows it. */
export type InFlightMessage = {
	/** Its number (`#41`): stable while it is in flight. */
	readonly id: number;
	readonly from: Endpoint;
	readonly to: Endpoint;
	/** `prepare`, `prepare_ok`, `request`, `reply`, … */
	readonly type: Message['type'];
	readonly view: number | undefined;
	/** The op it carries or acks (the commit number for `commit`). */
	readonly op: number | undefined;
	/** `Prepare v0 op 3`, `PrepareOk v0 op 3`, `Request c1#4`. */
	readonly label: string;
	/** Virtual ms until it is due; undefined while held (no due time). */
	readonly dueInMs: number | undefined;
	/** A Commit sent as a heartbeat, or other timer traffic (an ack of nothing new, a resent Prepare). */
	readonly heartbeat: boolean;
};

/** A message delivered or dropped: for a sequence diagram and narration. */
export type MessageEvent = {
	readonly kind: 'delivered' | 'dropped';
	/** Virtual ms since the start. */
	readonly at: number;
	readonly message: InFlightMessage;
	/** The protocol message itself (a DoViewChange's log and last normal view …); optional for other drivers. */
	readonly content?: Message;
	/** For drops: `drop rate`, `partition`, `isolated`, `deaf`, `mute`, `cut`, `crashed`, `by operator`. */
	readonly reason?: string;
};

/** One message delivered by hand, and what the receiver did, in words. */
export type DeliveryReport = {
	readonly message: InFlightMessage;
	/** `['appended op 3', 'sent PrepareOk']`. */
	readonly caused: readonly string[];
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

/** Who watches a fork being made: its own bus before it starts, the cluster before its first round. */
export type ForkWatcher = {
	/** Called with the fork's own bus before its replicas start: the replay of the past comes on it. */
	readonly bus?: (telemetry: Telemetry) => void;
	/** Called with the fork once it is up, before its first round: its messages and reports can be listened to. */
	readonly started?: (cluster: ForkedCluster) => void;
};

/** What a fork offers its watcher once it is up: enough to follow the new timeline. */
export type ForkedCluster = Pick<OperatorControls, 'snapshot' | 'inFlight' | 'onMessage'> & {
	/** Calls `listener` with every replica's telemetry report; returns the unsubscribe. */
	onTelemetryReport(listener: (summary: TelemetrySummary) => void): () => void;
	/** The operator's actions in the new timeline so far. */
	actions(): readonly LoggedAction[];
};

/** A seeded session that can fork: its action log so far, and a new timeline from a point of its past. */
export type Forkable = {
	/** Timelines forked so far. */
	readonly forks: number;
	/** The operator's actions so far in the current timeline, each at its virtual time. */
	actions(): readonly LoggedAction[];
	/** Replaces the cluster by fresh processes played to `point`: a new timeline starts there. */
	fork(point: ForkPoint, watch?: ForkWatcher): Promise<void>;
};

/**
A point of a seeded run to fork from: the operator's actions taken before it (a prefix of the
run's action log) and how many messages had been delivered there. Replayed on the same seed, the
actions and the rounds give the same run up to that point; from there, new actions make a new one.
*/
export type ForkPoint = {
	readonly actions: readonly LoggedAction[];
	/** Messages delivered before the point (a round's messages come together: at least these). */
	readonly delivered: number;
	/** Virtual ns where the rounds stood when the last of them was delivered (0: none was). */
	readonly at: number;
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
	/**
	 * Optional (added for time travel): a seeded session that can fork a new timeline from its
	 * past (`ForkingCluster`); undefined or absent: it cannot.
	 */
	forkable?(): Forkable | undefined;
	/** Resolves with the reply; a put of a fresh key when no operation is given. */
	submit(operation?: KvOperation): Promise<RequestOutcome>;
	/** Queues `count` puts of fresh keys, sent as clients become free. */
	burst(count: number): void;
	/** Steady load on or off: every free client sends the key-value workload. */
	setLoad(on: boolean): void;
	/** Kills a replica's process at once (SIGKILL): it loses its memory. */
	crash(node: number): void;
	/** A new process for the replica, which recovers its state from the others (with a data directory, from its disk). */
	restart(node: number): void;
	/** Kills every replica's process at once (SIGKILL), as a power cut would. */
	crashAll(): void;
	/** A new process for every crashed replica. */
	restartAll(): void;
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
	/** Stops time: no tick, no delivery, nothing times out, however long. */
	pause(): void;
	/** Time runs again. */
	resume(): void;
	/** Virtual time runs at this share of wall time: 1, 0.5, 0.2, 0.1, 0.05, 0.02 or 0.01. */
	setSpeed(speed: number): void;
	/** The messages in flight, in delivery order (the first `limit`). */
	inFlight(limit?: number): InFlightMessage[];
	/** Paused: delivers the first message in flight now; undefined when none is. */
	deliverNext(): Promise<DeliveryReport | undefined>;
	/** Delivers the message numbered `id` now, out of its turn; undefined when it is not in flight. */
	deliver(id: number): Promise<DeliveryReport | undefined>;
	/** Drops the message numbered `id`; false when it is not in flight. */
	drop(id: number): boolean;
	/** Paused: one tick of time passes, and what falls due is delivered. */
	advanceTick(): Promise<readonly DeliveryReport[]>;
	/** The replica's timeout fires now: a backup asks for a view change, a primary sends its heartbeat. */
	forceTimeout(node: number): void;
	/** A deaf replica hears nothing from the others (clients still reach it). */
	setDeaf(node: number, on: boolean): void;
	/** What a mute replica sends to the others is lost. */
	setMute(node: number, on: boolean): void;
	/** Freezes a replica (SIGSTOP: it takes no input, its clock stops) or thaws it (SIGCONT). */
	freeze(node: number, on: boolean): void;
	/** Cuts (or mends) one direction of the link between two replicas. */
	setCut(from: number, to: number, on: boolean): void;
	/** Any fault setting (drop, delay, jitter, duplicate, reorder) of what one replica sends and receives. */
	setNodeFaults(node: number, faults: Partial<LinkFaults>): void;
	/** Any fault setting of the messages from one replica to another (one direction). */
	setLinkFaults(from: number, to: number, faults: Partial<LinkFaults>): void;
	/** The settings of the link from one replica to another. */
	linkFaults(from: number, to: number): LinkFaults;
	/** Calls `listener` with every message delivered or dropped; costs nothing while nobody listens. Returns the unsubscribe. */
	onMessage(listener: (event: MessageEvent) => void): () => void;
	/** An alias of `deliverNext` for older callers: false when nothing was in flight. */
	step(): boolean;
	/** Replaces every replica with a fresh, empty one; resolves when the new cluster is up. */
	reset(): Promise<void>;
	/** Stops every replica; resolves when all are gone. */
	stop(): Promise<void>;
};

/** A cluster of `replicas` before any of them has reported: every node starting, nothing committed. */
export function startingSnapshot(replicas: number, seed?: number): ClusterSnapshot {
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
			network: {
				isolated: false,
				partitioned: false,
				deaf: false,
				mute: false,
				frozen: false,
				side: undefined,
				dropRate: 0,
				delayMs: 0,
				jitterMs: 0,
			},
		})),
		primary: undefined,
		view: 0,
		commit: 0,
		paused: false,
		held: 0,
		seed,
		speed: 1,
		virtualTimeMs: 0,
		inFlight: 0,
		dropRate: 0,
		delayMs: 0,
		load: false,
		acked: 0,
		outsideFailureModel: false,
	};
}
