import test from 'ava';
import {events} from '../source/telemetry/catalogue.js';
import {Cluster, type Envelope, logOf, put, stateOf} from './helpers/cluster-harness.js';

const sentBy = (cluster: Cluster, id: number) => cluster.pending({from: id});

test('a restarted backup recovers the log, the commit number and the state from a quorum with the primary', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('x', '1'));
	cluster.commit(1, 2, put('y', '2'));
	const before = stateOf(cluster.replica(2));
	cluster.clearRecords();

	const replica = cluster.restart(2);
	t.is(replica.status, 'recovering');
	t.is(replica.incarnation, 1);
	t.is(replica.opNumber, 0);
	t.like(cluster.eventsOf(events.recoveryStart, 2)[0]?.metadata, {
		incarnation: 1,
		status: 'recovering',
	});
	const recoveries = cluster.pending({type: 'recovery', from: 2});
	t.deepEqual(
		recoveries.map((envelope) => envelope.to),
		[0, 1],
	);
	t.is(recoveries[0]?.incarnation, 1);

	cluster.run();
	t.deepEqual(
		stateOf(replica),
		before,
		'the same log, commit number, digest, data and client table',
	);
	t.is(cluster.eventsOf(events.recoveryResponseReceived, 2).length, 2);
	t.is(cluster.eventsOf(events.recoveryComplete, 2).length, 1);
	t.deepEqual(
		cluster.executedOps(2),
		[1, 2],
		'the recovered replica re-executed the committed ops',
	);

	cluster.commit(2, 1, put('z', '3'));
	t.is(replica.commitNumber, 3);
});

test('a restarted primary recovers as a backup of the view that replaced it', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('x', '1'));
	cluster.crash(0);
	cluster.queue = [];
	cluster.settle(() => cluster.primary?.view === 1);
	cluster.commit(1, 2, put('x', '2'));

	const replica = cluster.restart(0);
	cluster.settle(() => replica.status === 'normal');
	t.like(stateOf(replica), {view: 1, status: 'normal', opNumber: 2, commitNumber: 2});
	t.false(replica.isPrimary);
	t.deepEqual(replica.stateMachine.snapshot(), [['x', '2']]);
});

test('a primary that restarts before anyone notices: the others change view, then it recovers', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('x', '1'));
	cluster.queue = [];
	const replica = cluster.restart(0);
	// Its Recovery reaches backups that still follow view 0, led by the replica that is recovering.
	cluster.run();
	t.is(replica.status, 'recovering', 'the primary of the latest view has not answered');
	t.deepEqual(new Set(cluster.sentTypes(0, 1)), new Set(['recovery']));

	cluster.settle(() => cluster.alive.every((id) => cluster.replica(id).status === 'normal'));
	t.true(replica.view >= 1);
	t.false(replica.isPrimary);
	t.is(replica.commitNumber, 1);
	t.deepEqual(replica.stateMachine.snapshot(), [['x', '1']]);
	t.is(cluster.commit(1, 2, put('x', '2')).view, replica.view);
});

