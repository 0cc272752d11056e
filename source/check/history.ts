/**
 * The client history that the simulator and the real-process runner record and the
 * linearizability checker reads. It is a contract: scripts read it as JSON, so the
 * field names below must not change.
 */
import {formatKvOperation, formatKvValue, type KvOperation} from '../vsr/kv-store.js';
import type {Result} from '../vsr/state-machine.js';

/** What a key-value operation's reply said, as the history records it (see `HistoryEntry.output`). */
export type HistoryOutput =
	| string
	| null
	| boolean
	| 'ok'
	| {error: string}
	// No reply came (also what a missing field means once read back from JSON).
	| undefined;

/** One operation (a `KvOperation`'s fields, flattened) with its outcome. */
export type HistoryEntry = {
	client: number;
	op: KvOperation['op'];
	key: string;
	/** Put, append, cas (the new value). */
	value?: string;
	/** Cas only; null means the key must be absent. */
	expected?: string | null;
	/**
	 * Get → value or null; put/append → 'ok'; cas → true/false; {error} for an op the
	 * state machine rejected (it took no effect); undefined when no reply came.
	 */
	output: HistoryOutput;
	/** Ns, virtual or real. */
	call: number;
	/** Ns; null when no reply came (the op may or may not have taken effect). */
	return: number | null;
};

/**
 * Records invocations and their replies in invocation order. An op that never
 * completes stays `return: null, output: undefined`, which is how the checker learns
 * that it may or may not have taken effect.
 */
export class HistoryRecorder {
	readonly #entries: HistoryEntry[] = [];

	/** Operations recorded so far. */
	get size(): number {
		return this.#entries.length;
	}

	/** Records a call and returns its index for `complete`. */
	invoke(client: number, operation: KvOperation, callTime: number): number {
		const entry: HistoryEntry = {
			client,
			op: operation.op,
			key: operation.key,
			output: undefined,
			call: callTime,
			return: null,
		};
		// Only set the fields the op has, so JSON stays free of meaningless keys.
		if (operation.op !== 'get') {
			entry.value = operation.value;
		}

		if (operation.op === 'cas') {
			entry.expected = operation.expected;
		}

		this.#entries.push(entry);
		return this.#entries.length - 1;
	}

	/** Records the reply to the op at `index`; `{error}` marks an op that took no effect. */
	complete(index: number, output: Exclude<HistoryOutput, undefined>, returnTime: number): void {
		const entry = this.#entries[index];
		if (entry === undefined) {
			throw new RangeError(`no invocation with index ${index}`);
		}

		if (entry.return !== null) {
			throw new Error(`invocation ${index} already completed at ${entry.return}`);
		}

		if (returnTime < entry.call) {
			throw new RangeError(
				`invocation ${index} returns at ${returnTime}, before its call at ${entry.call}`,
			);
		}

		entry.output = output;
		entry.return = returnTime;
	}

	/** A copy of the history, so callers cannot rewrite what was recorded. */
	entries(): HistoryEntry[] {
		return this.#entries.map((entry) => ({...entry}));
	}

	/** The entries, for `JSON.stringify` (the `--history` file's format). */
	toJSON(): HistoryEntry[] {
		return this.entries();
	}
}

/**
 * The sequential specification of one key: what `entry` returns and leaves
 * behind when it runs alone on a key holding `state` (null: absent).
 */
export function applyToKey(
	entry: HistoryEntry,
	state: string | null,
): [HistoryOutput, string | null] {
	switch (entry.op) {
		case 'get': {
			return [state, state];
		}

		case 'put': {
			return ['ok', entry.value ?? ''];
		}

		case 'append': {
			return ['ok', (state ?? '') + (entry.value ?? '')];
		}

		case 'cas': {
			return state === entry.expected ? [true, entry.value ?? ''] : [false, state];
		}
	}
}

/** One readable line, e.g. `c1 cas(k1, 'a' -> 'b') = true [120..340]` (see `formatKvOperation`). */
export function describeEntry(entry: HistoryEntry): string {
	const returned = entry.return === null || entry.return === undefined ? '?' : String(entry.return);
	return `c${entry.client} ${formatKvOperation(operationOf(entry))} = ${formatOutput(entry)} [${entry.call}..${returned}]`;
}

/** The operation an entry records, without its outcome. */
export function operationOf(entry: HistoryEntry): KvOperation {
	const {op, key} = entry;
	// Entries the checker accepted have their value; others still get a readable line.
	const value = entry.value ?? '';
	switch (op) {
		case 'get': {
			return {op, key};
		}

		case 'put':
		case 'append': {
			return {op, key, value};
		}

		case 'cas': {
			return {op, key, expected: entry.expected ?? null, value};
		}
	}
}

function formatOutput(entry: HistoryEntry): string {
	const {output} = entry;
	if (output === undefined) {
		return '?';
	}

	if (isErrorOutput(output)) {
		return `error(${output.error})`;
	}

	// Put and append answer the bare word ok; a get's string is a value, so it is quoted.
	if (output === 'ok' && entry.op !== 'get') {
		return 'ok';
	}

	return typeof output === 'string' || output === null
		? formatKvValue(output)
		: JSON.stringify(output);
}

/** An op the state machine rejected: it took no effect. */
export function isErrorOutput(output: unknown): output is {error: string} {
	return (
		typeof output === 'object' &&
		output !== null &&
		typeof (output as {error?: unknown}).error === 'string'
	);
}

/** What a history records of a key-value operation's result: by its op, as the checker reads it. */
export function outputOf(command: KvOperation, result: Result): Exclude<HistoryOutput, undefined> {
	if (!result.ok) {
		return {error: result.error};
	}

	const {value} = result;
	if (command.op === 'get') {
		return typeof value === 'string' ? value : null;
	}

	return command.op === 'cas' ? value === true : 'ok';
}
