/**
Narration: the run told in plain sentences at the level of the protocol's messages, for the
feed's narrated mode (`N`). Every message type has its sentence when it is delivered or lost
(`messageSentence`), and the protocol steps that no single message shows (a primary's Prepare
going out, its quorum of PrepareOks, a timeout, the log a new primary chose) have theirs from
the replicas' telemetry events (`Narrator.event`). Pure: no I/O, no clock; the narrator keeps
only what it needs to count a quorum.
*/
import type {Endpoint, MessageEvent} from '../cluster/operator-api.js';
import type {Measurements, Metadata} from '../telemetry/telemetry.js';
import type {MessageType} from '../vsr/messages.js';

/** What a sentence is about, for its colour. */
export type NarrationTone = 'message' | 'lost' | 'commit' | 'view' | 'recovery' | 'operator';

export type Narration = {readonly text: string; readonly tone: NarrationTone};

/** `n2`, or `client 1` when the label names it, `a client` otherwise. */
export function endpointName(endpoint: Endpoint, clientId?: number): string {
	if (endpoint === 'client') {
		return clientId === undefined ? 'a client' : `client ${clientId}`;
	}

	return `n${endpoint}`;
}

/** The client and request number in a Request's or Reply's label (`Request c1#4`). */
export function clientRequest(
	label: string,
): {readonly client: number; readonly request: number} | undefined {
	const match = /c(\d+)#(\d+)/v.exec(label);
	return match === null ? undefined : {client: Number(match[1]), request: Number(match[2])};
}

const opText = (op: number | undefined): string => (op === undefined ? '' : ` op ${op}`);
const inView = (view: number | undefined): string => (view === undefined ? '' : ` (view ${view})`);

/** What a delivered message means to its receiver, per message type. */
function deliveredSentence(event: MessageEvent): string {
	const {message} = event;
	const {view, op} = message;
	const request = clientRequest(message.label);
	const to = endpointName(message.to, request?.client);
	const from = endpointName(message.from, request?.client);
	const {type} = message;
	switch (type) {
		case 'request': {
			return request === undefined
				? `${to} got a client's Request`
				: `${to} got ${from}'s request ${request.request}`;
		}

		case 'reply': {
			return request === undefined
				? `${to} got a Reply from ${from}${inView(view)}`
				: `${to} got the reply to request ${request.request} from ${from}${inView(view)}`;
		}

		case 'prepare': {
			return `${to} got Prepare${opText(op)} from ${from}${inView(view)}: it appends the op and acks`;
		}

		case 'prepare_ok': {
			return `${to} got PrepareOk${opText(op)} from ${from}: ${from} holds every op up to ${op ?? '?'}`;
		}

		case 'commit': {
			return message.heartbeat
				? `${to} got ${from}'s heartbeat (commit ${op ?? '?'}): the primary is alive`
				: `${to} got Commit from ${from}: ops up to ${op ?? '?'} are committed, it executes them`;
		}

		case 'start_view_change': {
			return `${to} got StartViewChange from ${from}: ${from} asks to move to view ${view ?? '?'}`;
		}

		case 'do_view_change': {
			return `${to} got DoViewChange from ${from}: ${from}'s log up to op ${op ?? '?'}, for ${to} to lead view ${view ?? '?'}`;
		}

		case 'start_view': {
			return `${to} got StartView from ${from}: view ${view ?? '?'} begins, with the log up to op ${op ?? '?'}`;
		}

		case 'recovery': {
			return `${to} got Recovery from ${from}: ${from} lost its state and asks for it`;
		}

		case 'recovery_response': {
			return op === undefined
				? `${to} got RecoveryResponse from ${from}: ${from} is in view ${view ?? '?'}`
				: `${to} got RecoveryResponse from ${from}, the primary of view ${view ?? '?'}: its log up to op ${op}`;
		}

		case 'get_state': {
			return `${to} got GetState from ${from}: ${from} is behind and asks for the ops after op ${op ?? '?'}`;
		}

		case 'new_state': {
			return `${to} got NewState from ${from}: the log up to op ${op ?? '?'}${inView(view)}`;
		}
	}
}

