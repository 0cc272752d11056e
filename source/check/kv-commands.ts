import type {KvOperation} from '../vsr/kv-store.js';

/**
 * The key-value command mix both drivers send (the simulator from its seeded generator,
 * the process cluster from Math.random): random commands over a small key set, so that
 * ops collide; appends of unique values (`<client>.<n>`) make any lost or doubled write
 * visible to the linearizability checker.
 */
export class KvCommands {
	private counter = 0;
	/** The last value written with put or cas, per key: a likely-current `expected` for cas. */
	private readonly written = new Map<string, string>();
	private readonly keys: readonly string[];

	/** `prefix`: before each key's name (a run on a cluster that holds an earlier run's keys uses fresh ones). */
	constructor(
		private readonly random: () => number,
		keyCount: number,
		prefix = '',
	) {
		this.keys = Array.from({length: keyCount}, (_, i) => `${prefix}k${i}`);
	}

	/** The next command of client `clientId`: a get, put, append or cas on a random key. */
	next(clientId: number): KvOperation {
		const key = this.key();
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

	/** A random key of the set. */
	key(): string {
		return this.keys[Math.floor(this.random() * this.keys.length)]!;
	}
}
