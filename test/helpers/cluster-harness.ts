/**
A manual, fully controlled in-memory network for scripted protocol tests.

Nothing moves unless the test says so: every Send a replica returns goes
into one FIFO queue, and the test delivers, drops, holds or reorders it
selectively, and ticks replicas one by one. A crash discards the Replica
object (its memory is lost; messages it sent are still in flight); a
restart builds a new one that runs the recovery protocol with the next
incarnation. Telemetry goes to one bus on a virtual clock and is recorded.

With `storage`, every replica keeps its log on a simulated disk of its own:
after each input its writes go to its storage, the disks' syncs complete as
`run` and `tick` let time pass (or as the test says, see `holdDisk`), and
completions come back to the replica. A crash then leaves the disk (a
power cut can also lose or tear what was not synced, see `powerCut`), and a
restart starts the replica from what its disk holds.
*/
import type {ReadBack} from '../../source/storage/read-back.js';
import {ReplicaStorage} from '../../source/storage/replica-storage.js';
import type {Identity} from '../../source/storage/records.js';
import {type CrashFaults, SimulatedDisk} from '../../source/storage/simulated-disk.js';
import type {BugName} from '../../source/vsr/bugs.js';
import {Client, type Completion} from '../../source/vsr/client.js';
import {KvStore} from '../../source/vsr/kv-store.js';
import type {
	LogEntry,
	Message,
	ReplicaMessage,
	MessageType,
	Reply,
	Request,
	Send,
} from '../../source/vsr/messages.js';
import type {Timeouts} from '../../source/vsr/options.js';
import {Prng} from '../../source/vsr/prng.js';
import {Replica} from '../../source/vsr/replica.js';
import type {Result, StateMachine} from '../../source/vsr/state-machine.js';
import type {StorageStart} from '../../source/vsr/storage.js';
import {
	type VsrEventName,
	vsrEventName,
	additionEvents,
	seedEvents,
} from '../../source/telemetry/catalogue.js';
import {
	type EventName,
	type Measurements,
	type Metadata,
	Telemetry,
} from '../../source/telemetry/telemetry.js';
import {VsrTelemetry} from '../../source/telemetry/vsr-telemetry.js';

/** A message in flight: who sent it (a replica id or a client) and where it goes. */
export type Envelope = {
	readonly id: number;
	readonly from: number | 'client';
	readonly to: number | 'client';
	/** The sender's incarnation when a replica sent it. */
	readonly incarnation: number | undefined;
	readonly message: Message;
	readonly send: Send;
};

/** Which messages a call applies to: every field given must match. */
export type Spec = {
	readonly type?: MessageType | readonly MessageType[];
	readonly from?: number | 'client' | ReadonlyArray<number | 'client'>;
	readonly to?: number | 'client' | ReadonlyArray<number | 'client'>;
	readonly view?: number;
	readonly op?: number;
};

export type Selector = Spec | ((envelope: Envelope) => boolean);

export type RecordedEvent = {
	/** The full name joined with dots, e.g. "vsr.replication.log_conflict". */
	readonly name: string;
	readonly event: EventName;
	readonly measurements: Measurements;
	readonly metadata: Metadata;
};

export type Execution = {readonly entry: LogEntry; readonly result: Result};

export type HarnessOptions = {
	readonly replicaCount: number;
	readonly checkpointInterval?: number;
	readonly timeouts?: Partial<Timeouts>;
	readonly seed?: number;
	readonly bugs?: ReadonlySet<BugName>;
	readonly stateMachine?: () => StateMachine;
	/** Each replica keeps its log on a simulated disk (syncs take `syncLatency` ticks, default 1 to 3). */
	readonly storage?: {
		readonly syncLatency?: {readonly min: number; readonly max: number};
		readonly segmentBytes?: number;
	};
};

/** The cluster id the harness's disks are written for. */
export const clusterId = '0123456789abcdef0123456789abcdef';

