import test from 'ava';
import {events} from '../source/telemetry/catalogue.js';
import {KvStore, parseKvOperation} from '../source/vsr/kv-store.js';
import type {StateMachine} from '../source/vsr/state-machine.js';
import {Cluster, append, cas, get, put, stateOf} from './helpers/cluster-harness.js';

test('get of a missing key is null; put and append answer "ok"', (t) => {
	const kv = new KvStore();
	t.is(kv.apply(get('a')), null);
	t.is(kv.apply(put('a', '1')), 'ok');
	t.is(kv.apply(get('a')), '1');
	t.is(kv.apply(put('a', '2')), 'ok');
	t.is(kv.apply(get('a')), '2');
	t.is(kv.apply(append('a', '3')), 'ok');
	t.is(kv.apply(get('a')), '23');
	t.is(kv.apply(append('new', 'x')), 'ok', 'append to a missing key starts from the empty string');
	t.is(kv.apply(get('new')), 'x');
	t.is(kv.apply(put('empty', '')), 'ok');
	t.is(kv.apply(get('empty')), '', 'the empty string is a value, not a missing key');
});

test('cas swaps only when the current value is the expected one (null: the key is absent)', (t) => {
	const kv = new KvStore();
	t.true(kv.apply(cas('k', null, 'first')));
	t.false(kv.apply(cas('k', null, 'second')), 'the key exists now');
	t.is(kv.apply(get('k')), 'first');
	t.false(kv.apply(cas('k', 'wrong', 'third')));
	t.is(kv.apply(get('k')), 'first');
	t.true(kv.apply(cas('k', 'first', 'fourth')));
	t.is(kv.apply(get('k')), 'fourth');
	t.false(kv.apply(cas('absent', 'anything', 'x')));
	t.is(kv.apply(get('absent')), null);
	kv.apply(put('e', ''));
	t.false(kv.apply(cas('e', null, 'x')), 'an empty value is not an absent key');
	t.true(kv.apply(cas('e', '', 'x')));
});

test('snapshots are sorted, detached from the live state, and restore exactly', (t) => {
	const kv = new KvStore();
	kv.apply(put('b', '2'));
	kv.apply(put('a', '1'));
	const snapshot = kv.snapshot();
	t.deepEqual(snapshot, [
		['a', '1'],
		['b', '2'],
	]);
	kv.apply(put('a', 'changed'));
	t.deepEqual(snapshot, [
		['a', '1'],
		['b', '2'],
	]);
	const copy = new KvStore();
	copy.restore(structuredClone(snapshot));
	t.is(copy.apply(get('a')), '1');
	t.is(copy.size, 2);
});

test('malformed and unknown operations are rejected with a message that names the problem', (t) => {
	const cases: Array<[unknown, RegExp]> = [
		[null, /expected an object/v],
		['put', /expected an object/v],
		[{op: 'delete', key: 'k'}, /unknown operation "delete"/v],
		[{key: 'k'}, /unknown operation/v],
		[{op: 'get'}, /key must be a string/v],
		[{op: 'put', key: 1, value: 'v'}, /key must be a string/v],
		[{op: 'put', key: 'k'}, /value must be a string/v],
		[{op: 'append', key: 'k', value: 3}, /value must be a string/v],
		[{op: 'cas', key: 'k', value: 'v', expected: 3}, /expected must be a string or null/v],
		[{op: 'cas', key: 'k', value: 'v'}, /expected must be a string or null/v],
	];
	for (const [operation, message] of cases) {
		t.throws(
			() => parseKvOperation(operation),
			{instanceOf: TypeError, message},
			`${JSON.stringify(operation)}`,
		);
		t.throws(() => new KvStore().apply(operation), {message});
	}

	t.is(new KvStore().kind({op: 'cas'}), 'cas');
	t.is(new KvStore().kind({op: 'drop'}), 'invalid');
	t.is(new KvStore().kind(undefined), 'invalid');
});

for (const [label, operation] of [
	['a malformed', {op: 'put', key: 'k'}],
	['an unknown', {op: 'increment', key: 'k'}],
	['a non-object', 42],
] as const) {
	test(`${label} operation ends in state_machine.operation.exception and an error reply; the replicas live on and agree`, (t) => {
		const cluster = new Cluster({replicaCount: 3});
		cluster.commit(1, 1, put('k', 'before'));
		cluster.clearRecords();

		const reply = cluster.commit(2, 1, operation);
		t.false(reply.result.ok);
		t.regex(reply.result.ok ? '' : reply.result.error, /malformed|unknown|expected an object/v);

		const exceptions = cluster.eventsOf(events.operationException);
		t.deepEqual(
			exceptions.map((event) => Number(event.metadata.node_id)).toSorted((a, b) => a - b),
			[0, 1, 2],
			'each replica ran it and saw it fail',
		);
		t.like(exceptions[0]?.metadata, {op: 2, kind: 'error', view_number: 0});
		t.true(exceptions[0]?.metadata.reason instanceof Error);
		t.is(
			cluster.eventsOf(events.clientRequestException, 0).length,
			1,
			'the request span ends in an exception',
		);

		const after = cluster.commit(2, 2, append('k', '+after'));
		t.deepEqual(after.result, {ok: true, value: 'ok'});
		cluster.propagateCommit();
		const states = [0, 1, 2].map((id) => stateOf(cluster.replica(id)));
		t.deepEqual(states[1], states[0]);
		t.deepEqual(states[2], states[0]);
		t.deepEqual(states[0]?.data, [['k', 'before+after']]);
	});
}

/** A pluggable state machine: a counter that refuses to go below zero and throws a non-Error. */
class Counter implements StateMachine {
	value = 0;

	kind = String;

	apply(operation: unknown): unknown {
		if (operation === 'inc') {
			return ++this.value;
		}

		if (operation === 'dec') {
			if (this.value === 0) {
				// eslint-disable-next-line @typescript-eslint/only-throw-error -- a state machine may throw anything
				throw 'would go below zero';
			}

			return --this.value;
		}

		throw new Error(`unknown ${String(operation)}`);
	}

	snapshot(): unknown {
		return this.value;
	}

	restore(snapshot: unknown): void {
		this.value = Number(snapshot);
	}
}

test('the state machine is pluggable: a custom one runs replicated, its throws become error replies, and its snapshots travel', (t) => {
	const cluster = new Cluster({
		replicaCount: 3,
		checkpointInterval: 3,
		stateMachine: () => new Counter(),
	});
	t.deepEqual(cluster.commit(1, 1, 'inc').result, {ok: true, value: 1});
	t.deepEqual(cluster.commit(1, 2, 'dec').result, {ok: true, value: 0});
	t.deepEqual(cluster.commit(1, 3, 'dec').result, {ok: false, error: 'would go below zero'});
	t.deepEqual(cluster.commit(1, 4, 'inc').result, {ok: true, value: 1});
	t.is(cluster.replica(0).checkpoint?.stateMachine, 0, 'checkpoint at op 3 holds the counter');

	const restarted = cluster.restart(2);
	cluster.settle(() => restarted.status === 'normal');
	t.is(restarted.stateMachine.snapshot(), 1);
	t.is(restarted.digest, cluster.replica(0).digest);
});
