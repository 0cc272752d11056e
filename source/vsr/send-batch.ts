import type {ReplicaMessage, Reply, Request, Send} from './messages.js';

/**
 * What a host sends at once for one replica: its messages gathered by destination, in the order
 * they were sent, and its replies to clients. Acks are cumulative (a PrepareOk for op n says its
 * sender holds every op up to n in that view), so a newer PrepareOk to a replica in the same view
 * takes the place of an older one still in the batch: under load a backup sends one ack a batch.
 */
export class SendBatch {
	/** Messages by destination replica, in the order they were sent. */
	readonly toReplica: Array<Array<Request | ReplicaMessage>>;
	/** Replies to clients, in the order they were sent. */
	readonly replies: Reply[] = [];
	/** Where the latest PrepareOk to each replica sits in its list (-1: none). */
	private readonly ackAt: number[];

	constructor(replicaCount: number) {
		this.toReplica = Array.from({length: replicaCount}, () => []);
		this.ackAt = Array.from({length: replicaCount}, () => -1);
	}

	add(send: Send): void {
		if (send.to === 'client') {
			this.replies.push(send.message);
			return;
		}

		const list = this.toReplica[send.replica]!;
		const {message} = send;
		if (message.type === 'prepare_ok') {
			const at = this.ackAt[send.replica]!;
			const previous = at === -1 ? undefined : list[at];
			if (previous?.type === 'prepare_ok' && previous.view === message.view) {
				list[at] = message; // The newer ack says all the older one did.
				return;
			}

			this.ackAt[send.replica] = list.length;
		}

		list.push(message);
	}

	/** Empties the batch (its lists are reused: send them before). */
	clear(): void {
		for (const list of this.toReplica) {
			list.length = 0;
		}

		this.ackAt.fill(-1);
		this.replies.length = 0;
	}
}
