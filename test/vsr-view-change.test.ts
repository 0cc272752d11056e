import test from 'ava';
import {events} from '../source/telemetry/catalogue.js';
import {InvariantViolation} from '../source/vsr/assert.js';
import type {BugName} from '../source/vsr/bugs.js';
import {
	Cluster,
	type Envelope,
	type Selector,
	among,
	everything,
	get,
	logOf,
	matches,
	put,
	staleSuffix,
	stateOf,
} from './helpers/cluster-harness.js';

test('a crashed primary is replaced: view 1 is led by replica 1 and keeps every committed op', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('x', '1'));
	cluster.commit(1, 2, put('y', '2'));
	cluster.crash(0);
	cluster.queue = [];
	cluster.clearRecords();

	// Each backup times out and asks for view 1; neither moves on alone.
	cluster.timeOut([1, 2]);
	for (const id of [1, 2]) {
		t.like(cluster.eventsOf(events.primaryTimeout, id)[0]?.metadata, {primary: 0, view_number: 0});
		t.like(stateOf(cluster.replica(id)), {view: 0, status: 'normal'}, `replica ${id}`);
	}

	t.deepEqual(
		cluster
			.pending({type: 'start_view_change', from: 1})
			.slice(0, 2)
			.map((envelope) => [
				envelope.to,
				envelope.message.type === 'start_view_change' && envelope.message.view,
			]),
		[
			[0, 1],
			[2, 1],
		],
	);
	t.is(cluster.eventsOf(events.viewChangeStart).length, 0);

	// Each hears the other's vote: a quorum asks for view 1.
	cluster.run();
	t.like(cluster.eventsOf(events.viewChangeStart, 1)[0]?.metadata, {new_view: 1});
	for (const id of [1, 2]) {
		const replica = cluster.replica(id);
		t.is(replica.view, 1, `replica ${id}`);
		t.is(replica.status, 'normal');
		t.is(replica.lastNormalView, 1);
		t.is(replica.commitNumber, 2);
		t.deepEqual(logOf(replica), [
			[1, 0, 1, 1],
			[2, 0, 1, 2],
		]);
	}

	t.true(cluster.replica(1).isPrimary, 'primary = view mod n');
	t.false(cluster.replica(2).isPrimary);
	t.is(cluster.eventsOf(events.voteReceived, 1).length, 1);
	t.like(cluster.eventsOf(events.doViewChangeSent, 2)[0]?.metadata, {to: 1});
	t.like(cluster.eventsOf(events.doViewChangeReceived, 1)[0]?.metadata, {from: 2});
	t.is(
		cluster.eventsOf(events.viewChangeComplete).length,
		2,
		'both replicas complete the view change',
	);
	t.like(cluster.eventsOf(events.roleChange, 1)[0]?.metadata, {from: 'backup', to: 'primary'});

	t.is(cluster.commit(2, 1, put('z', '3')).view, 1);
	t.deepEqual(cluster.replica(2).stateMachine.snapshot(), [
		['x', '1'],
		['y', '2'],
		['z', '3'],
	]);
});

test('the primary rotates with the view: view v is led by replica v mod n', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	let requestNumber = 0;
	for (let view = 1; view <= 4; view++) {
		const old = cluster.primary!;
		cluster.commit(1, ++requestNumber, put('k', String(view)));
		cluster.crash(old.id);
		cluster.queue = [];
		cluster.settle(() => cluster.primary?.view === view);
		t.is(cluster.primary?.id, view % 3, `view ${view}`);
		cluster.restart(old.id);
		cluster.settle(() => cluster.replicas.every((replica) => replica?.status === 'normal'));
		for (const id of cluster.ids()) {
			t.is(cluster.replica(id).view, view);
			t.is(cluster.replica(id).commitNumber, requestNumber, `replica ${id} in view ${view}`);
		}
	}
});

