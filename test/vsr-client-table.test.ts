import test from 'ava';
import type {BugName} from '../source/vsr/bugs.js';
import {Cluster, append, cas, put} from './helpers/cluster-harness.js';

const executionsOf = (cluster: Cluster, id: number, clientId: number, requestNumber: number) =>
	(cluster.executions[id] ?? []).filter(
		({entry}) => entry.clientId === clientId && entry.requestNumber === requestNumber,
	).length;

test('a duplicate of an executed request gets the saved reply and is not executed again', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	const first = cluster.commit(1, 1, append('k', 'x'));
	t.deepEqual(first.result, {ok: true, value: 'ok'});
	const {opNumber} = cluster.replica(0);

	cluster.request(1, 1, append('k', 'x'));
	cluster.deliver({from: 'client'});
	t.deepEqual(cluster.pending({type: 'prepare'}), [], 'nothing new is prepared');
	t.is(cluster.replica(0).opNumber, opNumber);
	cluster.run();
	t.deepEqual(cluster.repliesTo(1, 1), [first, first]);
	t.deepEqual(cluster.replica(0).stateMachine.snapshot(), [['k', 'x']]);
	t.is(executionsOf(cluster, 0, 1, 1), 1);
});

test('a duplicate of a failed request gets the same error reply', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	const first = cluster.commit(1, 1, {op: 'nope'});
	t.false(first.result.ok);
	cluster.request(1, 1, {op: 'nope'});
	cluster.run();
	t.deepEqual(cluster.repliesTo(1, 1), [first, first]);
});

test('an older request gets no reply, never another request’s saved reply', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('k', 'one'));
	cluster.commit(1, 2, cas('k', 'one', 'two'));
	cluster.clearRecords();
	cluster.request(1, 1, put('k', 'one'));
	cluster.run();
	t.deepEqual(cluster.replies, []);
	t.deepEqual(cluster.replica(0).stateMachine.snapshot(), [['k', 'two']]);
	t.is(cluster.replica(0).opNumber, 2);
});

test('a retry of a request still being prepared is not prepared twice; one reply follows the commit', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.request(1, 1, append('k', 'x'));
	cluster.deliver({from: 'client'});
	cluster.request(1, 1, append('k', 'x'));
	cluster.deliver({from: 'client'});
	t.is(cluster.replica(0).opNumber, 1);
	t.is(cluster.pending({type: 'prepare'}).length, 2, 'one prepare per backup');
	cluster.run();
	t.is(cluster.repliesTo(1, 1).length, 1);
	cluster.propagateCommit();
	for (const id of [0, 1, 2]) {
		t.deepEqual(cluster.replica(id).stateMachine.snapshot(), [['k', 'x']]);
	}
});

test('requests of different clients are independent; a client’s next request number executes', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, append('k', 'a'));
	cluster.commit(2, 1, append('k', 'b'));
	cluster.commit(1, 2, append('k', 'c'));
	t.deepEqual(cluster.replica(0).stateMachine.snapshot(), [['k', 'abc']]);
	t.deepEqual(
		cluster
			.replica(2)
			.clientTable.snapshot()
			.toSorted(([a], [b]) => a - b),
		[
			[1, 2, {ok: true, value: 'ok'}],
			[2, 1, {ok: true, value: 'ok'}],
		],
	);
});

/**
Client 1's append commits in view 0 at {0, 1}, but its reply and the Commit
are lost; then primary 0 crashes and view 1 starts (led by replica 1).
*/
function committedThenPrimaryCrashed(bugs?: ReadonlySet<BugName>) {
	const cluster = new Cluster({replicaCount: 3, bugs});
	cluster.commit(9, 1, put('other', '1'));
	cluster.request(1, 1, append('k', 'x'));
	cluster.deliver({from: 'client'});
	cluster.run({type: 'prepare', to: 1});
	cluster.drop({type: 'prepare', to: 2});
	cluster.run({type: 'prepare_ok'});
	if (cluster.replica(0).commitNumber !== 2) {
		throw new Error('setup: op 2 should be committed at the primary');
	}

	cluster.queue = []; // The reply is lost.
	cluster.crash(0);
	return cluster;
}