/** A message's sentence: what its receiver learns, or that it was lost and why. */
export function messageSentence(event: MessageEvent): string {
	if (event.kind === 'dropped') {
		const {message} = event;
		const request = clientRequest(message.label);
		const reason = event.reason === undefined ? '' : ` (${event.reason})`;
		return `${message.label} from ${endpointName(message.from, request?.client)} to ${endpointName(message.to, request?.client)} was lost${reason}`;
	}

	return deliveredSentence(event);
}

const numberOf = (value: unknown): number | undefined =>
	typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;

const list = (ids: readonly number[]): string => ids.map((id) => `n${id}`).join(', ');

/** A primary's acks in its view: each backup's highest acknowledged op. */
type Acks = {view: number; readonly highest: Map<number, number>};

/**
Turns message events and telemetry events into sentences. The narrator counts each primary's
PrepareOks in its view, so that it can say how far an op is from its quorum.
*/
export class Narrator {
	readonly replicas: number;
	readonly quorum: number;
	readonly #acks = new Map<number, Acks>();

	constructor(replicas: number) {
		this.replicas = replicas;
		this.quorum = Math.floor(replicas / 2) + 1;
	}

	message(event: MessageEvent): Narration {
		if (event.kind === 'dropped') {
			return {text: messageSentence(event), tone: 'lost'};
		}

		const {type} = event.message;
		const tone: NarrationTone =
			type === 'start_view_change' || type === 'do_view_change' || type === 'start_view'
				? 'view'
				: type === 'recovery' ||
					  type === 'recovery_response' ||
					  type === 'get_state' ||
					  type === 'new_state'
					? 'recovery'
					: 'message';
		return {text: messageSentence(event), tone};
	}

