// Longer than our ~700-line rule, on purpose: the cluster's time, network and processes share
// one state (what is in flight, who is up, when it is); what has a life of its own lives beside
// it: the round player, the clock, the node table's processes, the action log, the reports.
import {KvCommands} from '../check/kv-commands.js';
import {type Address, clientAddress, clientOf, isClient} from '../net/address.js';
import type {InFlightEntry} from '../net/in-flight.js';
import {messageLabel, messageOp, messageView} from '../net/message-label.js';
import {type LinkFaults, NetworkModel} from '../net/network-model.js';
import {type Round, RoundScheduler} from '../net/scheduler.js';
import {TimerTraffic} from '../net/timer-traffic.js';
import {events, operatorEvents, vsrEventName} from '../telemetry/catalogue.js';
import {type EventName, type Metadata, Telemetry} from '../telemetry/telemetry.js';
import {VsrTelemetry} from '../telemetry/vsr-telemetry.js';
import {Configuration} from '../vsr/configuration.js';
import type {KvOperation} from '../vsr/kv-store.js';
import type {Message, Reply, Send} from '../vsr/messages.js';
import {Prng, mixSeed} from '../vsr/prng.js';
import type {OtlpExport} from '../otel/otlp.js';
import {type ActionName, type LoggedAction, replay} from './action-log.js';
import {ChildProcess, type ChildExit} from './child-process.js';
import {ClientPool} from './client-pool.js';
import {type ReplicaState, type Sent, describeChange, describeSends} from './delivery-report.js';
import {clusterEvents} from './events.js';
import {standing} from './failure-model.js';
import {
	type ChildConfig,
	type FromChild,
	type RoundInput,
	type TelemetryMode,
	defaultTelemetryMode,
	isRecord,
	statusCodes,
	tickMs,
} from './ipc.js';
import type {
	ClusterSnapshot,
	DeliveryReport,
	InFlightMessage,
	MessageEvent,
	NodeInfo,
	NodeStatus,
	OperatorControls,
	RequestOutcome,
	TelemetrySummary,
} from './operator-api.js';
import {type SpanTiming, TelemetryForwarding} from './telemetry-forwarding.js';
import {VirtualClock} from './virtual-clock.js';

/** How to start a process cluster (`ProcessCluster.start`). */
export type ProcessClusterOptions = {
	readonly replicas: number;
	/** Concurrent clients (default 8). */
	readonly clients?: number;
	/** The bus every event reaches (default: a new one). */
	readonly telemetry?: Telemetry;
	/** Every event (from every replica and the operator) as one NDJSON line; implies full events. */
	readonly events?: (line: string) => void;
	/** Children send every event in full instead of counts, histograms and a sample. */
	readonly fullEvents?: boolean;
	/** Sampled mode: full events a second per replica for the feed (default 200). */
	readonly feedRate?: number;
	/** Sampled mode: durations a second per replica recorded of state-machine operations (default 2000). */
	readonly durationRate?: number;
	readonly checkpointInterval?: number;
	/** Live: uniform in [0, 1), for the network's faults and the load (default `Math.random`). */
	readonly random?: () => number;
	/**
	A seeded session: lockstep rounds of virtual time, every replica's randomness, the network's,
	the clients' and the load's drawn from this seed. The same seed and the same actions at the
	same virtual times (`actions`) give the same run, event for event. Undefined: live.
	*/
	readonly seed?: number | undefined;
	/** Start with time stopped (see `pause`). */
	readonly paused?: boolean;
	/** Start at this speed (default 1; see `setSpeed`). */
	readonly speed?: number;
	/** Seeded: actions to take at their virtual times, as `actions()` logged them (a replay). */
	readonly actions?: readonly LoggedAction[];
	/** How long each replica may take to come up (default 15 s). */
	readonly startTimeoutMs?: number;
	/**
	Export spans and metrics over OTLP/HTTP to the collector at this URL (see `startOtlpExport`
	in `vsr-tui/otel`); every replica then sends every event in full, so that every span is whole.
	*/
	readonly otlp?: string | undefined;
};

/** What the network did to the messages so far. */
export type NetworkStats = {
	delivered: number;
	dropped: number;
	blocked: number;
	duplicated: number;
	delayed: number;
};

type NodeState = {
	readonly id: number;
	child: ChildProcess | undefined;
	/** Times restarted; the running process's incarnation. */
	restarts: number;
	/** The child has reported its status at least once. */
	reported: boolean;
	status: 'normal' | 'view_change' | 'recovering';
	view: number;
	op: number;
	commit: number;
	isPrimary: boolean;
	/** The execution digest at `commit` (replicas at the same commit agree on it). */
	digest: number;
	/** How the last process ended, when it ended on its own. */
	lastExit: ChildExit | undefined;
};

type Waiter = {resolve: () => void; nodes: Set<number>};

/**
 * What each replica says it raised, by node, and (`counted`) what the process cluster had counted
 * of it at the same moment: the answer to `flushTelemetry` and the counts travel in one batch, and
 * the replicas go on raising events (heartbeats) after it.
 */
export type FlushResult = ReadonlyMap<number, Readonly<Record<string, number>>> & {
	readonly counted: ReadonlyMap<number, Readonly<Record<string, number>>>;
};

/** One replica's part of a round: its inputs, and for each the message in flight it delivers. */
type Part = {
	readonly node: number;
	readonly inputs: RoundInput[];
	readonly entries: Array<InFlightEntry<Message> | undefined>;
};

/** A delivered message of a round, and what it made its receiver do. */
type Delivered = {readonly entry: InFlightEntry<Message>; readonly caused: string[]};

/**
The rounds of a seeded session: 0.25 ms of virtual time (a fortieth of a tick). Each round costs
an IPC round trip, and a request needs three or four on a clean network (request, Prepare,
PrepareOk, reply), so the slice sets how fast a loaded session may go: here, under steady load,
0.5 ms slices made 3,900 requests a second with virtual time keeping pace, 0.25 ms 5,900 with
virtual time at about three quarters of wall time, 0.1 ms 9,200 at under half (live: 11,700).
*/
export const seededSliceNs = 250_000;

/** A seeded session that cannot keep up with its speed falls behind by at most this, then runs slower. */
const maxLagNs = 50_000_000;

const tickNs = tickMs * 1_000_000;

const statusOf = (node: NodeState): ReplicaState => node;

/**
The process cluster: it starts one child process per replica, is their network and their clock,
runs the clients, and keeps the node table from what the children report. It implements
`OperatorControls` for the terminal operator, the headless `run` and `bench`, the tests and any
front end.

Every protocol message goes child → this process → child, through `route`: a message must name
the replica (and incarnation) of the process it came from; it passes through the network model
and waits in flight until it is due. Time is this process's: replicas tick when it says so.

- **Live** (no seed): time runs at `speed` × wall time. Ticks go out every 10 ms of it, in the
  same IPC batch as the messages; with a clean network messages go straight through (the fast
  path), else they wait in flight until due.
- **Seeded**: lockstep rounds (`RoundScheduler`): each replica gets the inputs of a slice of
  virtual time in one `round`, answers at once, and the next round starts when every answer is
  in; what they sent is routed in replica order. Rounds keep pace with `speed` × wall time, or
  fall behind it when they cannot keep up. Actions take effect between rounds and are logged.

In either mode, paused, time stands still: no tick, no delivery, nothing times out; the first
message in flight can be delivered (`deliverNext`), any one out of its turn (`deliver`) or
dropped, and time advanced by one tick (`advanceTick`), each as a round. Stop it (`stop()`) when
done: until then its replicas and their IPC keep the process alive.
*/
export class ProcessCluster implements OperatorControls {
	/** Starts the replicas and resolves once every one has reported (rejects if one cannot start). */
	static async start(options: ProcessClusterOptions): Promise<ProcessCluster> {
		const telemetry = options.telemetry ?? new Telemetry();
		// Listening before the first replica reports, so that no span's start is missed.
		const otlp: OtlpExport | undefined =
			options.otlp === undefined
				? undefined
				: await ProcessCluster.exportOtlp(options.otlp, telemetry, () => cluster.eventCounts());
		const cluster: ProcessCluster = new ProcessCluster({...options, telemetry}, otlp);
		try {
			await cluster.waitUntilReady(cluster.startTimeoutMs);
			cluster.begin();
		} catch (error) {
			await cluster.stop();
			throw error;
		}

		return cluster;
	}

