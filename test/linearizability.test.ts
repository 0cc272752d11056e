import {isDeepStrictEqual} from 'node:util';
import test, {type ExecutionContext} from 'ava';
import fc from 'fast-check';
import {
	applyToKey,
	describeEntry,
	HistoryRecorder,
	type HistoryEntry,
	type HistoryOutput,
} from '../source/check/history.js';
import {checkLinearizable, type LinearizabilityResult} from '../source/check/linearizability.js';
import {Prng} from '../source/vsr/prng.js';

type Span = readonly [call: number, ret: number | null];

// Builders: a null return means no reply came, so the output is left undefined.
function get(client: number, key: string, output: string | null, [call, ret]: Span): HistoryEntry {
	return {client, op: 'get', key, output: ret === null ? undefined : output, call, return: ret};
}

function put(client: number, key: string, value: string, [call, ret]: Span): HistoryEntry {
	return {
		client,
		op: 'put',
		key,
		value,
		output: ret === null ? undefined : 'ok',
		call,
		return: ret,
	};
}

function append(client: number, key: string, value: string, [call, ret]: Span): HistoryEntry {
	return {
		client,
		op: 'append',
		key,
		value,
		output: ret === null ? undefined : 'ok',
		call,
		return: ret,
	};
}

function cas(
	client: number,
	key: string,
	{expected, value, output}: {expected: string | null; value: string; output?: boolean},
	[call, ret]: Span,
): HistoryEntry {
	return {client, op: 'cas', key, expected, value, output, call, return: ret};
}

type Violation = Extract<LinearizabilityResult, {ok: false}>;

/** Asserts a violation on `key` whose report lists every one of `culprits`, and returns it. */
function violation(
	t: ExecutionContext,
	result: LinearizabilityResult,
	key: string,
	culprits: readonly HistoryEntry[] = [],
): Violation {
	if (result.ok !== false) {
		throw new Error(`expected a violation on ${key}, got ${JSON.stringify(result)}`);
	}

	t.is(result.key, key);
	for (const culprit of culprits) {
		t.true(result.entries.includes(culprit), `report should list ${describeEntry(culprit)}`);
	}

	t.true(
		result.entries.every((entry) => entry.key === key),
		'report lists only the key',
	);
	t.true(result.reason.length > 0);
	return result;
}

test('a sequential history that follows the spec is linearizable', (t) => {
	const history = [
		get(1, 'x', null, [0, 10]),
		put(1, 'x', 'a', [20, 30]),
		append(2, 'x', 'b', [40, 50]),
		get(3, 'x', 'ab', [60, 70]),
		cas(1, 'x', {expected: 'ab', value: 'c', output: true}, [80, 90]),
		cas(2, 'x', {expected: 'ab', value: 'd', output: false}, [100, 110]),
		get(2, 'x', 'c', [120, 130]),
	];
	t.deepEqual(checkLinearizable(history), {ok: true});
});

test('the empty history is linearizable', (t) => {
	t.deepEqual(checkLinearizable([]), {ok: true});
});

test('a stale read after a completed write is not linearizable', (t) => {
	const first = put(1, 'x', 'a', [0, 10]);
	const second = put(1, 'x', 'b', [20, 30]);
	const stale = get(2, 'x', 'a', [40, 50]);
	// Earlier history the report should leave out.
	const before = [put(3, 'x', 'z', [-30, -20]), get(3, 'x', 'z', [-15, -10])];
	const result = checkLinearizable([...before, first, second, stale]);
	const {reason, entries} = violation(t, result, 'x', [first, second, stale]);
	t.is(entries.length, 3);
	t.true(reason.includes("c2 get(x) = 'a' [40..50]"));
	t.true(reason.includes("leaves x = 'b'"));
	t.true(reason.includes('cannot be linearized on their own'));
});

test('a read concurrent with a write may see the old or the new value', (t) => {
	for (const seen of [null, 'a']) {
		const history = [
			put(1, 'x', 'a', [0, 100]),
			get(2, 'x', seen, [10, 20]),
			get(2, 'x', 'a', [110, 120]),
		];
		t.deepEqual(checkLinearizable(history), {ok: true}, `read ${String(seen)}`);
	}
});

