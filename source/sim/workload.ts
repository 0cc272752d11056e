import {KvCommands} from '../check/kv-commands.js';
import type {KvOperation} from '../vsr/kv-store.js';
import type {Prng} from '../vsr/prng.js';

const malformedRate = 0.005;

/** The simulator's workload: the command mix (`KvCommands`), and now and then a malformed one that must fail alone. */
export class Workload {
	private readonly commands: KvCommands;

	constructor(
		private readonly prng: Prng,
		keyCount = 4,
	) {
		this.commands = new KvCommands(() => prng.next(), keyCount);
	}

	next(clientId: number): {command: KvOperation | undefined; operation: unknown} {
		if (this.prng.chance(malformedRate)) {
			// A put without its value: the state machine rejects it, and it is no key-value op to check.
			return {command: undefined, operation: {op: 'put', key: this.commands.key()}};
		}

		const command = this.commands.next(clientId);
		return {command, operation: command};
	}
}
