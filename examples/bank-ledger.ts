// A state machine of your own, replicated by VSR and tested in the simulator: a bank ledger
// with deposits and transfers, run on 3 replicas under heavy faults (crashes, restarts,
// partitions, lost and duplicated messages), every run checked for linearizability against a
// sequential model of the ledger. Run it: `node dist/examples/bank-ledger.js [seeds]`.
import process from 'node:process';
import type {StateMachine} from 'vsr-tui';
import {type Model, Simulation, type SimulatedService} from 'vsr-tui/sim';

type Account = 'alice' | 'bob' | 'carol';
type LedgerOp =
	| {type: 'deposit'; account: Account; amount: number}
	| {type: 'transfer'; from: Account; to: Account; amount: number}
	| {type: 'balance'; account: Account};
/** deposit → the new balance; transfer → whether the funds were there; balance → the balance. */
type LedgerOutput = number | boolean;
type Balances = Readonly<Record<Account, number>>;

const accounts: readonly Account[] = ['alice', 'bob', 'carol'];

/** Checks an operation from the network: a replica rejects malformed input by throwing. */
function parse(operation: unknown): LedgerOp {
	const field = (name: string): unknown =>
		typeof operation === 'object' && operation !== null ? Reflect.get(operation, name) : undefined;
	const account = (name: string): Account => {
		const found = accounts.find((candidate) => candidate === field(name));
		if (found === undefined) {
			throw new TypeError(`${name} must be one of ${accounts.join(', ')}`);
		}

		return found;
	};

	const amount = (): number => {
		const value = field('amount');
		if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
			throw new TypeError('amount must be a positive integer');
		}

		return value;
	};

	switch (field('type')) {
		case 'deposit': {
			return {type: 'deposit', account: account('account'), amount: amount()};
		}

		case 'transfer': {
			return {type: 'transfer', from: account('from'), to: account('to'), amount: amount()};
		}

		case 'balance': {
			return {type: 'balance', account: account('account')};
		}

		default: {
			throw new TypeError(`unknown operation ${JSON.stringify(operation)}`);
		}
	}
}

/** What every replica runs: deterministic, so that every replica reaches the same balances. */
class Ledger implements StateMachine {
	private balances = new Map<Account, number>(accounts.map((account) => [account, 0]));

	apply(operation: unknown): LedgerOutput {
		const op = parse(operation);
		switch (op.type) {
			case 'deposit': {
				const balance = this.balance(op.account) + op.amount;
				this.balances.set(op.account, balance);
				return balance;
			}

			case 'transfer': {
				const from = this.balance(op.from);
				if (from < op.amount) {
					return false;
				}

				this.balances.set(op.from, from - op.amount);
				this.balances.set(op.to, this.balance(op.to) + op.amount);
				return true;
			}

			case 'balance': {
				return this.balance(op.account);
			}
		}
	}

	snapshot(): unknown {
		return [...this.balances];
	}

	restore(snapshot: unknown): void {
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- what snapshot() wrote
		this.balances = new Map(snapshot as Array<[Account, number]>);
	}

	kind(operation: unknown): string {
		const type: unknown =
			typeof operation === 'object' && operation !== null ? Reflect.get(operation, 'type') : '';
		return typeof type === 'string' ? type : 'malformed';
	}

	private balance(account: Account): number {
		return this.balances.get(account) ?? 0;
	}
}

/** The specification: what each operation returns, one at a time, on immutable balances. */
const model: Model<Balances, LedgerOp, LedgerOutput> = {
	initial: {alice: 0, bob: 0, carol: 0},
	step(state, op) {
		switch (op.type) {
			case 'deposit': {
				const balance = state[op.account] + op.amount;
				return {output: balance, state: {...state, [op.account]: balance}};
			}

			case 'transfer': {
				if (state[op.from] < op.amount) {
					return {output: false, state};
				}

				const next = {...state, [op.from]: state[op.from] - op.amount};
				return {output: true, state: {...next, [op.to]: next[op.to] + op.amount}};
			}

			case 'balance': {
				return {output: state[op.account], state};
			}
		}
	},
};

const service: SimulatedService<Balances, LedgerOp, LedgerOutput> = {
	stateMachine: () => new Ledger(),
	operation(_clientId, random) {
		const pick = () => accounts[Math.floor(random() * accounts.length)]!;
		const amount = 1 + Math.floor(random() * 50);
		const roll = random();
		if (roll < 0.3) {
			return {type: 'deposit', account: pick(), amount};
		}

		if (roll < 0.8) {
			return {type: 'transfer', from: pick(), to: pick(), amount};
		}

		return {type: 'balance', account: pick()};
	},
	model,
};

const seeds = Number(process.argv[2] ?? 10);
console.log(`bank ledger: 3 replicas, heavy faults, ${seeds} seeds of 200 operations`);
let failed = 0;
for (let seed = 1; seed <= seeds; seed++) {
	const result = new Simulation({seed, replicas: 3, ops: 200, faults: 'heavy', service}).run();
	const {violation} = result;
	if (violation) {
		failed++;
	}

	console.log(
		`seed ${seed}: ${violation ? `FAILED ${violation.kind}: ${violation.message}` : 'linearizable'}, ${result.opsCommitted} ops committed, ${result.viewChanges} view changes, ${result.recoveries} recoveries, ${result.faults.length} faults`,
	);
}

console.log(failed === 0 ? `ok: ${seeds} of ${seeds} runs linearizable` : `${failed} runs failed`);
process.exitCode = failed === 0 ? 0 : 1;