test('reads during concurrent writes may see either order', (t) => {
	const history = [
		put(1, 'x', 'a', [0, 100]),
		put(2, 'x', 'b', [0, 100]),
		get(3, 'x', 'a', [10, 20]),
		get(3, 'x', 'b', [30, 40]),
		get(4, 'x', 'b', [110, 120]),
	];
	t.deepEqual(checkLinearizable(history), {ok: true});
	// Same writes, the reads in the other order: also fine.
	const swapped = [
		put(1, 'x', 'a', [0, 100]),
		put(2, 'x', 'b', [0, 100]),
		get(3, 'x', 'b', [10, 20]),
		get(3, 'x', 'a', [30, 40]),
		get(4, 'x', 'a', [110, 120]),
	];
	t.deepEqual(checkLinearizable(swapped), {ok: true});
});

test('reads that see both orders of two concurrent writes are not linearizable', (t) => {
	const writeA = put(1, 'x', 'a', [0, 100]);
	const writeB = put(2, 'x', 'b', [0, 100]);
	// c3 sees a then b, c4 sees b then a, all during the writes: each write happens once.
	const history = [
		writeA,
		writeB,
		get(3, 'x', 'a', [10, 20]),
		get(3, 'x', 'b', [30, 40]),
		get(4, 'x', 'b', [50, 60]),
		get(4, 'x', 'a', [70, 80]),
	];
	violation(t, checkLinearizable(history), 'x', []);
	// After both writes complete the value is settled: it cannot flip back.
	const settled = get(4, 'x', 'a', [130, 140]);
	const afterwards = [writeA, writeB, get(3, 'x', 'b', [110, 120]), settled];
	violation(t, checkLinearizable(afterwards), 'x', [settled]);
});

test('a lost append is not linearizable', (t) => {
	const first = append(1, 'x', 'a', [0, 10]);
	const second = append(2, 'x', 'b', [20, 30]);
	const lost = get(3, 'x', 'b', [40, 50]);
	violation(t, checkLinearizable([first, second, lost]), 'x', [first, second, lost]);
	// The full value, and either order for concurrent appends, are fine.
	t.deepEqual(checkLinearizable([first, second, get(3, 'x', 'ab', [40, 50])]), {ok: true});
	const concurrent = [append(1, 'x', 'a', [0, 30]), append(2, 'x', 'b', [0, 30])];
	t.deepEqual(checkLinearizable([...concurrent, get(3, 'x', 'ba', [40, 50])]), {ok: true});
	t.deepEqual(checkLinearizable([...concurrent, get(3, 'x', 'ab', [40, 50])]), {ok: true});
});

test('a cas that succeeded twice from the same value is not linearizable', (t) => {
	const setup = put(1, 'x', 'a', [0, 10]);
	const toB = cas(2, 'x', {expected: 'a', value: 'b', output: true}, [20, 40]);
	const toC = cas(3, 'x', {expected: 'a', value: 'c', output: true}, [25, 45]);
	violation(t, checkLinearizable([setup, toB, toC]), 'x', [setup, toB, toC]);
	// One of them losing is the linearizable outcome, whichever it is.
	t.deepEqual(
		checkLinearizable([
			setup,
			toB,
			cas(3, 'x', {expected: 'a', value: 'c', output: false}, [25, 45]),
		]),
		{ok: true},
	);
	t.deepEqual(
		checkLinearizable([
			setup,
			cas(2, 'x', {expected: 'a', value: 'b', output: false}, [20, 40]),
			toC,
		]),
		{ok: true},
	);
});

test('cas with expected null means the key is absent', (t) => {
	const create = cas(1, 'x', {expected: null, value: 'a', output: true}, [0, 10]);
	t.deepEqual(checkLinearizable([create, get(2, 'x', 'a', [20, 30])]), {ok: true});
	const again = cas(2, 'x', {expected: null, value: 'b', output: true}, [20, 30]);
	violation(t, checkLinearizable([create, again]), 'x', [again]);
	t.deepEqual(
		checkLinearizable([create, cas(2, 'x', {expected: null, value: 'b', output: false}, [20, 30])]),
		{ok: true},
	);
});

