/**
 * The last stage of the checker: a failed search becomes a report a person can act on,
 * the ops worth showing and why they fail, shrunk to a witness that fails on its own
 * where one is found cheaply.
 */
import {formatKvValue} from '../vsr/kv-store.js';
import {nth} from './array-reads.js';
import {describeEntry, type HistoryEntry} from './history.js';
import {search, type SearchOutcome} from './key-search.js';
import {appendKind, casKind, getKind, type PreparedOp, prepare, putKind} from './prepare.js';

/** Steps for checking whether the ops listed in a failure are a witness on their own. */
const witnessMaxSteps = 200_000;
/** How many subsets the failure report may check while shrinking a witness. */
const maxWitnessChecks = 100;
/** Caps what a failure lists, so a report stays readable. */
const maxReportedEntries = 40;
const maxReportedChain = 10;

type Failure = Extract<SearchOutcome, {kind: 'fail'}>;

/** What a person is shown of a violation: the ops that matter and why they fail. */
export type Explanation = {entries: HistoryEntry[]; reason: string};

/** Builds the failure report: which ops to show a person, and why they fail. */
export function explain(key: string, ops: readonly PreparedOp[], failure: Failure): Explanation {
	const blocking = ops[failure.blocking];
	if (blocking === undefined) {
		throw new Error('linearizability: failure without a blocking op');
	}

	const core = chooseOps(ops, failure, blocking);
	const witnessOps = findWitness(ops, failure, core);
	const entries = (witnessOps ?? core).map((index) => nth(ops, index).entry);

	let why: string;
	if (blocking.impossible === undefined) {
		const placed = failure.prefix.filter((index) => !nth(ops, index).pending).length;
		const completed = ops.filter((op) => !op.pending).length;
		const state = failure.prefix.reduce<string | null>(
			(state, index) => nextState(nth(ops, index), state),
			null,
		);
		const ending = state === null ? 'absent' : `= ${formatKvValue(state)}`;
		why = `the longest linearizable prefix places ${placed} of ${completed} completed ops and leaves ${key} ${ending}`;
	} else {
		why = blocking.impossible;
	}

	// Say whether the listed ops are a witness by themselves, so nobody has to wonder.
	const witness =
		witnessOps === undefined
			? `listed: ${entries.length} ops around the failure (as a subset they prove nothing)`
			: `the ${entries.length} ops listed cannot be linearized on their own`;

	return {
		entries,
		reason: `no linearization of key ${key} gets past ${describeEntry(blocking.entry)}: ${why}; ${witness}`,
	};
}

/**
 * A small set of ops that is not linearizable by itself and contains `core`, or
 * undefined if none is found cheaply. Candidates: the core; else the core plus everything
 * that can precede the stuck op (the prefix and all ops called before it returned),
 * shrunk by dropping chunks of the additions while the rest still fails.
 */
function findWitness(
	ops: readonly PreparedOp[],
	failure: Failure,
	core: readonly number[],
): number[] | undefined {
	let checks = 0;
	const fails = (indices: readonly number[]): boolean => {
		checks++;
		const outcome = search(prepare(indices.map((index) => nth(ops, index).entry)), witnessMaxSteps);
		return outcome.kind === 'fail';
	};

	const byCall = (a: number, b: number): number => nth(ops, a).call - nth(ops, b).call || a - b;
	if (core.length === ops.length || fails(core)) {
		return [...core];
	}

	const blocking = nth(ops, failure.blocking);
	const inCore = new Set(core);
	const before = new Set(failure.prefix);
	for (const [index, op] of ops.entries()) {
		if (op.call <= blocking.ret) {
			before.add(index);
		}
	}

	let extras = [...before].filter((index) => !inCore.has(index)).toSorted(byCall);
	if (!fails([...core, ...extras])) {
		return undefined;
	}

	// Drop halves, then quarters, and so on: old history rarely matters.
	let chunk = Math.ceil(extras.length / 2);
	while (chunk > 0) {
		let start = 0;
		while (start < extras.length) {
			if (checks >= maxWitnessChecks) {
				return [...core, ...extras].toSorted(byCall);
			}

			const trial = [...extras.slice(0, start), ...extras.slice(start + chunk)];
			if (fails([...core, ...trial])) {
				extras = trial;
			} else {
				start += chunk;
			}
		}

		chunk = chunk === 1 ? 0 : Math.ceil(chunk / 2);
	}

	return [...core, ...extras].toSorted(byCall);
}

/**
 * The ops worth showing, by call time: the stuck op, the writes that built the state the
 * longest prefix ends in, the write of the value it saw, the ops still unplaced when the
 * search got stuck and the prefix ops overlapping them.
 */
function chooseOps(ops: readonly PreparedOp[], failure: Failure, blocking: PreparedOp): number[] {
	const inPrefix = new Set(failure.prefix);
	const selected = new Set<number>([failure.blocking]);
	const add = (index: number | undefined): void => {
		if (index !== undefined && selected.size < maxReportedEntries) {
			selected.add(index);
		}
	};

	for (const index of stateChain(ops, failure.prefix)) {
		add(index);
	}

	add(writerOfSeenValue(ops, failure, blocking, inPrefix));

	let windowStart = blocking.call;
	for (const [index, op] of ops.entries()) {
		if (!inPrefix.has(index) && index !== failure.blocking && op.call <= blocking.ret) {
			add(index);
			windowStart = Math.min(windowStart, op.call);
		}
	}

	for (const index of failure.prefix) {
		if (nth(ops, index).ret >= windowStart) {
			add(index);
		}
	}

	return [...selected].toSorted((a, b) => nth(ops, a).call - nth(ops, b).call || a - b);
}

/** The writes (latest first) that built the prefix's final state, back to the last overwrite. */
function stateChain(ops: readonly PreparedOp[], prefix: readonly number[]): number[] {
	const before: Array<string | null> = [];
	let state: string | null = null;
	for (const index of prefix) {
		before.push(state);
		state = nextState(nth(ops, index), state);
	}

	const chain: number[] = [];
	for (let i = prefix.length - 1; i >= 0 && chain.length < maxReportedChain; i--) {
		const index = nth(prefix, i);
		const op = nth(ops, index);
		const applied = op.kind !== getKind && (op.kind !== casKind || before[i] === op.expected);
		if (applied) {
			chain.push(index);
			if (op.kind !== appendKind) {
				break;
			}
		}
	}

	return chain;
}

/** The write of the value a stuck get read or a stuck cas expected (stale or future reads). */
function writerOfSeenValue(
	ops: readonly PreparedOp[],
	failure: Failure,
	blocking: PreparedOp,
	inPrefix: ReadonlySet<number>,
): number | undefined {
	const seen = blocking.kind === casKind ? blocking.expected : blocking.entry.output;
	if (blocking.kind === putKind || blocking.kind === appendKind || typeof seen !== 'string') {
		return undefined;
	}

	const writers: number[] = [];
	for (const [index, op] of ops.entries()) {
		if (
			index !== failure.blocking &&
			(op.kind === putKind || op.kind === casKind) &&
			op.value === seen
		) {
			writers.push(index);
		}
	}

	return writers.findLast((index) => inPrefix.has(index)) ?? writers[0];
}

/** The sequential spec, for replaying a prefix the search found. */
function nextState(op: PreparedOp | undefined, state: string | null): string | null {
	if (op?.kind === putKind) {
		return op.value;
	}

	if (op?.kind === appendKind) {
		return (state ?? '') + op.value;
	}

	return op?.kind === casKind && state === op.expected ? op.value : state;
}