/** What a user of a replica can see, for before/after comparisons. */
export type ReplicaState = {
	readonly view: number;
	readonly status: string;
	readonly lastNormalView: number;
	readonly opNumber: number;
	readonly commitNumber: number;
	readonly log: ReadonlyArray<
		readonly [op: number, view: number, clientId: number, requestNumber: number]
	>;
	readonly digest: number;
	readonly data: unknown;
	readonly clientTable: unknown;
};

function isList<T>(value: T | readonly T[]): value is readonly T[] {
	return Array.isArray(value);
}

function asArray<T>(value: T | readonly T[]): readonly T[] {
	return isList(value) ? value : [value];
}

export function matches(selector: Selector, envelope: Envelope): boolean {
	if (typeof selector === 'function') {
		return selector(envelope);
	}

	const {message} = envelope;
	if (selector.type !== undefined && !asArray(selector.type).includes(message.type)) {
		return false;
	}

	if (selector.from !== undefined && !asArray(selector.from).includes(envelope.from)) {
		return false;
	}

	if (selector.to !== undefined && !asArray(selector.to).includes(envelope.to)) {
		return false;
	}

	if (selector.view !== undefined && (!('view' in message) || message.view !== selector.view)) {
		return false;
	}

	if (selector.op !== undefined && (!('op' in message) || message.op !== selector.op)) {
		return false;
	}

	return true;
}

/** Messages that match none of the selectors. */
export function none(...selectors: Selector[]): Selector {
	return (envelope) => !selectors.some((selector) => matches(selector, envelope));
}

/** Messages that match any of the selectors. */
export function any(...selectors: Selector[]): Selector {
	return (envelope) => selectors.some((selector) => matches(selector, envelope));
}

export const everything: Selector = () => true;

/** Messages among these replicas (and between them and clients) only. */
export function among(...ids: number[]): Selector {
	return (envelope) =>
		(envelope.from === 'client' || ids.includes(envelope.from)) &&
		(envelope.to === 'client' || ids.includes(envelope.to));
}

/** Messages to or from a replica that is not one of these. */
export function outside(...ids: number[]): Selector {
	const inside = among(...ids);
	return (envelope) => !matches(inside, envelope);
}

/** KV operations as a client sends them. */
export const get = (key: string) => ({op: 'get', key}) as const;
export const put = (key: string, value: string) => ({op: 'put', key, value}) as const;
export const append = (key: string, value: string) => ({op: 'append', key, value}) as const;
export const cas = (key: string, expected: string | null, value: string) =>
	({op: 'cas', key, expected, value}) as const;

export class Cluster {
	readonly replicaCount: number;
	readonly replicas: Array<Replica | undefined>;
	readonly incarnations: number[];
	readonly bus: Telemetry;
	readonly telemetry: VsrTelemetry;
	/** Every recorded telemetry event, in order. */
	readonly events: RecordedEvent[] = [];
	/** Every reply delivered to a client, in order. */
	readonly replies: Reply[] = [];
	/** What each replica executed in its current life, in order. */
	readonly executions: Execution[][];
	/** Registered clients get their replies; completions are kept here. */
	readonly completions: Completion[] = [];
	/** Sends dropped because their target was crashed at delivery time. */
	readonly lost: Envelope[] = [];
	/** Every message ever sent (queued), in order, whatever became of it. */
	readonly sent: Envelope[] = [];
	queue: Envelope[] = [];
	now = 0n;
	/** With storage: each replica's disk, which outlives its lives. */
	readonly disks: SimulatedDisk[] = [];
	/** With storage: each replica's storage in its current life. */
	readonly storages: Array<ReplicaStorage | undefined> = [];
	/** With storage: how each replica's current life started. */
	readonly starts: Array<StorageStart | undefined> = [];
	/** With storage: what each replica's disk read back when its current life started. */
	readonly readBacks: Array<ReadBack | undefined> = [];
	/** Disks whose syncs do not complete until released (`holdDisk`). */
	readonly heldDisks = new Set<number>();

