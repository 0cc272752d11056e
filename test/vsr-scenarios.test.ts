import test from 'ava';
import {events} from '../source/telemetry/catalogue.js';
import {InvariantViolation} from '../source/vsr/assert.js';
import type {LogEntry, ReplicaMessage} from '../source/vsr/messages.js';
import {
	Cluster,
	among,
	append,
	type Envelope,
	logOf,
	outside,
	put,
	stateOf,
} from './helpers/cluster-harness.js';

const executionsOf = (cluster: Cluster, id: number, clientId: number, requestNumber: number) =>
	(cluster.executions[id] ?? []).filter(
		({entry}) => entry.clientId === clientId && entry.requestNumber === requestNumber,
	).length;

// --- An op prepared by fewer than a quorum -----------------------------------

for (const outcome of ['survives', 'is dropped'] as const) {
	test(`an op prepared by fewer than a quorum before the primary crashes ${outcome}; every replica ends with the same log and a retry executes once`, (t) => {
		const cluster = new Cluster({replicaCount: 5});
		cluster.commit(9, 1, put('other', '1'));
		cluster.clearRecords();

		// Op 2 reaches replica 2 only: held by {0, 2}, two of five.
		cluster.request(1, 1, append('k', 'x'));
		cluster.deliver({from: 'client'});
		cluster.deliver({type: 'prepare', to: 2});
		cluster.queue = [];
		t.is(cluster.replica(0).commitNumber, 1);
		t.is(cluster.replica(2).opNumber, 2);
		cluster.crash(0);

		// View 1 (led by 1) is formed with replica 2's vote or without it.
		const voters = outcome === 'survives' ? [1, 2, 3] : [1, 3, 4];
		cluster.timeOut(voters);
		cluster.run(among(...voters));
		cluster.drop(outside(...voters));
		const primary = cluster.replica(1);
		t.true(primary.isPrimary);
		t.is(primary.opNumber, outcome === 'survives' ? 2 : 1);

		// The network heals; the client retries; the old primary comes back.
		cluster.settle(() => cluster.alive.every((id) => cluster.replica(id).status === 'normal'));
		cluster.request(1, 1, append('k', 'x'), 1);
		cluster.run();
		cluster.request(1, 1, append('k', 'x'), 1); // Once more, after the commit.
		cluster.run();
		cluster.restart(0);
		cluster.settle(() => cluster.replica(0).status === 'normal');
		cluster.propagateCommit();

		const logs = cluster.ids().map((id) => logOf(cluster.replica(id)));
		for (const id of cluster.ids()) {
			t.deepEqual(logs[id], logs[1], `replica ${id} has the primary's log`);
			t.is(cluster.replica(id).commitNumber, 2);
			t.deepEqual(cluster.replica(id).stateMachine.snapshot(), [
				['k', 'x'],
				['other', '1'],
			]);
			t.is(executionsOf(cluster, id, 1, 1), 1, `replica ${id} executed the write once`);
		}

		t.deepEqual(
			logs[1]?.[1],
			[2, outcome === 'survives' ? 0 : 1, 1, 1],
			'op 2 is the write, from view 0 or re-prepared in view 1',
		);
		const replies = cluster.repliesTo(1, 1);
		t.true(replies.length > 0);
		t.true(replies.every((reply) => reply.result.ok && reply.result.value === 'ok'));
		const conflicts = cluster
			.eventsOf(events.logConflict)
			.map(({metadata}) => [metadata.node_id, metadata.from_op, metadata.to_op, metadata.count]);
		t.deepEqual(
			conflicts,
			outcome === 'survives' ? [] : [[2, 2, 2, 1]],
			'replica 2 drops the op when view 1 did not keep it',
		);
	});
}

// --- Messages that must change nothing ---------------------------------------

/** Three replicas, two committed ops, and a third op prepared and acked by replica 1 only. */
function busyCluster() {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('a', '1'));
	cluster.commit(1, 2, put('b', '2'));
	cluster.request(1, 3, put('c', '3'));
	cluster.deliver({from: 'client'});
	return cluster;
}