test('a pending op must be counted as applied to explain a later read', (t) => {
	const timedOut = put(1, 'x', 'a', [0, null]);
	t.deepEqual(checkLinearizable([timedOut, get(2, 'x', 'a', [50, 60])]), {ok: true});
	// A pending append explains a read that contains it, and a failed cas that saw it.
	const appended = [
		put(1, 'y', 'a', [0, 10]),
		append(2, 'y', 'b', [20, null]),
		cas(3, 'y', {expected: 'a', value: 'z', output: false}, [30, 40]),
		get(3, 'y', 'ab', [50, 60]),
	];
	t.deepEqual(checkLinearizable(appended), {ok: true});
	// It cannot take effect before it was called, though.
	const early = get(2, 'x', 'a', [0, 10]);
	violation(t, checkLinearizable([early, put(1, 'x', 'a', [20, null])]), 'x', [early]);
});

test('a pending op that cannot be placed among the completed ones is left out', (t) => {
	// Before the cas, it would have made the cas succeed; after it, the get would see it.
	const history = [
		put(1, 'x', 'a', [0, null]),
		cas(2, 'x', {expected: 'a', value: 'b', output: false}, [10, 20]),
		get(3, 'x', null, [30, 40]),
	];
	t.deepEqual(checkLinearizable(history), {ok: true});
	// Had the put replied, it would have had to take effect: then nothing fits.
	const replied = put(1, 'x', 'a', [0, 5]);
	violation(t, checkLinearizable([replied, ...history.slice(1)]), 'x', [replied]);
});

test('a pending op may have taken effect once, not twice', (t) => {
	const history = [
		append(1, 'x', 'a', [0, null]),
		get(2, 'x', 'a', [10, 20]),
		get(2, 'x', 'aa', [30, 40]),
	];
	violation(t, checkLinearizable(history), 'x', []);
});

test('a pending write only a failed cas could have seen is still considered', (t) => {
	// Only the timed-out append explains why the cas found something other than 'ab'.
	const history = [
		put(1, 'x', 'a', [0, 10]),
		append(1, 'x', 'b', [20, 30]),
		append(2, 'x', 'c', [40, null]),
		cas(3, 'x', {expected: 'ab', value: 'q', output: false}, [50, 60]),
	];
	t.deepEqual(checkLinearizable(history), {ok: true});
	violation(t, checkLinearizable(history.toSpliced(2, 1)), 'x');
	// Same when the only overlap is a shared instant.
	const touching = [
		cas(1, 'x', {expected: null, value: 'q', output: false}, [0, 10]),
		put(2, 'x', 'z', [10, null]),
	];
	t.deepEqual(checkLinearizable(touching), {ok: true});
	violation(t, checkLinearizable([touching[0]!, put(2, 'x', 'z', [11, null])]), 'x');
});

test('a report is a witness: it keeps the read that proves a timed-out write happened', (t) => {
	const proof = get(4, 'x', 'b', [1, 7]);
	const timedOut = append(2, 'x', 'b', [0, null]);
	const create = cas(1, 'x', {expected: null, value: 'ab', output: true}, [17, 34]);
	const history = [create, timedOut, cas(3, 'x', {expected: 'ab', value: ''}, [21, null]), proof];
	const {entries, reason} = violation(t, checkLinearizable(history), 'x', [
		create,
		timedOut,
		proof,
	]);
	t.true(reason.includes('cannot be linearized on their own'));
	t.false(bruteForceLinearizable(entries));
	// Without the read, the append may never have happened.
	t.deepEqual(checkLinearizable(history.slice(0, 3)), {ok: true});
});

test('ops the state machine rejected are ignored', (t) => {
	const rejected: HistoryEntry = {
		client: 1,
		op: 'put',
		key: 'x',
		value: 'a',
		output: {error: 'not the primary'},
		call: 0,
		return: 10,
	};
	t.deepEqual(checkLinearizable([rejected, get(2, 'x', null, [20, 30])]), {ok: true});
	// The same put accepted must be seen.
	const accepted = {...rejected, output: 'ok' as const};
	violation(t, checkLinearizable([accepted, get(2, 'x', null, [20, 30])]), 'x', [accepted]);
});

