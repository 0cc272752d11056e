import type {Prng} from '../vsr/prng.js';
import type {KvCommand} from './history.js';

const malformedRate = 0.005;

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

	/** What a client sends: usually a valid command, now and then a malformed one that must fail alone. */
	next(clientId: number): {command: KvCommand | undefined; operation: unknown} {
		if (this.prng.chance(malformedRate)) {
			// A put without its value: the state machine rejects it, and it is no key-value op to check.
			return {command: undefined, operation: {op: 'put', key: this.prng.pick(this.keys)}};
		}

		const command = this.command(clientId);
		return {command, operation: command};
	}

	private command(clientId: number): KvCommand {
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
