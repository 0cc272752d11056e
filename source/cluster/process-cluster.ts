import {KvCommands} from '../check/kv-commands.js';
import {events, operatorEvents, vsrEventName} from '../telemetry/catalogue.js';
import {type EventName, type Metadata, Telemetry} from '../telemetry/telemetry.js';
import {VsrTelemetry} from '../telemetry/vsr-telemetry.js';
import {Configuration} from '../vsr/configuration.js';
import type {KvOperation} from '../vsr/kv-store.js';
import type {Message, Reply, Send} from '../vsr/messages.js';
import type {OtlpExport} from '../otel/otlp.js';
import {ChildProcess, type ChildExit} from './child-process.js';
import {ClientPool} from './client-pool.js';
import {clusterEvents} from './events.js';
import {standing} from './failure-model.js';
import {
	type ChildConfig,
	type FromChild,
	type TelemetryMode,
	defaultTelemetryMode,
	isRecord,
	statusCodes,
	tickMs,
} from './ipc.js';
import {type LinkFaults, Network, type NetworkStats, clientEndpoint} from './network.js';
import type {
	ClusterSnapshot,
	NodeInfo,
	NodeStatus,
	OperatorControls,
	RequestOutcome,
	TelemetrySummary,
} from './operator-api.js';
import {type SpanTiming, TelemetryForwarding} from './telemetry-forwarding.js';

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
	/** Uniform in [0, 1), for the network's faults and the load. */
	readonly random?: () => number;
	/** How long each replica may take to come up (default 15 s). */
	readonly startTimeoutMs?: number;
	/**
	Export spans and metrics over OTLP/HTTP to the collector at this URL (see `startOtlpExport`
	in `vsr-tui/otel`); every replica then sends every event in full, so that every span is whole.
	*/
	readonly otlp?: string | undefined;
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

