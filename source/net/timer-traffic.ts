import type {Message} from '../vsr/messages.js';
import type {Address} from './address.js';

/**
Tells the messages that only keep time from those that move the protocol, link by link: a
Commit that carries no newer commit number than the last on its link (a heartbeat), a PrepareOk
that acks nothing newer (a backup's answer to a heartbeat), a Prepare sent again, a repeated
StartViewChange. A teacher hides them to follow one request. A message the operator dropped by
hand is forgotten, so that what is sent again in its place stays in sight.
*/
export class TimerTraffic {
	/** Per directed link and kind: the last (view, number) seen, as view * 2^26 + number. */
	private readonly last: Float64Array;

	constructor(private readonly replicaCount: number) {
		this.last = new Float64Array(replicaCount * replicaCount * 4).fill(-1);
	}

	/** Whether `message` from `from` to `to` is timer traffic (and remembers it). */
	isTimerTraffic(from: Address, to: Address, message: Message): boolean {
		const slot = this.slotOf(from, to, message);
		if (slot === undefined) {
			return false;
		}

		if (slot.stamp > this.last[slot.key]!) {
			this.last[slot.key] = slot.stamp;
			return false;
		}

		return true;
	}

	/** The operator dropped `message` by hand: the next one like it on its link is news again. */
	forget(from: Address, to: Address, message: Message): void {
		const slot = this.slotOf(from, to, message);
		if (slot !== undefined) {
			this.last[slot.key] = Math.min(this.last[slot.key]!, slot.stamp - 1);
		}
	}

	/** Where `message` is remembered, and how far along its link it is; undefined: never timer traffic. */
	private slotOf(
		from: Address,
		to: Address,
		message: Message,
	): {key: number; stamp: number} | undefined {
		if (from < 0 || to < 0 || from >= this.replicaCount || to >= this.replicaCount) {
			return undefined;
		}

		let kind: number;
		let value: number;
		switch (message.type) {
			case 'commit': {
				kind = 0;
				value = message.commit;
				break;
			}

			case 'prepare_ok': {
				kind = 1;
				value = message.op;
				break;
			}

			case 'prepare': {
				kind = 2;
				value = message.op;
				break;
			}

			case 'start_view_change': {
				kind = 3;
				value = 0;
				break;
			}

			case 'do_view_change':
			case 'start_view':
			case 'recovery':
			case 'recovery_response':
			case 'get_state':
			case 'new_state':
			case 'request':
			case 'reply': {
				return undefined;
			}
		}

		return {
			key: ((from * this.replicaCount + to) << 2) | kind,
			stamp: message.view * 2 ** 26 + value,
		};
	}
}
