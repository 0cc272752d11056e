import {type Address, isClient} from '../net/address.js';
import type {InFlightEntry} from '../net/in-flight.js';
import {messageLabel, messageOp, messageView} from '../net/message-label.js';
import {TimerTraffic} from '../net/timer-traffic.js';
import type {Message} from '../vsr/messages.js';
import type {Endpoint, InFlightMessage, MessageEvent} from './operator-api.js';

/**
The messages as the operator shows them: each message in flight described (its label, who to
whom, when it is due, whether it only keeps time), and every delivery and drop told to the
listeners of `onMessage`, for a sequence diagram and narration. Nothing is built while nobody
listens.
*/
export class MessageFeed {
	private readonly timerTraffic: TimerTraffic;
	/** Numbers of the messages in flight that only keep time (heartbeats, repeats). */
	private readonly timerIds = new Set<number>();
	private readonly listeners = new Set<(event: MessageEvent) => void>();

	constructor(replicaCount: number) {
		this.timerTraffic = new TimerTraffic(replicaCount);
	}

	get listened(): boolean {
		return this.listeners.size > 0;
	}

	listen(listener: (event: MessageEvent) => void): () => void {
		this.listeners.add(listener);
		return () => {
			this.listeners.delete(listener);
		};
	}

	/** A message was put in flight with these numbers: remembers whether it only keeps time. */
	sent(from: Address, to: Address, message: Message, ids: readonly number[]): void {
		if (this.timerTraffic.isTimerTraffic(from, to, message)) {
			for (const id of ids) {
				this.timerIds.add(id);
			}
		}
	}

	/** A message that goes straight through, numbered `id` (when someone listens). */
	straight(from: Address, to: Address, message: Message, id: number): void {
		this.sent(from, to, message, [id]);
	}

	/** The operator dropped a message by hand: told, and what is sent again in its place stays in sight. */
	droppedByHand(entry: InFlightEntry<Message>, at: number): void {
		this.timerTraffic.forget(entry.from, entry.to, entry.message);
		this.tell('dropped', entry, at, 'by operator');
	}

	/** The message left flight (delivered or dropped, after its event). */
	gone(id: number): void {
		this.timerIds.delete(id);
	}

	forgetAll(): void {
		this.timerIds.clear();
	}

	/** Tells the listeners; `at` is virtual ns. */
	tell(
		kind: MessageEvent['kind'],
		entry: InFlightEntry<Message>,
		at: number,
		reason?: string,
	): void {
		if (this.listeners.size === 0) {
			return;
		}

		const event: MessageEvent = {
			kind,
			at: at / 1e6,
			message: this.describe(entry, at),
			content: entry.message,
			...(reason === undefined ? {} : {reason}),
		};
		for (const listener of this.listeners) {
			try {
				listener(event);
			} catch {
				// A listener's failure is its own.
			}
		}
	}

	/** A message in flight, as the operator shows it, `now` being virtual ns. */
	describe(entry: InFlightEntry<Message>, now: number): InFlightMessage {
		const {message} = entry;
		return {
			id: entry.id,
			...ends(entry),
			type: message.type,
			view: messageView(message),
			op: messageOp(message),
			label: messageLabel(message),
			dueInMs: Math.max(0, entry.due - now) / 1e6,
			heartbeat: this.timerIds.has(entry.id),
		};
	}
}

/** Who sent a message and to whom, as endpoints: a replica id, or the clients. */
export function ends(entry: InFlightEntry<Message>): {from: Endpoint; to: Endpoint} {
	return {
		from: isClient(entry.from) ? 'client' : entry.from,
		to: isClient(entry.to) ? 'client' : entry.to,
	};
}
