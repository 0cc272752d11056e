import type {Prng} from '../vsr/prng.js';
import type {KvCommand} from './history.js';

/**
 * A random key-value workload over a small key set, so that ops collide:
 * appends of unique values make any lost or doubled write visible to the
 * linearizability checker.
 */
export class Workload {
	private counter = 0;
	/** The last value this workload wrote with put or cas, per key: a likely-current value for cas. */
	private readonly written = new Map<string, string>();
	private readonly keys: readonly string[];

	constructor(
		private readonly prng: Prng,
		keyCount = 4,
	) {
		this.keys = Array.from({length: keyCount}, (_, i) => `k${i}`);
	}

	next(clientId: number): KvCommand {
		const key = this.prng.pick(this.keys);
		const value = `${clientId}.${++this.counter}`;
		const roll = this.prng.next();
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

		const expected = this.prng.chance(0.2) ? null : (this.written.get(key) ?? null);
		this.written.set(key, value);
		return {op: 'cas', key, expected, value};
	}
}
