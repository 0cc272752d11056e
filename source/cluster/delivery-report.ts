import {type Address, clientOf, isClient} from '../net/address.js';
import {messageNames} from '../net/message-label.js';
import type {Message} from '../vsr/messages.js';

/** What a delivery may have changed in the receiving replica. */
export type ReplicaState = {
	readonly status: 'normal' | 'view_change' | 'recovering';
	readonly view: number;
	readonly op: number;
	readonly commit: number;
	readonly isPrimary: boolean;
};

/** One message a replica sent. */
export type Sent = {readonly to: Address; readonly message: Message};

const ops = (from: number, to: number) => (from === to ? `op ${to}` : `ops ${from}–${to}`);

/** How the replica's state moved, in words: `appended op 3`, `committed op 3`, `started a view change to view 1`. */
export function describeChange(before: ReplicaState, after: ReplicaState): string[] {
	const words: string[] = [];
	if (before.status !== after.status) {
		if (after.status === 'view_change') {
			words.push(`started a view change to view ${after.view}`);
		} else if (before.status === 'recovering') {
			words.push(`recovered in view ${after.view}`);
		} else if (after.status === 'normal') {
			words.push(`is ${after.isPrimary ? 'primary' : 'a backup'} in view ${after.view}`);
		}
	} else if (before.view !== after.view) {
		words.push(`moved to view ${after.view}`);
	} else if (before.isPrimary !== after.isPrimary) {
		words.push(after.isPrimary ? 'became primary' : 'stepped down');
	}

	if (after.op > before.op) {
		words.push(`appended ${ops(before.op + 1, after.op)}`);
	} else if (after.op < before.op) {
		words.push(`truncated its log to op ${after.op}`);
	}

	if (after.commit > before.commit) {
		words.push(`committed ${ops(before.commit + 1, after.commit)}`);
	}

	return words;
}

const endpoint = (address: Address) =>
	isClient(address) ? `client ${clientOf(address)}` : String(address);

/**
What a replica sent, in words, one phrase a message type in the order they were first sent:
`sent PrepareOk` (to one replica), `sent Prepare to 1, 2`, `replied to client 1`.
*/
export function describeSends(sends: readonly Sent[]): string[] {
	const byType = new Map<string, Address[]>();
	for (const {to, message} of sends) {
		const key = message.type === 'reply' ? 'reply' : messageNames[message.type];
		const list = byType.get(key) ?? [];
		if (!list.includes(to)) {
			list.push(to);
		}

		byType.set(key, list);
	}

	return [...byType].map(([name, targets]) => {
		if (name === 'reply') {
			return `replied to ${targets.map((to) => endpoint(to)).join(', ')}`;
		}

		return targets.length === 1
			? `sent ${name}`
			: `sent ${name} to ${targets.map((to) => endpoint(to)).join(', ')}`;
	});
}