	/** Loads the OpenTelemetry SDK only when an export is asked for. */
	private static async exportOtlp(
		url: string,
		telemetry: Telemetry,
		counts: () => Iterable<readonly [string, number]>,
	): Promise<OtlpExport> {
		const {startOtlpExport} = await import('../otel/otlp.js');
		return startOtlpExport({url, telemetry, counts});
	}

	/** The bus every event reaches: the replicas' (with their own metadata) and the operator's. */
	readonly telemetry: Telemetry;
	/** @internal How replica telemetry reaches the bus (the CLI's modes read its totals). */
	readonly forwarding: TelemetryForwarding;
	/** The cluster's size, quorum and f. */
	readonly configuration: Configuration;
	/** @internal The operator's clients (the CLI's `run` feeds them its workload). */
	readonly clients: ClientPool;
	/** The seed of a seeded session; undefined: live. */
	readonly seed: number | undefined;
	private readonly nodes: NodeState[];
	private readonly network: NetworkModel;
	private readonly scheduler: RoundScheduler<Message>;
	private readonly clock = new VirtualClock();
	private readonly timerTraffic: TimerTraffic;
	/** Numbers of the messages in flight that only keep time (heartbeats, repeats). */
	private readonly timerIds = new Set<number>();
	private readonly messageListeners = new Set<(event: MessageEvent) => void>();
	private readonly log: LoggedAction[] = [];
	private readonly replayLog: readonly LoggedAction[];
	private replayed = 0;
	/** Live: messages and ticks for each replica, sent as one IPC message at the end of the turn. */
	private readonly outbox: Message[][];
	private readonly outboxTicks: number[];
	private outboxScheduled = false;
	private tickTimer: NodeJS.Timeout | undefined;
	private releaseTimer: NodeJS.Timeout | undefined;
	private releaseAt = Number.POSITIVE_INFINITY;
	/** Live: ticks sent so far (tick k falls at k × 10 ms of virtual time). */
	private ticks = 0;
	/** The virtual time of the input whose answer is being routed (a round's). */
	private roundTime: number | undefined;
	/** A round (or a step) is being played: actions wait for its end. */
	private playing = false;
	private readonly waitingActions: Array<() => void> = [];
	/** Steps (deliver, advanceTick, forceTimeout) one after the other. */
	private steps: Promise<unknown> = Promise.resolve();
	private roundId = 0;
	private readonly roundAnswers = new Map<number, Map<number, (batch?: FromChild) => void>>();
	private wakeLoop: (() => void) | undefined;
	private loopDone: Promise<void> = Promise.resolve();
	private delivered = 0;
	private load = false;
	private readonly workload: KvCommands;
	private freshKey = 0;
	private readonly telemetryMode: TelemetryMode;
	private readonly checkpointInterval: number | undefined;
	private readonly startTimeoutMs: number;
	private stopped = false;
	private stopping: Promise<void> | undefined;
	private telemetryFlushId = 0;
	/** Telemetry flushes waiting for answers, by id. */
	private readonly telemetryFlushes = new Map<
		number,
		{
			pending: Set<number>;
			raised: Map<number, Record<string, number>>;
			counted: Map<number, Record<string, number>>;
			resolve: () => void;
		}
	>();

	private readyWaiter: Waiter | undefined;
	private started = false;
	private forged = 0;
	/** The cluster was below a quorum at the last look (`failure-model.ts`). */
	private stuck = false;
	private resetting: Promise<void> | undefined;

	private constructor(
		options: ProcessClusterOptions,
		private readonly otlp?: OtlpExport,
	) {
		this.configuration = new Configuration(options.replicas);
		const n = options.replicas;
		this.seed = options.seed;
		this.telemetry = options.telemetry ?? new Telemetry();
		this.forwarding = new TelemetryForwarding(this.telemetry, options.events);
		this.telemetryMode = {
			...defaultTelemetryMode,
			full: options.fullEvents === true || options.events !== undefined || otlp !== undefined,
			feedRate: options.feedRate ?? defaultTelemetryMode.feedRate,
			durationRate: options.durationRate ?? defaultTelemetryMode.durationRate,
		};
		this.checkpointInterval = options.checkpointInterval;
		this.startTimeoutMs = options.startTimeoutMs ?? 15_000;
		this.replayLog = options.actions ?? [];
		const random = (stream: number) => {
			if (options.seed === undefined) {
				return options.random ?? Math.random;
			}

			const prng = new Prng(mixSeed(options.seed, n, stream));
			return () => prng.next();
		};

		this.workload = new KvCommands(random(1), 8);
		this.network = new NetworkModel(n, random(2));
		this.scheduler = new RoundScheduler(this.network, {
			replicaCount: n,
			slice: seededSliceNs,
			tick: tickNs,
		});
		this.timerTraffic = new TimerTraffic(n);
		if (options.speed !== undefined) {
			this.clock.setSpeed(options.speed);
		}

		this.outbox = Array.from({length: n}, () => []);
		this.outboxTicks = Array.from({length: n}, () => 0);
		// The clients' own events (retries) go through the forwarding like the operator's do.
		const clientBus = new Telemetry();
		clientBus.attach(
			'vsr-tui-clients',
			vsrEventName(events.clientRetry),
			(event, measurements, metadata) => {
				this.forwarding.emitLocal(event, {...measurements, ...this.stamp()}, metadata);
			},
		);
		this.clients = new ClientPool({
			count: options.clients ?? 8,
			replicaCount: n,
			telemetry: new VsrTelemetry(clientBus),
			clock: this.seeded ? () => BigInt(Math.round(this.sendTime)) : undefined,
			send: (sends) => {
				this.sendFromClients(sends);
			},
		});
		this.nodes = Array.from({length: n}, (_, id) => ({
			id,
			child: undefined,
			restarts: 0,
			reported: false,
			status: 'normal',
			view: 0,
			op: 0,
			commit: 0,
			isPrimary: false,
			digest: 0,
			lastExit: undefined,
		}));
		for (const node of this.nodes) {
			this.spawn(node, false);
		}

		if (options.paused !== true) {
			this.clock.resume();
		}
	}

	// --- Reading ---------------------------------------------------------------