test('outputs the spec can never produce are violations', (t) => {
	const weird: HistoryEntry = {
		client: 1,
		op: 'put',
		key: 'x',
		value: 'a',
		output: true,
		call: 0,
		return: 10,
	};
	const result = checkLinearizable([weird]);
	t.true(violation(t, result, 'x', [weird]).reason.includes('put always answers ok'));
});

test('keys are checked independently', (t) => {
	const history = [
		put(1, 'x', 'a', [0, 10]),
		get(2, 'y', null, [20, 30]),
		put(1, 'y', 'b', [40, 50]),
		get(2, 'x', 'a', [60, 70]),
		get(3, 'y', 'b', [60, 70]),
	];
	// On one key, reading null after 'a' was written would be stale; on two keys it is fine.
	t.deepEqual(checkLinearizable(history), {ok: true});
	const stale = get(3, 'y', null, [80, 90]);
	const result = checkLinearizable([...history, stale]);
	const {entries} = violation(t, result, 'y', [stale]);
	t.false(entries.some((entry) => entry.key === 'x'));
});

test('ops that merely touch in time count as concurrent', (t) => {
	t.deepEqual(checkLinearizable([put(1, 'x', 'a', [0, 10]), get(2, 'x', null, [10, 20])]), {
		ok: true,
	});
	const stale = get(2, 'x', null, [11, 20]);
	violation(t, checkLinearizable([put(1, 'x', 'a', [0, 10]), stale]), 'x', [stale]);
});

test('the order of entries in the array does not matter', (t) => {
	const history = [
		put(1, 'x', 'a', [0, 10]),
		put(2, 'x', 'b', [20, 30]),
		get(3, 'x', 'a', [40, 50]),
	];
	violation(t, checkLinearizable(history.toReversed()), 'x', history);
});

test('a search that runs out of steps answers unknown', (t) => {
	const history = [
		put(1, 'x', 'a', [0, 10]),
		get(2, 'x', 'a', [20, 30]),
		put(1, 'y', 'b', [0, 10]),
	];
	const result = checkLinearizable(history, {maxSteps: 1});
	t.like(result, {ok: 'unknown', key: 'x'});
	t.true('reason' in result && result.reason.includes('maxSteps'));

	t.deepEqual(checkLinearizable(history, {maxSteps: 100}), {ok: true});
	// A definite violation on another key still wins over unknown.
	const stale = get(2, 'y', null, [20, 30]);
	const mixed = checkLinearizable(
		[
			...history.slice(0, 2),
			...Array.from({length: 20}, (_, i) => get(3, 'x', 'a', [40 + i, 41 + i])),
			put(1, 'y', 'b', [0, 10]),
			stale,
		],
		{maxSteps: 10},
	);
	violation(t, mixed, 'y', [stale]);
});

test('malformed entries are rejected rather than judged', (t) => {
	const rejects = (entry: HistoryEntry, why: string): void => {
		t.throws(() => checkLinearizable([entry]), {
			instanceOf: TypeError,
			message: (message: string) => message.includes(why),
		});
	};

	rejects(put(1, 'x', 'a', [10, 5]), 'return precedes call');
	rejects({...put(1, 'x', 'a', [0, 1]), value: undefined}, 'needs a string value');
	rejects(
		{...cas(1, 'x', {expected: null, value: 'a', output: true}, [0, 1]), expected: undefined},
		'expected',
	);
	rejects({...get(1, 'x', null, [0, 1]), call: Number.NaN}, 'call must be');
	// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- deliberately not a key-value op
	rejects({...get(1, 'x', null, [0, 1]), op: 'delete'} as unknown as HistoryEntry, 'op must be');
});

