import {type Address, clientAddress, clientOf} from '../net/address.js';
import {NetworkModel} from '../net/network-model.js';
import {type Round, RoundScheduler} from '../net/scheduler.js';
import {
	additionEvents,
	events,
	operatorEvents,
	seedEvents,
	vsrEventKey,
} from '../telemetry/catalogue.js';
import {serializeEvent} from '../telemetry/serialize.js';
import {
	type EventName,
	type Measurements,
	type Metadata,
	Telemetry,
} from '../telemetry/telemetry.js';
import {VsrTelemetry} from '../telemetry/vsr-telemetry.js';
import {InvariantViolation} from '../vsr/assert.js';
import {Client} from '../vsr/client.js';
import {Configuration} from '../vsr/configuration.js';
import {formatKvOperation, type KvOperation} from '../vsr/kv-store.js';
import type {Message, Send} from '../vsr/messages.js';
import {Prng} from '../vsr/prng.js';
import {Replica} from '../vsr/replica.js';
import {Adversary} from './adversary.js';
import {
	type Fault,
	FaultGenerator,
	type FaultMix,
	describeFault,
	linkFaults,
	millisecond,
	range,
	second,
} from './faults.js';
import {drawProfile, SwarmGenerator, type SwarmProfile, type SwarmView} from './swarm.js';
import {describeAddress, describeMessage} from './describe.js';
import {RunHistory} from './run-history.js';
import {SafetyChecks} from './safety-checks.js';
import {SimulatedStorage} from './simulated-storage.js';
import type {
	SimulationOptions,
	SimulationResult,
	Violation,
	ViolationKind,
} from './simulation-types.js';
import type {SimulatedService} from './service.js';
import {Workload} from './workload.js';

export type {
	SimulationOptions,
	SimulationResult,
	Violation,
	ViolationKind,
} from './simulation-types.js';
export {describeMessage} from './describe.js';

/** A replica's and a client's tick in the simulator: 10 ms of virtual time, in nanoseconds. */
export const tick = 10 * millisecond;

/**
The simulator's rounds (`RoundScheduler`): 1 ms, the shortest network delay of every fault mix,
so that no message waits for a round to end and the order is close to a plain event queue's.
*/
export const simulatorSlice = millisecond;

/** After faults stop, every pending request must be answered within this much virtual time. */
export const livenessBound = 60 * second;

/** Faults stop by this virtual time even if the workload is not done. */
const maxFaultTime = 300 * second;

type SimClient = {
	client: Client;
	index: number | undefined;
	command: KvOperation | undefined;
	/** Virtual ns before which it issues nothing new (the swarm spreads operations over its window). */
	idleUntil: number;
};

/**
After the swarm's faults: `degraded` keeps f replicas down for good and needs requests answered
by the rest (liveness with f failures); `healed` restarts them and needs every request answered.
*/
type Phase = 'faults' | 'degraded' | 'healed';

class Stop extends Error {}

const noSends: readonly Send[] = Object.freeze([]);

/**
 * One deterministic run: the real replicas and clients in one process, a
 * seeded network, virtual time, faults, and the checks. Same options, same
 * run, event for event.
 *
 * The loop, the faults it applies and the clients it drives share one run's
 * state at every step, so they stay in this class (as the core's handlers
 * stay in `Replica`); what stands alone lives beside it: the checks
 * (`SafetyChecks`, `RunHistory`), the adversary's timing (`Adversary`), the
 * fault generators (`faults.ts`, `swarm.ts`), the types and the trace's words.
 */
