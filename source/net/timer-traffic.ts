import type {Message} from '../vsr/messages.js';
import type {Address} from './address.js';

/**
Tells the messages that only keep time from those that move the protocol, link by link: a
Commit that carries no newer commit number than the last delivered on its link (a heartbeat), a
PrepareOk that acks nothing newer (a backup's answer to a heartbeat), a Prepare sent again, a
repeated StartViewChange. A teacher hides them to follow one request. Only what was delivered
counts: the Prepare sent again after the first was lost, and the ack that answers it, are news
to their receivers, and stay in sight.
*/
export class TimerTraffic {
	/** Per directed link and kind: the last (view, number) seen, as view * 2^26 + number. */
	private readonly last: Float64Array;

	constructor(private readonly replicaCount: number) {
		this.last = new Float64Array(replicaCount * replicaCount * 4).fill(-1);
	}

	/** Whether `message` from `from` to `to` is timer traffic: no news for its receiver. */
	isTimerTraffic(from: Address, to: Address, message: Message): boolean {
		const key = this.keyOf(from, to, message);
		return key !== undefined && stampOf(message) <= this.last[key]!;
	}

	/** `message` reached `to`: what it says is no news on that link any more. */
	delivered(from: Address, to: Address, message: Message): void {
		const key = this.keyOf(from, to, message);
		if (key !== undefined) {
			this.last[key] = Math.max(this.last[key]!, stampOf(message));
		}
	}

	/** The slot of a link and a kind of message that can be timer traffic, or undefined. */
	private keyOf(from: Address, to: Address, message: Message): number | undefined {
		if (from < 0 || to < 0 || from >= this.replicaCount || to >= this.replicaCount) {
			return undefined;
		}

		let kind: number;
		switch (message.type) {
			case 'commit': {
				kind = 0;
				break;
			}

			case 'prepare_ok': {
				kind = 1;
				break;
			}

			case 'prepare': {
				kind = 2;
				break;
			}

			case 'start_view_change': {
				kind = 3;
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

		return ((from * this.replicaCount + to) << 2) | kind;
	}
}

/** Where a message that can be timer traffic stands on its link: its view, then its commit or op number. */
function stampOf(message: Message): number {
	switch (message.type) {
		case 'commit': {
			return message.view * 2 ** 26 + message.commit;
		}

		case 'prepare_ok':
		case 'prepare': {
			return message.view * 2 ** 26 + message.op;
		}

		case 'start_view_change': {
			return message.view * 2 ** 26;
		}

		case 'do_view_change':
		case 'start_view':
		case 'recovery':
		case 'recovery_response':
		case 'get_state':
		case 'new_state':
		case 'request':
		case 'reply': {
			return 0;
		}
	}
}
