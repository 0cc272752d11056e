import type {Message, MessageType} from '../vsr/messages.js';

/** Each message type as the paper names it. */
export const messageNames: Readonly<Record<MessageType, string>> = {
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

/** The view a message speaks for, if it names one. */
export function messageView(message: Message): number | undefined {
	return message.type === 'request' || message.type === 'recovery' ? undefined : message.view;
}

/** The op a message carries or acks (a Commit's commit number; a DoViewChange's or StartView's op number). */
export function messageOp(message: Message): number | undefined {
	switch (message.type) {
		case 'prepare':
		case 'prepare_ok':
		case 'get_state': {
			return message.op;
		}

		case 'commit': {
			return message.commit;
		}

		case 'do_view_change':
		case 'start_view':
		case 'new_state': {
			return message.opNumber;
		}

		case 'recovery_response': {
			return message.primaryState?.opNumber;
		}

		case 'request':
		case 'reply':
		case 'start_view_change':
		case 'recovery': {
			return undefined;
		}
	}
}

/** A message in a few words: `Prepare v0 op 3`, `PrepareOk v0 op 3`, `Commit v0 commit 2`, `Request c1#4`. */
export function messageLabel(message: Message): string {
	const name = messageNames[message.type];
	switch (message.type) {
		case 'request':
		case 'reply': {
			return `${name} c${message.clientId}#${message.requestNumber}`;
		}

		case 'commit': {
			return `${name} v${message.view} commit ${message.commit}`;
		}

		case 'recovery': {
			return `${name} nonce ${message.nonce}`;
		}

		case 'start_view_change': {
			return `${name} v${message.view}`;
		}

		case 'prepare':
		case 'prepare_ok':
		case 'do_view_change':
		case 'start_view':
		case 'recovery_response':
		case 'get_state':
		case 'new_state': {
			const op = messageOp(message);
			return `${name} v${message.view}${op === undefined ? '' : ` op ${op}`}`;
		}
	}
}