	private readonly options: HarnessOptions;
	private readonly clients = new Map<number, Client>();
	private nextId = 0;

	constructor(options: HarnessOptions) {
		this.options = options;
		this.replicaCount = options.replicaCount;
		this.bus = new Telemetry({
			clock: {monotonicTime: () => this.now, systemTime: () => this.now},
		});
		this.telemetry = new VsrTelemetry(this.bus);
		this.bus.attachMany(
			'cluster-harness',
			[...seedEvents, ...additionEvents],
			(event: EventName, measurements: Measurements, metadata: Metadata) => {
				this.events.push({name: event.join('.'), event, measurements, metadata});
			},
		);
		this.incarnations = Array.from({length: this.replicaCount}, () => 0);
		this.executions = Array.from({length: this.replicaCount}, () => []);
		if (options.storage) {
			for (const id of this.ids()) {
				const prng = new Prng((options.seed ?? 1) * 7727 + id * 131);
				const disk = new SimulatedDisk({
					random: () => prng.next(),
					syncLatency: options.storage.syncLatency,
					name: `replica-${id}`,
				});
				// A cluster formats every disk before it starts a replica: from then on an empty
				// disk is a lost one.
				ReplicaStorage.format(disk, this.identity(id), (error) => {
					if (error) {
						throw error;
					}
				});
				while (disk.advance()) {
					// Until the format is durable.
				}

				this.disks.push(disk);
			}
		}

		this.replicas = Array.from({length: this.replicaCount}, (_, id) => this.create(id, false));
		for (const id of this.ids()) {
			this.persist(id);
		}
	}

	// --- Replicas ------------------------------------------------------------

	/** The live replica `id`; throws when it is crashed. */
	replica(id: number): Replica {
		const replica = this.replicas[id];
		if (!replica) {
			throw new Error(`replica ${id} is crashed`);
		}

		return replica;
	}

	get alive(): number[] {
		return this.ids().filter((id) => this.replicas[id] !== undefined);
	}

	ids(): number[] {
		return Array.from({length: this.replicaCount}, (_, id) => id);
	}

	/** The live replica that is primary in the highest view, if any. */
	get primary(): Replica | undefined {
		let best: Replica | undefined;
		for (const replica of this.replicas) {
			if (replica?.isPrimary && (!best || replica.view > best.view)) {
				best = replica;
			}
		}

		return best;
	}

	/**
	The replica forgets everything; what it sent is still in flight. Its disk stays as it is (a
	killed process: the kernel keeps and syncs what it wrote) unless `disk` faults are given: then
	its machine lost power, and the disk loses or tears what was not synced.
	*/
	crash(id: number, disk?: CrashFaults): void {
		this.replicas[id] = undefined;
		this.storages[id]?.close();
		this.storages[id] = undefined;
		if (disk) {
			this.disk(id).crash(disk);
		}
	}

	/** Every replica loses power at once: each disk loses or tears what was not synced. */
	powerCut(faults: CrashFaults): void {
		for (const id of this.ids()) {
			this.crash(id, faults);
		}

		this.queue = []; // The network went down with them.
	}

	/** Replica `id`'s disk. */
	disk(id: number): SimulatedDisk {
		const disk = this.disks[id];
		if (!disk) {
			throw new Error('the cluster has no storage');
		}

		return disk;
	}

	/** Replica `id`'s disk completes no sync until `releaseDisk`. */
	holdDisk(id: number): void {
		this.heldDisks.add(id);
	}

	releaseDisk(id: number): void {
		this.heldDisks.delete(id);
	}

	/**
	Completes the next sync of a disk that is not held (the earliest due, ties by id); false if
	there is none. Replies to completions are queued like any other sends.
	*/
	advanceDisk(): boolean {
		let next: SimulatedDisk | undefined;
		for (const [id, disk] of this.disks.entries()) {
			if (
				!this.heldDisks.has(id) &&
				disk.pendingSyncs > 0 &&
				(!next || disk.nextDue < next.nextDue)
			) {
				next = disk;
			}
		}

		return next?.advance() ?? false;
	}

