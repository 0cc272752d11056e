import test from 'ava';
import {events} from '../source/telemetry/catalogue.js';
import {Cluster, append, get, logOf, put} from './helpers/cluster-harness.js';

const quorumOf = (n: number) => Math.floor(n / 2) + 1;

for (const n of [1, 2, 3, 5]) {
	test(`a cluster of ${n} commits a request once a quorum (${quorumOf(n)} of ${n}) holds it, then replies`, (t) => {
		const cluster = new Cluster({replicaCount: n});
		const primary = cluster.replica(0);
		t.true(primary.isPrimary, 'view 0 is led by replica 0');
		t.is(cluster.ids().filter((id) => cluster.replica(id).isPrimary).length, 1);

		cluster.request(1, 1, put('x', 'a'));
		cluster.deliver({to: 0});
		t.is(primary.opNumber, 1);
		const prepares = cluster.pending({type: 'prepare'});
		t.deepEqual(
			prepares.map((envelope) => envelope.to),
			cluster.ids().filter((id) => id !== 0),
			'the primary prepares to every backup',
		);

		// Each backup appends and acks; the primary commits on the (quorum - 1)-th ack.
		cluster.deliver({type: 'prepare'});
		const acks = cluster.take({type: 'prepare_ok'});
		t.is(acks.length, n - 1);
		for (let i = 0; i <= acks.length; i++) {
			const committed = i + 1 >= quorumOf(n);
			t.is(primary.commitNumber, committed ? 1 : 0, `${i} acks of ${n - 1}`);
			t.is(
				cluster.pending({to: 'client'}).length,
				committed ? 1 : 0,
				'the reply is sent on commit',
			);
			if (i < acks.length) {
				cluster.inject([acks[i]!]);
				cluster.deliver({type: 'prepare_ok'});
			}
		}

		cluster.run({to: 'client'});
		t.deepEqual(cluster.repliesTo(1, 1), [
			{type: 'reply', view: 0, clientId: 1, requestNumber: 1, result: {ok: true, value: 'ok'}},
		]);

		// Backups learn the commit from the primary and execute.
		cluster.propagateCommit();
		for (const id of cluster.ids()) {
			const replica = cluster.replica(id);
			t.is(replica.commitNumber, 1, `replica ${id}`);
			t.deepEqual(logOf(replica), [[1, 0, 1, 1]]);
			t.deepEqual(replica.stateMachine.snapshot(), [['x', 'a']]);
		}

		t.is(cluster.replies.length, 1, 'only the primary replies');
	});
}

test('a cluster of 1 commits at once, with no message to anyone', (t) => {
	const cluster = new Cluster({replicaCount: 1});
	cluster.request(1, 1, put('k', 'v'));
	cluster.deliver();
	t.is(cluster.replica(0).commitNumber, 1);
	t.deepEqual(cluster.pending({to: 0}), []);
	t.is(cluster.repliesTo(1).length, 0, 'the reply is queued, not yet delivered');
	cluster.run();
	t.deepEqual(cluster.repliesTo(1, 1)[0]?.result, {ok: true, value: 'ok'});
});

test('pipelining: several requests are in flight at once and commit in op order', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	const primary = cluster.replica(0);
	for (let client = 1; client <= 4; client++) {
		cluster.request(client, 1, append('log', String(client)));
	}

	cluster.deliver({from: 'client'});
	t.is(primary.opNumber, 4, 'four ops prepared before any ack');
	t.is(primary.commitNumber, 0);
	t.is(cluster.pending({type: 'prepare'}).length, 8);

	// Backup 1 gets everything; its acks come back newest first (a reordering).
	cluster.deliver({type: 'prepare', to: 1});
	const acks = cluster.take({type: 'prepare_ok', from: 1});
	t.deepEqual(
		acks.map((envelope) => (envelope.message.type === 'prepare_ok' ? envelope.message.op : -1)),
		[1, 2, 3, 4],
		'one cumulative ack per prepare',
	);
	cluster.inject([acks[3]!]);
	cluster.deliver({type: 'prepare_ok'});
	t.is(primary.commitNumber, 4, 'a cumulative ack commits every op up to it');
	cluster.inject(acks.slice(0, 3).toReversed());
	cluster.deliver({type: 'prepare_ok'});
	t.is(primary.commitNumber, 4);

	cluster.run({to: 'client'});
	t.deepEqual(
		cluster.replies.map((reply) => reply.clientId),
		[1, 2, 3, 4],
		'replies in op order',
	);
	t.deepEqual(
		cluster.eventsOf(events.quorumReached, 0).map((event) => event.metadata.op),
		[1, 2, 3, 4],
	);
	cluster.run();
	cluster.propagateCommit();
	for (const id of [0, 1, 2]) {
		t.deepEqual(cluster.replica(id).stateMachine.snapshot(), [['log', '1234']], `replica ${id}`);
	}
});

