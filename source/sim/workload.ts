import type {Prng} from '../vsr/prng.js';
import type {KvCommand} from './history.js';

const malformedRate = 0.005;

/**
 * Random key-value commands over a small key set, so that ops collide:
 * appends of unique values (`<client>.<n>`) make any lost or doubled write
 * visible to the linearizability checker. The simulator draws from its
 * seeded generator, the process cluster from Math.random.
 */
export class KvCommands {
	private counter = 0;
	/** The last value written with put or cas, per key: a likely-current `expected` for cas. */
	private readonly written = new Map<string, string>();
	private readonly keys: readonly string[];

	constructor(
		private readonly random: () => number,
		keyCount: number,
	) {
		this.keys = Array.from({length: keyCount}, (_, i) => `k${i}`);
	}

	next(clientId: number): KvCommand {
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

	key(): string {
		return this.keys[Math.floor(this.random() * this.keys.length)]!;
	}
}

/** The simulator's workload: the commands above, and now and then a malformed one that must fail alone. */
export class Workload {
	private readonly commands: KvCommands;

	constructor(
		private readonly prng: Prng,
		keyCount = 4,
	) {
		this.commands = new KvCommands(() => prng.next(), keyCount);
	}

	next(clientId: number): {command: KvCommand | undefined; operation: unknown} {
		if (this.prng.chance(malformedRate)) {
			// A put without its value: the state machine rejects it, and it is no key-value op to check.
			return {command: undefined, operation: {op: 'put', key: this.commands.key()}};
		}

		const command = this.commands.next(clientId);
		return {command, operation: command};
	}
}