	/**
	A new life: no memory, the next incarnation, and the recovery protocol
	first. The replica is ticked once so that its Recovery is queued.
	*/
	restart(id: number): Replica {
		if (this.replicas[id]) {
			this.crash(id);
		}

		this.incarnations[id] = (this.incarnations[id] ?? 0) + 1;
		this.executions[id] = [];
		const replica = this.create(id, true);
		this.replicas[id] = replica;
		this.incarnations[id] = replica.incarnation;
		// What the constructor sends (its Recovery) leaves with its first output: a boot tick.
		this.enqueue(id, replica.incarnation, replica.tick());
		this.persist(id);
		return replica;
	}

	/** Ticks each listed replica (all live ones by default) `times` times, round by round; delivers nothing. */
	tick(ids: number | readonly number[] = this.alive, times = 1): void {
		const list = asArray(ids);
		for (let round = 0; round < times; round++) {
			this.now += 1n;
			for (const id of list) {
				const replica = this.replicas[id];
				if (replica) {
					this.enqueue(id, replica.incarnation, replica.tick());
					this.persist(id);
				}
			}

			for (const [id, disk] of this.disks.entries()) {
				if (!this.heldDisks.has(id)) {
					disk.tick();
				}
			}
		}
	}

	/** Ticks one replica until `until` holds (checked before each tick); throws after `limit` ticks. */
	tickUntil(id: number, until: (replica: Replica) => boolean, limit = 1000): number {
		for (let ticks = 0; ticks <= limit; ticks++) {
			if (until(this.replica(id))) {
				return ticks;
			}

			this.tick(id);
		}

		throw new Error(`replica ${id}: condition not reached within ${limit} ticks`);
	}

	/**
	Ticks the listed replicas round by round, delivering nothing, until each has timed out on
	its primary (or its view change) and asks for the next view: a StartViewChange of its own
	is queued since the call. No replica moves to a new view alone; delivering these votes
	among a quorum starts the view change. Throws after `limit` rounds.
	*/
	timeOut(ids: readonly number[], limit = 1000): void {
		const since = this.sent.length;
		const asked = () =>
			ids.every((id) =>
				this.sent
					.slice(since)
					.some(
						(envelope) => envelope.from === id && envelope.message.type === 'start_view_change',
					),
			);
		for (let round = 0; !asked(); round++) {
			if (round === limit) {
				throw new Error(`replicas ${ids.join(', ')} did not all time out within ${limit} ticks`);
			}

			this.tick(ids);
		}
	}

	/**
	Lets time pass with a working network: each round ticks every live replica
	(and registered client) once and then delivers everything that matches `selector` (the rest stays
	queued), until `until` holds; throws after `limit` rounds.
	*/
	settle(until: () => boolean, options: {selector?: Selector; limit?: number} = {}): number {
		const {selector = everything, limit = 2000} = options;
		for (let round = 0; round <= limit; round++) {
			this.run(selector);
			if (until()) {
				return round;
			}

			this.tick();
			this.tickClients();
		}

		throw new Error(`the cluster did not settle within ${limit} rounds`);
	}

	/**
	Makes the current primary tell the backups its commit number (it sends
	Commit on its next tick when the commit advanced) and delivers everything.
	*/
	propagateCommit(): void {
		const {primary} = this;
		if (primary) {
			this.tick(primary.id);
		}

		this.run();
	}

	/** Runs one request to completion on a healthy cluster, commit included; returns its reply. */
	commit(clientId: number, requestNumber: number, operation: unknown): Reply {
		this.request(clientId, requestNumber, operation);
		this.run();
		this.propagateCommit();
		const reply = this.repliesTo(clientId, requestNumber).at(-1);
		if (!reply) {
			throw new Error(`no reply to client ${clientId} request ${requestNumber}`);
		}

		return reply;
	}

