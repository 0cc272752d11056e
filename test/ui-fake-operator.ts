/**
A fake `OperatorControls` for the UI tests: a real telemetry bus, a snapshot the
test can change, and every call recorded. Actions change the snapshot the way
the real cluster would (crash empties the pid, isolate marks the node, ...).

Messages in flight are a small queue of their own, kept as the contract says: each
has a number (`#41`) and a due time in virtual ms, they are delivered in (due, number)
order, any of them can be delivered out of order or dropped, a tick moves the clock by
10 ms and delivers what falls due, and every delivery or drop is reported to
`onMessage` listeners. A delivered message causes what `react` says (by default a
tiny script of the normal case: a Request becomes Prepares, a Prepare a PrepareOk, a
quorum of PrepareOks a Reply), so that stepping through a request looks as it will.
*/
import type {
	LinkFaults,
	ClusterSnapshot,
	DeliveryReport,
	Endpoint,
	InFlightMessage,
	MessageEvent,
	NodeInfo,
	NodeNetwork,
	OperatorControls,
	RequestOutcome,
} from '../source/cluster/operator-api.js';
import type {KvOperation} from '../source/vsr/kv-store.js';
import type {MessageType} from '../source/vsr/messages.js';
import {Telemetry} from '../source/telemetry/telemetry.js';

export type Call = {readonly method: string; readonly args: readonly unknown[]};

type Mutable<T> = {-readonly [K in keyof T]: T[K]};

/** A message the fake puts in flight: the contract's fields but the number and the due time. */
export type FakeMessage = {
	readonly from: Endpoint;
	readonly to: Endpoint;
	readonly type: MessageType;
	readonly view?: number;
	readonly op?: number;
	/** Defaults to the type's name with its view and op (`Prepare v0 op 3`). */
	readonly label?: string;
	readonly heartbeat?: boolean;
	/** Virtual ms after now (default 1). */
	readonly delayMs?: number;
};

/** What the receiver of a message did, and what it sent. */
export type Reaction = {readonly caused: readonly string[]; readonly sends: readonly FakeMessage[]};

export type FakeOperator = OperatorControls & {
	readonly calls: Call[];
	state: Mutable<ClusterSnapshot>;
	/** How the next submit ends: a reply (default), a rejection, or never. */
	nextSubmit: 'reply' | 'reject' | 'hang';
	stopped: boolean;
	/** What a delivered message causes (the default script, `normalCase`, unless replaced). */
	react: (message: InFlightMessage, fake: FakeOperator) => Reaction;
	/** Listeners of `onMessage` now. */
	readonly messageListeners: number;
	/** Replace one node's fields. */
	setNode(id: number, fields: Partial<NodeInfo>): void;
	/** Puts a message in flight; returns it as `inFlight()` lists it. */
	send(message: FakeMessage): InFlightMessage;
};

const names: Readonly<Record<MessageType, string>> = {
	request: 'Request',
	reply: 'Reply',
	prepare: 'Prepare',
	prepare_ok: 'PrepareOk',
	commit: 'Commit',
	start_view_change: 'StartViewChange',
	do_view_change: 'DoViewChange',
	start_view: 'StartView',
	recovery: 'Recovery',
	recovery_response: 'RecoveryResponse',
	get_state: 'GetState',
	new_state: 'NewState',
};

export function labelOf(message: FakeMessage): string {
	if (message.label !== undefined) {
		return message.label;
	}

	const view = message.view === undefined ? '' : ` v${message.view}`;
	const op =
		message.op === undefined
			? ''
			: message.type === 'commit'
				? ` commit ${message.op}`
				: ` op ${message.op}`;
	return `${names[message.type]}${view}${op}`;
}

export const cleanNetwork: NodeNetwork = {
	isolated: false,
	partitioned: false,
	dropRate: 0,
	delayMs: 0,
	jitterMs: 0,
	deaf: false,
	mute: false,
	frozen: false,
	side: undefined,
};