	/**
	The sentence for a telemetry event (`name` as the feed spells it: `protocol.prepare.sent`,
	`operator.crash`), or undefined for an event that a message's sentence already tells.
	*/
	event(name: string, measurements: Measurements, metadata: Metadata): Narration | undefined {
		const node = numberOf(metadata.node_id);
		const n = node === undefined ? 'a replica' : `n${node}`;
		const view = numberOf(metadata.view_number);
		switch (name) {
			case 'protocol.client_request.start': {
				return {
					text: `${n} (primary, view ${view ?? '?'}) took request ${String(metadata.request_number)} of client ${String(metadata.client_id)}`,
					tone: 'message',
				};
			}

			case 'protocol.prepare.sent': {
				const count = numberOf(measurements.count) ?? this.replicas - 1;
				const backups = Array.from({length: this.replicas}, (_, id) => id).filter(
					(id) => id !== node,
				);
				const to = count === backups.length ? list(backups) : `its ${count} backups`;
				return {
					text: `${n} (primary, view ${view ?? '?'}) sent Prepare op ${String(metadata.op_number)} to ${to}`,
					tone: 'message',
				};
			}

			case 'protocol.prepare_ok.received': {
				return this.#prepareOk(node, view, metadata);
			}

			case 'protocol.client_request.stop': {
				return {
					text: `${n} replied to client ${String(metadata.client_id)}'s request ${String(metadata.request_number)}`,
					tone: 'commit',
				};
			}

			case 'protocol.client_request.exception': {
				return {
					text: `${n} gave up client ${String(metadata.client_id)}'s request ${String(metadata.request_number)}: ${typeof metadata.reason === 'string' ? metadata.reason : 'it failed'}`,
					tone: 'lost',
				};
			}

			case 'timer.primary_timeout': {
				const primary = numberOf(metadata.primary);
				if (primary === node) {
					return {
						text: `${n} (primary) heard from no quorum and steps down`,
						tone: 'view',
					};
				}

				return {
					text: `${n} timed out waiting for primary n${primary ?? '?'} and asks for a view change to view ${(view ?? 0) + 1}`,
					tone: 'view',
				};
			}

			case 'view_change.start': {
				return {
					text: `${n} starts the view change to view ${String(metadata.new_view)}`,
					tone: 'view',
				};
			}

			case 'view_change.complete': {
				return {text: this.#viewComplete(node, view, metadata), tone: 'view'};
			}

			case 'recovery.start': {
				return {
					text: `${n} restarted with nothing and asks the others for its state (Recovery)`,
					tone: 'recovery',
				};
			}

			case 'recovery.complete': {
				return {
					text: `${n} recovered: view ${view ?? '?'}, op ${String(metadata.op_number)}, commit ${String(metadata.commit_number)}`,
					tone: 'recovery',
				};
			}

			case 'operator.crash': {
				return {
					text: `you crashed n${String(metadata.node)}: it loses its memory`,
					tone: 'operator',
				};
			}

			case 'operator.restart': {
				return {text: `you restarted n${String(metadata.node)}`, tone: 'operator'};
			}

			case 'operator.isolate': {
				return {
					text: `you cut n${String(metadata.node)} off from the other replicas`,
					tone: 'operator',
				};
			}

			case 'operator.partition': {
				const side = (value: unknown): string =>
					Array.isArray(value)
						? list(value.filter((id): id is number => typeof id === 'number'))
						: '?';
				return {
					text: `you split the cluster: ${side(metadata.side_a)} | ${side(metadata.side_b)}`,
					tone: 'operator',
				};
			}

			case 'operator.heal': {
				return {text: 'you healed the network', tone: 'operator'};
			}

			case 'operator.timeout': {
				return {
					text: `you made n${String(metadata.node)}'s timeout run out now`,
					tone: 'operator',
				};
			}

			default: {
				return undefined;
			}
		}
	}

	#prepareOk(
		node: number | undefined,
		view: number | undefined,
		metadata: Metadata,
	): Narration | undefined {
		const from = numberOf(metadata.from);
		const op = numberOf(metadata.op);
		if (node === undefined || from === undefined || op === undefined) {
			return undefined;
		}

		let acks = this.#acks.get(node);
		if (acks === undefined || acks.view !== view) {
			acks = {view: view ?? 0, highest: new Map()};
			this.#acks.set(node, acks);
		}

		acks.highest.set(from, Math.max(op, acks.highest.get(from) ?? 0));
		// The primary holds the op itself; each backup that acked it or a later op holds it too.
		const count = 1 + [...acks.highest.values()].filter((highest) => highest >= op).length;
		const commit = numberOf(metadata.commit_number) ?? 0;
		const head = `n${node} has PrepareOk for op ${op} from n${from}`;
		if (op <= commit) {
			return {text: `${head}: op ${op} was already committed`, tone: 'message'};
		}

		if (count >= this.quorum) {
			const ops = op === commit + 1 ? `op ${op} commits` : `ops ${commit + 1}–${op} commit`;
			return {text: `${head}: ${count} of quorum ${this.quorum}, ${ops}`, tone: 'commit'};
		}

		return {text: `${head}: ${count} of quorum ${this.quorum}`, tone: 'message'};
	}

	#viewComplete(node: number | undefined, view: number | undefined, metadata: Metadata): string {
		const n = node === undefined ? 'a replica' : `n${node}`;
		if (metadata.is_primary !== true) {
			const primary = view === undefined ? '?' : `n${view % this.replicas}`;
			return `${n} is in view ${view ?? '?'} now, following ${primary}`;
		}

		// The new primary says whose log it chose (the latest last normal view, then the longest).
		const chosen = numberOf(metadata.log_from);
		if (chosen === undefined) {
			return `${n} is the primary of view ${view ?? '?'}`;
		}

		const whose = chosen === node ? 'kept its own log' : `chose n${chosen}'s log`;
		return `${n} ${whose} (last normal view ${String(metadata.last_normal_view)}, op ${String(metadata.log_op)}) as the new primary of view ${view ?? '?'}`;
	}
}
