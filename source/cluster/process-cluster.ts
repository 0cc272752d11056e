// Longer than our ~700-line rule, on purpose: the operator's controls (each an action taken
// between rounds and logged), the rounds and the routing share one state (what is in flight, who
// is up, what time it is), as the core's handlers do in replica.ts. What has a life of its own
// lives beside it: the processes (replica-processes.ts), live time (live-delivery.ts), the
// messages as shown (message-feed.ts), the clock, the action log and the delivery reports.
import {KvCommands} from '../check/kv-commands.js';
import {type Address, clientAddress, clientOf, isClient} from '../net/address.js';
import type {InFlightEntry} from '../net/in-flight.js';
import {type LinkFaults, NetworkModel} from '../net/network-model.js';
import {type Round, RoundScheduler} from '../net/scheduler.js';
import {events, operatorEvents, vsrEventName} from '../telemetry/catalogue.js';
import {type EventName, type Metadata, Telemetry} from '../telemetry/telemetry.js';
import {VsrTelemetry} from '../telemetry/vsr-telemetry.js';
import {Configuration} from '../vsr/configuration.js';
import type {KvOperation} from '../vsr/kv-store.js';
import type {Message, Reply, Send} from '../vsr/messages.js';
import {Prng, mixSeed} from '../vsr/prng.js';
import type {OtlpExport} from '../otel/otlp.js';
import {type ActionName, type LoggedAction, replay} from './action-log.js';
import type {ChildExit} from './child-process.js';
import {ClientPool} from './client-pool.js';
import {type ReplicaState, type Sent, describeChange, describeSends} from './delivery-report.js';
import {clusterEvents} from './events.js';
import {standing} from './failure-model.js';
import {
	type FromChild,
	type RoundInput,
	type TelemetryMode,
	defaultTelemetryMode,
	tickMs,
} from './ipc.js';
import {LiveDelivery} from './live-delivery.js';
import {Lockstep} from './lockstep.js';
import {RoundPlayer} from './round-player.js';
import {MessageFeed, ends} from './message-feed.js';
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
import {type FlushResult, type NodeState, ReplicaProcesses} from './replica-processes.js';
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
	A seeded session: lockstep rounds of virtual time, every replica's randomness, the network's
	and the load's drawn from this seed. The same seed and the same actions at the same virtual
	times (`actions`) give the same run, event for event. Undefined: live.
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

/**
The rounds of a seeded session: 0.25 ms of virtual time (a fortieth of a tick). Each round costs
an IPC round trip, and a request needs three or four on a clean network (request, Prepare,
PrepareOk, reply), so the slice sets how fast a loaded session may go: here, under steady load,
0.5 ms slices made 3,900 requests a second with virtual time keeping pace, 0.25 ms 5,900 with
virtual time at about three quarters of wall time, 0.1 ms 9,200 at under half (live: 11,700).
*/
export const seededSliceNs = 250_000;