export function fakeNode(id: number, fields: Partial<NodeInfo> = {}): NodeInfo {
	return {
		id,
		pid: 4000 + id,
		status: 'normal',
		isPrimary: id === 0,
		view: 0,
		op: 10,
		commit: 10,
		restarts: 0,
		network: cleanNetwork,
		...fields,
	};
}

/**
The normal case in a few lines: the primary (replica 0) turns a Request into a Prepare to every
backup, a backup appends and acks, the primary commits on a quorum and replies.
*/
export function normalCase(message: InFlightMessage, fake: FakeOperator): Reaction {
	const {replicas} = fake.state;
	const primary = fake.state.primary ?? 0;
	const {view} = fake.state;
	switch (message.type) {
		case 'request': {
			const op = (fake.state.nodes[primary]?.op ?? 0) + 1;
			fake.setNode(primary, {op});
			const backups = fake.state.nodes.map((node) => node.id).filter((id) => id !== primary);
			return {
				caused: [`appended op ${op}`, `sent Prepare to ${backups.join(', ')}`],
				sends: backups.map((to, index) => ({
					from: primary,
					to,
					type: 'prepare',
					view,
					op,
					delayMs: 1 + index,
				})),
			};
		}

		case 'prepare': {
			const to = Number(message.to);
			fake.setNode(to, {op: message.op ?? 0});
			return {
				caused: [`appended op ${message.op}`, 'sent PrepareOk'],
				sends: [{from: to, to: message.from, type: 'prepare_ok', view, op: message.op, delayMs: 2}],
			};
		}

		case 'prepare_ok': {
			const op = message.op ?? 0;
			const acks = (acked.get(fake) ?? new Map<number, Set<Endpoint>>()).set(
				op,
				(acked.get(fake)?.get(op) ?? new Set<Endpoint>()).add(message.from),
			);
			acked.set(fake, acks);
			const count = 1 + (acks.get(op)?.size ?? 0);
			const quorum = Math.floor(replicas / 2) + 1;
			if (count === quorum) {
				fake.state.commit = op;
				fake.setNode(primary, {commit: op});
				return {
					caused: [`has a quorum for op ${op}`, `committed op ${op}`, 'sent Reply'],
					sends: [{from: primary, to: 'client', type: 'reply', view, label: `Reply c1#${op}`}],
				};
			}

			return {
				caused: [
					count < quorum
						? `counted the ack (${count} of ${quorum})`
						: `op ${op} was already committed`,
				],
				sends: [],
			};
		}

		case 'commit': {
			return {caused: message.heartbeat ? ['heard the primary'] : ['executed up to it'], sends: []};
		}

		case 'reply': {
			// As the process cluster says it: the receiver named in the words.
			const client = /c(\d+)#/v.exec(message.label)?.[1] ?? '1';
			return {caused: [`client ${client} has its reply`], sends: []};
		}

		case 'start_view_change':
		case 'do_view_change':
		case 'start_view':
		case 'recovery':
		case 'recovery_response':
		case 'get_state':
		case 'new_state': {
			return {caused: [], sends: []};
		}
	}
}

const acked = new WeakMap<FakeOperator, Map<number, Set<Endpoint>>>();

type Queued = InFlightMessage & {readonly due: number};

