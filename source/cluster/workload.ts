import type {KvCommand} from '../sim/history.js';

/**
Operations for the operator's clients to send: a mix of get, put, append and
cas over a few keys, so that operations collide and the history says
something about linearizability (appends of unique values make a lost or
doubled write visible). Every value is unique: `<client>.<n>`.
*/
export class KvWorkload {
	private counter = 0;
	/** The value last written by put or cas, per key: a likely-current `expected` for cas. */
	private readonly written = new Map<string, string>();
	private readonly keys: readonly string[];

	constructor(
		private readonly random: () => number = Math.random,
		keyCount = 8,
	) {
		this.keys = Array.from({length: keyCount}, (_, i) => `k${i}`);
	}

	next(clientId: number): KvCommand {
		const key = this.keys[Math.floor(this.random() * this.keys.length)]!;
		const value = `${clientId}.${++this.counter}`;
		const roll = this.random();
		if (roll < 0.3) {
			return {op: 'get', key};
		}

		if (roll < 0.5) {
			this.written.set(key, value);
			return {op: 'put', key, value};
		}

		if (roll < 0.8) {
			return {op: 'append', key, value};
		}

		const expected = this.random() < 0.2 ? null : (this.written.get(key) ?? null);
		this.written.set(key, value);
		return {op: 'cas', key, expected, value};
	}
}