export class Simulation {
	/** What the run was made with. */
	readonly options: SimulationOptions;
	/**
	 * Virtual ns. -0 (equal to 0, printed as 0) makes it a double from the start: it outgrows
	 * small integers after 2 s, and a field that changes representation then deoptimizes every
	 * hot function that reads it or the packets it stamps.
	 */
	now = -0;
	private readonly configuration: Configuration;
	private readonly bus: Telemetry;
	private readonly vsr: VsrTelemetry;
	private readonly network: NetworkModel;
	private readonly scheduler: RoundScheduler<Message>;
	private readonly replicas: Array<Replica | undefined>;
	private readonly boots: number[];
	private readonly clients: SimClient[];
	private readonly workload: Workload;
	private readonly history: RunHistory;
	private readonly service: SimulatedService | undefined;
	private readonly random: () => number;
	private readonly generator: FaultGenerator | SwarmGenerator | undefined;
	private readonly adversary: Adversary;
	private readonly profile: SwarmProfile | undefined;
	private readonly phasePrng: Prng;
	private phase: Phase = 'faults';
	private degradedAcks = 0;
	private keptDown: number[] = [];
	/** Virtual ns between a client's answer and its next request (0 but in the swarm). */
	private readonly pace: number;
	private readonly replicaPrng: Prng;
	private readonly faultsApplied: Fault[] = [];
	private readonly trace: string[] = [];
	private readonly checks: SafetyChecks;
	/** With storage: each replica's disk. */
	private readonly storage: SimulatedStorage | undefined;
	/** With storage: a crashed replica whose next life recovers from its peers (its disk is faulty, or it crashed recovering). */
	private readonly lostOnRestart: boolean[];
	private powerOff = false;
	private powerCuts = 0;
	private operatorEvents = 0;
	private issued = 0;
	private acked = 0;
	private faultsEnd: number | undefined;
	private lastProgress = 0;
	private outsideModel = false;
	private violation: Violation | undefined;
	private unknown: string | undefined;
	private scheduleIndex = 0;
	/** A one-way cut is on (the network heals them with partitions). */
	private anyCut = false;
	private readonly tracing: boolean;
	/** What the fault generator sees of the cluster (built once: it is read every tick). */
	private readonly clusterView: SwarmView;

	constructor(options: SimulationOptions) {
		this.options = options;
		this.tracing = Boolean(options.trace);
		this.configuration = new Configuration(options.replicas);
		this.clusterView = {
			replicaCount: options.replicas,
			f: this.configuration.f,
			isDown: (replica) => this.isDown(replica),
			isCrashed: (replica) => this.replicas[replica] === undefined,
			downCount: () => this.downCount(),
			primary: () => this.currentPrimary(),
			partitioned: () => this.network.partitioned,
			isFrozen: (replica) => this.adversary.frozen(replica, this.now) !== undefined,
			frozenCount: () => this.adversary.frozenCount(this.now),
			cut: () => this.network.partitioned || this.anyCut,
			holding: () => this.adversary.holding(this.now),
			state: (replica) => this.replicas[replica],
			heldOp: (from, to) => this.adversary.heldOp(from, to),
			storage: options.storage === true,
			powerIsOff: () => this.powerOff,
			impairedCount: () => this.impairedCount(),
			diskFaultable: (replica) =>
				this.replicas[replica] === undefined && !this.lostOnRestart[replica],
		};
		const streams = new Prng(options.seed);
		const networkPrng = new Prng(streams.nextUint32());
		this.network = new NetworkModel(options.replicas, () => networkPrng.next());
		this.network.setGlobal(linkFaults(options.faults));
		this.scheduler = new RoundScheduler(this.network, {
			replicaCount: options.replicas,
			slice: simulatorSlice,
			tick,
		});
		const workloadPrng = new Prng(streams.nextUint32());
		this.workload = new Workload(workloadPrng);
		this.service = options.service;
		this.history = new RunHistory(options.service, options.maxSearchSteps);
		this.random = () => workloadPrng.next();
		this.replicaPrng = new Prng(streams.nextUint32());
		const faultPrng = new Prng(streams.nextUint32());
		// Streams drawn after the first four, so that the other mixes' runs are what they were.
		const adversaryPrng = new Prng(streams.nextUint32());
		this.phasePrng = new Prng(streams.nextUint32());
		this.profile =
			options.faults === 'swarm' ? drawProfile(new Prng(streams.nextUint32())) : undefined;
		const {profile} = this;
		if (profile) {
			this.network.setGlobal(profile.network);
		}

		this.adversary = new Adversary(
			options.replicas,
			adversaryPrng,
			profile && {rate: profile.tailRate, ms: profile.tailMs},
		);
		this.pace = profile
			? Math.floor((profile.window * (options.clients ?? 3)) / Math.max(1, options.ops))
			: 0;
		this.generator = options.schedule
			? undefined
			: options.faults === 'swarm'
				? new SwarmGenerator(faultPrng, profile!)
				: new FaultGenerator(faultPrng, options.faults);
		// Drawn last, so that a run without storage is the same run as before storage existed.
		this.storage = options.storage
			? new SimulatedStorage(
					options.replicas,
					new Prng(streams.nextUint32()),
					options.bugs,
					(replica, seq) => {
						this.written(replica, seq);
					},
				)
			: undefined;
		this.lostOnRestart = range(options.replicas).map(() => false);
		this.bus = new Telemetry({
			clock: {monotonicTime: () => BigInt(this.now), systemTime: () => BigInt(this.now)},
		});
		this.vsr = new VsrTelemetry(this.bus);
		this.attachTelemetry();
		this.boots = range(options.replicas).map(() => 0);
		this.checks = new SafetyChecks(options.replicas, (kind, message) => {
			this.fail(kind, message);
		});
		this.replicas = range(options.replicas).map((id) => this.createReplica(id, false));
		this.clients = range(options.clients ?? 3).map((i) => ({
			client: new Client({
				clientId: i + 1,
				replicaCount: options.replicas,
				requestTimeout: 40,
				telemetry: this.vsr,
			}),
			index: undefined,
			command: undefined,
			idleUntil: 0,
		}));
	}