	// --- Network -------------------------------------------------------------

	/** A client request, sent to `to` (the current primary by default). */
	request(clientId: number, requestNumber: number, operation: unknown, to?: number): Envelope {
		const target = to ?? this.primary?.id;
		if (target === undefined) {
			throw new Error('no primary to send the request to');
		}

		const message: Request = {type: 'request', clientId, requestNumber, operation};
		const [envelope] = this.enqueue('client', undefined, [
			{to: 'replica', replica: target, message},
		]);
		return envelope!;
	}

	/** Registers a client: replies to it are handed to it, and its sends are queued on submit/tick. */
	addClient(client: Client): Client {
		this.clients.set(client.clientId, client);
		return client;
	}

	createClient(clientId: number, requestTimeout?: number): Client {
		return this.addClient(
			new Client({
				clientId,
				replicaCount: this.replicaCount,
				requestTimeout,
				telemetry: this.telemetry,
			}),
		);
	}

	submit(client: Client, operation: unknown): void {
		this.enqueue('client', undefined, client.submit(operation));
	}

	/** Ticks every registered client once. */
	tickClients(): void {
		for (const client of this.clients.values()) {
			this.tickClient(client);
		}
	}

	tickClient(client: Client, times = 1): void {
		for (let i = 0; i < times; i++) {
			this.enqueue('client', undefined, client.tick());
		}
	}

	/** Queued messages matching the selector, oldest first (they stay queued). */
	pending(selector: Selector = everything): Envelope[] {
		return this.queue.filter((envelope) => matches(selector, envelope));
	}

	/** Removes matching messages from the network; returns how many. */
	drop(selector: Selector): number {
		return this.take(selector).length;
	}

	/** Removes matching messages and hands them to the test (to hold, then `inject`). */
	take(selector: Selector): Envelope[] {
		const taken: Envelope[] = [];
		this.queue = this.queue.filter((envelope) => {
			if (matches(selector, envelope)) {
				taken.push(envelope);
				return false;
			}

			return true;
		});
		return taken;
	}

	/** Puts held messages back at the end of the queue, in the given order. */
	inject(envelopes: readonly Envelope[]): void {
		this.queue.push(...envelopes);
	}

	/** Delivers one message now: a queued one (taken out of the queue) or one the test held. */
	deliverEnvelope(envelope: Envelope): Envelope[] {
		const index = this.queue.indexOf(envelope);
		if (index !== -1) {
			this.queue.splice(index, 1);
		}

		return this.handOver(envelope);
	}

	/**
	Delivers, oldest first, the matching messages queued now (not those that
	their delivery produces); returns how many were delivered.
	*/
	deliver(selector: Selector = everything): number {
		const batch = this.take(selector);
		for (const envelope of batch) {
			this.handOver(envelope);
		}

		return batch.length;
	}

	/**
	Delivers matching messages, including the ones their delivery produces, until none is left.
	With storage, disks that are not held complete their syncs whenever no message is left to
	deliver (the network is faster than the disks), until neither has anything left.
	*/
	run(selector: Selector = everything, limit = 100_000): number {
		let delivered = 0;
		for (;;) {
			const index = this.queue.findIndex((envelope) => matches(selector, envelope));
			if (index === -1) {
				if (this.advanceDisk()) {
					continue;
				}

				return delivered;
			}

			if (++delivered > limit) {
				throw new Error(`still delivering after ${limit} messages`);
			}

			const [envelope] = this.queue.splice(index, 1);
			this.handOver(envelope!);
		}
	}