test('describeEntry renders one readable line', (t) => {
	t.is(
		describeEntry(cas(1, 'k1', {expected: 'a', value: 'b', output: true}, [120, 340])),
		"c1 cas(k1, 'a' -> 'b') = true [120..340]",
	);
	t.is(
		describeEntry(cas(2, 'k1', {expected: null, value: 'b', output: undefined}, [5, null])),
		"c2 cas(k1, null -> 'b') = ? [5..?]",
	);
	t.is(describeEntry(get(3, 'k', null, [1, 2])), 'c3 get(k) = null [1..2]');
	t.is(describeEntry(get(3, 'k', 'ok', [1, 2])), "c3 get(k) = 'ok' [1..2]");
	t.is(describeEntry(put(4, 'k', "it's", [1, 2])), String.raw`c4 put(k, 'it\'s') = ok [1..2]`);
	t.is(describeEntry(append(5, 'k', 'v', [1, 2])), "c5 append(k, 'v') = ok [1..2]");
	t.is(
		describeEntry({...put(6, 'k', 'v', [1, 2]), output: {error: 'busy'}}),
		"c6 put(k, 'v') = error(busy) [1..2]",
	);
	const long = describeEntry(get(7, 'k', 'x'.repeat(100), [1, 2]));
	t.true(long.length < 100);
	t.true(long.includes('(100 chars)'));
});

test('HistoryRecorder records calls and replies in the JSON contract', (t) => {
	const recorder = new HistoryRecorder();
	const a = recorder.invoke(1, {op: 'put', key: 'x', value: 'a'}, 100);
	const b = recorder.invoke(2, {op: 'get', key: 'x'}, 150);
	const c = recorder.invoke(3, {op: 'cas', key: 'x', expected: null, value: 'z'}, 160);
	const d = recorder.invoke(4, {op: 'append', key: 'x', value: 'q'}, 170);
	recorder.complete(a, 'ok', 200);
	recorder.complete(b, 'a', 250);
	recorder.complete(c, {error: 'rejected'}, 260);
	t.is(recorder.size, 4);
	t.throws(() => {
		recorder.complete(a, 'ok', 300);
	});
	t.throws(() => {
		recorder.complete(d, 'ok', 1);
	});
	t.throws(() => {
		recorder.complete(99, 'ok', 300);
	});

	// The real round trip scripts make (structuredClone would keep the undefined output).
	// eslint-disable-next-line unicorn/prefer-structured-clone
	const json = JSON.parse(JSON.stringify(recorder)) as unknown;
	t.deepEqual(json, [
		{client: 1, op: 'put', key: 'x', value: 'a', output: 'ok', call: 100, return: 200},
		{client: 2, op: 'get', key: 'x', output: 'a', call: 150, return: 250},
		{
			client: 3,
			op: 'cas',
			key: 'x',
			value: 'z',
			expected: null,
			output: {error: 'rejected'},
			call: 160,
			return: 260,
		},
		// No reply: JSON drops the undefined output, the null return stays.
		{client: 4, op: 'append', key: 'x', value: 'q', call: 170, return: null},
	]);
	// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- shape checked just above
	t.deepEqual(checkLinearizable(json as HistoryEntry[]), {ok: true});

	// entries() is a copy: editing it does not rewrite the record.
	const copy = recorder.entries();
	copy[0]!.output = 'tampered';
	t.is(recorder.entries()[0]?.output, 'ok');
});

/* ---------- Generated histories ---------- */

type Spec = Map<string, string>;

type PlannedOp = {
	key: string;
	op: 'get' | 'put' | 'append' | 'cas';
	value: string;
	/** Which expectation a cas uses: the current value (so it succeeds) or a fixed guess. */
	expectedChoice: 'current' | 'null' | 'a' | 'b';
	/** Pending-applied: took effect, no reply. pending-lost: no effect, no reply. */
	fate: 'done' | 'pending-applied' | 'pending-lost' | 'rejected';
	client: number;
	left: number;
	right: number;
};