	/**
	The run's telemetry bus: attach handlers (or the OpenTelemetry bridge) before `run()`. Its
	clock is virtual time, so every time it reports is virtual nanoseconds since the start.
	*/
	get telemetry(): Telemetry {
		return this.bus;
	}

	/** Runs to the end (every operation answered, or a check broken) and checks the history. */
	run(): SimulationResult {
		try {
			this.loop();
		} catch (error) {
			if (!(error instanceof Stop)) {
				throw error;
			}
		}

		if (!this.violation) {
			this.checkHistory();
		}

		return this.result();
	}

	/**
	Round after round (`RoundScheduler`): at a tick, faults first (the operator acts between
	rounds); then each replica in id order ticks (at a tick) and takes its messages, and what it
	sends goes on its way at once (nothing sent in a round can be due in it, so this is the same
	as routing after the round, in replica order); then the clients, likewise.
	*/
	private loop(): void {
		const {scheduler} = this;
		for (;;) {
			const round = scheduler.takeRound(scheduler.nextStart());
			this.now = round.start;
			if (round.tick) {
				this.injectFaults();
				this.storage?.tick();
			}

			for (const replica of this.replicas) {
				// A crashed replica's messages are lost, as on a real network.
				if (replica) {
					this.stepRound(replica, round);
				}
			}

			if (round.tick) {
				this.now = round.start;
				this.tickClients();
			}

			const {messages, count} = round;
			for (let index = 0; index < count; index++) {
				const entry = messages[index]!;
				if (entry.to < 0) {
					this.now = entry.due;
					this.deliverToClient(clientOf(entry.to), entry.message);
				}
			}

			if (
				round.tick &&
				this.acked >= this.options.ops &&
				this.acked === this.issued &&
				this.faultsEnd !== undefined &&
				this.phase !== 'degraded'
			) {
				return;
			}
		}
	}

	/** A replica's part of a round: its tick, then its messages; a frozen one's wait until it thaws. */
	private stepRound(replica: Replica, round: Round<Message>): void {
		const {id} = replica;
		const thaw = this.adversary.frozen(id, round.start);
		if (thaw !== undefined) {
			this.defer(id, round, thaw);
			return;
		}

		if (round.tick) {
			this.now = round.start;
			this.route(id, this.step(replica, undefined));
		}

		const {messages, count} = round;
		for (let index = 0; index < count; index++) {
			const entry = messages[index]!;
			if (entry.to !== id) {
				continue;
			}

			this.now = entry.due;
			if (this.tracing) {
				this.record(
					() =>
						`${this.time()} ${describeAddress(entry.from)} → ${id} ${describeMessage(entry.message)}`,
				);
			}

			this.route(id, this.step(replica, entry.message));
		}
	}