/**
The process cluster: it starts one child process per replica, is their network, runs the
clients, and keeps the node table from what the children report. It implements
`OperatorControls` for the terminal operator, the headless `run` and `bench`, the tests and any
front end.

Every protocol message goes child → this process → child. A message must name the replica (and
incarnation) of the process it came from; it passes through the network (faults), and what is
due for each replica goes out as one IPC message per turn of the event loop. Stop it (`stop()`)
when done: until then its replicas and their IPC keep the process alive.
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
			cluster.startClocks();
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
	private readonly nodes: NodeState[];
	private readonly network: Network<Message | Reply>;
	/** Messages for each replica, sent as one IPC message at the end of the turn. */
	private readonly outbox: Message[][];
	private outboxScheduled = false;
	private readonly ticker: NodeJS.Timeout;
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
		this.workload = new KvCommands(options.random ?? Math.random, 8);
		this.network = new Network({
			replicaCount: n,
			random: options.random,
			deliver: (from, to, message) => {
				this.deliver(to, message);
			},
		});
		this.outbox = Array.from({length: n}, () => []);
		// The clients' own events (retries) go through the operator's forwarding like its faults do.
		const clientBus = new Telemetry();
		clientBus.attach(
			'vsr-tui-clients',
			vsrEventName(events.clientRetry),
			(event, measurements, metadata) => {
				this.forwarding.emitLocal(
					event,
					{...measurements, monotonic_time: this.telemetry.clock.monotonicTime()},
					metadata,
				);
			},
		);
		this.clients = new ClientPool({
			count: options.clients ?? 8,
			replicaCount: n,
			telemetry: new VsrTelemetry(clientBus),
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

		this.ticker = setInterval(() => {
			this.clients.tick();
		}, tickMs);
	}

	// --- Reading ---------------------------------------------------------------

	/** The cluster now: every node's status, view, op and commit, the network's settings. */
	snapshot(): ClusterSnapshot {
		const nodes = this.nodes.map((node) => this.nodeInfo(node));
		const normal = nodes.filter((node) => node.status === 'normal');
		const view = Math.max(0, ...(normal.length > 0 ? normal : nodes).map((node) => node.view));
		const global = this.network.globalFaults;
		return {
			replicas: this.nodes.length,
			nodes,
			primary: normal.length > 0 ? this.configuration.primaryOf(view) : undefined,
			view,
			commit: Math.max(0, ...nodes.map((node) => node.commit)),
			paused: this.network.isPaused,
			held: this.network.heldCount,
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
		return {...this.network.stats, forged: this.forged};
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

	// --- Requests --------------------------------------------------------------

	async submit(operation?: KvOperation): Promise<RequestOutcome> {
		if (this.stopped) {
			throw new Error('the operator has stopped');
		}

		const op = operation ?? this.freshPut();
		return new Promise((resolve, reject) => {
			this.clients.enqueue({
				operation: op,
				done({result, latency, clientId, requestNumber}) {
					resolve({clientId, requestNumber, operation: op, result, latencyMs: latency / 1e6});
				},
				failed: reject,
			});
		});
	}

	/** Queues `count` puts of fresh keys, sent as clients become free. */
	burst(count: number): void {
		for (let index = 0; index < count; index++) {
			this.clients.enqueue({operation: this.freshPut()});
		}
	}

	/** Steady load on or off: every free client sends the key-value workload. */
	setLoad(on: boolean): void {
		this.load = on;
		this.clients.loadSource = on
			? (clientId) => ({operation: this.workload.next(clientId)})
			: undefined;
		if (on) {
			this.clients.dispatch();
		}
	}

	// --- Faults ----------------------------------------------------------------

	/** SIGKILLs a replica's process (it loses its memory). */
	crash(node: number): void {
		const state = this.node(node);
		const {child} = state;
		if (child?.alive) {
			state.child = undefined;
			child.kill('SIGKILL');
			this.outbox[node]!.length = 0;
			this.emit(operatorEvents.operatorCrash, {node, pid: child.pid, incarnation: state.restarts});
			this.checkStanding();
		}
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

		const lost = this.nodes.length === 1 ? state.commit : 0;
		this.crash(node);
		state.restarts++;
		this.spawn(state, this.nodes.length > 1);
		this.emit(operatorEvents.operatorRestart, {
			node,
			pid: state.child?.pid,
			incarnation: state.restarts,
		});
		if (lost > 0) {
			this.emit(clusterEvents.dataLost, {node, commit: lost});
		}

		this.checkStanding();
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

		this.resetting ??= this.replaceEveryReplica().finally(() => {
			this.resetting = undefined;
		});
		return this.resetting;
	}

	/** Cuts a replica off from the others, both ways (clients still reach it). */
	isolate(node: number): void {
		this.network.isolate(node);
		this.emit(operatorEvents.operatorIsolate, {node});
	}

	/** Splits the replicas into two sides that cannot reach each other. */
	partition(sideA: readonly number[], sideB: readonly number[]): void {
		this.network.partition(sideA, sideB);
		this.emit(operatorEvents.operatorPartition, {side_a: [...sideA], side_b: [...sideB]});
	}

	/** Heals one node's isolation, or every isolation and the partition. */
	heal(node?: number): void {
		this.network.heal(node);
		this.emit(operatorEvents.operatorHeal, node === undefined ? {scope: 'all'} : {node});
	}

	/** Drops this share (0 to 1) of every message. */
	setDropRate(rate: number): void {
		this.network.setGlobal({dropRate: rate});
		this.emit(operatorEvents.operatorDrop, {rate, scope: 'global'});
	}

	/** Delays every message by this many milliseconds. */
	setDelay(ms: number): void {
		this.network.setGlobal({delayMs: ms});
		this.emit(operatorEvents.operatorDelay, {
			ms,
			jitter_ms: this.network.globalFaults.jitterMs,
			scope: 'global',
		});
	}

	/** Drops this share of what one replica sends and receives. */
	setNodeDropRate(node: number, rate: number): void {
		this.network.setNode(node, {dropRate: rate});
		this.emit(operatorEvents.operatorDrop, {rate, scope: 'node', node});
	}

	/** Delays what one replica sends and receives. */
	setNodeDelay(node: number, ms: number): void {
		this.network.setNode(node, {delayMs: ms});
		this.emit(operatorEvents.operatorDelay, {ms, scope: 'node', node});
	}

	/** Any fault setting (drop, delay, jitter, duplicate, reorder) globally. */
	setFaults(faults: Partial<LinkFaults>): void {
		this.network.setGlobal(faults);
		this.emit(clusterEvents.network, {scope: 'global', ...faults});
	}

	/** Any fault setting for what one replica sends and receives. */
	setNodeFaults(node: number, faults: Partial<LinkFaults>): void {
		this.network.setNode(node, faults);
		this.emit(clusterEvents.network, {scope: 'node', node, ...faults});
	}

	/** Any fault setting for the messages from one replica to another (one direction). */
	setLinkFaults(from: number, to: number, faults: Partial<LinkFaults>): void {
		this.network.setLink(from, to, faults);
		this.emit(clusterEvents.network, {scope: 'link', from, to, ...faults});
	}

	/** The fault settings that apply to every message. */
	globalFaults(): LinkFaults {
		return this.network.globalFaults;
	}

	/** Holds every message until `resume()`, or `step()` for one at a time. */
	pause(): void {
		this.network.pause();
		this.emit(clusterEvents.pause, {paused: true, held: this.network.heldCount});
	}

	/** Delivers the held messages and stops holding. */
	resume(): void {
		this.network.resume();
		this.emit(clusterEvents.pause, {paused: false, held: 0});
	}

	step(): boolean {
		return this.network.step();
	}

	/** The next messages `step()` would deliver, oldest first (`client`: the operator's clients). */
	heldMessages(limit = 10): Array<{from: number | 'client'; to: number | 'client'; type: string}> {
		const endpoint = (address: number) => (address === clientEndpoint ? 'client' : address);
		return this.network.peekHeld(limit).map((packet) => ({
			from: endpoint(packet.from),
			to: endpoint(packet.to),
			type: packet.message.type,
		}));
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

	// --- Inside ------------------------------------------------------------------

	/**
	A cluster's first replicas hold their clocks until every one has reported: a backup whose
	process came up first would otherwise time out on a primary still starting (`ChildConfig`).
	*/
	private startClocks(): void {
		this.started = true;
		for (const node of this.nodes) {
			node.child?.send({type: 'start'});
		}
	}

	private async replaceEveryReplica(): Promise<void> {
		this.started = false;
		for (const job of [...this.clients.clearQueue(), ...this.clients.inFlightJobs()]) {
			job.failed?.(new Error('the cluster was reset'));
		}

		this.clients.reset();
		this.network.forgetInFlight();
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
		this.startClocks();
		this.clients.dispatch();
	}

	private freshPut(): KvOperation {
		const n = ++this.freshKey;
		return {op: 'put', key: `key${n}`, value: `value${n}`};
	}

	private async shutdown(): Promise<void> {
		this.stopped = true;
		clearInterval(this.ticker);
		this.network.dispose();
		this.clients.loadSource = undefined;
		for (const job of [...this.clients.clearQueue(), ...this.clients.inFlightJobs()]) {
			job.failed?.(new Error('the operator stopped'));
		}

		for (const flush of this.telemetryFlushes.values()) {
			flush.resolve();
		}

		this.readyWaiter?.resolve();
		await Promise.all(this.nodes.map(async (node) => node.child?.stop()));
		for (const node of this.nodes) {
			node.child = undefined;
		}

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
			// Only a cluster's first processes wait for each other; a restart recovers at once.
			waitForStart: !this.started,
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

		if (node.child !== child) {
			return; // Crashed on purpose, or replaced by a restart.
		}

		node.child = undefined;
		node.lastExit = exit;
		this.outbox[node.id]!.length = 0;
		if (!this.stopped) {
			this.emit(clusterEvents.replicaExit, {
				node: node.id,
				pid: child.pid,
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
		if (batch.status !== undefined) {
			this.onStatus(node, batch.status);
		}

		if (batch.telemetry !== undefined) {
			this.forwarding.ingest(node.id, batch.telemetry);
		}

		if (batch.out !== undefined) {
			this.routeOut(node, batch.out);
		}

		if (batch.replies !== undefined) {
			for (const reply of batch.replies) {
				this.route(node.id, clientEndpoint, reply);
			}
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

	/** Checks that each message comes from the replica (and incarnation) it names, and passes it on. */
	private routeOut(node: NodeState, out: NonNullable<FromChild['out']>): void {
		const incarnation = node.restarts;
		for (let to = 0; to < out.length && to < this.nodes.length; to++) {
			const messages = out[to];
			if (messages === null || messages === undefined) {
				continue;
			}

			for (const message of messages) {
				if (
					message.type === 'request' ||
					message.from !== node.id ||
					message.incarnation !== incarnation
				) {
					this.forged++;
					this.emit(clusterEvents.forgedMessage, {node: node.id, type: message.type});
				} else {
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
		}

		if (node.status !== before) {
			this.checkStanding();
		}
	}

	private sendFromClients(sends: Send[]): void {
		for (const send of sends) {
			if (send.to === 'replica') {
				this.route(clientEndpoint, send.replica, send.message);
			}
		}
	}

	/**
	Every message between replicas and clients goes through here: through the network's faults,
	or, when no fault is set and delivery is not paused, straight to its destination (the fast path).
	*/
	private route(from: number, to: number, message: Message): void {
		if (this.network.clean) {
			this.deliver(to, message);
		} else {
			this.network.route(from, to, message);
		}
	}

	private deliver(to: number, message: Message): void {
		if (to === clientEndpoint) {
			// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- only replies are routed to the clients
			this.clients.onReply(message as Reply);
			return;
		}

		if (this.nodes[to]?.child === undefined) {
			return; // Down: the message is lost, as on a real network.
		}

		this.outbox[to]!.push(message);
		if (!this.outboxScheduled) {
			this.outboxScheduled = true;
			setImmediate(this.sendOutbox);
		}
	}

	/** Sends each replica what waits for it, as one IPC message. */
	private readonly sendOutbox = (): void => {
		this.outboxScheduled = false;
		for (const [to, messages] of this.outbox.entries()) {
			if (messages.length > 0) {
				this.nodes[to]!.child?.send({type: 'deliver', messages});
				messages.length = 0;
			}
		}
	};

	private emit(event: EventName, metadata: Metadata): void {
		const {clock} = this.telemetry;
		this.forwarding.emitLocal(
			event,
			{monotonic_time: clock.monotonicTime(), system_time: clock.systemTime()},
			{...metadata, source: 'operator'},
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
				isolated: this.network.isIsolated(node.id),
				partitioned: this.network.isPartitioned(node.id) && !this.network.isIsolated(node.id),
				dropRate: faults.dropRate,
				delayMs: faults.delayMs,
			},
		};
	}
}

export {operatorSource, type SpanTiming} from './telemetry-forwarding.js';