test('a duplicate Prepare leaves the backup unchanged (it acks again)', (t) => {
	const cluster = busyCluster();
	const [prepare] = cluster.take({type: 'prepare', to: 1});
	cluster.deliverEnvelope(prepare!);
	const before = stateOf(cluster.replica(1));
	cluster.clearRecords();
	const sent = cluster.deliverEnvelope(prepare!);
	t.deepEqual(stateOf(cluster.replica(1)), before);
	t.is(cluster.eventsOf(events.logAppend).length, 0);
	t.deepEqual(
		sent.map((envelope) => envelope.message),
		[{type: 'prepare_ok', view: 0, op: 3, from: 1, incarnation: 0}],
	);
	// An older duplicate, after the next op arrived, changes nothing either.
	const old = cluster.replica(0).log.get(3);
	cluster.forge(1, {
		type: 'prepare',
		view: 0,
		op: 3,
		commit: 2,
		entry: old,
		from: 0,
		incarnation: 0,
	});
	t.deepEqual(stateOf(cluster.replica(1)), before);
});

test('a reordered (older) PrepareOk leaves the primary unchanged', (t) => {
	const cluster = busyCluster();
	cluster.request(2, 1, put('d', '4'));
	cluster.deliver({from: 'client'});
	cluster.deliver({type: 'prepare', to: 1});
	const acks = cluster.take({type: 'prepare_ok', from: 1});
	t.deepEqual(
		acks.map((envelope) => envelope.message.type === 'prepare_ok' && envelope.message.op),
		[3, 4],
	);
	cluster.deliverEnvelope(acks[1]!);
	const primary = cluster.replica(0);
	t.is(primary.commitNumber, 4);
	const before = stateOf(primary);
	const replies = cluster.pending({to: 'client'}).length;
	cluster.deliverEnvelope(acks[0]!);
	t.deepEqual(stateOf(primary), before);
	t.is(cluster.pending({to: 'client'}).length, replies, 'no second reply');
});

test('a stale Commit leaves a backup unchanged', (t) => {
	const cluster = busyCluster();
	cluster.run();
	cluster.propagateCommit();
	const backup = cluster.replica(2);
	t.is(backup.commitNumber, 3);
	const before = stateOf(backup);
	t.deepEqual(cluster.forge(2, {type: 'commit', view: 0, commit: 1, from: 0, incarnation: 0}), []);
	t.deepEqual(stateOf(backup), before);
});

test('messages from an older view leave every replica unchanged', (t) => {
	const cluster = busyCluster();
	cluster.queue = [];
	cluster.crash(0);
	cluster.settle(() => cluster.primary?.view === 1);
	cluster.run();
	cluster.propagateCommit();
	const entry: LogEntry = {
		op: 3,
		view: 0,
		clientId: 8,
		requestNumber: 1,
		operation: put('z', 'old'),
	};
	const slice = {base: 0, checkpoint: undefined, entries: [entry]};
	const old: ReplicaMessage[] = [
		{type: 'prepare', view: 0, op: 3, commit: 3, entry, from: 0, incarnation: 0},
		{type: 'commit', view: 0, commit: 3, from: 0, incarnation: 0},
		{
			type: 'start_view',
			view: 0,
			log: slice,
			opNumber: 3,
			commitNumber: 3,
			from: 0,
			incarnation: 0,
		},
		{type: 'prepare_ok', view: 0, op: 3, from: 2, incarnation: 0},
		{type: 'start_view_change', view: 0, from: 2, incarnation: 0},
		{
			type: 'do_view_change',
			view: 0,
			log: slice,
			lastNormalView: 0,
			opNumber: 3,
			commitNumber: 3,
			from: 2,
			incarnation: 0,
		},
		{type: 'get_state', view: 0, op: 0, nonce: 1, from: 2, incarnation: 0},
	];
	for (const id of [1, 2]) {
		const before = stateOf(cluster.replica(id));
		for (const message of old) {
			if (message.from === id) {
				continue;
			}

			const sent = cluster.forge(id, message);
			t.deepEqual(sent, [], `replica ${id} answers nothing to ${message.type}`);
			t.deepEqual(stateOf(cluster.replica(id)), before, `replica ${id} after ${message.type}`);
		}
	}
});