	private defer(id: number, round: Round<Message>, until: number): void {
		const {messages, count} = round;
		for (let index = 0; index < count; index++) {
			const entry = messages[index]!;
			if (entry.to === id) {
				// A datagram network keeps no order: what waited arrives spread over the jitter.
				const spread = this.adversary.thawDelay(this.profile?.network.jitterMs ?? 0);
				this.scheduler.inFlight.add(entry.from, entry.to, entry.message, until + spread);
			}
		}
	}

	// --- Ticks: faults, clients -----------------------------------------------

	private tickClients(): void {
		for (const simClient of this.clients) {
			this.route(clientAddress(simClient.client.clientId), simClient.client.tick());
			this.issue(simClient);
		}

		if (
			this.faultsEnd !== undefined &&
			this.now - Math.max(this.lastProgress, this.faultsEnd) > livenessBound
		) {
			const pending = this.clients.filter(({client}) => client.busy).length;
			this.fail(
				'liveness',
				`no request was answered for ${livenessBound / second}s after faults stopped (${pending} pending, ${this.acked}/${this.options.ops} acked)`,
			);
		}
	}

	private issue(simClient: SimClient): void {
		// While f replicas are down for good, clients go on past the budget: liveness needs requests.
		if (
			simClient.client.busy ||
			(this.issued >= this.options.ops && this.phase !== 'degraded') ||
			simClient.idleUntil > this.now
		) {
			return;
		}

		const {clientId} = simClient.client;
		const {command, operation} = this.service
			? {command: undefined, operation: this.service.operation(clientId, this.random)}
			: this.workload.next(clientId);
		this.issued++;
		simClient.command = command;
		simClient.index =
			this.options.recordHistory === false
				? undefined
				: this.history.invoke(clientId, command, operation, this.now);

		if (this.tracing) {
			this.record(
				() =>
					`${this.time()} client ${clientId} calls ${command ? formatKvOperation(command) : `${this.service ? '' : 'malformed '}${JSON.stringify(operation)}`}`,
			);
		}

		this.route(clientAddress(simClient.client.clientId), simClient.client.submit(operation));
	}

	private injectFaults(): void {
		for (const {from, to, message} of this.adversary.release(this.now)) {
			this.scheduler.send(from, to, message, this.now);
		}

		if (this.faultsEnd !== undefined) {
			return;
		}

		const {schedule} = this.options;
		if (schedule) {
			while (
				this.scheduleIndex < schedule.faults.length &&
				schedule.faults[this.scheduleIndex]!.at <= this.now
			) {
				this.applyFault(schedule.faults[this.scheduleIndex++]!);
			}

			if (this.now >= schedule.faultsEnd) {
				this.stopFaults();
			}

			return;
		}

		const over = this.profile
			? this.now >= this.profile.window
			: this.issued >= this.options.ops || this.now >= maxFaultTime;
		if (over) {
			this.stopFaults();
			return;
		}

		const {generator} = this;
		// A swarm campaign's step may make several faults at once (`SwarmGenerator.queued`).
		for (
			let fault = generator?.next(this.now, this.clusterView);
			fault;
			fault = generator instanceof SwarmGenerator ? generator.queued() : undefined
		) {
			this.applyFault(fault);
		}
	}

	/**
	Faults stop: the network heals and is clean again, replicas thaw, crashed replicas restart. In
	the swarm, f of them stay down (those down now, then others) until the rest have answered a
	request from every client.
	*/
	private stopFaults(): void {
		this.faultsEnd = this.now;
		this.lastProgress = this.now;
		if (this.network.partitioned || this.anyCut) {
			this.applyFault({at: this.now, kind: 'heal'}, false);
		}

		this.adversary.end(this.now);
		if (this.profile) {
			this.keepDown();
		}

		for (const replica of range(this.options.replicas)) {
			if (this.replicas[replica] === undefined && !this.keptDown.includes(replica)) {
				this.applyFault({at: this.now, kind: 'restart', replica}, false);
			}
		}

		this.network.clear();
		this.network.setGlobal(linkFaults('none'));
		this.record(() => `${this.time()} faults stop`);
	}

