import type {LogEntry} from './messages.js';
import type {Result} from './state-machine.js';

/**
 * A running 32-bit FNV-1a hash over every executed op and its result. Two
 * replicas at the same commit number have the same digest, or they executed
 * different things: the simulator checks this on every commit.
 */
export function digestExecution(digest: number, entry: LogEntry, result: Result): number {
	let hash = mix(digest ^ 0x81_1c_9d_c5, entry.op);
	hash = mix(hash, entry.view);
	hash = mix(hash, entry.clientId);
	hash = mix(hash, entry.requestNumber);
	return result.ok ? mixValue(hash, result.value) : mixString(mix(hash, 7), result.error);
}

function mix(hash: number, value: number): number {
	return Math.imul(hash ^ (value | 0), 0x01_00_01_93) >>> 0;
}

function mixString(hash: number, value: string): number {
	for (let i = 0; i < value.length; i++) {
		hash = mix(hash, value.codePointAt(i) ?? 0);
	}

	return hash;
}

function mixValue(hash: number, value: unknown): number {
	if (typeof value === 'string') {
		return mixString(mix(hash, 1), value);
	}

	if (typeof value === 'boolean') {
		return mix(hash, value ? 2 : 3);
	}

	return value === null || value === undefined
		? mix(hash, 4)
		: mixString(mix(hash, 5), JSON.stringify(value));
}