test('a DoViewChange from an earlier life of its sender does not count towards the view change', (t) => {
	const cluster = new Cluster({replicaCount: 5});
	cluster.commit(1, 1, put('a', '1'));
	cluster.queue = [];
	cluster.crash(0);
	cluster.timeOut([1, 2, 3, 4]);
	cluster.run({type: 'start_view_change'});
	const votes = cluster.take({type: 'do_view_change', to: 1});
	t.deepEqual(
		votes.map((envelope) => Number(envelope.from)).toSorted((a, b) => a - b),
		[2, 3, 4],
	);
	cluster.queue = [];

	// Replica 2 restarts; its Recovery tells replica 1 about its new life.
	cluster.restart(2);
	cluster.deliver({type: 'recovery', to: 1});
	const byFrom = (from: number) => votes.find((envelope) => envelope.from === from)!;
	cluster.deliverEnvelope(byFrom(2));
	cluster.deliverEnvelope(byFrom(3));
	t.is(cluster.replica(1).status, 'view_change', 'the vote of 2’s earlier life is not counted');
	cluster.deliverEnvelope(byFrom(4));
	t.true(cluster.replica(1).isPrimary);
});

test('a message that claims to come from a view’s primary but does not is ignored', (t) => {
	const cluster = busyCluster();
	const backup = cluster.replica(2);
	const before = stateOf(backup);
	const entry: LogEntry = {
		op: 3,
		view: 0,
		clientId: 8,
		requestNumber: 1,
		operation: put('z', 'forged'),
	};
	cluster.forge(2, {type: 'prepare', view: 0, op: 3, commit: 2, entry, from: 1, incarnation: 0});
	cluster.forge(2, {type: 'commit', view: 0, commit: 3, from: 1, incarnation: 0});
	t.deepEqual(stateOf(backup), before);
});

// --- The replica's own invariants --------------------------------------------

test('a forged StartView from the right primary whose log disagrees with committed ops makes the replica throw InvariantViolation', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('a', '1'));
	cluster.commit(1, 2, put('b', '2'));
	const forgedEntries: LogEntry[] = [
		{op: 1, view: 0, clientId: 66, requestNumber: 1, operation: put('a', 'forged')},
		{op: 2, view: 0, clientId: 66, requestNumber: 2, operation: put('b', 'forged')},
	];
	const forged = {
		type: 'start_view',
		view: 2,
		log: {base: 0, checkpoint: undefined, entries: forgedEntries},
		opNumber: 2,
		commitNumber: 2,
		from: 2, // The primary of view 2: the message passes the sender check.
		incarnation: 0,
	} as const;
	t.throws(() => cluster.forge(1, forged), {
		instanceOf: InvariantViolation,
		message: /disagrees on op 1/v,
	});
});

test('a forged StartView whose log ends before the replica’s committed ops makes it throw', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('a', '1'));
	cluster.commit(1, 2, put('b', '2'));
	const entries = cluster.replica(1).log.after(0).slice(0, 1);
	t.throws(
		() =>
			cluster.forge(1, {
				type: 'start_view',
				view: 2,
				log: {base: 0, checkpoint: undefined, entries},
				opNumber: 1,
				commitNumber: 1,
				from: 2,
				incarnation: 0,
			}),
		{instanceOf: InvariantViolation, message: /before committed op 2/v},
	);
});

test('a PrepareOk for an op the primary never prepared makes the primary throw', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('a', '1'));
	t.throws(() => cluster.forge(0, {type: 'prepare_ok', view: 0, op: 7, from: 1, incarnation: 0}), {
		instanceOf: InvariantViolation,
		message: /acked op 7 beyond/v,
	});
});

test('a DoViewChange quorum whose best log lacks a committed op makes the new primary throw', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('a', '1'));
	cluster.queue = [];
	cluster.crash(0);
	cluster.timeOut([1]);
	cluster.queue = [];
	cluster.forge(1, {type: 'start_view_change', view: 1, from: 2, incarnation: 0});
	t.is(cluster.replica(1).status, 'view_change', 'two of three ask for view 1');
	t.throws(
		() =>
			cluster.forge(1, {
				type: 'do_view_change',
				view: 1,
				log: {base: 0, checkpoint: undefined, entries: cluster.replica(1).log.after(0)},
				lastNormalView: 0,
				opNumber: 1,
				commitNumber: 5,
				from: 2,
				incarnation: 0,
			}),
		{instanceOf: InvariantViolation, message: /lacks committed op 5/v},
	);
});