	private keepDown(): void {
		const {f} = this.configuration;
		const down = range(this.options.replicas).filter((replica) => this.isDown(replica));
		const up = range(this.options.replicas).filter((replica) => !this.isDown(replica));
		while (down.length < f && up.length > 0) {
			down.push(up.splice(this.phasePrng.int(up.length), 1)[0]!);
		}

		for (const replica of down) {
			this.applyFault({at: this.now, kind: 'crash', replica}, false);
		}

		this.keptDown = down;
		this.phase = 'degraded';
		this.record(() => `${this.time()} replicas ${down.join(',')} stay down`);
	}

	/** The rest answered every client: the replicas kept down restart, and every request must be answered. */
	private endDegraded(): void {
		this.phase = 'healed';
		this.lastProgress = this.now;
		for (const replica of this.keptDown) {
			this.applyFault({at: this.now, kind: 'restart', replica}, false);
		}

		this.keptDown = [];
	}

	private applyFault(fault: Fault, recorded = true): void {
		switch (fault.kind) {
			case 'crash': {
				if (this.replicas[fault.replica] === undefined) {
					return;
				}

				this.crash(fault.replica, fault.power === true);
				break;
			}

			case 'restart': {
				if (this.replicas[fault.replica] !== undefined) {
					return;
				}

				this.restart(fault.replica);
				break;
			}

			case 'power_cut': {
				this.powerOff = true;
				this.powerCuts++;
				for (const replica of range(this.options.replicas)) {
					if (this.replicas[replica] !== undefined) {
						this.crash(replica, true);
					}
				}

				break;
			}

			case 'power_on': {
				this.powerOff = false;
				for (const replica of range(this.options.replicas)) {
					if (this.replicas[replica] === undefined) {
						this.restart(replica);
					}
				}

				break;
			}

			case 'disk_fault': {
				if (this.replicas[fault.replica] !== undefined || !this.storage) {
					return;
				}

				this.storage.fault(fault.replica, fault.fault);
				this.lostOnRestart[fault.replica] = true;
				break;
			}

			case 'partition': {
				this.network.setSides(fault.groups);
				this.operatorEvent(operatorEvents.operatorPartition, {groups: fault.groups});
				break;
			}

			case 'heal': {
				this.network.heal();
				this.adversary.heal();
				this.anyCut = false;
				this.operatorEvent(operatorEvents.operatorHeal, {});
				break;
			}

			case 'cut': {
				this.network.setCut(fault.from, fault.to, true);
				this.anyCut = true;
				break;
			}

			case 'link': {
				this.network.setLink(fault.from, fault.to, fault.faults);
				break;
			}

			case 'freeze':
			case 'filter':
			case 'hold': {
				if (fault.kind === 'freeze' && this.replicas[fault.replica] === undefined) {
					return;
				}

				this.adversary.apply(fault);
				break;
			}
		}

		if (recorded) {
			this.faultsApplied.push(fault);
		}

		this.record(() => describeFault(fault));
		this.checkModel();
	}

	// --- Messages -------------------------------------------------------------

	private deliverToClient(clientId: number, message: Message): void {
		const simClient = this.clients[clientId - 1];
		if (!simClient || message.type !== 'reply') {
			return;
		}

		const completion = simClient.client.onReply(message);
		if (!completion) {
			return;
		}

		if (simClient.index !== undefined) {
			this.history.complete(simClient.index, completion.result, this.now);
		}

		if (this.tracing) {
			this.record(
				() => `${this.time()} client ${clientId} gets ${this.history.describe(completion.result)}`,
			);
		}

		simClient.index = undefined;
		simClient.command = undefined;
		simClient.idleUntil = this.phase === 'faults' ? this.now + this.pace : 0;
		this.acked++;
		this.lastProgress = this.now;
		if (this.phase === 'degraded' && ++this.degradedAcks >= this.clients.length) {
			this.endDegraded();
		}

		this.issue(simClient);
	}