function staleSuffixCluster(stale: 2 | 4, bugs?: ReadonlySet<BugName>) {
	const cluster = staleSuffix({stale, bugs});
	cluster.crash(1);
	return cluster;
}

for (const stale of [2, 4] as const) {
	test(`log selection: the latest normal view wins over the longest log (stale replica ${stale}${stale === 2 ? ', the new primary' : ''})`, (t) => {
		const cluster = staleSuffixCluster(stale);
		t.like(stateOf(cluster.replica(stale)), {
			view: 0,
			lastNormalView: 0,
			opNumber: 3,
			commitNumber: 1,
		});
		const fresh = stale === 2 ? 3 : 2;
		t.like(stateOf(cluster.replica(fresh)), {
			view: 1,
			lastNormalView: 1,
			opNumber: 2,
			commitNumber: 2,
		});
		cluster.clearRecords();

		// Replicas 2, 3 and 4 time out on the crashed primaries and agree on view 2.
		cluster.settle(
			() =>
				[2, 3, 4].every(
					(id) =>
						stateOf(cluster.replica(id)).view === 2 && cluster.replica(id).status === 'normal',
				),
			{
				selector: among(2, 3, 4),
			},
		);
		const primary = cluster.replica(2);
		t.true(primary.isPrimary);
		t.is(primary.view, 2);

		const expectedLog = [
			[1, 0, 1, 1],
			[2, 1, 4, 1],
		];
		for (const id of [2, 3, 4]) {
			const replica = cluster.replica(id);
			t.is(replica.view, 2, `replica ${id}`);
			t.is(replica.status, 'normal');
			t.deepEqual(logOf(replica), expectedLog, `replica ${id} holds the log of view 1`);
			t.is(replica.commitNumber, 2, 'the op committed in view 1 is not lost');
			t.deepEqual(replica.stateMachine.snapshot(), [
				['x', '1'],
				['y', 'fresh'],
			]);
		}

		const conflicts = cluster.eventsOf(events.logConflict);
		t.is(conflicts.length, 1, 'only the stale replica replaces a suffix');
		t.like(conflicts[0]?.metadata, {node_id: stale, from_op: 2, to_op: 3, count: 2});

		// The stale ops were never executed anywhere, and the cluster goes on.
		t.false(
			cluster
				.ids()
				.some((id) => cluster.executions[id]!.some((execution) => execution.entry.clientId === 2)),
		);
		cluster.propagateCommit();
		t.is(cluster.commit(5, 1, put('w', '1')).view, 2);
	});
}

test('log selection: with the planted bug ignore-last-normal-view the stale log is chosen and the new primary fails its own check', (t) => {
	const cluster = staleSuffixCluster(4, new Set(['ignore-last-normal-view']));
	t.throws(
		() => {
			cluster.settle(() => cluster.replica(2).isPrimary, {selector: among(2, 3, 4)});
		},
		{instanceOf: InvariantViolation, message: /disagrees on op 2/v},
	);
});

test('a backup in view_change ignores a Prepare and a Commit of the old view', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('x', '1'));
	cluster.request(1, 2, put('x', '2'));
	cluster.deliver({from: 'client'});
	const [late] = cluster.take({type: 'prepare', to: 1});
	cluster.queue = [];

	cluster.timeOut([1, 2]);
	cluster.deliver({type: 'start_view_change', to: 1});
	cluster.queue = [];
	const before = stateOf(cluster.replica(1));
	t.like(before, {view: 1, status: 'view_change', opNumber: 1, commitNumber: 1});
	cluster.clearRecords();

	t.deepEqual(cluster.deliverEnvelope(late!), [], 'no PrepareOk, no GetState');
	t.deepEqual(cluster.forge(1, {type: 'commit', view: 0, commit: 2, from: 0, incarnation: 0}), []);
	t.deepEqual(stateOf(cluster.replica(1)), before);
	t.is(cluster.eventsOf(events.logAppend).length, 0);
	t.is(cluster.eventsOf(events.prepareOkSent).length, 0);
});