	/**
	Like `run` (everything is delivered, disks complete their syncs when the network is quiet),
	but stops as soon as `until` holds, checked after each delivery and each completed sync.
	Throws if everything went quiet first.
	*/
	runUntil(until: () => boolean, limit = 100_000): void {
		for (let steps = 0; steps < limit; steps++) {
			if (until()) {
				return;
			}

			const next = this.queue.shift();
			if (next) {
				this.handOver(next);
			} else if (!this.advanceDisk()) {
				throw new Error('the cluster went quiet before the condition held');
			}
		}

		throw new Error(`the condition did not hold within ${limit} steps`);
	}

	/**
	Sends a hand-made message to replica `to` now, bypassing the queue (a
	forged or replayed message); returns what the replica sent (queued too).
	*/
	forge(to: number, message: Request | ReplicaMessage): Envelope[] {
		const from = 'from' in message ? message.from : 'client';
		const incarnation = 'incarnation' in message ? message.incarnation : undefined;
		const envelope: Envelope = {
			id: this.nextId++,
			from,
			to,
			incarnation,
			message,
			send: {to: 'replica', replica: to, message},
		};
		return this.handOver(envelope);
	}

	// --- What a user sees ----------------------------------------------------

	/** Replies delivered to a client, optionally for one request number. */
	repliesTo(clientId: number, requestNumber?: number): Reply[] {
		return this.replies.filter(
			(reply) =>
				reply.clientId === clientId &&
				(requestNumber === undefined || reply.requestNumber === requestNumber),
		);
	}

	/** Types of the messages replica `id` sent so far (all lives, or one incarnation). */
	sentTypes(id: number, incarnation?: number): string[] {
		return this.sent
			.filter(
				(envelope) =>
					envelope.from === id &&
					(incarnation === undefined || envelope.incarnation === incarnation),
			)
			.map((envelope) => envelope.message.type);
	}

	/** Recorded events with this catalogue name, optionally from one node. */
	eventsOf(event: VsrEventName, nodeId?: number): RecordedEvent[] {
		const name = vsrEventName(event).join('.');
		return this.events.filter(
			(recorded) =>
				recorded.name === name && (nodeId === undefined || recorded.metadata.node_id === nodeId),
		);
	}

	/** Forgets recorded events and replies (to look at what happens next). */
	clearRecords(): void {
		this.events.length = 0;
		this.replies.length = 0;
	}

	/** The op numbers replica `id` executed in its current life, in order. */
	executedOps(id: number): number[] {
		return (this.executions[id] ?? []).map((execution) => execution.entry.op);
	}

	state(id: number): ReplicaState {
		return stateOf(this.replica(id));
	}

	// --- Plumbing ------------------------------------------------------------

	/** Hands a replica's writes to its storage (after each of its inputs). */
	persist(id: number): void {
		const replica = this.replicas[id];
		const storage = this.storages[id];
		if (replica && storage) {
			storage.submit(replica.takeWrites());
			storage.flush();
		}
	}

	private identity(id: number): Identity {
		return {cluster: clusterId, replica: id, replicaCount: this.replicaCount};
	}

	private open(id: number): StorageStart | undefined {
		if (!this.options.storage) {
			return undefined;
		}

		const {storage, start, readBack} = ReplicaStorage.open(this.disk(id), {
			identity: this.identity(id),
			existing: true,
			segmentBytes: this.options.storage.segmentBytes,
			bugs: this.options.bugs,
		});
		storage.onDurable = (seq) => {
			const replica = this.replicas[id];
			if (replica && this.storages[id] === storage) {
				this.enqueue(id, replica.incarnation, replica.onWritten(seq));
				this.persist(id);
			}
		};

		storage.onFailure = (error) => {
			throw error;
		};

		this.storages[id] = storage;
		this.starts[id] = start;
		this.readBacks[id] = readBack;
		return start;
	}