/** Runs `plan` sequentially against the spec, linearization point i at time 10 * (i + 1). */
function buildHistory(plan: readonly PlannedOp[]): HistoryEntry[] {
	const store: Spec = new Map();
	return plan.map((planned, i) => {
		const at = 10 * (i + 1);
		const call = at - planned.left;
		const ret = at + planned.right;
		const current = store.get(planned.key) ?? null;
		const expected =
			planned.expectedChoice === 'current'
				? current
				: planned.expectedChoice === 'null'
					? null
					: planned.expectedChoice;
		const base = {client: planned.client, op: planned.op, key: planned.key, call};
		const fields =
			planned.op === 'get'
				? {}
				: planned.op === 'cas'
					? {value: planned.value, expected}
					: {value: planned.value};
		if (planned.fate === 'rejected') {
			return {...base, ...fields, output: {error: 'rejected'}, return: ret};
		}

		if (planned.fate === 'pending-lost') {
			return {...base, ...fields, output: undefined, return: null};
		}

		let output: HistoryOutput;
		switch (planned.op) {
			case 'get': {
				output = current;
				break;
			}

			case 'put': {
				store.set(planned.key, planned.value);
				output = 'ok';
				break;
			}

			case 'append': {
				store.set(planned.key, (current ?? '') + planned.value);
				output = 'ok';
				break;
			}

			case 'cas': {
				output = current === expected;
				if (output) {
					store.set(planned.key, planned.value);
				}

				break;
			}
		}

		return planned.fate === 'pending-applied'
			? {...base, ...fields, output: undefined, return: null}
			: {...base, ...fields, output, return: ret};
	});
}

const plannedOp = (maxWiden: number): fc.Arbitrary<PlannedOp> =>
	fc.record({
		key: fc.constantFrom('x', 'y'),
		op: fc.constantFrom('get', 'get', 'put', 'append', 'cas'),
		value: fc.constantFrom('a', 'b', 'c'),
		expectedChoice: fc.constantFrom('current', 'null', 'a', 'b'),
		fate: fc.constantFrom(
			'done',
			'done',
			'done',
			'done',
			'pending-applied',
			'pending-lost',
			'rejected',
		),
		client: fc.integer({min: 1, max: 5}),
		// Intervals always contain the linearization point; widths up to maxWiden overlap
		// up to maxWiden / 10 neighbours on each side.
		left: fc.integer({min: 0, max: maxWiden}),
		right: fc.integer({min: 0, max: maxWiden}),
	});

const plans = fc.oneof(
	fc.array(plannedOp(4), {minLength: 1, maxLength: 30}),
	fc.array(plannedOp(45), {minLength: 1, maxLength: 30}),
);

test('histories produced by a sequential run of the spec are linearizable', (t) => {
	t.notThrows(() => {
		fc.assert(
			fc.property(plans, (plan) => {
				const history = buildHistory(plan);
				const result = checkLinearizable(history);
				if (result.ok !== true) {
					throw new Error(
						`${JSON.stringify(result)}\n${history.map((entry) => describeEntry(entry)).join('\n')}`,
					);
				}
			}),
			{numRuns: 300},
		);
	});
});

test('a get that returns a value never written makes a generated history non-linearizable', (t) => {
	t.notThrows(() => {
		fc.assert(
			fc.property(plans, fc.nat(), (plan, pick) => {
				const history = buildHistory(plan);
				const gets = history.filter(
					(entry) => entry.op === 'get' && entry.return !== null && !isErrorOutput(entry.output),
				);
				fc.pre(gets.length > 0);
				const target = gets[pick % gets.length]!;
				const mutated = {...target, output: 'never#written'};
				const result = checkLinearizable(
					history.map((entry) => (entry === target ? mutated : entry)),
				);
				if (result.ok !== false || result.key !== target.key || !result.entries.includes(mutated)) {
					throw new Error(`${JSON.stringify(result)}\nmutated ${describeEntry(mutated)}`);
				}
			}),
			{numRuns: 300},
		);
	});
});

function isErrorOutput(output: HistoryOutput): boolean {
	return typeof output === 'object' && output !== null;
}

/* ---------- Against a brute-force reference ---------- */

/**
 * The definition, by exhaustive search: some order of the ops that respects real time
 * (an op that returned before another was called goes first), includes every completed op
 * and any subset of the pending ones, and reproduces every completed output.
 */