	/** Puts what was sent on its way, sent now. */
	private route(from: Address, sends: readonly Send[]): void {
		const selective = this.profile !== undefined && this.adversary.selective && from >= 0;
		for (const send of sends) {
			if (
				selective &&
				send.to === 'replica' &&
				this.adversary.intercept(from, send.replica, send.message) !== false
			) {
				continue; // Lost or held by a campaign's cut or hold of some message types.
			}

			this.scheduler.send(
				from,
				send.to === 'replica' ? send.replica : clientAddress(send.clientId),
				send.message,
				this.profile ? this.now + this.adversary.extraDelay(this.now) : this.now,
			);
		}
	}

	/** Runs one replica step (a message, or a tick); a broken invariant ends the run as a violation. */
	private step(replica: Replica, message: Message | undefined): readonly Send[] {
		let sends: readonly Send[] = noSends;
		try {
			sends = message === undefined ? replica.tick() : replica.onMessage(message);
			this.storage?.persist(replica.id, replica.takeWrites());
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			this.fail(
				'assertion',
				`replica ${replica.id}: ${error instanceof InvariantViolation ? '' : 'crashed: '}${message}`,
			);
		}

		this.checks.afterStep(replica);
		// No checkModel here: a step never takes a replica down (only a crash or a restart does,
		// and applyFault checks then), so the down count cannot have grown.
		return sends;
	}

	/** Storage made a replica's writes durable up to `seq`: what waited for them goes out. */
	private written(id: number, seq: number): void {
		const replica = this.replicas[id];
		if (!replica) {
			return;
		}

		let sends: readonly Send[] = noSends;
		try {
			sends = replica.onWritten(seq);
			this.storage?.persist(id, replica.takeWrites());
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			this.fail(
				'assertion',
				`replica ${id}: ${error instanceof InvariantViolation ? '' : 'crashed: '}${message}`,
			);
		}

		this.checks.afterStep(replica);
		this.route(id, sends);
	}

	private crash(replica: number, power: boolean): void {
		this.lostOnRestart[replica] = !this.storage || this.replicas[replica]?.status === 'recovering';
		this.replicas[replica] = undefined;
		this.adversary.forget(replica);
		this.storage?.crash(replica, power);
		this.operatorEvent(operatorEvents.operatorCrash, {node_id: replica});
	}

	private restart(replica: number): void {
		this.boots[replica]!++;
		this.checks.restarted(replica);
		this.lostOnRestart[replica] = false;
		try {
			this.replicas[replica] = this.createReplica(replica, true);
		} catch (error) {
			// A replica that cannot start from what its disk holds (a planted bug trusts a rotten record).
			const message = error instanceof Error ? error.message : String(error);
			this.fail('assertion', `replica ${replica} crashed as it restarted: ${message}`);
		}

		if (this.replicas.every((live) => live !== undefined)) {
			this.powerOff = false;
		}

		this.operatorEvent(operatorEvents.operatorRestart, {node_id: replica});
	}

	private checkHistory(): void {
		const live = this.replicas.filter((replica) => replica?.status === 'normal');
		const highest = Math.max(0, ...live.map((replica) => replica?.commitNumber ?? 0));
		if (!this.outsideModel && live.length > 0 && highest < this.checks.maxCommitted) {
			this.fail(
				'lost',
				`op ${this.checks.maxCommitted} was committed but the cluster now commits only up to ${highest}`,
				false,
			);
			return;
		}

		const {violation, unknown} = this.history.check();
		if (violation !== undefined) {
			this.fail('linearizability', violation, false);
		}

		this.unknown = unknown;
	}

	private checkModel(): void {
		if (this.impairedCount() > this.configuration.f) {
			this.outsideModel = true;
		}
	}

	private fail(kind: ViolationKind, message: string, stop = true): never | void {
		this.violation ??= {kind, message, at: this.now};
		if (stop) {
			throw new Stop(message);
		}
	}

	// --- Helpers --------------------------------------------------------------