test('two view changes back to back: the would-be primary of view 1 is down, the cluster settles in view 2', (t) => {
	const cluster = new Cluster({replicaCount: 5});
	cluster.commit(1, 1, put('x', '1'));
	cluster.crash(0);
	cluster.crash(1);
	cluster.queue = [];
	cluster.clearRecords();

	cluster.settle(() => cluster.primary !== undefined, {limit: 1000});
	const primary = cluster.primary!;
	t.is(primary.id, 2);
	t.is(primary.view, 2);
	t.deepEqual(
		[...new Set(cluster.eventsOf(events.viewChangeStart).map((event) => event.metadata.new_view))],
		[1, 2],
		'view 1 was tried and abandoned',
	);
	cluster.settle(() => [2, 3, 4].every((id) => cluster.replica(id).status === 'normal'));
	for (const id of [2, 3, 4]) {
		t.like(
			stateOf(cluster.replica(id)),
			{view: 2, status: 'normal', commitNumber: 1},
			`replica ${id}`,
		);
	}

	t.is(cluster.commit(2, 1, put('y', '2')).view, 2);
	t.is(cluster.replica(4).commitNumber, 2);
});

test('two view changes back to back: the would-be primary of view 1 is recovering, so view 2 takes over and it recovers into it', (t) => {
	const cluster = new Cluster({replicaCount: 5});
	cluster.commit(1, 1, put('x', '1'));
	cluster.crash(0);
	cluster.queue = [];
	const recovering = cluster.restart(1);
	cluster.settle(() => cluster.alive.every((id) => cluster.replica(id).status === 'normal'), {
		limit: 1000,
	});
	t.is(cluster.primary?.id, 2);
	t.is(cluster.primary?.view, 2);
	t.like(stateOf(recovering), {view: 2, status: 'normal', commitNumber: 1});
	t.false(
		cluster.sentTypes(1, 1).some((type) => ['start_view_change', 'do_view_change'].includes(type)),
	);
});

test('a deposed primary ends its pending requests with client_request.exception and drops its uncommitted suffix', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('x', '1'));
	cluster.request(2, 1, put('y', 'lost'));
	cluster.deliver({from: 'client'});
	cluster.queue = []; // Replica 0 is cut off: its prepares never arrive.
	cluster.clearRecords();

	cluster.timeOut([1, 2]);
	cluster.run(among(1, 2));
	t.true(cluster.replica(1).isPrimary);
	cluster.drop({to: 0});
	t.true(cluster.replica(0).isPrimary, 'replica 0 still thinks it leads view 0');

	// The network heals: the new primary's heartbeat reaches the old one, which fetches the new state.
	cluster.settle(() => cluster.replica(0).view === 1 && cluster.replica(0).status === 'normal');
	const old = cluster.replica(0);
	t.false(old.isPrimary);
	t.deepEqual(logOf(old), [[1, 0, 1, 1]]);

	const exceptions = cluster.eventsOf(events.clientRequestException, 0);
	t.is(exceptions.length, 1);
	t.like(exceptions[0]?.metadata, {client_id: 2, request_number: 1, reason: 'lost primacy'});
	t.like(cluster.eventsOf(events.logConflict, 0)[0]?.metadata, {from_op: 2, to_op: 2, count: 1});
	t.like(cluster.eventsOf(events.roleChange, 0)[0]?.metadata, {from: 'primary', to: 'backup'});
	t.is(cluster.repliesTo(2).length, 0, 'the lost request got no reply');
});

/**
Round after round: the listed replicas tick, and the messages among them that `keep`
selects are delivered; everything else is lost. Until `until` holds.
*/
function drive(
	cluster: Cluster,
	ids: readonly number[],
	until: () => boolean,
	keep: Selector = everything,
): void {
	const delivered = (envelope: Envelope) =>
		matches(among(...ids), envelope) && matches(keep, envelope);
	for (let round = 0; round < 5000; round++) {
		cluster.run(delivered);
		cluster.drop((envelope) => !delivered(envelope));
		if (until()) {
			return;
		}

		cluster.tick(ids);
	}

	throw new Error(`replicas ${ids.join(', ')} did not get there within 5000 rounds`);
}

