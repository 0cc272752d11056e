/**
 * The client history that the simulator and the real-process runner record and the
 * linearizability checker reads. It is a contract: scripts read it as JSON, so the
 * field names below must not change.
 */

export type KvOp = 'get' | 'put' | 'append' | 'cas';

export type HistoryOutput =
	| string
	| null
	| boolean
	| 'ok'
	| {error: string}
	// No reply came (also what a missing field means once read back from JSON).
	| undefined;

export type HistoryEntry = {
	client: number;
	op: KvOp;
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

/** What a client asked for, without its outcome. */
export type KvCommand =
	| {op: 'get'; key: string}
	| {op: 'put' | 'append'; key: string; value: string}
	| {op: 'cas'; key: string; expected: string | null; value: string};

/**
 * Records invocations and their replies in invocation order. An op that never
 * completes stays `return: null, output: undefined`, which is how the checker learns
 * that it may or may not have taken effect.
 */
export class HistoryRecorder {
	readonly #entries: HistoryEntry[] = [];

	get size(): number {
		return this.#entries.length;
	}

	/** Records a call and returns its index for `complete`. */
	invoke(client: number, command: KvCommand, callTime: number): number {
		const entry: HistoryEntry = {
			client,
			op: command.op,
			key: command.key,
			output: undefined,
			call: callTime,
			return: null,
		};
		// Only set the fields the op has, so JSON stays free of meaningless keys.
		if (command.op !== 'get') {
			entry.value = command.value;
		}

		if (command.op === 'cas') {
			entry.expected = command.expected;
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
