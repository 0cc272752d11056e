import {KvCommands} from '../check/kv-commands.js';
import {clientAddress} from '../net/address.js';
import {NetworkModel} from '../net/network-model.js';
import {RoundScheduler} from '../net/scheduler.js';
import {events, operatorEvents, vsrEventName} from '../telemetry/catalogue.js';
import {type EventName, type Metadata, Telemetry} from '../telemetry/telemetry.js';
import {VsrTelemetry} from '../telemetry/vsr-telemetry.js';
import {Configuration} from '../vsr/configuration.js';
import type {KvOperation} from '../vsr/kv-store.js';
import type {Message} from '../vsr/messages.js';
import {Prng, mixSeed} from '../vsr/prng.js';
import type {OtlpExport} from '../otel/otlp.js';
import {ClientPool} from './client-pool.js';
import {clusterEvents} from './events.js';
import {standing} from './failure-model.js';
import {type FromChild, type TelemetryMode, defaultTelemetryMode, tickMs} from './ipc.js';
import {LiveDelivery} from './live-delivery.js';
import {Lockstep} from './lockstep.js';
import {RoundPlayer} from './round-player.js';
import {MessageFeed} from './message-feed.js';
import {MessageRouter} from './message-router.js';
import {nodeInfo} from './node-info.js';
import {type ProcessClusterOptions, seededSliceNs} from './process-cluster-options.js';
import type {DeliveryReport} from './operator-api.js';
import {type NodeState, ReplicaProcesses} from './replica-processes.js';
import {TelemetryForwarding} from './telemetry-forwarding.js';
import {VirtualClock} from './virtual-clock.js';
import {type DataDir, replicaDirectory} from './data-dir.js';

const tickNs = tickMs * 1_000_000;

/** Client ids a session of a cluster on disk takes (`run` has at most 1024 clients, `bench` 4096). */
export const clientIdsPerSession = 10_000;

/** Incarnations a session of a cluster on disk takes: each session's lives come after the last's. */
export const incarnationsPerSession = 1_000_000;

/**
The machinery of the process cluster: one child process per replica, their network (every
protocol message goes child → this process → child through the router: a message must name the
replica and incarnation of the process it came from; it passes through the network model and
waits in flight until it is due) and their clock (replicas tick when this process says so).

- **Live** (no seed): time runs at `speed` × wall time. Ticks go out every 10 ms of it, in the
  same IPC batch as the messages; with a clean network messages go straight through (the fast
  path), else they wait in flight until due (`live-delivery.ts`).
- **Seeded**: lockstep rounds (`RoundScheduler`): each replica gets the inputs of a slice of
  virtual time in one `round`, answers at once, and the next round starts when every answer is
  in; what they sent is routed in replica order. Rounds keep pace with `speed` × wall time, or
  fall behind it when they cannot keep up.

`ProcessCluster` puts the operator's controls on top of it.
*/
export abstract class ClusterEngine {
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
	protected readonly processes: ReplicaProcesses;
	protected readonly network: NetworkModel;
	protected readonly scheduler: RoundScheduler<Message>;
	protected readonly clock = new VirtualClock();
	protected readonly live: LiveDelivery;
	protected readonly feed: MessageFeed;
	protected readonly router: MessageRouter;
	protected readonly rounds: RoundPlayer;
	protected readonly lockstep: Lockstep;
	/** The virtual time of the input whose answer is being routed (a round's). */
	protected roundTime: number | undefined;
	/** A round (or a step) is being played: actions wait for its end (as they wait for a reset's). */
	protected playing = false;
	/** The round being played (settled when none is): what a flush of telemetry waits for first. */
	protected roundInPlay: Promise<unknown> = Promise.resolve();
	protected readonly waitingActions: Array<() => void> = [];
	protected loopDone: Promise<void> = Promise.resolve();
	protected load = false;
	protected readonly workload: KvCommands;
	protected freshKey = 0;
	protected readonly telemetryMode: TelemetryMode;
	protected readonly startTimeoutMs: number;
	protected stopped = false;
	protected stopping: Promise<void> | undefined;
	protected started = false;
	/** The cluster was below a quorum at the last look (`failure-model.ts`). */
	protected stuck = false;
	protected resetting: Promise<void> | undefined;
	private readonly beforeStop: (() => Promise<void>) | undefined;