	private createReplica(id: number, recovering: boolean): Replica {
		const prng = new Prng(this.replicaPrng.nextUint32());
		const storage = this.storage?.open(id);
		const replica = new Replica({
			id,
			replicaCount: this.options.replicas,
			telemetry: this.vsr,
			random: () => prng.next(),
			incarnation: this.boots[id]!,
			recovering: recovering && !storage,
			storage,
			stateMachine: this.service?.stateMachine(),
			checkpointInterval: this.options.checkpointInterval ?? 32,
			bugs: this.options.bugs,
			observer: {
				executed: (replica, entry) => {
					this.checks.executed(replica, entry);
				},
				installed: (replica, checkpoint) => {
					this.checks.installed(replica, checkpoint);
				},
			},
		});
		this.storage?.persist(id, replica.takeWrites()); // Its first write: the new life's incarnation.
		return replica;
	}

	private isDown(replica: number): boolean {
		const r = this.replicas[replica];
		return r === undefined || r.status === 'recovering';
	}

	/** Replicas that lost their state (see `ClusterView.impairedCount`); without storage, those down. */
	private impairedCount(): number {
		if (!this.storage) {
			return this.downCount();
		}

		let impaired = 0;
		for (let replica = 0; replica < this.options.replicas; replica++) {
			const r = this.replicas[replica];
			if (r === undefined ? this.lostOnRestart[replica] : r.status === 'recovering') {
				impaired++;
			}
		}

		return impaired;
	}

	private downCount(): number {
		let down = 0;
		for (let replica = 0; replica < this.options.replicas; replica++) {
			if (this.isDown(replica)) {
				down++;
			}
		}

		return down;
	}

	private currentPrimary(): number | undefined {
		let best: Replica | undefined;
		for (const replica of this.replicas) {
			if (replica?.isPrimary && (!best || replica.view > best.view)) {
				best = replica;
			}
		}

		return best?.id;
	}

	/** Events are counted by the wrapper; a handler (and so metadata) only when they are exported. */
	private attachTelemetry(): void {
		const {onEvent} = this.options;
		if (!onEvent) {
			return;
		}

		this.bus.attachMany(
			'simulation',
			[...seedEvents, ...additionEvents],
			(event: EventName, measurements: Measurements, metadata: Metadata) => {
				const timed =
					'monotonic_time' in measurements
						? measurements
						: {...measurements, monotonic_time: this.now};
				onEvent(serializeEvent(event, timed, metadata));
			},
		);
	}

	private operatorEvent(event: EventName, metadata: Metadata): void {
		this.operatorEvents++;
		this.bus.execute(event, {}, metadata);
	}

	/** Hot paths test `tracing` first, so that an untraced run does not even build the closure. */
	private record(line: () => string): void {
		const keep = this.options.trace;
		if (keep) {
			this.trace.push(line());
			if (this.trace.length > keep) {
				this.trace.shift();
			}
		}
	}

	private time(): string {
		return `${(this.now / millisecond).toFixed(1)}ms`;
	}

	private result(): SimulationResult {
		const counts = this.vsr.counts();
		return {
			seed: this.options.seed,
			violation: this.violation,
			unknown: this.unknown,
			outsideModel: this.outsideModel,
			opsCommitted: this.checks.maxCommitted,
			acked: this.acked,
			viewChanges: Math.max(0, this.checks.views - 1),
			recoveries: counts.get(vsrEventKey(events.recoveryComplete)) ?? 0,
			stateTransfers: counts.get(vsrEventKey(events.snapshotReceived)) ?? 0,
			checkpoints: counts.get(vsrEventKey(events.checkpoint)) ?? 0,
			events: this.vsr.total() + this.operatorEvents,
			powerCuts: this.powerCuts,
			restored: counts.get(vsrEventKey(events.storageRestored)) ?? 0,
			storageLost: counts.get(vsrEventKey(events.storageLost)) ?? 0,
			virtualTime: this.now,
			faults: this.faultsApplied,
			faultsEnd: this.faultsEnd ?? this.now,
			held: this.adversary.held,
			profile: this.profile,
			history: this.history.entries(),
			serviceHistory: this.history.serviceEntries(),
			trace: this.trace,
		};
	}
}
