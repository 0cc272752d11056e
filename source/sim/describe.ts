import {type Address, clientOf} from '../net/address.js';
import type {Message} from '../vsr/messages.js';
import type {Committed} from './committed.js';

/** How the simulator's trace and reports write addresses, messages and committed ops. */

export function describeCommitted(committed: Omit<Committed, 'digest'>): string {
	return `(view ${committed.view}, client ${committed.clientId} request ${committed.requestNumber})`;
}

export function describeAddress(address: Address): string {
	return address < 0 ? `client ${clientOf(address)}` : String(address);
}

export function describeMessage(message: Message): string {
	switch (message.type) {
		case 'request': {
			return `request c${message.clientId}#${message.requestNumber}`;
		}

		case 'reply': {
			return `reply c${message.clientId}#${message.requestNumber} v${message.view}`;
		}

		case 'prepare': {
			return `prepare v${message.view} op${message.op} commit${message.commit}`;
		}

		case 'prepare_ok': {
			return `prepare_ok v${message.view} op${message.op}`;
		}

		case 'commit': {
			return `commit v${message.view} ${message.commit}`;
		}

		case 'start_view_change': {
			return `start_view_change v${message.view}`;
		}

		case 'do_view_change': {
			return `do_view_change v${message.view} last-normal v${message.lastNormalView} op${message.opNumber} commit${message.commitNumber}`;
		}

		case 'start_view': {
			return `start_view v${message.view} op${message.opNumber} commit${message.commitNumber}`;
		}

		case 'recovery': {
			return `recovery nonce ${message.nonce} (incarnation ${message.incarnation})`;
		}

		case 'recovery_response': {
			return `recovery_response v${message.view}${message.primaryState ? ` op${message.primaryState.opNumber} commit${message.primaryState.commitNumber}` : ''}`;
		}

		case 'get_state': {
			return `get_state v${message.view} after op${message.op}`;
		}

		case 'new_state': {
			return `new_state v${message.view} from op${message.log.base} to op${message.opNumber} commit${message.commitNumber}`;
		}
	}
}