	/** The cluster now: every node's status, view, op and commit, the network's settings, the time. */
	snapshot(): ClusterSnapshot {
		const nodes = this.nodes.map((node) => this.nodeInfo(node));
		const normal = nodes.filter((node) => node.status === 'normal');
		const view = Math.max(0, ...(normal.length > 0 ? normal : nodes).map((node) => node.view));
		const global = this.network.globalFaults;
		const inFlight = this.scheduler.inFlight.size;
		return {
			replicas: this.nodes.length,
			nodes,
			primary: normal.length > 0 ? this.configuration.primaryOf(view) : undefined,
			view,
			commit: Math.max(0, ...nodes.map((node) => node.commit)),
			paused: this.clock.paused,
			held: this.clock.paused ? inFlight : 0,
			seed: this.seed,
			speed: this.clock.speed,
			virtualTimeMs: this.virtualNow() / 1e6,
			inFlight,
			dropRate: global.dropRate,
			delayMs: global.delayMs,
			load: this.load,
			acked: this.clients.acked,
			// While the cluster (re)starts, its processes are starting, not down.
			outsideFailureModel: this.started && standing(nodes).stuck,
		};
	}

	onTelemetryReport(listener: (summary: TelemetrySummary) => void): () => void {
		return this.forwarding.onReport(listener);
	}

	/** Events counted so far by dotted name, from every replica and the operator. */
	eventCounts(): ReadonlyMap<string, number> {
		return this.forwarding.counts();
	}

	/** Count, p50, p99 and max of every timed event (spans' stop and exception, view change completion). */
	spanTimings(): SpanTiming[] {
		return this.forwarding.spanTimings();
	}

	/** What the network did so far, and how many forged messages it dropped. */
	networkStats(): Readonly<NetworkStats> & {forged: number} {
		return {...this.network.stats, delivered: this.delivered, forged: this.forged};
	}

	/** Each replica's commit number and execution digest there (as last reported): equal commits must have equal digests. */
	commitDigests(): Array<{node: number; commit: number; digest: number; up: boolean}> {
		return this.nodes.map((node) => ({
			node: node.id,
			commit: node.commit,
			digest: node.digest,
			up: node.child !== undefined,
		}));
	}

	/** Why a replica's last process ended, when it was not crashed by the operator. */
	lastExit(node: number): ChildExit | undefined {
		return this.nodes[node]?.lastExit;
	}

	/** The operator's actions so far, each at its virtual time: replayed on the same seed, the same run. */
	actions(): readonly LoggedAction[] {
		return this.log;
	}

	/** The messages in flight, in delivery order (the first `limit`). */
	inFlight(limit?: number): InFlightMessage[] {
		const now = this.virtualNow();
		return this.scheduler.inFlight.list(limit).map((entry) => this.describe(entry, now));
	}

	/** Calls `listener` with every message delivered or dropped; costs nothing while nobody listens. */
	onMessage(listener: (event: MessageEvent) => void): () => void {
		this.messageListeners.add(listener);
		return () => {
			this.messageListeners.delete(listener);
		};
	}

	// --- Requests --------------------------------------------------------------

	async submit(operation?: KvOperation): Promise<RequestOutcome> {
		if (this.stopped) {
			throw new Error('the operator has stopped');
		}

		const op = operation ?? this.freshPut();
		return new Promise((resolve, reject) => {
			this.act('submit', operation === undefined ? [] : [operation], () => {
				this.clients.enqueue({
					operation: op,
					done({result, latency, clientId, requestNumber}) {
						resolve({clientId, requestNumber, operation: op, result, latencyMs: latency / 1e6});
					},
					failed: reject,
				});
			});
		});
	}

	/** Queues `count` puts of fresh keys, sent as clients become free. */
	burst(count: number): void {
		this.act('burst', [count], () => {
			for (let index = 0; index < count; index++) {
				this.clients.enqueue({operation: this.freshPut()});
			}
		});
	}

	/** Steady load on or off: every free client sends the key-value workload. */
	setLoad(on: boolean): void {
		this.act('setLoad', [on], () => {
			this.load = on;
			this.clients.loadSource = on
				? (clientId) => ({operation: this.workload.next(clientId)})
				: undefined;
			if (on) {
				this.clients.dispatch();
			}
		});
	}

	// --- Faults ----------------------------------------------------------------

	/** SIGKILLs a replica's process (it loses its memory). */
	crash(node: number): void {
		const state = this.node(node);
		this.act('crash', [node], () => {
			const {child} = state;
			if (child?.alive) {
				state.child = undefined;
				child.kill('SIGKILL');
				this.outbox[node]!.length = 0;
				this.emit(operatorEvents.operatorCrash, {
					node,
					...this.pidOf(child),
					incarnation: state.restarts,
				});
				this.checkStanding();
			}
		});
	}

	/**
	A new process for the replica, which recovers its state from the others (kills the running
	one first). A lone replica has no one to recover from: it starts empty, and what it had
	committed is gone (reported as `data_lost`).
	*/
	restart(node: number): void {
		const state = this.node(node);
		if (this.stopped) {
			return;
		}

		this.act('restart', [node], () => {
			const lost = this.nodes.length === 1 ? state.commit : 0;
			const {child} = state;
			if (child?.alive) {
				state.child = undefined;
				child.kill('SIGKILL');
				this.outbox[node]!.length = 0;
				this.emit(operatorEvents.operatorCrash, {
					node,
					...this.pidOf(child),
					incarnation: state.restarts,
				});
			}

			state.restarts++;
			this.spawn(state, this.nodes.length > 1);
			this.emit(operatorEvents.operatorRestart, {
				node,
				...this.pidOf(state.child),
				incarnation: state.restarts,
			});
			if (lost > 0) {
				this.emit(clusterEvents.dataLost, {node, commit: lost});
			}

			this.checkStanding();
		});
	}

	/**
	Replaces every replica with a fresh, empty one (a new cluster, view 0, nothing committed): the
	way out when fewer than a quorum hold their state. Requests in flight fail; messages in
	flight are forgotten; the network's fault settings and the steady load stay as they are.
	*/
	async reset(): Promise<void> {
		if (this.stopped) {
			throw new Error('the operator has stopped');
		}

		this.resetting ??= new Promise<void>((resolve, reject) => {
			this.act('reset', [], () => {
				this.replaceEveryReplica().then(resolve, reject);
			});
		}).finally(() => {
			this.resetting = undefined;
		});
		return this.resetting;
	}

	/** Cuts a replica off from the others, both ways (clients still reach it). */
	isolate(node: number): void {
		this.act('isolate', [node], () => {
			this.network.isolate(node);
			this.emit(operatorEvents.operatorIsolate, {node});
		});
	}

	/** Splits the replicas into two sides that cannot reach each other. */
	partition(sideA: readonly number[], sideB: readonly number[]): void {
		this.act('partition', [[...sideA], [...sideB]], () => {
			this.network.partition(sideA, sideB);
			this.emit(operatorEvents.operatorPartition, {side_a: [...sideA], side_b: [...sideB]});
		});
	}

	/** Heals one node (its isolation, deafness, muteness), or every cut of the network. */
	heal(node?: number): void {
		this.act('heal', node === undefined ? [] : [node], () => {
			this.network.heal(node);
			this.emit(operatorEvents.operatorHeal, node === undefined ? {scope: 'all'} : {node});
		});
	}

	/** A deaf replica hears nothing from the others (clients still reach it). */
	setDeaf(node: number, on: boolean): void {
		this.act('setDeaf', [node, on], () => {
			this.network.setDeaf(node, on);
			this.emit(clusterEvents.network, {scope: 'node', node, deaf: on});
		});
	}