/**
Five replicas; views 0 and 5 share primary 0. In view 0, replica 1 acks ops 1 and 2 and
that PrepareOk is held in the network. Views 1 to 4 pass without 0 and 1: view 2 prepares
another op 1 at 2 and 3; view 5 (0 again, with 2 and 3) keeps it and prepares op 2, a put
of c acked by replica 2 alone. Then the held PrepareOk of view 0 arrives.
*/
function sharedPrimary(bugs?: ReadonlySet<BugName>) {
	const cluster = new Cluster({replicaCount: 5, bugs});
	cluster.request(1, 1, put('a', '1'));
	cluster.request(2, 1, put('a', '2'));
	cluster.deliver({from: 'client'});
	cluster.deliver({type: 'prepare', to: 1});
	const [held] = cluster.take({type: 'prepare_ok', from: 1, op: 2});
	cluster.queue = [];

	// Views 1 and 2 among 2, 3 and 4; view 2 prepares op 1 at 2 and 3 only.
	drive(cluster, [2, 3, 4], () => cluster.replica(2).isPrimary);
	cluster.request(3, 1, put('b', '1'), 2);
	cluster.deliver({from: 'client'});
	cluster.deliver({type: 'prepare', to: 3});
	cluster.queue = [];

	// Views 3 and 4 fail for want of their primaries' DoViewChanges; view 5 forms at 0, 2, 3.
	drive(cluster, [0, 2, 3], () => cluster.replica(0).isPrimary && cluster.replica(0).view === 5, {
		type: ['start_view_change', 'do_view_change', 'start_view'],
	});
	drive(cluster, [0, 2, 3], () => cluster.replica(0).commitNumber === 1);
	cluster.request(4, 1, put('c', '2'), 0);
	cluster.deliver({from: 'client'});
	cluster.deliver({type: 'prepare', to: 2});
	cluster.deliver({type: 'prepare_ok', to: 0});
	cluster.queue = [];
	const primary = cluster.replica(0);
	if (primary.commitNumber !== 1 || primary.opNumber !== 2) {
		throw new Error('setup: view 5 should hold op 2 at replicas 0 and 2 only, uncommitted');
	}

	cluster.deliverEnvelope(held!);
	return cluster;
}

test('a PrepareOk of an earlier view is not counted, even by the same primary (views 0 and 5 of five replicas)', (t) => {
	const cluster = sharedPrimary();
	t.is(cluster.replica(0).commitNumber, 1, 'op 2 is held by two of five: not committed');
	t.deepEqual(cluster.pending({to: 'client'}), []);
});

test('with the planted bug ack-any-view the held PrepareOk commits an op that two of five hold, and a later view loses it', (t) => {
	const cluster = sharedPrimary(new Set(['ack-any-view']));
	t.is(cluster.replica(0).commitNumber, 2);
	t.deepEqual(
		cluster.pending({to: 'client'}).map(({message}) => message.type === 'reply' && message.result),
		[{ok: true, value: 'ok'}],
		'client 4 is told its put of c took effect',
	);

	// Replicas 0 and 2 crash (two of five, within the failure model); 1, 3 and 4 change view.
	cluster.crash(0);
	cluster.crash(2);
	cluster.queue = [];
	drive(cluster, [1, 3, 4], () => {
		const [first, ...rest] = [1, 3, 4].map((id) => cluster.replica(id));
		return (
			[first, ...rest].every(
				(replica) => replica?.status === 'normal' && replica.view === first?.view,
			) && cluster.primary !== undefined
		);
	});
	t.deepEqual(
		cluster.commit(5, 1, get('c')).result,
		{ok: true, value: null},
		'the acknowledged put is gone',
	);
});