const tickNs = tickMs * 1_000_000;

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
  path), else they wait in flight until due (`live-delivery.ts`).
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
			cluster.startTime();
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
	private readonly processes: ReplicaProcesses;
	private readonly network: NetworkModel;
	private readonly scheduler: RoundScheduler<Message>;
	private readonly clock = new VirtualClock();
	private readonly live: LiveDelivery;
	private readonly feed: MessageFeed;
	private readonly rounds: RoundPlayer;
	private readonly lockstep: Lockstep;
	private readonly log: LoggedAction[] = [];
	private readonly replayLog: readonly LoggedAction[];
	private replayed = 0;
	/** The virtual time of the input whose answer is being routed (a round's). */
	private roundTime: number | undefined;
	/** A round (or a step) is being played: actions wait for its end. */
	private playing = false;
	private readonly waitingActions: Array<() => void> = [];
	private loopDone: Promise<void> = Promise.resolve();
	/** What the clients sent while taking a reply in a round (for its report). */
	private clientSends: Sent[] | undefined;
	private delivered = 0;
	private load = false;
	private readonly workload: KvCommands;
	private freshKey = 0;
	private readonly telemetryMode: TelemetryMode;
	private readonly startTimeoutMs: number;
	private stopped = false;
	private stopping: Promise<void> | undefined;
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
		this.feed = new MessageFeed(n);
		if (options.speed !== undefined) {
			this.clock.setSpeed(options.speed);
		}

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
		this.processes = new ReplicaProcesses(
			{
				replicaCount: n,
				checkpointInterval: options.checkpointInterval,
				telemetry: this.telemetryMode,
				seed: options.seed,
			},
			{
				batch: (node, batch) => {
					this.takeBatch(node, batch);
				},
				exited: (node, child, exit) => {
					this.live.clear(node.id);
					this.emit(clusterEvents.replicaExit, {
						node: node.id,
						...this.pidOf(child.pid),
						code: exit.code,
						signal: exit.signal,
						stderr: exit.stderr.slice(-1000),
					});
					this.checkStanding();
				},
				status: (_node, first, changed) => {
					if (changed) {
						this.checkStanding();
					}

					if (first) {
						this.lockstep.wakeUp();
					}
				},
				clock: () => this.telemetry.clock.monotonicTime(),
				counted: (node) => Object.fromEntries(this.forwarding.countsOf(node)),
			},
		);
		this.live = new LiveDelivery({
			clock: this.clock,
			scheduler: this.scheduler,
			processes: this.processes,
			due: (entry, now) => {
				this.deliverLive(entry, now);
			},
			tickClients: () => {
				this.clients.tick();
			},
		});
		this.rounds = new RoundPlayer({
			processes: this.processes,
			forwarding: this.forwarding,
			feed: this.feed,
			route: (from, to, message, sentAt) => {
				this.route(from, to, message, sentAt);
			},
			genuine: (node, to, message) => this.genuine(node, to, message),
			tickClients: (at) => {
				this.roundTime = at;
				this.clients.tick();
			},
			replyToClient: (entry) => this.replyToClient(entry),
			delivered: () => {
				this.delivered++;
			},
		});
		this.lockstep = new Lockstep({
			clock: this.clock,
			scheduler: this.scheduler,
			held: () => this.clock.paused || this.resetting !== undefined || this.processes.starting,
			stopped: () => this.stopped,
			replayDue: () => {
				this.replayDue();
			},
			playRound: async (start) =>
				this.play(async () => this.rounds.playRound(this.scheduler.takeRound(start))),
		});
		for (const node of this.processes.nodes) {
			this.processes.spawn(node, false, 0);
		}

		if (options.paused !== true) {
			this.clock.resume();
		}
	}

	// --- Reading ---------------------------------------------------------------

	/** The cluster now: every node's status, view, op and commit, the network's settings, the time. */
	snapshot(): ClusterSnapshot {
		const nodes = this.processes.nodes.map((node) => this.nodeInfo(node));
		const normal = nodes.filter((node) => node.status === 'normal');
		const view = Math.max(0, ...(normal.length > 0 ? normal : nodes).map((node) => node.view));
		const global = this.network.globalFaults;
		const inFlight = this.scheduler.inFlight.size;
		return {
			replicas: this.processes.nodes.length,
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
		return this.processes.nodes.map((node) => ({
			node: node.id,
			commit: node.commit,
			digest: node.digest,
			up: node.child !== undefined,
		}));
	}

	/** Why a replica's last process ended, when it was not crashed by the operator. */
	lastExit(node: number): ChildExit | undefined {
		return this.processes.nodes[node]?.lastExit;
	}

	/** The operator's actions so far, each at its virtual time: replayed on the same seed, the same run. */
	actions(): readonly LoggedAction[] {
		return this.log;
	}

	/** The messages in flight, in delivery order (the first `limit`). */
	inFlight(limit?: number): InFlightMessage[] {
		const now = this.virtualNow();
		return this.scheduler.inFlight.list(limit).map((entry) => this.feed.describe(entry, now));
	}

	/** Calls `listener` with every message delivered or dropped; costs nothing while nobody listens. */
	onMessage(listener: (event: MessageEvent) => void): () => void {
		return this.feed.listen(listener);
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
		const state = this.processes.node(node);
		this.act('crash', [node], () => {
			if (this.kill(state)) {
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
		const state = this.processes.node(node);
		if (this.stopped) {
			return;
		}

		this.act('restart', [node], () => {
			const lone = this.processes.nodes.length === 1;
			const lost = lone ? state.commit : 0;
			this.kill(state);
			state.restarts++;
			this.processes.spawn(state, !lone, this.virtualNow());
			this.emit(operatorEvents.operatorRestart, {
				node,
				...this.pidOf(state.child?.pid),
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
		this.live.stop();
		this.clock.set(this.scheduler.now);
		this.emit(clusterEvents.pause, {paused: true, held: this.scheduler.inFlight.size}, false);
		this.lockstep.wakeUp();
	}

	/** Time runs again, from where it stood. */
	resume(): void {
		if (!this.clock.paused) {
			return;
		}

		this.clock.set(this.scheduler.now);
		this.clock.resume();
		this.emit(clusterEvents.pause, {paused: false, held: 0}, false);
		if (this.started && !this.seeded) {
			this.live.start(this.scheduler.now);
		}

		this.lockstep.wakeUp();
	}

	/** Virtual time runs at this share of wall time: 1, 0.5, 0.2, 0.1, 0.05, 0.02 or 0.01. */
	setSpeed(speed: number): void {
		this.clock.setSpeed(speed);
		this.emit(clusterEvents.speed, {speed}, false);
		this.live.respeed();

		this.lockstep.wakeUp();
	}

	/** Delivers the first message in flight now; undefined when none is. */
	async deliverNext(): Promise<DeliveryReport | undefined> {
		return this.lockstep.serially(async () => {
			const next = this.scheduler.inFlight.peek();
			return next === undefined ? undefined : this.deliverNow(next.id);
		});
	}

	/** Delivers the message numbered `id` now, out of its turn; undefined when it is not in flight. */
	async deliver(id: number): Promise<DeliveryReport | undefined> {
		return this.lockstep.serially(async () => this.deliverNow(id));
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
				this.feed.tell('dropped', removed, this.virtualNow(), 'by operator');
				this.feed.gone(id);
				this.emit(clusterEvents.message, {
					id,
					action: 'drop',
					type: removed.message.type,
					...ends(removed),
				});
			}
		});
		return true;
	}

	/** Paused: one tick of time passes, and what falls due is delivered. */
	async advanceTick(): Promise<readonly DeliveryReport[]> {
		return this.lockstep.serially(async () => {
			const reports: DeliveryReport[] = [];
			for (let ticked = false; !ticked && !this.stopped;) {
				const round = this.scheduler.takeRound(this.scheduler.nextStart());
				for (const {message, caused} of await this.play(async () => this.rounds.playRound(round))) {
					reports.push({message, caused});
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
		this.processes.node(node);
		this.act('forceTimeout', [node], () => {
			this.emit(clusterEvents.timeout, {node});
			void this.lockstep
				.serially(async () => {
					const at = this.virtualNow();
					await this.play(async () =>
						this.rounds.play(
							[{node, inputs: [[at, 'expire']], entries: [undefined]}],
							[],
							undefined,
						),
					);
				})
				.catch(() => undefined);
		});
	}

	// --- Telemetry and tests -----------------------------------------------------

	/** Switches every replica between full events and counts with a sample. */
	setFullEvents(full: boolean): void {
		(this.telemetryMode as {full: boolean}).full = full;
		this.processes.sendAll({type: 'telemetry', full});
	}

	/**
	 * Asks every running replica for its telemetry now and resolves when all have
	 * answered (or died): then the counts and histograms here are complete up to
	 * that moment. Resolves with what each replica says it raised since it started.
	 */
	async flushTelemetry(timeoutMs = 5000): Promise<FlushResult> {
		return this.processes.flushTelemetry(timeoutMs);
	}

	/** Sends anything to a replica's IPC channel, as the operator would (for tests of bad input). */
	sendRaw(node: number, message: unknown): boolean {
		return this.processes.node(node).child?.send(message) ?? false;
	}

	/** The OS process id of a replica, or undefined when it is down. */
	pid(node: number): number | undefined {
		const {child} = this.processes.node(node);
		return child?.alive ? child.pid : undefined;
	}

	/** Stops every replica and the clients (their pending requests fail); resolves when all are gone. */
	async stop(): Promise<void> {
		this.stopping ??= this.shutdown();
		return this.stopping;
	}

	/** Resolves once every replica has reported its status once (rejects after `timeoutMs`). */
	async waitUntilReady(timeoutMs: number): Promise<void> {
		return this.processes.waitUntilReady(timeoutMs);
	}

	/**
	Time starts once every replica has reported: the first replicas hold still until then (only
	this process ticks them), so a backup whose process came up first does not time out on a
	primary that is still starting.
	*/
	/** @internal */
	startTime(): void {
		this.started = true;
		this.clock.set(0);
		if (this.seeded) {
			this.loopDone = this.lockstep.run();
		} else if (!this.clock.paused) {
			this.live.start(0);
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

	/** Takes the replayed actions whose time has come: once the rounds before it have run. */
	private replayDue(): void {
		for (
			let next = this.replayLog[this.replayed];
			next !== undefined && next.at <= this.scheduler.now;
			next = this.replayLog[this.replayed]
		) {
			this.replayed++;
			replay(this, next);
		}
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
		this.lockstep.wakeUp();
	}

	/** Delivers one message in flight now, as a round of its own. */
	private async deliverNow(id: number): Promise<DeliveryReport | undefined> {
		if (!this.scheduler.inFlight.list().some((entry) => entry.id === id)) {
			return undefined;
		}

		let report: DeliveryReport | undefined;
		const deliver = async (): Promise<void> => {
			const entry = this.scheduler.inFlight.remove(id);
			if (entry === undefined) {
				return;
			}

			const at = this.virtualNow();
			this.emit(clusterEvents.message, {
				id,
				action: 'deliver',
				type: entry.message.type,
				...ends(entry),
			});
			const now = {...entry, due: at};
			const {message} = entry;
			const played = await this.play(async () =>
				isClient(entry.to) || message.type === 'reply'
					? this.rounds.play([], [now], undefined)
					: this.rounds.play(
							[{node: entry.to, inputs: [[at, message]], entries: [now]}],
							[],
							undefined,
						),
			);
			report = played[0] ?? {
				message: this.feed.describe(now, at),
				caused: [`lost: node ${entry.to} is down`],
			};
		};

		await new Promise<void>((resolve, reject) => {
			this.act('deliver', [id], () => {
				deliver().then(resolve, reject);
			});
		});
		return report;
	}

	/**
	Plays a round (of the scheduler, or of one step) while actions wait for its end: they come
	after it, in the order they were asked.
	*/
	private async play(round: () => Promise<DeliveryReport[]>): Promise<DeliveryReport[]> {
		this.playing = true;
		try {
			return await round();
		} finally {
			this.roundTime = undefined;
			this.playing = false;
			for (const action of this.waitingActions.splice(0)) {
				action();
			}
		}
	}

	/** A reply in flight reaches the clients (in a round). */
	private replyToClient(entry: InFlightEntry<Message>): DeliveryReport {
		this.roundTime = entry.due;
		this.delivered++;
		const message = this.feed.describe(entry, entry.due);
		this.feed.tell('delivered', entry, entry.due);
		this.feed.gone(entry.id);
		const {acked} = this.clients;
		const sent: Sent[] = [];
		this.clientSends = sent;
		if (entry.message.type === 'reply') {
			this.clients.onReply(entry.message);
		}

		this.clientSends = undefined;
		const client = `client ${clientOf(entry.to)}`;
		return {
			message,
			caused: [
				this.clients.acked > acked ? `${client} has its reply` : `${client} had it already`,
				...describeSends(sent),
			],
		};
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
					to < this.processes.nodes.length;
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
	private route(from: Address, to: Address, message: Message, at?: number): void {
		const {scheduler, feed} = this;
		if (!this.seeded && !this.clock.paused && this.network.clean && scheduler.inFlight.size === 0) {
			if (feed.listened) {
				const now = this.clock.now();
				const id = scheduler.inFlight.takeId();
				feed.straight(from, to, message, id);
				this.deliverLive({id, from, to, message, due: now}, now);
			} else if (isClient(to)) {
				// The fast path builds nothing: this runs for every message at full load.
				this.delivered++;
				if (message.type === 'reply') {
					this.clients.onReply(message);
				}
			} else if (this.processes.nodes[to]?.child !== undefined) {
				this.delivered++;
				this.live.push(to, message);
			}

			return;
		}

		const sentAt = at ?? this.sendTime;
		if (!this.seeded && !this.clock.paused) {
			scheduler.advanceTo(sentAt); // Live: nothing is due before now.
		}

		const fate = scheduler.send(from, to, message, sentAt);
		if (fate.copies === 0) {
			if (feed.listened) {
				const entry = {id: scheduler.lastDropped, from, to, message, due: sentAt};
				feed.tell('dropped', entry, sentAt, fate.dropped);
			}
		} else {
			feed.sent(
				from,
				to,
				message,
				fate.copies === 1 ? [scheduler.lastId] : [scheduler.lastId - 1, scheduler.lastId],
			);
		}

		this.live.armRelease();
	}

	/** Live: hands a message to its destination now (a replica's next IPC batch, or the clients). */
	private deliverLive(entry: InFlightEntry<Message>, now: number): void {
		const {to, message} = entry;
		if (!isClient(to) && this.processes.nodes[to]?.child === undefined) {
			this.feed.tell('dropped', entry, now, 'crashed');
			this.feed.gone(entry.id);
			return; // Down: the message is lost, as on a real network.
		}

		this.delivered++;
		this.feed.tell('delivered', entry, now);
		this.feed.gone(entry.id);
		if (!isClient(to)) {
			this.live.push(to, message);
		} else if (message.type === 'reply') {
			this.clients.onReply(message);
		}
	}

	private sendFromClients(sends: Send[]): void {
		for (const send of sends) {
			if (send.to === 'replica' && send.message.type === 'request') {
				this.clientSends?.push({to: send.replica, message: send.message});
				this.route(clientAddress(send.message.clientId), send.replica, send.message);
			}
		}
	}

	// --- Inside: processes -------------------------------------------------------

	/** SIGKILLs a replica's process, if it runs, and says so; false when it was down. */
	private kill(node: NodeState): boolean {
		const child = this.processes.kill(node);
		if (child === undefined) {
			return false;
		}

		this.live.clear(node.id);
		this.emit(operatorEvents.operatorCrash, {
			node: node.id,
			...this.pidOf(child.pid),
			incarnation: node.restarts,
		});
		return true;
	}

	private async replaceEveryReplica(): Promise<void> {
		this.started = false;
		for (const job of [...this.clients.clearQueue(), ...this.clients.inFlightJobs()]) {
			job.failed?.(new Error('the cluster was reset'));
		}

		this.clients.reset();
		this.scheduler.inFlight.clear();
		this.feed.forgetAll();
		await Promise.all(
			this.processes.nodes.map(async (node) => {
				const child = this.processes.kill(node);
				this.live.clear(node.id);
				await child?.exited;
			}),
		);
		for (const node of this.processes.nodes) {
			node.restarts = 0;
			this.processes.spawn(node, false, this.virtualNow());
		}

		this.stuck = false;
		this.emit(clusterEvents.reset, {replicas: this.processes.nodes.length});
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
		this.live.stop();
		this.lockstep.wakeUp();
		this.clients.loadSource = undefined;
		for (const job of [...this.clients.clearQueue(), ...this.clients.inFlightJobs()]) {
			job.failed?.(new Error('the operator stopped'));
		}

		await this.processes.stop();
		await this.loopDone;
		await this.otlp?.shutdown();
	}

	/** Reports, once, that the cluster fell below a quorum of replicas with their state. */
	private checkStanding(): void {
		if (!this.started || this.stopped) {
			return;
		}

		const now = standing(this.processes.nodes.map((node) => this.nodeInfo(node)));
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

	/** A batch that answers no round: telemetry, and (live) what the replica sent. */
	private takeBatch(node: NodeState, batch: FromChild): void {
		if (batch.telemetry !== undefined) {
			this.forwarding.ingest(node.id, batch.telemetry);
		}

		for (const [to, messages] of (batch.out ?? []).entries()) {
			for (const message of messages ?? []) {
				if (to < this.processes.nodes.length && this.genuine(node, to, message)) {
					this.route(node.id, to, message);
				}
			}
		}

		for (const reply of batch.replies ?? []) {
			this.route(node.id, clientAddress(reply.clientId), reply);
		}
	}

	/** The process id for an event's metadata: not in a seeded session (it differs from run to run). */
	private pidOf(pid: number | undefined): {pid?: number} {
		return this.seeded || pid === undefined ? {} : {pid};
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
		const label = this.network.side(node.id);
		// The sides of `partition` are labelled 1 and 2: A and B.
		const side = label === undefined ? undefined : String.fromCodePoint(64 + label);
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
export type {FlushResult} from './replica-processes.js';