	/** What a mute replica sends to the others is lost (its replies still reach clients). */
	setMute(node: number, on: boolean): void {
		this.act('setMute', [node, on], () => {
			this.network.setMute(node, on);
			this.emit(clusterEvents.network, {scope: 'node', node, mute: on});
		});
	}

	/** Drops this share (0 to 1) of every message. */
	setDropRate(rate: number): void {
		this.act('setDropRate', [rate], () => {
			this.network.setGlobal({dropRate: rate});
			this.emit(operatorEvents.operatorDrop, {rate, scope: 'global'});
		});
	}

	/** Delays every message by this many milliseconds (of virtual time). */
	setDelay(ms: number): void {
		this.act('setDelay', [ms], () => {
			this.network.setGlobal({delayMs: ms});
			this.emit(operatorEvents.operatorDelay, {
				ms,
				jitter_ms: this.network.globalFaults.jitterMs,
				scope: 'global',
			});
		});
	}

	/** Drops this share of what one replica sends and receives. */
	setNodeDropRate(node: number, rate: number): void {
		this.act('setNodeDropRate', [node, rate], () => {
			this.network.setNode(node, {dropRate: rate});
			this.emit(operatorEvents.operatorDrop, {rate, scope: 'node', node});
		});
	}

	/** Delays what one replica sends and receives. */
	setNodeDelay(node: number, ms: number): void {
		this.act('setNodeDelay', [node, ms], () => {
			this.network.setNode(node, {delayMs: ms});
			this.emit(operatorEvents.operatorDelay, {ms, scope: 'node', node});
		});
	}

	/** Any fault setting (drop, delay, jitter, duplicate, reorder) globally. */
	setFaults(faults: Partial<LinkFaults>): void {
		this.act('setFaults', [faults], () => {
			this.network.setGlobal(faults);
			this.emit(clusterEvents.network, {scope: 'global', ...faults});
		});
	}

	/** Any fault setting for what one replica sends and receives. */
	setNodeFaults(node: number, faults: Partial<LinkFaults>): void {
		this.act('setNodeFaults', [node, faults], () => {
			this.network.setNode(node, faults);
			this.emit(clusterEvents.network, {scope: 'node', node, ...faults});
		});
	}

	/** Any fault setting for the messages from one replica to another (one direction). */
	setLinkFaults(from: number, to: number, faults: Partial<LinkFaults>): void {
		this.act('setLinkFaults', [from, to, faults], () => {
			this.network.setLink(from, to, faults);
			this.emit(clusterEvents.network, {scope: 'link', from, to, ...faults});
		});
	}

	/** The fault settings that apply to every message. */
	globalFaults(): LinkFaults {
		return this.network.globalFaults;
	}

	/** The settings of the link from one replica to another. */
	linkFaults(from: number, to: number): LinkFaults {
		return this.network.linkFaults(from, to);
	}

	// --- Time ------------------------------------------------------------------

	/** Stops time: no tick, no delivery, nothing times out, however long. */
	pause(): void {
		if (this.clock.paused) {
			return;
		}

		if (!this.seeded) {
			// From here on, steps are rounds on the scheduler's grid, from where time stood.
			this.scheduler.advanceTo(this.clock.now());
		}

		this.clock.pause();
		this.clearTimers();
		this.clock.set(this.scheduler.now);
		this.emit(clusterEvents.pause, {paused: true, held: this.scheduler.inFlight.size}, false);
		this.wakeLoop?.();
	}

	/** Time runs again, from where it stood. */
	resume(): void {
		if (!this.clock.paused) {
			return;
		}

		this.clock.set(this.scheduler.now);
		this.ticks = Math.floor(this.scheduler.now / tickNs);
		this.clock.resume();
		this.emit(clusterEvents.pause, {paused: false, held: 0}, false);
		if (this.started && !this.seeded) {
			this.scheduleTick();
			this.armRelease();
		}

		this.wakeLoop?.();
	}

	/** Virtual time runs at this share of wall time: 1, 0.5, 0.2, 0.1, 0.05, 0.02 or 0.01. */
	setSpeed(speed: number): void {
		this.clock.setSpeed(speed);
		this.emit(clusterEvents.speed, {speed}, false);
		if (this.started && !this.seeded && !this.clock.paused) {
			this.scheduleTick();
			this.releaseAt = Number.POSITIVE_INFINITY;
			this.armRelease();
		}

		this.wakeLoop?.();
	}

	/** Delivers the first message in flight now; undefined when none is. */
	async deliverNext(): Promise<DeliveryReport | undefined> {
		return this.serially(async () => {
			const next = this.scheduler.inFlight.peek();
			return next === undefined ? undefined : this.deliverNow(next.id);
		});
	}

	/** Delivers the message numbered `id` now, out of its turn; undefined when it is not in flight. */
	async deliver(id: number): Promise<DeliveryReport | undefined> {
		return this.serially(async () => this.deliverNow(id));
	}

	/** An alias of `deliverNext` for older callers: false when nothing was in flight. */
	step(): boolean {
		const any = this.scheduler.inFlight.size > 0;
		void this.deliverNext().catch(() => undefined);
		return any;
	}

	/** Drops the message numbered `id`; false when it is not in flight. */
	drop(id: number): boolean {
		const entry = this.scheduler.inFlight.list().find((each) => each.id === id);
		if (entry === undefined) {
			return false;
		}

		this.act('drop', [id], () => {
			const removed = this.scheduler.inFlight.remove(id);
			if (removed !== undefined) {
				this.emitMessage('dropped', removed, this.virtualNow(), 'by operator');
				this.emit(clusterEvents.message, {
					id,
					action: 'drop',
					type: removed.message.type,
					...this.ends(removed),
				});
				this.timerIds.delete(id);
			}
		});
		return true;
	}

	/** Paused: one tick of time passes, and what falls due is delivered. */
	async advanceTick(): Promise<readonly DeliveryReport[]> {
		return this.serially(async () => {
			const reports: DeliveryReport[] = [];
			for (let ticked = false; !ticked && !this.stopped; ) {
				const round = this.scheduler.takeRound(this.scheduler.nextStart());
				for (const {entry, caused} of await this.playRound(round)) {
					reports.push({message: this.describe(entry, entry.due), caused});
				}

				ticked = round.tick;
			}

			if (this.clock.paused) {
				this.clock.set(this.scheduler.now);
			}

			return reports;
		});
	}

	/** The replica's timeout fires now: a backup asks for a view change, a primary sends its heartbeat. */
	forceTimeout(node: number): void {
		this.node(node);
		this.act('forceTimeout', [node], () => {
			this.emit(clusterEvents.timeout, {node});
			void this.serially(async () => {
				const at = this.virtualNow();
				await this.play([{node, inputs: [[at, 'expire']], entries: [undefined]}], [], undefined);
			}).catch(() => undefined);
		});
	}

	// --- Telemetry and tests -----------------------------------------------------

	/** Switches every replica between full events and counts with a sample. */
	setFullEvents(full: boolean): void {
		(this.telemetryMode as {full: boolean}).full = full;
		for (const node of this.nodes) {
			node.child?.send({type: 'telemetry', full});
		}
	}