function bruteForceLinearizable(history: readonly HistoryEntry[]): boolean {
	const ops = history.filter((entry) => !isErrorOutput(entry.output));
	const done = (entry: HistoryEntry): boolean =>
		entry.return !== null && entry.output !== undefined;
	const placed = new Set<HistoryEntry>();
	const states = new Map<string, string | null>();
	// Memo of configurations known to fail: which ops are placed, and every key's state.
	const failed = new Set<string>();
	const search = (): boolean => {
		if (ops.every((entry) => placed.has(entry) || !done(entry))) {
			return true;
		}

		const configuration = JSON.stringify([ops.map((entry) => placed.has(entry)), [...states]]);
		if (failed.has(configuration)) {
			return false;
		}

		for (const entry of ops) {
			const blocked = ops.some(
				(other) =>
					!placed.has(other) && done(other) && other !== entry && other.return! < entry.call,
			);
			if (placed.has(entry) || blocked) {
				continue;
			}

			const before = states.get(entry.key) ?? null;
			const [output, after] = applyToKey(entry, before);
			if (done(entry) && !isDeepStrictEqual(output, entry.output)) {
				continue;
			}

			placed.add(entry);
			states.set(entry.key, after);
			const found = search();
			placed.delete(entry);
			states.set(entry.key, before);
			if (found) {
				return true;
			}
		}

		failed.add(configuration);
		return false;
	};

	return search();
}

type TinyOp = {
	key: 'x' | 'y';
	op: 'get' | 'put' | 'append' | 'cas';
	value: string;
	expected: string | null;
	fate: 'done' | 'pending-applied' | 'pending-lost' | 'rejected';
	call: number;
	/** Where in [call, call + length] the op takes effect in the truthful run. */
	point: number;
	length: number;
	/** Replaces the truthful output, to make (mostly) non-linearizable histories. */
	corrupt: HistoryOutput | 'keep';
};

const tinyOp: fc.Arbitrary<TinyOp> = fc.record({
	key: fc.constantFrom('x', 'y'),
	op: fc.constantFrom('get', 'put', 'append', 'cas'),
	// 'c' is never expected, so pending writes of it are often unobserved (and dropped);
	// 'v1', 'v2' play unique values, as workloads use.
	value: fc.constantFrom('a', 'b', 'c', '', 'v1', 'v2'),
	expected: fc.constantFrom(null, 'a', 'b', 'ab', 'bc', '', 'v1', 'v1v2'),
	fate: fc.constantFrom('done', 'done', 'done', 'pending-applied', 'pending-lost', 'rejected'),
	call: fc.integer({min: 0, max: 30}),
	point: fc.double({min: 0, max: 1, noNaN: true}),
	length: fc.integer({min: 0, max: 15}),
	corrupt: fc.oneof(
		{weight: 7, arbitrary: fc.constant('keep' as const)},
		{weight: 1, arbitrary: fc.constantFrom(null, 'a', 'b', 'ab', 'ba', '', true, false, 'ok')},
	),
});

/** Runs the ops in order of their points, then applies the corruptions. */
function tinyHistory(plan: readonly TinyOp[]): HistoryEntry[] {
	const states = new Map<string, string | null>();
	const entries = plan.map((tiny): HistoryEntry => {
		const entry: HistoryEntry = {
			client: 1,
			op: tiny.op,
			key: tiny.key,
			output: undefined,
			call: tiny.call,
			return: tiny.call + tiny.length,
		};
		if (tiny.op !== 'get') {
			entry.value = tiny.value;
		}

		if (tiny.op === 'cas') {
			entry.expected = tiny.expected;
		}

		return entry;
	});
	const order = plan
		.map((tiny, index) => ({at: tiny.call + tiny.point * tiny.length, index}))
		.toSorted((a, b) => a.at - b.at);
	for (const {index} of order) {
		const tiny = plan[index]!;
		const entry = entries[index]!;
		if (tiny.fate === 'rejected') {
			entry.output = {error: 'rejected'};
			continue;
		}

		if (tiny.fate !== 'pending-lost') {
			const [output, after] = applyToKey(entry, states.get(entry.key) ?? null);
			states.set(entry.key, after);
			entry.output = output;
		}

		if (tiny.fate === 'done') {
			entry.output = tiny.corrupt === 'keep' ? entry.output : tiny.corrupt;
		} else {
			entry.output = undefined;
			entry.return = null;
		}
	}

	return entries;
}