test('backups execute in order, up to the commit number and no further', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	const backup = cluster.replica(2);
	for (let client = 1; client <= 3; client++) {
		cluster.request(client, 1, put(`k${client}`, 'v'));
	}

	cluster.deliver({from: 'client'});
	cluster.deliver({type: 'prepare', to: 2});
	t.is(backup.opNumber, 3);
	t.is(backup.commitNumber, 0, 'a prepare alone executes nothing');
	cluster.drop({type: 'prepare_ok', from: 2});

	// The primary commits 1..2 with replica 1's acks to op 2.
	cluster.run({type: 'prepare', to: 1, op: 1});
	cluster.run({type: 'prepare', to: 1, op: 2});
	cluster.run({type: 'prepare_ok'});
	t.is(cluster.replica(0).commitNumber, 2);
	cluster.clearRecords();
	cluster.tick(0);
	cluster.run({type: 'commit', to: 2});
	t.is(backup.commitNumber, 2);
	// A Commit that moves the commit number is protocol, not a heartbeat.
	t.like(cluster.eventsOf(events.commitSent, 0)[0]?.metadata, {commit: 2});
	t.like(cluster.eventsOf(events.commitReceived, 2)[0]?.metadata, {commit: 2});
	t.is(cluster.eventsOf(events.heartbeatSent).length, 0);
	t.is(cluster.eventsOf(events.heartbeatReceived).length, 0);
	t.deepEqual(cluster.executedOps(2), [1, 2], 'executed in op order, op 3 left pending');
	t.deepEqual(backup.stateMachine.snapshot(), [
		['k1', 'v'],
		['k2', 'v'],
	]);

	cluster.run();
	cluster.propagateCommit();
	t.is(backup.commitNumber, 3);
	t.deepEqual(cluster.executedOps(2), [1, 2, 3]);
});

test('a backup that hears a commit beyond its log executes only what it holds', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.request(1, 1, put('a', '1'));
	cluster.request(2, 1, put('b', '2'));
	cluster.deliver({from: 'client'});
	cluster.run({type: 'prepare', to: 1});
	cluster.run({type: 'prepare_ok'});
	cluster.run({type: 'prepare', to: 2, op: 1});
	cluster.drop({type: 'prepare', to: 2});
	cluster.drop({type: 'prepare_ok'});
	cluster.tick(0);
	cluster.run({type: 'commit', to: 2});
	const backup = cluster.replica(2);
	t.is(backup.opNumber, 1);
	t.is(backup.commitNumber, 1);
	t.is(cluster.replica(0).commitNumber, 2);
});

test('an idle primary sends Commit as a heartbeat, and backups keep following it', (t) => {
	const cluster = new Cluster({replicaCount: 3, timeouts: {heartbeat: 10}});
	cluster.commit(1, 1, put('x', '1'));
	cluster.clearRecords();
	cluster.queue = [];

	cluster.tick(0, 9);
	t.deepEqual(cluster.pending(), [], 'nothing to say before the heartbeat interval');
	cluster.tick(0);
	const heartbeats = cluster.pending({type: 'commit', from: 0});
	t.deepEqual(
		heartbeats.map((envelope) => envelope.to),
		[1, 2],
	);
	t.like(heartbeats[0]?.message, {type: 'commit', view: 0, commit: 1});
	// A Commit with nothing new is a heartbeat: a timer event, not a protocol one.
	t.is(cluster.eventsOf(events.heartbeatSent, 0).length, 1);
	t.is(cluster.eventsOf(events.commitSent, 0).length, 0);
	cluster.run({type: 'commit'});
	t.is(cluster.eventsOf(events.heartbeatReceived).length, 2);
	t.is(cluster.eventsOf(events.commitReceived).length, 0);
	// The backups answer (the primary's quorum check hears them), as part of the heartbeat: the
	// answers ack nothing new, so they are not protocol events either.
	t.deepEqual(
		cluster.pending({type: 'prepare_ok'}).map((envelope) => envelope.from),
		[1, 2],
	);
	cluster.run();
	t.is(cluster.eventsOf(events.prepareOkSent).length, 0);
	t.is(cluster.eventsOf(events.prepareOkReceived).length, 0);

	// Far beyond the primary timeout, heartbeats keep the view.
	for (let round = 0; round < 600; round++) {
		cluster.tick();
		cluster.run();
	}

	for (const id of [0, 1, 2]) {
		t.is(cluster.replica(id).view, 0, `replica ${id}`);
		t.is(cluster.replica(id).status, 'normal');
	}

	t.is(cluster.eventsOf(events.primaryTimeout).length, 0);
	t.true(cluster.eventsOf(events.heartbeatSent).length >= 59);
});

test('a primary resends prepares that were lost, and the op commits', (t) => {
	const cluster = new Cluster({replicaCount: 3, timeouts: {prepareResend: 20}});
	cluster.request(1, 1, put('x', '1'));
	cluster.deliver({from: 'client'});
	t.is(cluster.drop({type: 'prepare'}), 2);
	cluster.settle(() => cluster.repliesTo(1, 1).length > 0, {limit: 100});
	t.is(cluster.replica(0).commitNumber, 1);
	t.deepEqual(cluster.repliesTo(1, 1)[0]?.result, {ok: true, value: 'ok'});
});

test('gets are ordered like writes: a read sees every write committed before it', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('x', 'first'));
	cluster.commit(1, 2, put('x', 'second'));
	t.deepEqual(cluster.commit(2, 1, get('x')).result, {ok: true, value: 'second'});
	t.deepEqual(cluster.commit(2, 2, get('missing')).result, {ok: true, value: null});
});