	private create(id: number, recovering: boolean): Replica {
		const storage = this.open(id);
		const incarnation = this.incarnations[id] ?? 0;
		const prng = new Prng((this.options.seed ?? 1) * 1009 + id * 31 + incarnation * 7919);
		const executions = this.executions[id]!;
		return new Replica({
			id,
			replicaCount: this.replicaCount,
			stateMachine: this.options.stateMachine?.() ?? new KvStore(),
			telemetry: this.telemetry,
			random: () => prng.next(),
			incarnation,
			recovering: recovering && !storage,
			storage,
			checkpointInterval: this.options.checkpointInterval,
			timeouts: this.options.timeouts,
			bugs: this.options.bugs,
			observer: {
				executed(_replica, entry, result) {
					executions.push({entry, result});
				},
			},
		});
	}

	private handOver(envelope: Envelope): Envelope[] {
		this.now += 1n;
		const {send} = envelope;
		if (send.to === 'client') {
			this.replies.push(send.message);
			const client = this.clients.get(send.clientId);
			const completion = client?.onReply(send.message);
			if (completion) {
				this.completions.push(completion);
			}

			return [];
		}

		const replica = this.replicas[send.replica];
		if (!replica) {
			this.lost.push(envelope);
			return [];
		}

		const sends = this.enqueue(replica.id, replica.incarnation, replica.onMessage(send.message));
		this.persist(replica.id);
		return sends;
	}

	private enqueue(
		from: number | 'client',
		incarnation: number | undefined,
		sends: readonly Send[],
	): Envelope[] {
		const added = sends.map((send): Envelope => ({
			id: this.nextId++,
			from,
			to: send.to === 'client' ? 'client' : send.replica,
			incarnation,
			message: send.message,
			send,
		}));
		this.queue.push(...added);
		this.sent.push(...added);
		return added;
	}
}

export function logOf(replica: Replica): ReplicaState['log'] {
	return replica.log
		.after(replica.log.base)
		.map((entry) => [entry.op, entry.view, entry.clientId, entry.requestNumber] as const);
}

export function stateOf(replica: Replica): ReplicaState {
	return {
		view: replica.view,
		status: replica.status,
		lastNormalView: replica.lastNormalView,
		opNumber: replica.opNumber,
		commitNumber: replica.commitNumber,
		log: logOf(replica),
		digest: replica.digest,
		data: replica.stateMachine.snapshot(),
		clientTable: replica.clientTable.snapshot(),
	};
}

/**
A scripted history with two different logs in five replicas:
- `stale` holds ops 2 and 3, prepared in view 0 by replica 0 and never
  committed, and never hears of view 1: its last normal view is 0 and its
  log is the longest;
- the others (replica 0 crashed) formed view 1, led by replica 1, and
  committed `freshOps` different ops from op 2 on (client 4, put y).
The network is left empty; replica 1 is still up.
*/
export function staleSuffix(options: {
	stale: number;
	freshOps?: number;
	bugs?: ReadonlySet<BugName>;
	checkpointInterval?: number;
}): Cluster {
	const {stale, freshOps = 1} = options;
	const cluster = new Cluster({
		replicaCount: 5,
		bugs: options.bugs,
		checkpointInterval: options.checkpointInterval,
	});
	cluster.commit(1, 1, put('x', '1'));
	cluster.request(2, 1, put('y', 'stale'));
	cluster.request(3, 1, put('z', 'stale'));
	cluster.deliver({from: 'client'});
	cluster.deliver({type: 'prepare', to: stale});
	cluster.queue = []; // The other prepares, and the stale replica's acks, are lost.
	cluster.crash(0);

	const view1 = [1, 2, 3, 4].filter((id) => id !== stale);
	cluster.timeOut(view1);
	cluster.run(among(...view1));
	cluster.drop(outside(...view1));
	for (let i = 1; i <= freshOps; i++) {
		cluster.request(4, i, put('y', i === 1 ? 'fresh' : `fresh${i}`), 1);
		cluster.run(among(...view1));
	}

	cluster.tick(1); // Commit, to the backups of view 1 only.
	cluster.run(among(...view1));
	cluster.queue = [];
	return cluster;
}
