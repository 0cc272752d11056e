import {isClient} from '../net/address.js';
import {type LinkFaults} from '../net/network-model.js';
import {events, operatorEvents} from '../telemetry/catalogue.js';
import {Telemetry} from '../telemetry/telemetry.js';
import type {KvOperation} from '../vsr/kv-store.js';
import type {OtlpExport} from '../otel/otlp.js';
import {type ActionName, type LoggedAction, replay} from './action-log.js';
import type {ChildExit} from './child-process.js';
import {clusterEvents} from './events.js';
import {standing} from './failure-model.js';
import {ends} from './message-feed.js';
import {nodeInfo} from './node-info.js';
import {
	type NetworkStats,
	type ProcessClusterOptions,
	seededSliceNs,
} from './process-cluster-options.js';
import type {
	ClusterSnapshot,
	DeliveryReport,
	InFlightMessage,
	MessageEvent,
	OperatorControls,
	RequestOutcome,
	TelemetrySummary,
} from './operator-api.js';
import {type FlushResult, type NodeState} from './replica-processes.js';
import {type SpanTiming} from './telemetry-forwarding.js';
import {ClusterEngine} from './cluster-engine.js';
import {type DataDir, openDataDir} from './data-dir.js';

/**
The process cluster: it starts one child process per replica, is their network and their clock,
runs the clients, and keeps the node table from what the children report (`ClusterEngine`). It
implements `OperatorControls` for the terminal operator, the headless `run` and `bench`, the tests
and any front end: every control is an action taken between rounds and logged with its virtual
time (`actions()`), so that a seeded session replays the same.

In either mode, paused, time stands still: no tick, no delivery, nothing times out; the first
message in flight can be delivered (`deliverNext`), any one out of its turn (`deliver`) or
dropped, and time advanced by one tick (`advanceTick`), each as a round. Stop it (`stop()`) when
done: until then its replicas and their IPC keep the process alive.
*/
export class ProcessCluster extends ClusterEngine implements OperatorControls {
	/** Starts the replicas and resolves once every one has reported (rejects if one cannot start). */
	static async start(options: ProcessClusterOptions): Promise<ProcessCluster> {
		if (options.dataDir !== undefined && options.seed !== undefined) {
			throw new Error('a seeded session keeps no data directory: its disks are not seeded');
		}

		// Refuses (StorageRefused, one line) a directory that is not this cluster's, before anything starts.
		const dataDir =
			options.dataDir === undefined
				? undefined
				: await openDataDir(options.dataDir, options.replicas);
		const telemetry = options.telemetry ?? new Telemetry();
		// Listening before the first replica reports, so that no span's start is missed.
		const otlp: OtlpExport | undefined =
			options.otlp === undefined
				? undefined
				: await ProcessCluster.exportOtlp(options.otlp, telemetry, () => cluster.eventCounts());
		const cluster: ProcessCluster = new ProcessCluster({...options, telemetry}, otlp, dataDir);
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

	private readonly log: LoggedAction[] = [];
	private readonly replayLog: readonly LoggedAction[];
	private replayed = 0;

	private constructor(options: ProcessClusterOptions, otlp?: OtlpExport, dataDir?: DataDir) {
		super(options, otlp, dataDir);
		this.replayLog = options.actions ?? [];
	}

	// --- Reading ---------------------------------------------------------------

	/** The cluster now: every node's status, view, op and commit, the network's settings, the time. */
	snapshot(): ClusterSnapshot {
		const nodes = this.processes.nodes.map((node) => nodeInfo(node, this.network));
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
			dataDir: this.dataDir?.root,
			// While the cluster (re)starts, its processes are starting, not down.
			outsideFailureModel: this.started && standing(nodes, this.dataDir !== undefined).stuck,
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
		return {...this.network.stats, delivered: this.router.delivered, forged: this.router.forged};
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

	/** With a data directory: the fdatasyncs of every replica's log so far, as last reported (see `flushTelemetry`). */
	storageSyncs(): number {
		return this.processes.nodes.reduce((sum, node) => sum + node.syncsBefore + node.syncs, 0);
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
			this.restartNode(state);
			this.checkStanding();
		});
	}