test('a replica that restarts during a view change neither votes nor answers until a quorum including the primary answered its nonce', (t) => {
	const cluster = new Cluster({replicaCount: 5});
	cluster.commit(1, 1, put('x', '1'));
	cluster.queue = [];
	// Replica 0, the primary of view 0, is cut off from now on (alive but unreachable).
	const cutOff = (envelope: Envelope) => envelope.from === 0 || envelope.to === 0;
	const recovering = cluster.restart(4);
	const recoveries = cluster.take({type: 'recovery'});
	t.is(recoveries.length, 4);

	// A view change starts: 1, 2 and 3 time out (their primary is unreachable) and hear each other's votes.
	cluster.timeOut([1, 2, 3]);
	cluster.deliver({type: 'start_view_change', to: [1, 2, 3]});
	for (const id of [1, 2, 3]) {
		t.is(cluster.replica(id).status, 'view_change');
	}

	cluster.drop(cutOff);

	// Everything the view change sends reaches 4 too: it must stay silent.
	t.true(cluster.pending({to: 4, type: 'start_view_change'}).length >= 3);
	cluster.deliver({to: 4});
	t.deepEqual(
		sentBy(cluster, 4),
		[],
		'no StartViewChange or DoViewChange from a recovering replica',
	);
	t.like(stateOf(recovering), {status: 'recovering', view: 0, opNumber: 0});

	// Its Recovery reaches the others mid-change: nobody in view_change answers it.
	cluster.inject(recoveries.filter((envelope) => envelope.to !== 0));
	cluster.deliver({type: 'recovery'});
	t.deepEqual(cluster.pending({type: 'recovery_response'}), []);

	// The view change completes among 1, 2, 3; its StartView and a Prepare of view 1 reach 4.
	cluster.run((envelope) => !cutOff(envelope) && envelope.to !== 4);
	t.true(cluster.replica(1).isPrimary);
	t.is(cluster.replica(1).view, 1);
	cluster.request(2, 1, put('y', '2'), 1);
	cluster.run((envelope) => !cutOff(envelope) && envelope.to !== 4);
	t.true(cluster.pending({to: 4, type: ['start_view', 'prepare']}).length >= 2);
	cluster.deliver({to: 4});
	t.deepEqual(sentBy(cluster, 4), [], 'no PrepareOk from a recovering replica');
	t.deepEqual(
		new Set(cluster.sentTypes(4, 1)),
		new Set(['recovery']),
		'it only ever asked to recover',
	);
	t.like(stateOf(recovering), {status: 'recovering', view: 0, opNumber: 0, commitNumber: 0});

	// Replica 0 rejoins as a backup of view 1.
	cluster.drop({to: 4});
	cluster.tick(1, 10);
	cluster.run((envelope) => envelope.to !== 4);
	t.like(stateOf(cluster.replica(0)), {view: 1, status: 'normal', opNumber: 2});
	cluster.drop({to: 4});

	// 4 asks again. Three backups answer: a quorum, but not the primary of view 1.
	cluster.tickUntil(4, () => cluster.pending({type: 'recovery', from: 4}).length > 0);
	const again = cluster.take({type: 'recovery', from: 4});
	t.is(again.length, 4);
	cluster.inject(again.filter((envelope) => envelope.to !== 1));
	cluster.run(
		(envelope) =>
			envelope.message.type === 'recovery' || envelope.message.type === 'recovery_response',
	);
	t.is(cluster.eventsOf(events.recoveryResponseReceived, 4).length, 3);
	t.is(recovering.status, 'recovering', 'a quorum of backups is not enough');
	t.deepEqual(new Set(cluster.sentTypes(4, 1)), new Set(['recovery']));

	// The primary answers: 4 recovers into view 1 with the primary's log.
	cluster.inject(again.filter((envelope) => envelope.to === 1));
	cluster.run({type: ['recovery', 'recovery_response']});
	t.like(stateOf(recovering), {status: 'normal', view: 1, opNumber: 2});
	t.deepEqual(logOf(recovering), logOf(cluster.replica(1)));
	t.is(cluster.eventsOf(events.recoveryComplete, 4).length, 1);

	cluster.run();
	cluster.propagateCommit();
	for (const id of cluster.ids()) {
		t.like(
			stateOf(cluster.replica(id)),
			{view: 1, status: 'normal', commitNumber: 2},
			`replica ${id}`,
		);
	}
});

test('a response to an earlier life’s nonce does not count', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('x', '1'));
	cluster.restart(2);
	cluster.deliver({type: 'recovery'});
	const oldResponses = cluster.take({type: 'recovery_response'});
	t.is(oldResponses.length, 2);

	// Replica 2 crashes again before the answers arrive, and starts a third life.
	const replica = cluster.restart(2);
	cluster.queue = cluster.queue.filter((envelope) => envelope.message.type !== 'recovery');
	cluster.inject(oldResponses);
	cluster.run();
	t.is(replica.status, 'recovering', 'answers to another nonce are ignored');
	t.is(cluster.eventsOf(events.recoveryResponseReceived, 2).length, 0);

	cluster.settle(() => replica.status === 'normal');
	t.is(replica.incarnation, 2);
	t.is(replica.commitNumber, 1);
});

test('a recovering replica answers neither Recovery nor GetState', (t) => {
	const cluster = new Cluster({replicaCount: 5});
	cluster.commit(1, 1, put('x', '1'));
	cluster.queue = [];
	cluster.restart(3);
	cluster.restart(4);
	cluster.drop({to: [0, 1, 2]});
	t.is(cluster.deliver({type: 'recovery'}), 2);
	t.deepEqual(cluster.pending(), []);
	t.deepEqual(
		cluster.forge(3, {type: 'get_state', view: 0, op: 0, nonce: 7, from: 1, incarnation: 0}),
		[],
	);
});

test('a PrepareOk from a replica’s earlier life does not count towards a quorum', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('x', '1'));
	cluster.request(1, 2, put('x', '2'));
	cluster.deliver({from: 'client'});
	cluster.deliver({type: 'prepare', to: 2});
	cluster.drop({type: 'prepare', to: 1});
	const [oldAck] = cluster.take({type: 'prepare_ok', from: 2});
	t.like(oldAck?.message, {type: 'prepare_ok', op: 2, incarnation: 0});

	// Replica 2 restarts (losing op 2); the primary hears of its new life first.
	cluster.restart(2);
	cluster.deliver({type: 'recovery', to: 0});
	cluster.deliverEnvelope(oldAck!);
	t.is(cluster.replica(0).commitNumber, 1, 'op 2 is held by the primary alone: not committed');
	t.deepEqual(cluster.pending({to: 'client'}), []);
});

test('with the planted bug recovery-answers-early, a single answer ends recovery (the test would catch it)', (t) => {
	const cluster = new Cluster({replicaCount: 5, bugs: new Set(['recovery-answers-early'])});
	cluster.commit(1, 1, put('x', '1'));
	cluster.queue = [];
	const replica = cluster.restart(4);
	cluster.deliver({type: 'recovery', to: 2});
	cluster.deliver({type: 'recovery_response'});
	t.is(replica.status, 'normal');
	t.is(replica.commitNumber, 0, 'it lost the committed op');
});