export function createFakeOperator(replicas = 3, telemetry = new Telemetry()): FakeOperator {
	const calls: Call[] = [];
	let requestNumber = 0;
	let nextId = 1;
	let queue: Queued[] = [];
	const links = new Map<string, LinkFaults>();
	const listeners = new Set<(event: MessageEvent) => void>();
	const record = (method: string, ...args: unknown[]) => {
		calls.push({method, args});
	};

	const ordered = () => queue.toSorted((a, b) => a.due - b.due || a.id - b.id);
	const heldNow = () => fake.state.seed === undefined && fake.state.paused;
	const listed = (entry: Queued): InFlightMessage => {
		const {due, ...message} = entry;
		return {
			...message,
			dueInMs: heldNow() ? undefined : Math.max(0, due - fake.state.virtualTimeMs),
		};
	};

	const sync = () => {
		fake.state.inFlight = queue.length;
		fake.state.held = fake.state.paused ? queue.length : 0;
	};

	const report = (event: MessageEvent) => {
		for (const listener of listeners) {
			listener(event);
		}
	};

	const take = (id: number): Queued | undefined => {
		const entry = queue.find((each) => each.id === id);
		queue = queue.filter((each) => each.id !== id);
		return entry;
	};

	const deliverEntry = (entry: Queued): DeliveryReport => {
		const message = listed(entry);
		report({kind: 'delivered', at: fake.state.virtualTimeMs, message});
		const reaction = fake.react(message, fake);
		for (const send of reaction.sends) {
			fake.send(send);
		}

		sync();
		return {message, caused: reaction.caused};
	};

	const nodeNetwork = (node: number): NodeNetwork =>
		fake.state.nodes.find((each) => each.id === node)?.network ?? cleanNetwork;
	const setNetwork = (node: number, fields: Partial<NodeNetwork>) => {
		fake.setNode(node, {network: {...nodeNetwork(node), ...fields}});
	};

	const fake: FakeOperator = {
		calls,
		telemetry,
		nextSubmit: 'reply',
		stopped: false,
		react: normalCase,
		state: {
			replicas,
			nodes: Array.from({length: replicas}, (_, id) => fakeNode(id)),
			primary: 0,
			view: 0,
			commit: 10,
			paused: false,
			held: 0,
			dropRate: 0,
			delayMs: 0,
			load: false,
			acked: 10,
			outsideFailureModel: false,
			seed: undefined,
			speed: 1,
			virtualTimeMs: 0,
			inFlight: 0,
		},
		get messageListeners() {
			return listeners.size;
		},
		setNode(id, fields) {
			fake.state.nodes = fake.state.nodes.map((node) =>
				node.id === id ? {...node, ...fields} : node,
			);
		},
		send(message) {
			const {delayMs = 1, ...rest} = message;
			const entry: Queued = {
				id: nextId++,
				from: rest.from,
				to: rest.to,
				type: rest.type,
				view: rest.view,
				op: rest.op,
				label: labelOf(message),
				heartbeat: rest.heartbeat ?? false,
				dueInMs: delayMs,
				due: fake.state.virtualTimeMs + delayMs,
			};
			queue.push(entry);
			sync();
			return listed(entry);
		},
		snapshot() {
			return {...fake.state};
		},
		async submit(operation?: KvOperation) {
			record('submit', operation);
			requestNumber++;
			const outcome: RequestOutcome = {
				clientId: 1,
				requestNumber,
				operation: operation ?? {op: 'put', key: `k${requestNumber}`, value: `v${requestNumber}`},
				result: {ok: true, value: 'ok'},
				latencyMs: 2.5,
			};
			switch (fake.nextSubmit) {
				case 'reject': {
					throw new Error('no primary answered');
				}

				case 'hang': {
					return new Promise<RequestOutcome>(() => {
						// Never settles.
					});
				}

				case 'reply': {
					fake.state.acked++;
					return outcome;
				}
			}
		},
		burst(count) {
			record('burst', count);
		},
		setLoad(on) {
			record('setLoad', on);
			fake.state.load = on;
		},
		crash(node) {
			record('crash', node);
			fake.setNode(node, {status: 'crashed', pid: undefined, isPrimary: false});
		},
		restart(node) {
			record('restart', node);
			fake.setNode(node, {status: 'recovering', pid: 5000 + node});
		},
		crashAll() {
			record('crashAll');
			for (const node of fake.state.nodes) {
				fake.setNode(node.id, {status: 'crashed', pid: undefined, isPrimary: false});
			}
		},
		restartAll() {
			record('restartAll');
			for (const node of fake.state.nodes) {
				if (node.status === 'crashed') {
					fake.setNode(node.id, {status: 'view_change', pid: 5000 + node.id});
				}
			}
		},
		isolate(node) {
			record('isolate', node);
			setNetwork(node, {isolated: true});
		},
		partition(sideA, sideB) {
			record('partition', sideA, sideB);
			for (const node of sideA) {
				setNetwork(node, {partitioned: true, side: 'A'});
			}

			for (const node of sideB) {
				setNetwork(node, {partitioned: true, side: 'B'});
			}
		},
		heal() {
			record('heal');
			fake.state.nodes = fake.state.nodes.map((node) => ({
				...node,
				network: {
					...node.network,
					isolated: false,
					partitioned: false,
					side: undefined,
					deaf: false,
					mute: false,
					frozen: false,
				},
			}));
		},
		setDropRate(rate) {
			record('setDropRate', rate);
			fake.state.dropRate = rate;
		},
		setDelay(ms) {
			record('setDelay', ms);
			fake.state.delayMs = ms;
		},
		pause() {
			record('pause');
			fake.state.paused = true;
			sync();
		},
		resume() {
			record('resume');
			fake.state.paused = false;
			while (queue.length > 0) {
				deliverEntry(take(ordered()[0]!.id)!);
			}

			sync();
		},
		step() {
			record('step');
			const [first] = ordered();
			if (first === undefined) {
				return false;
			}

			deliverEntry(take(first.id)!);
			return true;
		},
		setSpeed(speed) {
			record('setSpeed', speed);
			fake.state.speed = speed;
		},
		inFlight(limit = Number.POSITIVE_INFINITY) {
			return ordered()
				.slice(0, limit)
				.map((entry) => listed(entry));
		},
		async deliverNext() {
			record('deliverNext');
			const [first] = ordered();
			return first === undefined ? undefined : deliverEntry(take(first.id)!);
		},
		async deliver(id) {
			record('deliver', id);
			const entry = take(id);
			return entry === undefined ? undefined : deliverEntry(entry);
		},
		drop(id) {
			record('drop', id);
			const entry = take(id);
			if (entry === undefined) {
				return false;
			}

			report({
				kind: 'dropped',
				at: fake.state.virtualTimeMs,
				message: listed(entry),
				reason: 'by operator',
			});
			sync();
			return true;
		},
		async advanceTick() {
			record('advanceTick');
			fake.state.virtualTimeMs += 10;
			const reports: DeliveryReport[] = [];
			for (
				let [next] = ordered();
				next !== undefined && next.due <= fake.state.virtualTimeMs;
				[next] = ordered()
			) {
				reports.push(deliverEntry(take(next.id)!));
			}

			return reports;
		},
		forceTimeout(node) {
			record('forceTimeout', node);
		},
		setDeaf(node, on) {
			record('setDeaf', node, on);
			setNetwork(node, {deaf: on});
		},
		freeze(node, on) {
			record('freeze', node, on);
			setNetwork(node, {frozen: on});
		},
		setCut(from, to, on) {
			record('setCut', from, to, on);
		},
		setMute(node, on) {
			record('setMute', node, on);
			setNetwork(node, {mute: on});
		},
		setNodeFaults(node, faults) {
			record('setNodeFaults', node, faults);
			setNetwork(node, {
				...(faults.dropRate === undefined ? {} : {dropRate: faults.dropRate}),
				...(faults.delayMs === undefined ? {} : {delayMs: faults.delayMs}),
				...(faults.jitterMs === undefined ? {} : {jitterMs: faults.jitterMs}),
			});
		},
		setLinkFaults(from, to, faults) {
			record('setLinkFaults', from, to, faults);
			links.set(`${from}>${to}`, {...fake.linkFaults(from, to), ...faults});
		},
		linkFaults(from, to) {
			return (
				links.get(`${from}>${to}`) ?? {
					dropRate: 0,
					delayMs: 0,
					jitterMs: 0,
					duplicateRate: 0,
					reorderRate: 0,
				}
			);
		},
		onMessage(listener) {
			listeners.add(listener);
			return () => {
				listeners.delete(listener);
			};
		},
		async reset() {
			record('reset');
			fake.state.nodes = fake.state.nodes.map((node) =>
				fakeNode(node.id, {pid: 6000 + node.id, op: 0, commit: 0, network: node.network}),
			);
			fake.state.view = 0;
			fake.state.primary = 0;
			fake.state.commit = 0;
			fake.state.outsideFailureModel = false;
			queue = [];
			sync();
		},
		async stop() {
			record('stop');
			fake.stopped = true;
		},
	};
	return fake;
}
