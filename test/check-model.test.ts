import test from 'ava';
import {type Model, type ModelEntry, ModelHistory, checkModel} from '../source/check/model.js';
import {Simulation} from '../source/sim/simulation.js';
import type {SimulatedService} from '../source/sim/service.js';
import type {StateMachine} from '../source/vsr/state-machine.js';

/** A register of one number: `add` returns the new value, `read` the current one. */
type Op = {op: 'add'; by: number} | {op: 'read'};
const counter: Model<number, Op, number> = {
	initial: 0,
	step(state, op) {
		return op.op === 'add' ? {output: state + op.by, state: state + op.by} : {output: state, state};
	},
};

/** One operation: client, what it called, [call, return] (null: no reply) and its output. */
const entry = (
	client: number,
	operation: Op,
	[call, ret]: readonly [number, number | null],
	output?: number,
): ModelEntry<Op, number> => ({client, operation, call, return: ret, output});

test('sequential and overlapping histories that some order explains are linearizable', (t) => {
	t.deepEqual(checkModel(counter, []), {ok: true});
	t.deepEqual(
		checkModel(counter, [
			entry(1, {op: 'add', by: 2}, [0, 10], 2),
			entry(2, {op: 'read'}, [20, 30], 2),
		]),
		{ok: true},
	);
	// Two overlapping adds: the read after both sees their sum; the first add saw only itself.
	t.deepEqual(
		checkModel(counter, [
			entry(1, {op: 'add', by: 1}, [0, 50], 3),
			entry(2, {op: 'add', by: 2}, [10, 20], 2),
			entry(3, {op: 'read'}, [60, 70], 3),
		]),
		{ok: true},
	);
});

test('an output no order explains is a violation, naming the operation', (t) => {
	const result = checkModel(counter, [
		entry(1, {op: 'add', by: 2}, [0, 10], 2),
		// Called after the add returned, yet it reads the state before it.
		entry(2, {op: 'read'}, [20, 30], 0),
	]);
	t.like(result, {ok: false, entry: {client: 2, output: 0}});
	t.regex(result.ok === false ? result.reason : '', /client 2's \{"op":"read"\} = 0/v);

	// An add applied twice (a retried write executed again) is no order of the history either.
	t.false(
		checkModel(counter, [
			entry(1, {op: 'add', by: 5}, [0, 10], 5),
			entry(1, {op: 'read'}, [20, 30], 10),
		]).ok,
	);
});

test('an operation without a reply may or may not have taken effect; a rejected one did not', (t) => {
	const pending = entry(1, {op: 'add', by: 5}, [0, null]);
	t.true(checkModel(counter, [pending, entry(2, {op: 'read'}, [10, 20], 0)]).ok === true);
	t.true(checkModel(counter, [pending, entry(2, {op: 'read'}, [10, 20], 5)]).ok === true);
	t.false(checkModel(counter, [pending, entry(2, {op: 'read'}, [10, 20], 3)]).ok);
	const rejected: ModelEntry<Op, number> = {
		client: 1,
		operation: {op: 'add', by: 5},
		error: 'bad input',
		call: 0,
		return: 5,
	};
	t.true(checkModel(counter, [rejected, entry(2, {op: 'read'}, [10, 20], 0)]).ok === true);
	t.false(checkModel(counter, [rejected, entry(2, {op: 'read'}, [10, 20], 5)]).ok);
});

test('a search beyond its step budget answers unknown', (t) => {
	const many = Array.from({length: 12}, (_, client) =>
		entry(client, {op: 'add', by: 1}, [0, 100], 1),
	);
	const result = checkModel(counter, many, {maxSteps: 50});
	t.is(result.ok, 'unknown');
});

test('ModelHistory records calls and replies in call order', (t) => {
	const history = new ModelHistory<Op, number>();
	const first = history.invoke(1, {op: 'add', by: 1}, 5);
	const second = history.invoke(2, {op: 'read'}, 6);
	history.complete(second, 0, 9);
	history.fail(first, 'nope', 12);
	t.deepEqual(history.entries(), [
		{client: 1, operation: {op: 'add', by: 1}, call: 5, return: 12, error: 'nope'},
		{client: 2, operation: {op: 'read'}, call: 6, return: 9, output: 0},
	]);
	t.throws(() => {
		history.complete(second, 1, 20);
	});
	t.throws(() => {
		history.complete(history.invoke(3, {op: 'read'}, 30), 0, 10);
	});
});

/** The counter as a replicated state machine; `wrong` makes reads answer one more than held. */
class Counter implements StateMachine {
	private value = 0;
	constructor(private readonly wrong = false) {}

	apply(operation: unknown): number {
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- only this test's ops
		const op = operation as Op;
		if (op.op === 'add') {
			this.value += op.by;
			return this.value;
		}

		return this.wrong && this.value > 20 ? this.value + 1 : this.value;
	}

	snapshot(): unknown {
		return this.value;
	}

	restore(snapshot: unknown): void {
		this.value = Number(snapshot);
	}

	kind(operation: unknown): string {
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- only this test's ops
		return (operation as Op).op;
	}
}

const service = (wrong = false): SimulatedService<number, Op, number> => ({
	stateMachine: () => new Counter(wrong),
	operation: (_client, random) => (random() < 0.5 ? {op: 'add', by: 1} : {op: 'read'}),
	model: counter,
});

test('the simulator runs a service of its own under faults and checks its history', (t) => {
	for (const seed of [1, 2, 3]) {
		const result = new Simulation({
			seed,
			replicas: 3,
			ops: 150,
			faults: 'heavy',
			service: service(),
		}).run();
		t.is(result.violation, undefined, `seed ${seed}`);
		t.is(result.acked, 150);
		t.is(result.history.length, 0, 'no key-value history');
		t.is(result.serviceHistory.length, 150);
		t.true(result.serviceHistory.every((operation) => operation.return !== null));
	}

	// The same seed gives the same run.
	const again = () =>
		new Simulation({seed: 2, replicas: 3, ops: 50, faults: 'heavy', service: service()}).run();
	t.deepEqual(again().serviceHistory, again().serviceHistory);
});

test('the check catches a service that answers wrongly, and a retried write run twice', (t) => {
	const wrong = new Simulation({
		seed: 1,
		replicas: 3,
		ops: 150,
		faults: 'none',
		service: service(true),
	}).run();
	t.is(wrong.violation?.kind, 'linearizability');
	t.regex(wrong.violation?.message ?? '', /no order of the operations explains/v);

	const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
	const broken = seeds.map(
		(seed) =>
			new Simulation({
				seed,
				replicas: 3,
				ops: 200,
				faults: 'heavy',
				service: service(),
				bugs: new Set(['client-table-forgets-writes']),
			}).run().violation,
	);
	t.true(
		broken.some((violation) => violation?.kind === 'linearizability'),
		`violations: ${broken.map((violation) => violation?.kind ?? 'none').join(', ')}`,
	);
});
