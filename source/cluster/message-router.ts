import {type Address, clientAddress, clientOf, isClient} from '../net/address.js';
import type {InFlightEntry} from '../net/in-flight.js';
import type {NetworkModel} from '../net/network-model.js';
import type {RoundScheduler} from '../net/scheduler.js';
import type {EventName, Metadata} from '../telemetry/telemetry.js';
import type {Message, Send} from '../vsr/messages.js';
import type {ClientPool} from './client-pool.js';
import {type Sent, describeSends} from './delivery-report.js';
import {clusterEvents} from './events.js';
import type {LiveDelivery} from './live-delivery.js';
import type {MessageFeed} from './message-feed.js';
import type {DeliveryReport} from './operator-api.js';
import type {NodeState, ReplicaProcesses} from './replica-processes.js';
import type {VirtualClock} from './virtual-clock.js';

/** What the router reaches of the cluster around it. */
export type RouterParts = {
	readonly seeded: boolean;
	readonly clock: VirtualClock;
	readonly network: NetworkModel;
	readonly scheduler: RoundScheduler<Message>;
	readonly feed: MessageFeed;
	readonly processes: ReplicaProcesses;
	readonly live: LiveDelivery;
	readonly clients: ClientPool;
	/** Virtual ns at which a message sent now was sent. */
	sendTime(): number;
	/** What is sent from here on answers an input of this virtual time (a reply taken in a round). */
	answering(at: number): void;
	emit(event: EventName, metadata: Metadata): void;
};

/**
The operator's side of the wire: every message between replicas and clients goes through
`route`, is checked for forgery on the way in (`genuine`), and reaches a replica's next IPC batch
or the clients. It counts what it delivered and the forged messages it refused.
*/
export class MessageRouter {
	delivered = 0;
	forged = 0;
	/** What the clients sent while taking a reply in a round (for its report). */
	private clientSends: Sent[] | undefined;

	constructor(private readonly parts: RouterParts) {}

	/**
	Live, with a clean network and nothing in flight, a message goes straight to its destination
	(the fast path); else through the network model into flight, due at the time it was sent
	(`at`, or now) plus its delay.
	*/
	route(from: Address, to: Address, message: Message, at?: number): void {
		const {scheduler, feed, clock, seeded} = this.parts;
		if (!seeded && !clock.paused && this.parts.network.clean && scheduler.inFlight.size === 0) {
			if (feed.listened) {
				const now = clock.now();
				const id = scheduler.inFlight.takeId();
				feed.straight(from, to, message, id);
				this.deliverLive({id, from, to, message, due: now}, now);
			} else if (isClient(to)) {
				// The fast path builds nothing: this runs for every message at full load.
				this.delivered++;
				if (message.type === 'reply') {
					this.parts.clients.onReply(message);
				}
			} else if (this.parts.processes.nodes[to]?.child !== undefined) {
				this.delivered++;
				this.parts.live.push(to, message);
			}

			return;
		}

		const sentAt = at ?? this.parts.sendTime();
		if (!seeded && !clock.paused) {
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

		this.parts.live.armRelease();
	}

	/** Live: hands a message to its destination now (a replica's next IPC batch, or the clients). */
	deliverLive(entry: InFlightEntry<Message>, now: number): void {
		const {to, message} = entry;
		const {feed} = this.parts;
		if (!isClient(to) && this.parts.processes.nodes[to]?.child === undefined) {
			feed.tell('dropped', entry, now, 'crashed');
			feed.gone(entry.id);
			return; // Down: the message is lost, as on a real network.
		}

		this.delivered++;
		feed.tell('delivered', entry, now);
		feed.gone(entry.id);
		if (!isClient(to)) {
			this.parts.live.push(to, message);
		} else if (message.type === 'reply') {
			this.parts.clients.onReply(message);
		}
	}

	/** What the clients send: requests, into the network. */
	sendFromClients(sends: Send[]): void {
		for (const send of sends) {
			if (send.to === 'replica' && send.message.type === 'request') {
				this.clientSends?.push({to: send.replica, message: send.message});
				this.route(clientAddress(send.message.clientId), send.replica, send.message);
			}
		}
	}

	/** A reply in flight reaches the clients (in a round). */
	replyToClient(entry: InFlightEntry<Message>): DeliveryReport {
		const {feed} = this.parts;
		const {clients} = this.parts;
		this.parts.answering(entry.due);
		this.delivered++;
		const message = feed.describe(entry, entry.due);
		feed.tell('delivered', entry, entry.due);
		feed.gone(entry.id);
		const {acked} = clients;
		const sent: Sent[] = [];
		this.clientSends = sent;
		if (entry.message.type === 'reply') {
			clients.onReply(entry.message);
		}

		this.clientSends = undefined;
		const client = `client ${clientOf(entry.to)}`;
		return {
			message,
			caused: [
				clients.acked > acked ? `${client} has its reply` : `${client} had it already`,
				...describeSends(sent),
			],
		};
	}

	/** A message names the replica and incarnation of the process it came from (else it is forged). */
	genuine(node: NodeState, to: number, message: Message): boolean {
		const ok =
			to === -1
				? message.type === 'reply'
				: message.type !== 'request' &&
					message.type !== 'reply' &&
					message.from === node.id &&
					message.incarnation === this.parts.processes.incarnationOf(node) &&
					to >= 0 &&
					to < this.parts.processes.nodes.length;
		if (!ok) {
			this.forged++;
			this.parts.emit(clusterEvents.forgedMessage, {node: node.id, type: message.type});
		}

		return ok;
	}
}
