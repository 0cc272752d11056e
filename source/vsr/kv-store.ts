import type {StateMachine} from './state-machine.js';

/** The operations of the default state machine, as clients send them. */
export type KvOperation =
	| {readonly op: 'get'; readonly key: string}
	| {readonly op: 'put'; readonly key: string; readonly value: string}
	| {readonly op: 'append'; readonly key: string; readonly value: string}
	| {
			readonly op: 'cas';
			readonly key: string;
			readonly expected: string | null;
			readonly value: string;
	  };

/** What a key-value operation returns: get → the value or null, cas → whether it swapped. */
export type KvOutput = string | null | boolean;

/**
 * How an operation is written for people, everywhere (the operator's last request, the
 * simulator's trace, the checker's explanations): `get(k1)`, `put(k1, 'v')`,
 * `append(k1, 'v')`, `cas(k1, null -> 'v')`.
 */
export function formatKvOperation(operation: KvOperation): string {
	switch (operation.op) {
		case 'get': {
			return `get(${operation.key})`;
		}

		case 'put':
		case 'append': {
			return `${operation.op}(${operation.key}, ${formatKvValue(operation.value)})`;
		}

		case 'cas': {
			return `cas(${operation.key}, ${formatKvValue(operation.expected)} -> ${formatKvValue(operation.value)})`;
		}
	}
}

/** A value quoted (null: absent), long ones shortened: appended values grow without bound. */
export function formatKvValue(value: string | null): string {
	if (value === null) {
		return 'null';
	}

	const shown =
		value.length > 48 ? `${value.slice(0, 24)}…${value.slice(-16)} (${value.length} chars)` : value;
	return `'${shown
		.replaceAll('\\', '\\\\')
		.replaceAll("'", String.raw`\'`)
		.replaceAll('\n', String.raw`\n`)}'`;
}

/** The store's snapshot: its [key, value] pairs. */
export type KvSnapshot = ReadonlyArray<readonly [string, string]>;

const kinds = new Set(['get', 'put', 'append', 'cas']);

/** Checks an operation from the outside world; the message names what is wrong. */
export function parseKvOperation(operation: unknown): KvOperation {
	checkKvOperation(operation);
	const {op, key} = operation;
	switch (op) {
		case 'get': {
			return {op, key};
		}

		case 'cas': {
			return {op, key, expected: operation.expected, value: operation.value};
		}

		case 'put':
		case 'append': {
			return {op, key, value: operation.value};
		}
	}
}

/**
 * The checks of `parseKvOperation` without the copy, for the state machine's
 * hot path: it reads the fields it needs straight from the checked object.
 */
export function checkKvOperation(operation: unknown): asserts operation is KvOperation {
	if (typeof operation !== 'object' || operation === null) {
		throw new TypeError('malformed operation: expected an object');
	}

	const {op, key} = operation as {op?: unknown; key?: unknown};
	if (op !== 'get' && op !== 'put' && op !== 'append' && op !== 'cas') {
		throw new TypeError(
			`unknown operation ${JSON.stringify(op)}: expected get, put, append or cas`,
		);
	}

	if (typeof key !== 'string') {
		throw new TypeError(`malformed ${op}: key must be a string`);
	}

	if (op === 'get') {
		return;
	}

	const {value, expected} = operation as {value?: unknown; expected?: unknown};
	if (typeof value !== 'string') {
		throw new TypeError(`malformed ${op}: value must be a string`);
	}

	if (op === 'cas' && expected !== null && typeof expected !== 'string') {
		throw new TypeError('malformed cas: expected must be a string or null');
	}
}

/**
 * The default replicated service: a string key-value store.
 * get → value or null; put, append → "ok"; cas → whether it swapped
 * (expected null means "the key is absent").
 */
export class KvStore implements StateMachine {
	private data = new Map<string, string>();

	/** How many keys it holds. */
	get size(): number {
		return this.data.size;
	}

	/** A key's value, read outside the protocol (for tests and checks). */
	read(key: string): string | undefined {
		return this.data.get(key);
	}

	apply(operation: unknown): KvOutput | 'ok' {
		checkKvOperation(operation);
		switch (operation.op) {
			case 'get': {
				return this.data.get(operation.key) ?? null;
			}

			case 'put': {
				this.data.set(operation.key, operation.value);
				return 'ok';
			}

			case 'append': {
				this.data.set(operation.key, (this.data.get(operation.key) ?? '') + operation.value);
				return 'ok';
			}

			case 'cas': {
				const current = this.data.get(operation.key) ?? null;
				if (current !== operation.expected) {
					return false;
				}

				this.data.set(operation.key, operation.value);
				return true;
			}
		}
	}

	snapshot(): KvSnapshot {
		return [...this.data].toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	}

	restore(snapshot: unknown): void {
		if (!Array.isArray(snapshot)) {
			throw new TypeError('a key-value snapshot is a list of [key, value] pairs');
		}

		// Snapshots come from our own `snapshot()`: pairs of strings.
		this.data = new Map(snapshot as KvSnapshot);
	}

	kind(operation: unknown): string {
		const op =
			typeof operation === 'object' && operation !== null && 'op' in operation
				? operation.op
				: undefined;
		return typeof op === 'string' && kinds.has(op) ? op : 'invalid';
	}
}