	/**
	 * Asks every running replica for its telemetry now and resolves when all have
	 * answered (or died): then the counts and histograms here are complete up to
	 * that moment. Resolves with what each replica says it raised since it started.
	 */
	async flushTelemetry(timeoutMs = 5000): Promise<FlushResult> {
		const id = ++this.telemetryFlushId;
		const pending = new Set<number>();
		const raised = new Map<number, Record<string, number>>();
		const counted = new Map<number, Record<string, number>>();
		for (const node of this.nodes) {
			if (node.child?.alive && node.child.send({type: 'flush', id})) {
				pending.add(node.id);
			}
		}

		if (pending.size > 0) {
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, timeoutMs);
				this.telemetryFlushes.set(id, {
					pending,
					raised,
					counted,
					resolve() {
						clearTimeout(timer);
						resolve();
					},
				});
			});
			this.telemetryFlushes.delete(id);
		}

		return Object.assign(raised, {counted});
	}

	/** Sends anything to a replica's IPC channel, as the operator would (for tests of bad input). */
	sendRaw(node: number, message: unknown): boolean {
		return this.node(node).child?.send(message) ?? false;
	}

	/** The OS process id of a replica, or undefined when it is down. */
	pid(node: number): number | undefined {
		const {child} = this.node(node);
		return child?.alive ? child.pid : undefined;
	}

	/** Stops every replica and the clients (their pending requests fail); resolves when all are gone. */
	async stop(): Promise<void> {
		this.stopping ??= this.shutdown();
		return this.stopping;
	}

	/** Resolves once every replica has reported its status once (rejects after `timeoutMs`). */
	async waitUntilReady(timeoutMs: number): Promise<void> {
		const waiting = new Set(this.nodes.filter((node) => !node.reported).map((node) => node.id));
		if (waiting.size === 0) {
			return;
		}

		let timer: NodeJS.Timeout | undefined;
		try {
			await new Promise<void>((resolve, reject) => {
				this.readyWaiter = {resolve, nodes: waiting};
				timer = setTimeout(() => {
					const details = [...waiting]
						.map((id) => {
							const exit = this.nodes[id]?.lastExit;
							return exit
								? `replica ${id} exited (${exit.code ?? exit.signal}): ${exit.stderr.trim()}`
								: `replica ${id}`;
						})
						.join('; ');
					reject(new Error(`replicas did not start within ${timeoutMs} ms: ${details}`));
				}, timeoutMs);
			});
		} finally {
			clearTimeout(timer);
			this.readyWaiter = undefined;
		}

		if (this.stopped) {
			throw new Error('the operator stopped while starting');
		}
	}

	// --- Inside: time ----------------------------------------------------------

	private get seeded(): boolean {
		return this.seed !== undefined;
	}

	/** Virtual ns now: where the rounds are (seeded, or paused), or the live clock. */
	private virtualNow(): number {
		return this.seeded || this.clock.paused ? this.scheduler.now : this.clock.now();
	}

	/** When a message sent now was sent: the input being answered, or now. */
	private get sendTime(): number {
		return this.roundTime ?? this.virtualNow();
	}

	/**
	Time starts: every replica has reported. The first replicas hold still until then (only this
	process ticks them), so a backup whose process came up first does not time out on a primary
	that is still starting.
	*/
	private begin(): void {
		this.started = true;
		this.clock.set(0);
		if (this.seeded) {
			this.loopDone = this.runRounds();
		} else if (!this.clock.paused) {
			this.scheduleTick();
		}
	}

	/** Live: the next tick, at the next multiple of 10 ms of virtual time. */
	private scheduleTick(): void {
		clearTimeout(this.tickTimer);
		if (this.stopped || this.seeded || this.clock.paused) {
			return;
		}

		this.tickTimer = setTimeout(this.onTick, this.clock.wallMsUntil((this.ticks + 1) * tickNs));
	}

	/** Live: every replica that is up ticks, in the same IPC batch as its messages; so do the clients. */
	private readonly onTick = (): void => {
		// A late timer does not send the ticks it missed in a burst: they would fire every timeout at once.
		this.ticks = Math.max(this.ticks + 1, Math.floor(this.clock.now() / tickNs));
		for (const node of this.nodes) {
			if (node.reported && node.child !== undefined) {
				this.outboxTicks[node.id] = 1;
			}
		}

		this.scheduleOutbox();
		this.clients.tick();
		this.scheduleTick();
	};

	/** Live: wakes when the first message in flight is due. */
	private armRelease(): void {
		if (this.seeded || this.clock.paused || this.stopped) {
			return;
		}

		const due = this.scheduler.inFlight.nextDue();
		if (due >= this.releaseAt) {
			return;
		}

		clearTimeout(this.releaseTimer);
		this.releaseAt = due;
		if (due !== Number.POSITIVE_INFINITY) {
			this.releaseTimer = setTimeout(this.release, this.clock.wallMsUntil(due));
		}
	}

	/** Live: delivers every message that is due. */
	private readonly release = (): void => {
		this.releaseAt = Number.POSITIVE_INFINITY;
		const now = this.clock.now();
		const {inFlight} = this.scheduler;
		for (let entry = inFlight.popBefore(now + 1); entry; entry = inFlight.popBefore(now + 1)) {
			this.deliverLive(entry.from, entry.to, entry.message, entry.id, now);
			this.timerIds.delete(entry.id);
		}

		this.armRelease();
	};

	private clearTimers(): void {
		clearTimeout(this.tickTimer);
		clearTimeout(this.releaseTimer);
		this.tickTimer = undefined;
		this.releaseTimer = undefined;
		this.releaseAt = Number.POSITIVE_INFINITY;
	}

	/**
	Seeded: round after round, paced by the clock; between rounds, the replayed actions whose time
	has come. A replica that is starting holds time until it is up. Each turn runs after the steps
	asked before it, so that rounds, steps and actions keep one order.
	*/
	private async runRounds(): Promise<void> {
		const {scheduler, clock} = this;
		while (!this.stopped) {
			if (
				clock.paused ||
				this.resetting !== undefined ||
				this.nodes.some((node) => !node.reported && node.child)
			) {
				await this.sleep(50);
				continue;
			}

			const wait = await this.serially(async () => {
				for (
					let next = this.replayLog[this.replayed];
					next !== undefined && next.at <= scheduler.now;
					next = this.replayLog[this.replayed]
				) {
					this.replayed++;
					replay(this, next);
				}

				if (clock.paused || this.stopped) {
					return 0;
				}

				const start = scheduler.nextStart();
				const wait = clock.wallMsUntil(start);
				if (wait >= 1) {
					return wait;
				}

				await this.playRound(scheduler.takeRound(start));
				if (clock.now() - scheduler.now > maxLagNs) {
					clock.set(scheduler.now + maxLagNs); // Behind: time runs slower, it does not rush.
				}

				return 0;
			});
			if (wait > 0) {
				await this.sleep(wait);
			}
		}
	}

	/** Runs `task` after the steps, rounds and actions asked before it. */
	private async serially<T>(task: () => Promise<T>): Promise<T> {
		const run = this.steps.then(task, task);
		this.steps = run.catch(() => undefined);
		return run;
	}

	/** Waits `ms` of wall time, or until something changes (an action, pause, speed, stop). */
	private async sleep(ms: number): Promise<void> {
		await new Promise<void>((resolve) => {
			const timer = setTimeout(done, Math.min(ms, 1000));
			function done(): void {
				clearTimeout(timer);
				resolve();
			}

			this.wakeLoop = done;
		});
		this.wakeLoop = undefined;
	}

	// --- Inside: actions and rounds -------------------------------------------

	/**
	Takes an action now, between rounds, and logs it with its virtual time; during a round it
	waits for the round's end. Seeded, its time is where the rounds are (the end of the last one),
	so a replay takes it at the same point of the run.
	*/
	private act(action: ActionName, args: readonly unknown[], apply: () => void): void {
		if (this.playing) {
			this.waitingActions.push(() => {
				this.act(action, args, apply);
			});
			return;
		}

		this.log.push({at: Math.round(this.virtualNow()), action, args});
		apply();
		this.wakeLoop?.();
	}

	/** Delivers one message in flight now, as a round of its own. */
	private async deliverNow(id: number): Promise<DeliveryReport | undefined> {
		const found = this.scheduler.inFlight.list().find((entry) => entry.id === id);
		if (found === undefined) {
			return undefined;
		}

		let report: DeliveryReport | undefined;
		const apply = async (): Promise<void> => {
			const entry = this.scheduler.inFlight.remove(id);
			if (entry === undefined) {
				return;
			}

			const at = this.virtualNow();
			this.emit(clusterEvents.message, {
				id,
				action: 'deliver',
				type: entry.message.type,
				...this.ends(entry),
			});
			const shown = this.describe(entry, at);
			const early = {...entry, due: at};
			const {message} = entry;
			const played =
				isClient(entry.to) || message.type === 'reply'
					? await this.play([], [early], undefined)
					: await this.play(
							[{node: entry.to, inputs: [[at, message]], entries: [early]}],
							[],
							undefined,
						);
			report = {message: shown, caused: played[0]?.caused ?? [`lost: node ${entry.to} is down`]};
		};

		await new Promise<void>((resolve, reject) => {
			this.act('deliver', [id], () => {
				apply().then(resolve, reject);
			});
		});
		return report;
	}

	/** Plays one round of the scheduler. */
	private async playRound(round: Round<Message>): Promise<Delivered[]> {
		const parts: Part[] = [];
		for (const node of this.nodes) {
			const inputs: RoundInput[] = [];
			const entries: Array<InFlightEntry<Message> | undefined> = [];
			if (round.tick) {
				inputs.push([round.start, 'tick']);
				entries.push(undefined);
			}

			for (let index = 0; index < round.count; index++) {
				const entry = round.messages[index]!;
				if (entry.to === node.id && entry.message.type !== 'reply') {
					inputs.push([entry.due, entry.message]);
					entries.push(entry);
				}
			}

			if (inputs.length > 0) {
				parts.push({node: node.id, inputs, entries});
			}
		}

		const toClients: Array<InFlightEntry<Message>> = [];
		for (let index = 0; index < round.count; index++) {
			const entry = round.messages[index]!;
			if (isClient(entry.to)) {
				toClients.push(entry);
			}
		}

		return this.play(parts, toClients, round.tick ? round.start : undefined);
	}

	/**
	Hands each replica its inputs in one `round` and waits for every answer (or exit); then, in
	replica order, takes each answer's telemetry and status and routes what it sent (each message
	sent at the time of the input that caused it); then the clients tick (at `clientTick`) and take
	their replies. Returns each delivered message with what it caused.
	*/
	private async play(
		parts: readonly Part[],
		toClients: ReadonlyArray<InFlightEntry<Message>>,
		clientTick: number | undefined,
	): Promise<Delivered[]> {
		this.playing = true;
		try {
			const id = ++this.roundId;
			const waiting = new Map<number, (batch?: FromChild) => void>();
			this.roundAnswers.set(id, waiting);
			const answers = parts.map(async (part) => {
				const {child, reported} = this.nodes[part.node]!;
				if (child === undefined || !reported) {
					return undefined;
				}

				const answer = new Promise<FromChild | undefined>((resolve) => {
					waiting.set(part.node, resolve);
				});
				if (!child.send({type: 'round', id, inputs: part.inputs})) {
					waiting.get(part.node)?.(undefined);
				}

				return answer;
			});
			const batches = await Promise.all(answers);
			this.roundAnswers.delete(id);
			const delivered: Delivered[] = [];
			for (const [index, part] of parts.entries()) {
				delivered.push(...this.takeAnswer(part, batches[index]));
			}

			if (clientTick !== undefined) {
				this.roundTime = clientTick;
				this.clients.tick();
			}

			for (const entry of toClients) {
				this.roundTime = entry.due;
				const acked = this.clients.acked;
				this.delivered++;
				this.emitMessage('delivered', entry, entry.due);
				this.timerIds.delete(entry.id);
				const sent: Sent[] = [];
				this.clientSends = sent;
				// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- only replies are routed to the clients
				this.clients.onReply(entry.message as Reply);
				this.clientSends = undefined;
				const client = `client ${clientOf(entry.to)}`;
				delivered.push({
					entry,
					caused: [
						this.clients.acked > acked ? `${client} has its reply` : `${client} had it already`,
						...describeSends(sent),
					],
				});
			}

			return delivered;
		} finally {
			this.roundTime = undefined;
			this.playing = false;
			for (const action of this.waitingActions.splice(0)) {
				action();
			}
		}
	}

	/** What the clients sent while taking a reply in a round (for its report). */
	private clientSends: Sent[] | undefined;

	/** One replica's answer to a round: telemetry, status, and what it sent, routed. */
	private takeAnswer(part: Part, batch: FromChild | undefined): Delivered[] {
		const node = this.nodes[part.node]!;
		const before: ReplicaState = {...statusOf(node)};
		if (batch === undefined) {
			for (const entry of part.entries) {
				if (entry !== undefined) {
					this.emitMessage('dropped', entry, entry.due, 'crashed');
					this.timerIds.delete(entry.id);
				}
			}

			return [];
		}

		if (batch.telemetry !== undefined) {
			this.forwarding.ingest(node.id, batch.telemetry);
		}

		if (batch.status !== undefined) {
			this.onStatus(node, batch.status);
		}

		const sentBy = part.inputs.map((): Sent[] => []);
		for (const [input, to, message] of batch.sent ?? []) {
			const time = part.inputs[input]?.[0];
			if (time === undefined || !this.genuine(node, to, message)) {
				continue;
			}

			const address = to === -1 && message.type === 'reply' ? clientAddress(message.clientId) : to;
			this.roundTime = time;
			this.route(node.id, address, message);
			sentBy[input]!.push({to: address, message});
		}

		this.roundTime = undefined;
		const delivered: Delivered[] = [];
		const messages = part.entries.filter((entry) => entry !== undefined).length;
		for (const [index, entry] of part.entries.entries()) {
			if (entry === undefined) {
				continue;
			}

			this.delivered++;
			this.emitMessage('delivered', entry, entry.due);
			this.timerIds.delete(entry.id);
			// The state's change is this message's only when it was the replica's one input.
			const change = messages === 1 && part.inputs.length === 1 ? describeChange(before, node) : [];
			const caused = [...change, ...describeSends(sentBy[index]!)];
			delivered.push({entry, caused: caused.length > 0 ? caused : ['nothing changed']});
		}

		return delivered;
	}

	/** A message names the replica and incarnation of the process it came from (else it is forged). */
	private genuine(node: NodeState, to: number, message: Message): boolean {
		const ok =
			to === -1
				? message.type === 'reply'
				: message.type !== 'request' &&
					message.type !== 'reply' &&
					message.from === node.id &&
					message.incarnation === node.restarts &&
					to >= 0 &&
					to < this.nodes.length;
		if (!ok) {
			this.forged++;
			this.emit(clusterEvents.forgedMessage, {node: node.id, type: message.type});
		}

		return ok;
	}

	// --- Inside: the network ---------------------------------------------------

	/**
	Every message between replicas and clients goes through here. Live, with a clean network and
	nothing in flight, straight to its destination (the fast path); else through the network model
	into flight, due at the time it was sent plus its delay.
	*/
	private route(from: Address, to: Address, message: Message): void {
		const {scheduler} = this;
		if (
			!this.seeded &&
			!this.clock.paused &&
			this.network.clean &&
			scheduler.inFlight.size === 0
		) {
			let id: number | undefined;
			if (this.messageListeners.size > 0 && this.timerTraffic.isTimerTraffic(from, to, message)) {
				id = scheduler.inFlight.takeId();
				this.timerIds.add(id);
			}

			this.deliverLive(from, to, message, id, this.clock.now());
			if (id !== undefined) {
				this.timerIds.delete(id);
			}

			return;
		}

		const sentAt = this.sendTime;
		if (!this.seeded && !this.clock.paused) {
			scheduler.advanceTo(sentAt); // Live: nothing is due before now.
		}

		const fate = scheduler.send(from, to, message, sentAt);
		if (fate.copies === 0) {
			this.emitDropped(scheduler.lastDropped, from, to, message, sentAt, fate.dropped!);
		} else if (this.timerTraffic.isTimerTraffic(from, to, message)) {
			for (let copy = 0; copy < fate.copies; copy++) {
				this.timerIds.add(scheduler.lastId - copy);
			}
		}

		this.armRelease();
	}

	/** Live: hands a message to its destination now (a replica's outbox, or the clients). */
	private deliverLive(
		from: Address,
		to: Address,
		message: Message,
		id: number | undefined,
		at: number,
	): void {
		if (isClient(to)) {
			this.delivered++;
			if (this.messageListeners.size > 0) {
				this.emitMessage('delivered', this.entryOf(id, from, to, message, at), at);
			}

			// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- only replies are routed to the clients
			this.clients.onReply(message as Reply);
			return;
		}

		if (this.nodes[to]?.child === undefined) {
			if (this.messageListeners.size > 0) {
				this.emitMessage('dropped', this.entryOf(id, from, to, message, at), at, 'crashed');
			}

			return; // Down: the message is lost, as on a real network.
		}

		this.delivered++;
		if (this.messageListeners.size > 0) {
			this.emitMessage('delivered', this.entryOf(id, from, to, message, at), at);
		}

		this.outbox[to]!.push(message);
		this.scheduleOutbox();
	}

	private scheduleOutbox(): void {
		if (!this.outboxScheduled) {
			this.outboxScheduled = true;
			setImmediate(this.sendOutbox);
		}
	}

	/** Live: sends each replica what waits for it (messages, then ticks), as one IPC message. */
	private readonly sendOutbox = (): void => {
		this.outboxScheduled = false;
		for (const [to, messages] of this.outbox.entries()) {
			const ticks = this.outboxTicks[to]!;
			if (messages.length > 0 || ticks > 0) {
				this.nodes[to]!.child?.send(
					ticks > 0 ? {type: 'deliver', messages, ticks} : {type: 'deliver', messages},
				);
				messages.length = 0;
				this.outboxTicks[to] = 0;
			}
		}
	};

	private sendFromClients(sends: Send[]): void {
		for (const send of sends) {
			if (send.to === 'replica') {
				this.clientSends?.push({to: send.replica, message: send.message});
				this.route(clientAddress(this.clientIdOf(send.message)), send.replica, send.message);
			}
		}
	}

	private clientIdOf(message: Message): number {
		return message.type === 'request' ? message.clientId : 0;
	}

	// --- Inside: messages as the operator shows them ----------------------------

	private entryOf(
		id: number | undefined,
		from: Address,
		to: Address,
		message: Message,
		due: number,
	): InFlightEntry<Message> {
		return {id: id ?? this.scheduler.inFlight.takeId(), from, to, message, due};
	}

	private describe(entry: InFlightEntry<Message>, now: number): InFlightMessage {
		const {message} = entry;
		return {
			id: entry.id,
			...this.ends(entry),
			type: message.type,
			view: messageView(message),
			op: messageOp(message),
			label: messageLabel(message),
			dueInMs: Math.max(0, entry.due - now) / 1e6,
			heartbeat: this.timerIds.has(entry.id),
		};
	}

	private ends(entry: InFlightEntry<Message>): {from: number | 'client'; to: number | 'client'} {
		return {
			from: isClient(entry.from) ? 'client' : entry.from,
			to: isClient(entry.to) ? 'client' : entry.to,
		};
	}

	private emitMessage(
		kind: MessageEvent['kind'],
		entry: InFlightEntry<Message>,
		at: number,
		reason?: string,
	): void {
		if (this.messageListeners.size === 0) {
			return;
		}

		const event: MessageEvent = {
			kind,
			at: at / 1e6,
			message: this.describe(entry, at),
			...(reason === undefined ? {} : {reason}),
		};
		for (const listener of this.messageListeners) {
			try {
				listener(event);
			} catch {
				// A listener's failure is its own.
			}
		}
	}

	// eslint-disable-next-line max-params -- what a dropped message was, without building it unheard
	private emitDropped(
		id: number,
		from: Address,
		to: Address,
		message: Message,
		at: number,
		reason: string,
	): void {
		if (this.messageListeners.size > 0) {
			this.emitMessage('dropped', {id, from, to, message, due: at}, at, reason);
		}
	}

	// --- Inside: processes -------------------------------------------------------

	private async replaceEveryReplica(): Promise<void> {
		this.started = false;
		for (const job of [...this.clients.clearQueue(), ...this.clients.inFlightJobs()]) {
			job.failed?.(new Error('the cluster was reset'));
		}

		this.clients.reset();
		this.scheduler.inFlight.clear();
		this.timerIds.clear();
		await Promise.all(
			this.nodes.map(async (node) => {
				const {child} = node;
				node.child = undefined;
				this.outbox[node.id]!.length = 0;
				child?.kill('SIGKILL');
				await child?.exited;
			}),
		);
		for (const node of this.nodes) {
			node.restarts = 0;
			this.spawn(node, false);
		}

		this.stuck = false;
		this.emit(clusterEvents.reset, {replicas: this.nodes.length});
		await this.waitUntilReady(this.startTimeoutMs);
		this.started = true;
		this.clients.dispatch();
	}

	private freshPut(): KvOperation {
		const n = ++this.freshKey;
		return {op: 'put', key: `key${n}`, value: `value${n}`};
	}

	private async shutdown(): Promise<void> {
		this.stopped = true;
		this.clearTimers();
		this.wakeLoop?.();
		this.clients.loadSource = undefined;
		for (const job of [...this.clients.clearQueue(), ...this.clients.inFlightJobs()]) {
			job.failed?.(new Error('the operator stopped'));
		}

		for (const flush of this.telemetryFlushes.values()) {
			flush.resolve();
		}

		for (const waiting of this.roundAnswers.values()) {
			for (const resolve of waiting.values()) {
				resolve(undefined);
			}
		}

		this.readyWaiter?.resolve();
		await Promise.all(this.nodes.map(async (node) => node.child?.stop()));
		for (const node of this.nodes) {
			node.child = undefined;
		}

		await this.loopDone;
		await this.otlp?.shutdown();
	}

	private node(id: number): NodeState {
		const node = this.nodes[id];
		if (node === undefined || !Number.isInteger(id)) {
			throw new RangeError(`no replica ${id} (replicas are 0 to ${this.nodes.length - 1})`);
		}

		return node;
	}

	private spawn(node: NodeState, recovering: boolean): void {
		const config: ChildConfig = {
			mode: 'replica',
			id: node.id,
			replicaCount: this.nodes.length,
			incarnation: node.restarts,
			recovering,
			seed: this.seed,
			time: this.seeded ? Math.round(this.virtualNow()) : undefined,
			checkpointInterval: this.checkpointInterval,
			telemetry: this.telemetryMode,
		};
		// A new process starts empty: what the last one reported no longer holds.
		node.reported = false;
		node.status = recovering ? 'recovering' : 'normal';
		node.isPrimary = false;
		node.view = 0;
		node.op = 0;
		node.commit = 0;
		node.digest = 0;
		node.lastExit = undefined;
		const child: ChildProcess = new ChildProcess(config, (message) => {
			if (node.child === child) {
				this.onChildMessage(node, message);
			}
		});
		node.child = child;
		void child.exited.then((exit) => {
			this.onChildExit(node, child, exit);
		});
	}

	private onChildExit(node: NodeState, child: ChildProcess, exit: ChildExit): void {
		for (const flush of this.telemetryFlushes.values()) {
			if (flush.pending.delete(node.id) && flush.pending.size === 0) {
				flush.resolve();
			}
		}

		for (const waiting of this.roundAnswers.values()) {
			waiting.get(node.id)?.(undefined);
		}

		if (node.child !== child) {
			return; // Crashed on purpose, or replaced by a restart.
		}

		node.child = undefined;
		node.lastExit = exit;
		this.outbox[node.id]!.length = 0;
		if (!this.stopped) {
			this.emit(clusterEvents.replicaExit, {
				node: node.id,
				...this.pidOf(child),
				code: exit.code,
				signal: exit.signal,
				stderr: exit.stderr.slice(-1000),
			});
			this.checkStanding();
		}
	}

	/** Reports, once, that the cluster fell below a quorum of replicas with their state. */
	private checkStanding(): void {
		if (!this.started || this.stopped) {
			return;
		}

		const now = standing(this.nodes.map((node) => this.nodeInfo(node)));
		if (now.stuck && !this.stuck) {
			this.emit(clusterEvents.noQuorum, {
				with_state: [...now.withState],
				crashed: [...now.crashed],
				recovering: [...now.recovering],
				quorum: now.quorum,
			});
		}

		this.stuck = now.stuck;
	}

	private onChildMessage(node: NodeState, raw: unknown): void {
		if (isRecord(raw) && raw.type === 'clock') {
			// A starting replica measures its clock against ours (clock-sync.ts).
			node.child?.send({type: 'clock', now: String(this.telemetry.clock.monotonicTime())});
			return;
		}

		if (!isRecord(raw) || raw.type !== 'batch') {
			return;
		}

		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- our own child's batch (ipc.ts); the replica's core built its messages
		const batch = raw as FromChild;
		if (batch.round !== undefined) {
			// Taken in replica order once every answer of the round is in (`play`).
			this.roundAnswers.get(batch.round)?.get(node.id)?.(batch);
			return;
		}

		if (batch.status !== undefined) {
			this.onStatus(node, batch.status);
		}

		if (batch.telemetry !== undefined) {
			this.forwarding.ingest(node.id, batch.telemetry);
		}

		if (batch.out !== undefined) {
			this.routeOut(node, batch.out);
		}

		for (const reply of batch.replies ?? []) {
			this.route(node.id, clientAddress(reply.clientId), reply);
		}

		if (batch.flushed !== undefined) {
			const flush = this.telemetryFlushes.get(batch.flushed);
			if (flush?.pending.delete(node.id)) {
				flush.raised.set(node.id, batch.raised ?? {});
				flush.counted.set(node.id, Object.fromEntries(this.forwarding.countsOf(node.id)));
				if (flush.pending.size === 0) {
					flush.resolve();
				}
			}
		}
	}

	/** Live: checks that each message comes from the replica (and incarnation) it names, and routes it. */
	private routeOut(node: NodeState, out: NonNullable<FromChild['out']>): void {
		for (let to = 0; to < out.length && to < this.nodes.length; to++) {
			for (const message of out[to] ?? []) {
				if (this.genuine(node, to, message)) {
					this.route(node.id, to, message);
				}
			}
		}
	}

	private onStatus(node: NodeState, status: unknown): void {
		if (
			!Array.isArray(status) ||
			status.length !== 6 ||
			!status.every((value): value is number => typeof value === 'number')
		) {
			return;
		}

		const [view, code, op, commit, primary, digest] = status;
		const before = node.reported ? node.status : undefined;
		node.view = view!;
		node.status = statusCodes[code!] ?? node.status;
		node.op = op!;
		node.commit = commit!;
		node.isPrimary = primary === 1;
		node.digest = digest!;
		if (!node.reported) {
			node.reported = true;
			const waiter = this.readyWaiter;
			if (waiter?.nodes.delete(node.id) && waiter.nodes.size === 0) {
				waiter.resolve();
			}

			this.wakeLoop?.();
		}

		if (node.status !== before) {
			this.checkStanding();
		}
	}

	/** The process id for an event's metadata: not in a seeded session (it differs from run to run). */
	private pidOf(child: ChildProcess | undefined): {pid?: number} {
		return this.seeded || child?.pid === undefined ? {} : {pid: child.pid};
	}

	/** When an operator event happened: virtual ns in a seeded session, else the clocks of this process. */
	private stamp(): {monotonic_time: bigint; system_time: bigint} {
		if (this.seeded) {
			const now = BigInt(Math.round(this.sendTime));
			return {monotonic_time: now, system_time: now};
		}

		const {clock} = this.telemetry;
		return {monotonic_time: clock.monotonicTime(), system_time: clock.systemTime()};
	}

	/**
	An event of the operator's. `inRun: false` for what only changes when things happen in wall
	time (pause, speed): a seeded session's event stream leaves it out, so that it is the same
	whenever the person at the keyboard paused.
	*/
	private emit(event: EventName, metadata: Metadata, inRun = true): void {
		this.forwarding.emitLocal(
			event,
			this.stamp(),
			{...metadata, source: 'operator'},
			inRun || !this.seeded,
		);
	}

	private nodeInfo(node: NodeState): NodeInfo {
		const up = node.child !== undefined;
		let status: NodeStatus;
		if (!up) {
			status = 'crashed';
		} else if (node.reported) {
			status = node.status;
		} else {
			status = 'starting';
		}

		const faults = this.network.nodeFaults(node.id);
		const isolated = this.network.isIsolated(node.id);
		const side = this.network.side(node.id);
		return {
			id: node.id,
			pid: up ? node.child?.pid : undefined,
			status,
			isPrimary: up && node.isPrimary,
			view: node.view,
			op: node.op,
			commit: node.commit,
			restarts: node.restarts,
			network: {
				isolated,
				partitioned: side !== undefined && !isolated,
				deaf: this.network.isDeaf(node.id),
				mute: this.network.isMute(node.id),
				side,
				dropRate: faults.dropRate,
				delayMs: faults.delayMs,
				jitterMs: faults.jitterMs,
			},
		};
	}
}

export {operatorSource, type SpanTiming} from './telemetry-forwarding.js';