for (const when of ['before', 'after'] as const) {
	test(`a write retried across a view change executes once (retry ${when} the new primary commits it)`, (t) => {
		const cluster = committedThenPrimaryCrashed();
		cluster.timeOut([1, 2]);
		if (when === 'before') {
			// Hold back the acks of view 1 so that the op is still uncommitted when the retry arrives.
			cluster.run((envelope) => envelope.message.type !== 'prepare_ok');
			t.true(cluster.replica(1).isPrimary);
			t.is(cluster.replica(1).commitNumber, 1);
			cluster.request(1, 1, append('k', 'x'), 1);
			cluster.deliver({from: 'client'});
			t.is(cluster.replica(1).opNumber, 2, 'the retry is not appended again');
		} else {
			cluster.run();
			t.is(cluster.replica(1).commitNumber, 2);
			cluster.request(1, 1, append('k', 'x'), 1);
		}

		cluster.run();
		cluster.propagateCommit();
		t.true(cluster.repliesTo(1, 1).length > 0);
		for (const reply of cluster.repliesTo(1, 1)) {
			t.deepEqual(reply.result, {ok: true, value: 'ok'});
			t.is(reply.view, 1);
		}

		for (const id of [1, 2]) {
			t.deepEqual(cluster.replica(id).stateMachine.snapshot(), [
				['k', 'x'],
				['other', '1'],
			]);
			t.is(executionsOf(cluster, id, 1, 1), 1, `replica ${id} executed it once`);
		}

		// The old primary comes back; it agrees.
		const restarted = cluster.restart(0);
		cluster.settle(() => restarted.status === 'normal');
		t.deepEqual(restarted.stateMachine.snapshot(), cluster.replica(1).stateMachine.snapshot());
		t.is(executionsOf(cluster, 0, 1, 1), 1);
	});
}

test('with the planted bug client-table-forgets-writes, the retried write runs twice (the test would catch it)', (t) => {
	const cluster = committedThenPrimaryCrashed(new Set(['client-table-forgets-writes']));
	cluster.timeOut([1, 2]);
	cluster.run();
	cluster.request(1, 1, append('k', 'x'), 1);
	cluster.run();
	t.deepEqual(cluster.replica(1).stateMachine.snapshot(), [
		['k', 'xx'],
		['other', '1'],
	]);
});

test('the new primary rebuilds the client table from the log it adopted: a duplicate of an op committed in the old view gets the old reply', (t) => {
	const cluster = new Cluster({replicaCount: 5});
	cluster.request(1, 1, cas('k', null, 'mine'));
	cluster.deliver({from: 'client'});
	cluster.drop({type: 'prepare', to: [1, 4]}); // The next primary never sees the op.
	cluster.run({type: 'prepare'});
	cluster.run({type: 'prepare_ok'});
	t.is(cluster.replica(0).commitNumber, 1);
	const [oldReply] = cluster.take({to: 'client'});
	t.deepEqual(oldReply?.message, {
		type: 'reply',
		view: 0,
		clientId: 1,
		requestNumber: 1,
		result: {ok: true, value: true},
	});
	cluster.tick(0);
	cluster.run({type: 'commit', to: 2});
	cluster.queue = [];
	cluster.crash(0);
	t.is(cluster.replica(1).opNumber, 0);
	t.is(cluster.replica(1).clientTable.get(1), undefined);

	cluster.timeOut([1, 2, 3, 4]);
	cluster.run();
	const primary = cluster.replica(1);
	t.true(primary.isPrimary);
	t.is(primary.opNumber, 1, 'it adopted the log with the op');
	cluster.propagateCommit();
	t.is(primary.commitNumber, 1);
	t.deepEqual(primary.clientTable.get(1), {requestNumber: 1, result: {ok: true, value: true}});

	cluster.clearRecords();
	cluster.request(1, 1, cas('k', null, 'mine'), 1);
	cluster.run();
	t.deepEqual(
		cluster.repliesTo(1, 1).map((reply) => reply.result),
		[{ok: true, value: true}],
		'not false: it did not run again',
	);
	t.is(executionsOf(cluster, 1, 1, 1), 1);
	t.is(primary.opNumber, 1);
});
