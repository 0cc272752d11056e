import {pathToFileURL} from 'node:url';
import {applyToKey, type HistoryEntry} from '../../source/check/history.js';
import {checkLinearizable} from '../../source/check/linearizability.js';
import {Prng} from '../../source/vsr/prng.js';

type Scenario = {
	label: string;
	clients: number;
	ops: number;
	keys: number;
	/** Chance that a request never gets a reply (half of those still take effect). */
	noReply?: number;
	/** Replace one read in the middle with a stale value, to time finding a violation. */
	staleRead?: boolean;
};

const scenarios: Scenario[] = [
	{label: '1 client, 10k ops, 4 keys (sequential)', clients: 1, ops: 10_000, keys: 4},
	{label: '3 clients, 10k ops, 4 keys (simulator default)', clients: 3, ops: 10_000, keys: 4},
	{label: '8 clients, 10k ops, 4 keys', clients: 8, ops: 10_000, keys: 4},
	{label: '16 clients, 5k ops, 1 key', clients: 16, ops: 5000, keys: 1},
	{label: '32 clients, 10k ops, 2 keys', clients: 32, ops: 10_000, keys: 2},
	{
		label: '8 clients, 10k ops, 4 keys, 3% no reply',
		clients: 8,
		ops: 10_000,
		keys: 4,
		noReply: 0.03,
	},
	{
		label: '8 clients, 10k ops, 4 keys, one stale read',
		clients: 8,
		ops: 10_000,
		keys: 4,
		staleRead: true,
	},
	{
		label: '16 clients, 5k ops, 1 key, one stale read',
		clients: 16,
		ops: 5000,
		keys: 1,
		staleRead: true,
	},
	{
		label: '8 clients, 10k ops, 4 keys, 3% no reply, one stale read',
		clients: 8,
		ops: 10_000,
		keys: 4,
		noReply: 0.03,
		staleRead: true,
	},
];

/** The project's seeded generator, so a history is the same on every run. */
function random(seed: number): () => number {
	const prng = new Prng(seed);
	return () => prng.next();
}

type Planned = {entry: HistoryEntry; point: number; applied: boolean; replied: boolean};

/**
 * A linearizable history shaped like the simulator's: closed-loop clients, the simulator's
 * op mix (30% get, 20% put, 30% append of unique values, 20% cas expecting the last value
 * this workload wrote), each op taking effect at a random point inside its interval.
 */
export function workloadHistory(scenario: Scenario, seed = 1): HistoryEntry[] {
	const next = random(seed);
	const written = new Map<string, string>();
	const planned: Planned[] = [];
	const clock = Array.from({length: scenario.clients}, () => next() * 100);
	for (let i = 0; i < scenario.ops; i++) {
		const client = i % scenario.clients;
		const key = `k${Math.floor(next() * scenario.keys)}`;
		const value = `${client + 1}.${i}`;
		const call = clock[client]!;
		const point = call + 1 + next() * 200;
		const ret = point + 1 + next() * 200;
		const roll = next();
		const entry: HistoryEntry = {
			client: client + 1,
			op: 'get',
			key,
			output: undefined,
			call,
			return: ret,
		};
		if (roll >= 0.3) {
			entry.value = value;
			entry.op = roll < 0.5 ? 'put' : roll < 0.8 ? 'append' : 'cas';
		}

		if (entry.op === 'cas') {
			entry.expected = next() < 0.2 ? null : (written.get(key) ?? null);
		}

		if (entry.op === 'put' || entry.op === 'cas') {
			written.set(key, value);
		}

		const replied = next() >= (scenario.noReply ?? 0);
		planned.push({entry, point, applied: replied || next() < 0.5, replied});
		// A client that got no reply moves on after a timeout.
		clock[client] = replied ? ret + next() * 20 : call + 1000;
	}

	const state = new Map<string, string | null>();
	for (const {entry, applied, replied} of planned.toSorted((a, b) => a.point - b.point)) {
		if (!applied) {
			entry.return = null;
			continue;
		}

		const [output, after] = applyToKey(entry, state.get(entry.key) ?? null);
		state.set(entry.key, after);
		entry.output = output;
		if (!replied) {
			entry.output = undefined;
			entry.return = null;
		}
	}

	if (scenario.staleRead) {
		injectStaleRead(planned.map(({entry}) => entry));
	}

	return planned.map(({entry}) => entry);
}

/** The sequential spec: the output and the next state. */

/** Makes a read in the middle return what an earlier read of its key saw, before a later write. */
function injectStaleRead(history: HistoryEntry[]): void {
	const middle = Math.floor(history.length / 2);
	for (let i = middle; i < history.length; i++) {
		const target = history[i]!;
		if (target.op !== 'get' || target.return === null) {
			continue;
		}

		const earlier = history
			.slice(0, i)
			.findLast(
				(entry) =>
					entry.key === target.key &&
					entry.op === 'get' &&
					typeof entry.output === 'string' &&
					entry.output !== target.output &&
					entry.return !== null &&
					entry.return + 500 < target.call,
			);
		if (earlier !== undefined) {
			target.output = earlier.output;
			return;
		}
	}
}

export async function benchLinearizability(): Promise<void> {
	console.log('linearizability checker');
	// Warm the JIT up so the first scenario is not charged for compiling the checker.
	const warmup = workloadHistory({label: 'warmup', clients: 8, ops: 2000, keys: 2});
	checkLinearizable(warmup);
	checkLinearizable(warmup);
	for (const scenario of scenarios) {
		const history = workloadHistory(scenario);
		// Best of two, to keep garbage collection and JIT noise out of the numbers.
		let ms = Number.POSITIVE_INFINITY;
		let result = checkLinearizable([]);
		for (let run = 0; run < 2; run++) {
			const start = process.hrtime.bigint();
			result = checkLinearizable(history);
			ms = Math.min(ms, Number(process.hrtime.bigint() - start) / 1e6);
		}

		const verdict = result.ok === true ? 'ok' : result.ok === false ? 'violation' : 'unknown';
		console.log(`  ${scenario.label.padEnd(56)} ${ms.toFixed(1).padStart(9)} ms  ${verdict}`);
	}
}

// Runnable on its own too: node dist/test/bench/linearizability.js
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	await benchLinearizability();
}