	/** SIGKILLs every replica at once, as a power cut would (with a data directory, they keep their logs). */
	crashAll(): void {
		this.act('crashAll', [], () => {
			let crashed = false;
			for (const node of this.processes.nodes) {
				crashed = this.kill(node) || crashed;
			}

			if (crashed) {
				this.checkStanding();
			}
		});
	}

	/** A new process for every crashed replica (with a data directory, each starts from its disk). */
	restartAll(): void {
		if (this.stopped) {
			return;
		}

		this.act('restartAll', [], () => {
			for (const node of this.processes.nodes) {
				if (node.child === undefined) {
					this.restartNode(node);
				}
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

		if (this.dataDir !== undefined) {
			throw new Error(
				'a cluster with a data directory is not reset: its replicas restart from their disks',
			);
		}

		this.resetting ??= new Promise<void>((resolve, reject) => {
			this.act('reset', [], () => {
				this.replaceEveryReplica().then(resolve, reject);
			});
		}).finally(() => {
			this.resetting = undefined;
			this.takeWaitingActions();
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

	/**
	Freezes a replica, or thaws it: a process stopped as by a long GC pause (SIGSTOP, then SIGCONT)
	that goes on with its state. Its clock stops; what is sent to it waits.
	*/
	freeze(node: number, on: boolean): void {
		const state = this.processes.node(node);
		this.act('freeze', [node, on], () => {
			if (state.frozen === on || state.child === undefined) {
				return;
			}

			state.frozen = on;
			if (!this.seeded) {
				state.child.kill(on ? 'SIGSTOP' : 'SIGCONT');
			}

			this.emit(clusterEvents.freeze, {node, frozen: on});
		});
	}

	/** Cuts (or mends) one direction of the link between two replicas. */
	setCut(from: number, to: number, on: boolean): void {
		this.act('setCut', [from, to, on], () => {
			this.network.setCut(from, to, on);
			this.emit(clusterEvents.network, {scope: 'link', from, to, cut: on});
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
				this.feed.droppedByHand(removed, this.virtualNow());
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
			// A starting replica first, as running time waits for it: the same run in a replay.
			await this.untilUp();
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

	/**
	Paused: plays the next round of the scheduler (whatever falls due first: a message, or a tick),
	after the replayed actions whose time has come, as the running loop does between rounds: a
	driver that plays rounds one by one (a lesson, a replay as fast as it goes) sees the run that
	running time would give. Waits for starting replicas first, as the loop does. The replayed
	actions due at the round's end are taken before it resolves: they were taken there, and what
	they queue (a request, a delivery by hand) moves `nextRoundAt`, which a driver reads next.
	*/
	async advanceRound(): Promise<readonly DeliveryReport[]> {
		const played = await this.playNextRound();
		if (this.replayed < this.replayLog.length) {
			await this.applyDueActions();
		}

		return played;
	}

	/** Takes the replayed actions whose time has come now, without a round (a replay's last ones). */
	async applyDueActions(): Promise<void> {
		// Each turn after what the turn before queued (a delivery by hand, a forced timeout).
		for (let took = true; took;) {
			await this.untilUp();
			took = await this.lockstep.serially(async () => this.replayDue());
		}
	}

	/** Virtual ns where the next round would start (infinity when nothing is due). */
	nextRoundAt(): number {
		return this.scheduler.nextStart();
	}

	/**
	Stops time and waits for the round in flight (if any) to end: then the event stream is whole up
	to the virtual time it resolves with (ns), and nothing more happens until `resume()`.
	*/
	async halt(): Promise<number> {
		this.pause();
		return this.lockstep.serially(async () => this.scheduler.now);
	}

	/** The replica's timeout fires now: a backup asks for a view change, a primary sends its heartbeat. */
	forceTimeout(node: number): void {
		this.processes.node(node);
		// Taken in a turn of its own, once no replica is starting, and its round starts as it is
		// taken (as a delivery by hand): an action asked after it is taken after that round, and
		// logged after it, where a replay takes it.
		void this.lockstep
			.serially(async () => {
				await this.untilUp();
				if (this.stopped) {
					return;
				}

				await new Promise<void>((resolve, reject) => {
					this.act('forceTimeout', [node], () => {
						this.emit(clusterEvents.timeout, {node});
						const at = this.virtualNow();
						this.play(async () =>
							this.rounds.play(
								[{node, inputs: [[at, 'expire']], entries: [undefined]}],
								[],
								undefined,
							),
						).then(() => {
							resolve();
						}, reject);
					});
				});
			})
			.catch(() => undefined);
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
		// What was sent or played before this call is answered before the flush is.
		this.live.sendNow();
		await this.roundInPlay.catch(() => undefined);
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

	/**
	Takes the replayed actions whose time has come: once the rounds before it have run. True when it
	took any. An action that queues a round of its own (a delivery by hand, a forced timeout) is the
	last it takes: the actions after it, at the same virtual time, come after that round, as they did.
	*/
	protected replayDue(): boolean {
		const before = this.replayed;
		for (
			let next = this.replayLog[this.replayed];
			next !== undefined && next.at <= this.scheduler.now;
			next = this.replayLog[this.replayed]
		) {
			this.replayed++;
			replay(this, next);
			if (next.action === 'deliver' || next.action === 'forceTimeout') {
				break;
			}
		}

		return this.replayed > before;
	}

	// --- Inside: actions and rounds -------------------------------------------

	/** The next round, after the replayed actions due before it. */
	private async playNextRound(): Promise<readonly DeliveryReport[]> {
		for (;;) {
			await this.untilUp();

			const reports = await this.lockstep.serially(async () => {
				if (this.replayDue()) {
					// Actions first: what they queued (a delivery, a forced timeout) comes before the round.
					return undefined;
				}

				if (this.stopped) {
					return [];
				}

				const round = this.scheduler.takeRound(this.scheduler.nextStart());
				const played = await this.play(async () => this.rounds.playRound(round));
				if (this.clock.paused) {
					this.clock.set(this.scheduler.now);
				}

				return played;
			});
			if (reports !== undefined) {
				return reports;
			}
		}
	}

	/** Resolves once no replica is starting and no reset is under way (as the running loop waits). */
	private async untilUp(): Promise<void> {
		while (!this.stopped && (this.processes.starting || this.resetting !== undefined)) {
			await new Promise<void>((resolve) => {
				setTimeout(resolve, 5);
			});
		}
	}

	/**
	Kills the node's process if it runs, and starts a new one: without a data directory it
	recovers its state from the others (a lone replica has no one to recover from: it starts
	empty, reported as `data_lost`); with one, it starts from its disk.
	*/
	private restartNode(state: NodeState): void {
		const lone = this.processes.nodes.length === 1;
		const durable = this.dataDir !== undefined;
		const lost = lone && !durable ? state.commit : 0;
		this.kill(state);
		state.restarts++;
		this.processes.spawn(state, !lone && !durable, this.virtualNow());
		this.emit(operatorEvents.operatorRestart, {
			node: state.id,
			...this.pidOf(state.child?.pid),
			incarnation: this.processes.incarnationOf(state),
		});
		if (lost > 0) {
			this.emit(clusterEvents.dataLost, {node: state.id, commit: lost});
		}
	}

	/**
	Takes an action now, between rounds, and logs it with its virtual time; during a round (or a
	reset) it waits for its end. Seeded, its time is where the rounds are (the end of the last one),
	and the log's order is the order the actions took effect in, so a replay takes each at the same
	point of the run.
	*/
	private act(action: ActionName, args: readonly unknown[], apply: () => void): void {
		// What is asked while replicas are being replaced would land on old or new ones, as wall time
		// has it: it comes after the reset, as a replay takes it.
		if (this.playing || (this.resetting !== undefined && action !== 'reset')) {
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
		// A starting replica first, as running time waits for it: the same run in a replay.
		await this.untilUp();
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
}

export {operatorSource, type SpanTiming} from './telemetry-forwarding.js';
export type {FlushResult} from './replica-processes.js';
export {
	type ProcessClusterOptions,
	type NetworkStats,
	seededSliceNs,
} from './process-cluster-options.js';
