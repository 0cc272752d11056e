import {clientAddress, isClient, type Address} from '../net/address.js';
import type {InFlightEntry} from '../net/in-flight.js';
import type {Round} from '../net/scheduler.js';
import type {Message} from '../vsr/messages.js';
import {type ReplicaState, type Sent, describeChange, describeSends} from './delivery-report.js';
import type {FromChild, RoundInput} from './ipc.js';
import type {MessageFeed} from './message-feed.js';
import type {DeliveryReport, InFlightMessage} from './operator-api.js';
import type {NodeState, ReplicaProcesses} from './replica-processes.js';
import type {TelemetryForwarding} from './telemetry-forwarding.js';

/** One replica's part of a round: its inputs, and for each the message in flight it delivers. */
export type Part = {
	readonly node: number;
	readonly inputs: RoundInput[];
	readonly entries: Array<InFlightEntry<Message> | undefined>;
};

/** What playing a round needs of the process cluster. */
export type RoundHost = {
	readonly processes: ReplicaProcesses;
	readonly forwarding: TelemetryForwarding;
	readonly feed: MessageFeed;
	/** Puts a message a replica sent at `sentAt` (virtual ns) on its way. */
	route(from: Address, to: Address, message: Message, sentAt: number): void;
	/** Whether a message names the replica (and incarnation) of the process it came from. */
	genuine(node: NodeState, to: number, message: Message): boolean;
	/** The clients tick, at `at`. */
	tickClients(at: number): void;
	/** A reply in flight reaches the clients. */
	replyToClient(entry: InFlightEntry<Message>): DeliveryReport;
	/** A message was handed to a replica. */
	delivered(): void;
	/** A message to a frozen replica waits in flight until `due` (virtual ns). */
	wait(entry: InFlightEntry<Message>, due: number): void;
};

/**
Plays rounds over IPC: hands each replica its inputs in one `round` and waits for every answer (or
exit); then, in replica order, takes each answer's telemetry and status and routes what it sent,
each message sent at the time of the input that caused it; then the clients tick and take their
replies. So every draw of the network and every event comes in one order, whatever order the
answers arrived in.
*/
export class RoundPlayer {
	private roundId = 0;

	constructor(private readonly host: RoundHost) {}

	/** Plays one round of the scheduler. */
	async playRound(round: Round<Message>): Promise<DeliveryReport[]> {
		const parts: Part[] = [];
		const toClients: Array<InFlightEntry<Message>> = [];
		for (const node of this.host.processes.nodes) {
			if (node.frozen) {
				// No tick and no message: its clock stops; what was sent to it waits for the next round.
				for (let index = 0; index < round.count; index++) {
					const entry = round.messages[index]!;
					if (entry.to === node.id) {
						this.host.wait(entry, round.end);
					}
				}

				continue;
			}

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

		for (let index = 0; index < round.count; index++) {
			const entry = round.messages[index]!;
			if (isClient(entry.to)) {
				toClients.push(entry);
			}
		}

		return this.play(parts, toClients, round.tick ? round.start : undefined);
	}

	/**
	Plays a round of these parts, then the clients' tick (at `clientTick`) and replies. Returns
	each delivered message with what it caused.
	*/
	async play(
		parts: readonly Part[],
		toClients: ReadonlyArray<InFlightEntry<Message>>,
		clientTick: number | undefined,
	): Promise<DeliveryReport[]> {
		const {processes} = this.host;
		const id = ++this.roundId;
		const batches = await Promise.all(
			parts.map(async (part) => processes.round(id, processes.nodes[part.node]!, part.inputs)),
		);
		const delivered: DeliveryReport[] = [];
		for (const [index, part] of parts.entries()) {
			delivered.push(...this.takeAnswer(part, batches[index]));
		}

		if (clientTick !== undefined) {
			this.host.tickClients(clientTick);
		}

		for (const entry of toClients) {
			delivered.push(this.host.replyToClient(entry));
		}

		return delivered;
	}

	/** One replica's answer to a round: telemetry, status, and what it sent, routed. */
	private takeAnswer(part: Part, batch: FromChild | undefined): DeliveryReport[] {
		const {processes, forwarding, feed} = this.host;
		const node = processes.nodes[part.node]!;
		if (batch === undefined) {
			for (const entry of part.entries) {
				if (entry !== undefined) {
					feed.tell('dropped', entry, entry.due, 'crashed');
					feed.gone(entry.id);
				}
			}

			return [];
		}

		const before: ReplicaState = {...node};
		// Told before the receiver's events go on the bus, so that a listener reads each delivery
		// before what came of it (a diagram, a narration).
		const messages: Array<InFlightMessage | undefined> = part.entries.map((entry) => {
			if (entry === undefined) {
				return undefined;
			}

			const message = feed.describe(entry, entry.due);
			feed.tell('delivered', entry, entry.due);
			return message;
		});
		if (batch.telemetry !== undefined) {
			forwarding.ingest(node.id, batch.telemetry);
		}

		if (batch.status !== undefined) {
			processes.takeStatus(node, batch.status);
		}

		const sentBy = part.inputs.map((): Sent[] => []);
		for (const [input, to, message] of batch.sent ?? []) {
			const time = part.inputs[input]?.[0];
			if (time !== undefined && this.host.genuine(node, to, message)) {
				const address =
					to === -1 && message.type === 'reply' ? clientAddress(message.clientId) : to;
				this.host.route(node.id, address, message, time);
				sentBy[input]!.push({to: address, message});
			}
		}

		const delivered: DeliveryReport[] = [];
		const count = part.entries.filter((entry) => entry !== undefined).length;
		for (const [index, entry] of part.entries.entries()) {
			const message = messages[index];
			if (entry !== undefined && message !== undefined) {
				this.host.delivered();
				feed.gone(entry.id);
				// The state's change is this message's only when it was the replica's one input.
				const change = count === 1 && part.inputs.length === 1 ? describeChange(before, node) : [];
				const caused = [...change, ...describeSends(sentBy[index]!)];
				delivered.push({message, caused: caused.length > 0 ? caused : ['nothing changed']});
			}
		}

		return delivered;
	}
}