test('agrees with a brute-force search on small random histories', (t) => {
	let violations = 0;
	t.notThrows(() => {
		fc.assert(
			fc.property(fc.array(tinyOp, {minLength: 1, maxLength: 10}), (plan) => {
				const history = tinyHistory(plan);
				const expected = bruteForceLinearizable(history);
				const result = checkLinearizable(history);
				const context = `\n${history.map((entry) => describeEntry(entry)).join('\n')}\n${JSON.stringify(result)}`;
				if (result.ok !== expected) {
					throw new Error(
						`checker ${String(result.ok)}, brute force ${String(expected)}${context}`,
					);
				}

				if (!result.ok) {
					violations++;
					// A report that claims its ops are a witness must be right about it.
					const claimsWitness = result.reason.includes('cannot be linearized on their own');
					if (claimsWitness && bruteForceLinearizable(result.entries)) {
						throw new Error(`listed ops are linearizable${context}`);
					}
				}
			}),
			{numRuns: 2000},
		);
	});
	// Both verdicts must actually be exercised.
	t.true(violations > 200 && violations < 1800, `${violations} violations`);
});

/* ---------- A long history ---------- */

/** The project's seeded generator, so a history is the same on every run. */
function random(seed: number): () => number {
	const prng = new Prng(seed);
	return () => prng.next();
}

/** ~2000 ops on 3 keys, each overlapping a few neighbours, with some timeouts and rejections. */
function longHistory(): HistoryEntry[] {
	const next = random(42);
	const choose = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
	const plan: PlannedOp[] = [];
	for (let i = 0; i < 2000; i++) {
		const roll = next();
		plan.push({
			key: choose(['k1', 'k2', 'k3']),
			op: choose(['get', 'get', 'put', 'append', 'cas']),
			value: `v${i}.`,
			expectedChoice: choose(['current', 'current', 'null', 'a']),
			fate:
				roll < 0.02
					? 'pending-applied'
					: roll < 0.04
						? 'pending-lost'
						: roll < 0.05
							? 'rejected'
							: 'done',
			client: 1 + (i % 8),
			left: Math.floor(next() * 40),
			right: Math.floor(next() * 40),
		});
	}

	return buildHistory(plan);
}

test('a long history with moderate concurrency is checked to a definite answer', (t) => {
	const history = longHistory();
	t.is(history.length, 2000);
	t.deepEqual(checkLinearizable(history), {ok: true});

	// A read of a value never written, in the middle, is found rather than given up on.
	const reads = history.filter(
		(entry) => entry.op === 'get' && typeof entry.output === 'string' && entry.return !== null,
	);
	const target = reads[Math.floor(reads.length / 2)]!;
	const invented = {...target, output: 'never#written'};
	const result = checkLinearizable(history.map((entry) => (entry === target ? invented : entry)));
	violation(t, result, target.key, [invented]);

	// So is a stale read: every value is unique, so once a write that started after an
	// earlier read completes, that read's value can never be seen again.
	const {earlier, overwrite} = findStaleCandidate(history, target);
	const staleRead = {...target, output: earlier.output};
	const staleResult = checkLinearizable(
		history.map((entry) => (entry === target ? staleRead : entry)),
	);
	const {reason} = violation(t, staleResult, target.key, [staleRead]);
	t.true(reason.includes(`gets past ${describeEntry(staleRead)}`));
	t.true(overwrite.call > earlier.return!);
});

/** An earlier read of `target`'s key and a completed write strictly between the two. */
function findStaleCandidate(
	history: readonly HistoryEntry[],
	target: HistoryEntry,
): {earlier: HistoryEntry; overwrite: HistoryEntry} {
	const sameKey = history.filter((entry) => entry.key === target.key && entry.return !== null);
	const changes = (entry: HistoryEntry): boolean =>
		entry.op === 'cas' ? entry.output === true : entry.op !== 'get' && entry.output === 'ok';
	for (const earlier of sameKey.toReversed()) {
		if (
			earlier.op !== 'get' ||
			typeof earlier.output !== 'string' ||
			earlier.output === target.output ||
			earlier.return! >= target.call
		) {
			continue;
		}

		const between = sameKey.find(
			(entry) => changes(entry) && entry.call > earlier.return! && entry.return! < target.call,
		);
		if (between !== undefined) {
			return {earlier, overwrite: between};
		}
	}

	throw new Error('no stale-read candidate in the long history');
}