	protected constructor(
		options: ProcessClusterOptions,
		protected readonly otlp?: OtlpExport,
		/** With `--data-dir`: the cluster's directory, opened (and formatted when new). */
		readonly dataDir?: DataDir,
	) {
		this.configuration = new Configuration(options.replicas);
		const n = options.replicas;
		this.seed = options.seed;
		this.beforeStop = options.beforeStop;
		this.telemetry = options.telemetry ?? new Telemetry();
		this.forwarding = new TelemetryForwarding(this.telemetry, options.events);
		this.telemetryMode = {
			...defaultTelemetryMode,
			full: options.fullEvents === true || options.events !== undefined || otlp !== undefined,
			feedRate: options.feedRate ?? defaultTelemetryMode.feedRate,
			durationRate: options.durationRate ?? defaultTelemetryMode.durationRate,
		};
		this.startTimeoutMs = options.startTimeoutMs ?? 15_000;
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
			// A cluster on disk remembers the clients of its earlier sessions: these are new ones.
			firstClientId: (dataDir?.session ?? 0) * clientIdsPerSession + 1,
			send: (sends) => {
				this.router.sendFromClients(sends);
			},
		});
		this.processes = new ReplicaProcesses(
			{
				replicaCount: n,
				checkpointInterval: options.checkpointInterval,
				telemetry: this.telemetryMode,
				seed: options.seed,
				storage: dataDir && {
					directory: (id) => replicaDirectory(dataDir.root, id),
					cluster: dataDir.cluster,
				},
				incarnationBase: (dataDir?.session ?? 0) * incarnationsPerSession,
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
				this.router.deliverLive(entry, now);
			},
			tickClients: () => {
				this.clients.tick();
			},
		});
		this.router = new MessageRouter({
			seeded: this.seeded,
			clock: this.clock,
			network: this.network,
			scheduler: this.scheduler,
			feed: this.feed,
			processes: this.processes,
			live: this.live,
			clients: this.clients,
			sendTime: () => this.sendTime,
			answering: (at) => {
				this.roundTime = at;
			},
			emit: (event, metadata) => {
				this.emit(event, metadata);
			},
		});
		this.rounds = new RoundPlayer({
			processes: this.processes,
			forwarding: this.forwarding,
			feed: this.feed,
			route: (from, to, message, sentAt) => {
				this.router.route(from, to, message, sentAt);
			},
			genuine: (node, to, message) => this.router.genuine(node, to, message),
			tickClients: (at) => {
				this.roundTime = at;
				this.clients.tick();
			},
			replyToClient: (entry) => this.router.replyToClient(entry),
			delivered: () => {
				this.router.delivered++;
			},
			wait: (entry, due) => {
				this.scheduler.inFlight.add(entry.from, entry.to, entry.message, due);
			},
		});
		this.lockstep = new Lockstep({
			clock: this.clock,
			scheduler: this.scheduler,
			held: () => this.clock.paused || this.resetting !== undefined || this.processes.starting,
			stopped: () => this.stopped,
			replayDue: () => this.replayDue(),
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

	/** Resolves once every replica has reported its status once (rejects after `timeoutMs`). */
	async waitUntilReady(timeoutMs: number): Promise<void> {
		return this.processes.waitUntilReady(timeoutMs);
	}

	// --- Inside: time ----------------------------------------------------------

	protected get seeded(): boolean {
		return this.seed !== undefined;
	}

	/** Virtual ns now: where the rounds are (seeded, or paused), or the live clock. */
	protected virtualNow(): number {
		return this.seeded || this.clock.paused ? this.scheduler.now : this.clock.now();
	}

	/** When a message sent now was sent: the input being answered, or now. */
	protected get sendTime(): number {
		return this.roundTime ?? this.virtualNow();
	}

	/**
	Plays a round (of the scheduler, or of one step) while actions wait for its end: they come
	after it, in the order they were asked.
	*/
	protected async play(round: () => Promise<DeliveryReport[]>): Promise<DeliveryReport[]> {
		this.playing = true;
		const played = round();
		this.roundInPlay = played;
		try {
			return await played;
		} finally {
			this.roundTime = undefined;
			this.playing = false;
			this.takeWaitingActions();
		}
	}

	/** Takes the actions that waited for a round or a reset to end, in the order they were asked. */
	protected takeWaitingActions(): void {
		for (const action of this.waitingActions.splice(0)) {
			action();
		}
	}

	// --- Inside: processes -------------------------------------------------------

	/** SIGKILLs a replica's process, if it runs, and says so; false when it was down. */
	protected kill(node: NodeState): boolean {
		const child = this.processes.kill(node);
		if (child === undefined) {
			return false;
		}

		this.live.clear(node.id);
		this.emit(operatorEvents.operatorCrash, {
			node: node.id,
			...this.pidOf(child.pid),
			incarnation: this.processes.incarnationOf(node),
		});
		return true;
	}

	protected async replaceEveryReplica(): Promise<void> {
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

	protected freshPut(): KvOperation {
		const n = ++this.freshKey;
		return {op: 'put', key: `key${n}`, value: `value${n}`};
	}

	protected async shutdown(): Promise<void> {
		await this.beforeStop?.().catch(() => undefined);
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
	protected checkStanding(): void {
		if (!this.started || this.stopped) {
			return;
		}

		const now = standing(
			this.processes.nodes.map((node) => nodeInfo(node, this.network)),
			this.dataDir !== undefined,
		);
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
	protected takeBatch(node: NodeState, batch: FromChild): void {
		if (batch.telemetry !== undefined) {
			this.forwarding.ingest(node.id, batch.telemetry);
		}

		for (const [to, messages] of (batch.out ?? []).entries()) {
			for (const message of messages ?? []) {
				if (to < this.processes.nodes.length && this.router.genuine(node, to, message)) {
					this.router.route(node.id, to, message);
				}
			}
		}

		for (const reply of batch.replies ?? []) {
			this.router.route(node.id, clientAddress(reply.clientId), reply);
		}
	}

	/** The process id for an event's metadata: not in a seeded session (it differs from run to run). */
	protected pidOf(pid: number | undefined): {pid?: number} {
		return this.seeded || pid === undefined ? {} : {pid};
	}

	/** When an operator event happened: virtual ns in a seeded session, else the clocks of this process. */
	protected stamp(): {monotonic_time: bigint; system_time: bigint} {
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
	protected emit(event: EventName, metadata: Metadata, inRun = true): void {
		this.forwarding.emitLocal(
			event,
			this.stamp(),
			{...metadata, source: 'operator'},
			inRun || !this.seeded,
		);
	}

	/** Takes the replayed actions whose time has come (between rounds); true when it took any. */
	protected abstract replayDue(): boolean;
}
