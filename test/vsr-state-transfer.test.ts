import test from 'ava';
import {events} from '../source/telemetry/catalogue.js';
import {InvariantViolation} from '../source/vsr/assert.js';
import type {BugName} from '../source/vsr/bugs.js';
import {
	Cluster,
	type Envelope,
	among,
	get,
	logOf,
	matches,
	none,
	put,
	staleSuffix,
	stateOf,
} from './helpers/cluster-harness.js';

/** Three ops in flight from primary 0; replica 2 gets op 1 and op 3 but not op 2. */
function gapCluster() {
	const cluster = new Cluster({replicaCount: 3, timeouts: {stateTransferResend: 25}});
	for (let client = 1; client <= 3; client++) {
		cluster.request(client, 1, put(`k${client}`, 'v'));
	}

	cluster.deliver({from: 'client'});
	cluster.run({to: 1});
	cluster.run({type: 'prepare_ok'});
	cluster.run({type: 'prepare', to: 2, op: 1});
	const [missing] = cluster.take({type: 'prepare', to: 2, op: 2});
	return {cluster, missing: missing!};
}

test('a Prepare beyond a gap is not appended out of order; the late op fills the gap and both are appended', (t) => {
	const {cluster, missing} = gapCluster();
	const backup = cluster.replica(2);
	cluster.run({type: 'prepare', to: 2, op: 3});
	t.is(backup.opNumber, 1, 'op 3 waits for op 2');
	t.deepEqual(logOf(backup), [[1, 0, 1, 1]]);

	cluster.deliverEnvelope(missing);
	t.deepEqual(
		logOf(backup).map(([op]) => op),
		[1, 2, 3],
	);
	const acks = cluster.pending({type: 'prepare_ok', from: 2});
	t.like(acks.at(-1)?.message, {op: 3});
	t.deepEqual(cluster.pending({type: 'get_state'}), []);
});

test('a gap that lasts is fetched with GetState and filled by NewState', (t) => {
	const {cluster} = gapCluster();
	const backup = cluster.replica(2);
	cluster.run({type: 'prepare', to: 2, op: 3});
	cluster.clearRecords();

	cluster.tick(2, 24);
	t.deepEqual(cluster.pending({type: 'get_state'}), [], 'a short gap may be a reordering');
	cluster.tick(2);
	const [request] = cluster.pending({type: 'get_state'});
	t.like(request, {from: 2, to: 0});
	t.like(request?.message, {type: 'get_state', view: 0, op: 1});
	t.like(cluster.eventsOf(events.stateTransferRequestSent, 2)[0]?.metadata, {
		view: 0,
		from_op: 1,
		to: 0,
	});
	t.is(backup.opNumber, 1, 'nothing changes until NewState arrives');

	cluster.run({type: 'get_state'});
	t.like(cluster.eventsOf(events.stateTransferRequestReceived, 0)[0]?.metadata, {
		from: 2,
		from_op: 1,
	});
	const sent = cluster.eventsOf(events.snapshotSent, 0)[0];
	t.like(sent?.metadata, {to: 2, from_op: 1, to_op: 3, checkpoint: false});
	t.is(sent?.measurements.entries, 2);

	cluster.run({type: 'new_state'});
	t.like(cluster.eventsOf(events.snapshotReceived, 2)[0]?.metadata, {
		from: 0,
		from_op: 1,
		to_op: 3,
		checkpoint: false,
	});
	t.deepEqual(logOf(backup), logOf(cluster.replica(0)));
	t.is(backup.commitNumber, cluster.replica(0).commitNumber);
	t.false(backup.stateTransferPending);

	cluster.run();
	cluster.propagateCommit();
	t.deepEqual(stateOf(backup), stateOf(cluster.replica(1)));
});

test('a lost NewState is asked for again; the transfer lasts from the first request to the install', (t) => {
	const {cluster} = gapCluster();
	cluster.run({type: 'prepare', to: 2, op: 3});
	cluster.tick(2, 25);
	// The bus clock of the harness moves one unit per tick and per delivery.
	const asked = cluster.now;
	t.is(cluster.eventsOf(events.stateTransferRequestSent, 2).length, 1);
	cluster.run({type: 'get_state'});
	t.is(cluster.drop({type: 'new_state'}), 1);
	cluster.tick(2, 25);
	t.is(cluster.pending({type: 'get_state', from: 2}).length, 1, 'GetState is resent');
	cluster.run({type: 'get_state'});
	cluster.run({type: 'new_state'});
	const installed = cluster.now;
	cluster.run();
	t.is(cluster.replica(2).opNumber, 3);
	const [received] = cluster.eventsOf(events.snapshotReceived, 2);
	t.is(received?.measurements.duration, installed - asked);
	t.true(installed - asked > 25n, 'the resend does not restart the clock');
});

test('a NewState that arrives after the gap was filled by reordered Prepares and later commits changes nothing', (t) => {
	const {cluster, missing} = gapCluster();
	const backup = cluster.replica(2);
	cluster.run({type: 'prepare', to: 2, op: 3});
	cluster.tick(2, 25);
	cluster.run({type: 'get_state'});
	const [late] = cluster.take({type: 'new_state'});
	t.like(late?.message, {type: 'new_state', opNumber: 3});

	// The gap fills by itself, and the cluster moves on past the NewState's end.
	cluster.deliverEnvelope(missing);
	cluster.run();
	cluster.commit(4, 1, put('k4', 'v'));
	cluster.commit(5, 1, put('k5', 'v'));
	t.like(stateOf(backup), {opNumber: 5, commitNumber: 5});
	const before = stateOf(backup);
	t.true(backup.stateTransferPending, 'the NewState still answers an open request');

	cluster.deliverEnvelope(late!);
	t.false(backup.stateTransferPending);
	t.deepEqual(stateOf(backup), before);
	cluster.commit(6, 1, put('k6', 'v'));
	t.is(backup.commitNumber, 6);
});

test('a NewState that answers another request (wrong nonce) is ignored', (t) => {
	const {cluster} = gapCluster();
	const backup = cluster.replica(2);
	const before = stateOf(backup);
	const primary = cluster.replica(0);
	cluster.forge(2, {
		type: 'new_state',
		view: 0,
		nonce: 12_345,
		log: {base: 1, checkpoint: undefined, entries: primary.log.after(1)},
		opNumber: 3,
		commitNumber: 3,
		from: 0,
		incarnation: 0,
	});
	t.deepEqual(stateOf(backup), before);
});

test('a Commit beyond the log starts a state transfer once the gap lasts', (t) => {
	const cluster = new Cluster({replicaCount: 3, timeouts: {stateTransferResend: 25}});
	cluster.commit(1, 1, put('a', '1'));
	cluster.request(1, 2, put('a', '2'));
	cluster.deliver({from: 'client'});
	cluster.drop({type: 'prepare', to: 2});
	cluster.run();
	cluster.tick(0);
	cluster.run();
	const backup = cluster.replica(2);
	t.like(stateOf(backup), {opNumber: 1, commitNumber: 1});
	cluster.tick(2, 25);
	cluster.run();
	t.like(stateOf(backup), {opNumber: 2, commitNumber: 2});
	t.deepEqual(backup.stateMachine.snapshot(), [['a', '2']]);
});

test('a replica of an older view changes nothing on a Prepare of a newer view, then drops its uncommitted suffix when NewState arrives', (t) => {
	const cluster = staleSuffix({stale: 4, freshOps: 2});
	const stale = cluster.replica(4);
	const primary = cluster.replica(1);
	t.like(stateOf(primary), {view: 1, opNumber: 3, commitNumber: 3});
	const before = stateOf(stale);
	t.like(before, {view: 0, opNumber: 3, commitNumber: 1});
	cluster.clearRecords();

	// The next Prepare of view 1 reaches the stale replica.
	cluster.request(5, 1, put('w', '1'), 1);
	cluster.deliver({from: 'client'});
	cluster.take({type: 'prepare', to: [0, 2, 3]});
	cluster.deliver({type: 'prepare', to: 4});
	t.deepEqual(stateOf(stale), before, 'no eager truncation or view change before NewState');
	const [getState] = cluster.pending({type: 'get_state'});
	t.like(getState, {from: 4, to: 1});
	t.like(getState?.message, {view: 1, op: 1}, 'it keeps only its committed prefix');
	t.deepEqual(cluster.pending({from: 4, type: 'prepare_ok'}), []);

	cluster.run(among(1, 4));
	t.like(stateOf(stale), {view: 1, status: 'normal', lastNormalView: 1, opNumber: 4});
	t.deepEqual(logOf(stale), logOf(primary));
	const conflict = cluster.eventsOf(events.logConflict, 4);
	t.is(conflict.length, 1);
	t.like(conflict[0]?.metadata, {from_op: 2, to_op: 3, count: 2, view_number: 1});
	t.true(cluster.eventsOf(events.stateViewChange, 4).some((event) => event.metadata.to === 1));
	t.is(stale.commitNumber, primary.commitNumber);
	t.deepEqual(stale.stateMachine.snapshot(), [
		['x', '1'],
		['y', 'fresh2'],
	]);
	t.false(
		cluster.executions[4]!.some(
			(execution) => execution.entry.clientId === 2 || execution.entry.clientId === 3,
		),
		'the stale ops were never executed',
	);
});

test('with the planted bug state-transfer-skips-ops, a replica that applies NewState diverges (its digest differs)', (t) => {
	const cluster = new Cluster({replicaCount: 3, bugs: new Set(['state-transfer-skips-ops'])});
	cluster.commit(1, 1, put('a', '1'));
	cluster.request(1, 2, put('a', '2'));
	cluster.deliver({from: 'client'});
	cluster.drop({type: 'prepare', to: 2});
	cluster.run();
	cluster.tick(0);
	cluster.run();
	cluster.tick(2, 50);
	cluster.run();
	const backup = cluster.replica(2);
	t.is(backup.commitNumber, 2);
	t.not(backup.digest, cluster.replica(0).digest);
});

test('a snapshot: a replica that lags behind a collected log prefix gets the checkpoint, then the suffix, and ends with the same state', (t) => {
	const cluster = new Cluster({replicaCount: 3, checkpointInterval: 4});
	cluster.drop({to: 2});
	for (let i = 1; i <= 10; i++) {
		cluster.request(i % 3, Math.ceil(i / 3), put(`k${i % 4}`, String(i)));
		cluster.run(among(0, 1));
		cluster.drop({to: 2});
	}

	const primary = cluster.replica(0);
	t.like(stateOf(primary), {opNumber: 10, commitNumber: 10});
	t.is(primary.log.base, 8, 'ops up to 8 were collected at the checkpoint');
	const lagging = cluster.replica(2);
	t.is(lagging.opNumber, 0);
	cluster.clearRecords();

	cluster.settle(() => lagging.commitNumber === 10, {limit: 200});
	const sent = cluster.eventsOf(events.snapshotSent, 0);
	t.true(
		sent.some((event) => event.metadata.checkpoint === true),
		'the primary ships its checkpoint',
	);
	t.like(cluster.eventsOf(events.snapshotReceived, 2)[0]?.metadata, {checkpoint: true, from_op: 8});
	t.deepEqual(cluster.executedOps(2), [9, 10], 'the suffix after the checkpoint is executed');
	t.is(lagging.checkpoint?.op, 8);
	t.is(lagging.log.base, 8);
	for (const field of [
		'opNumber',
		'commitNumber',
		'digest',
		'data',
		'clientTable',
		'log',
	] as const) {
		t.deepEqual(stateOf(lagging)[field], stateOf(primary)[field], `${field}`);
	}

	cluster.commit(9, 1, put('after', 'yes'));
	cluster.propagateCommit();
	t.is(lagging.commitNumber, 11);
	t.is(lagging.digest, primary.digest);
});

/**
Vanlightly's counterexample to the paper's state-transfer rule (his TLA+ model of VRR),
played on three replicas: op 1 is committed by {0, 1}; view 1 forms from 0 and 1 and its
StartView reaches nobody; replica 2 hears view 1's Prepare of op 2 and its GetState is
lost; the primary of view 1 crashes. Left are 0 (in the view change for view 1, holding
op 1) and 2 (which never held it), and they change view to view 2, led by 2.
*/
function vanlightly(bugs?: ReadonlySet<BugName>) {
	const cluster = new Cluster({replicaCount: 3, bugs});
	cluster.request(1, 1, put('x', '1'));
	cluster.deliver({from: 'client'});
	cluster.drop({type: 'prepare', to: 2});
	cluster.run({type: ['prepare', 'prepare_ok']});
	const [reply] = cluster.take({to: 'client'});
	cluster.queue = []; // The Commit that would tell the backups is lost too.
	if (reply?.message.type !== 'reply' || cluster.replica(0).commitNumber !== 1) {
		throw new Error('setup: op 1 should be committed by the primary, with a reply');
	}

	// Replica 0 hears nobody and steps down; replica 1 sees op 1 wait and asks for view 1.
	cluster.tickUntil(0, (replica) => replica.status === 'view_change', 200);
	cluster.timeOut([1]);
	cluster.drop(none({type: 'start_view_change'}));
	cluster.drop({to: 2});
	cluster.run(
		(envelope) => matches(among(0, 1), envelope) && envelope.message.type !== 'start_view',
	);
	cluster.drop({type: 'start_view'}); // View 1's StartView reaches neither 0 nor 2.
	if (!cluster.replica(1).isPrimary || cluster.replica(0).status !== 'view_change') {
		throw new Error('setup: view 1 should be led by 1, with 0 still changing view');
	}

	// A write in view 1: its Prepare reaches replica 2 only, and 2's GetState is lost.
	cluster.request(2, 1, put('y', '2'), 1);
	cluster.deliver({from: 'client'});
	cluster.deliver({type: 'prepare', to: 2});
	const lost = cluster.take({type: 'get_state', from: 2});
	if (lost.length !== 1) {
		throw new Error(`setup: replica 2 should have sent one GetState (got ${lost.length})`);
	}

	cluster.queue = [];
	cluster.crash(1);
	return cluster;
}

test('Vanlightly’s case: a replica that hears a newer view’s Prepare changes nothing, so the view change keeps committed op 1', (t) => {
	const cluster = vanlightly();
	t.like(stateOf(cluster.replica(2)), {view: 0, lastNormalView: 0, opNumber: 0, commitNumber: 0});
	t.like(stateOf(cluster.replica(0)), {view: 1, lastNormalView: 0, opNumber: 1, commitNumber: 1});

	cluster.settle(
		() =>
			[0, 2].every((id) => cluster.replica(id).status === 'normal') && cluster.replica(2).isPrimary,
		{selector: among(0, 2)},
	);
	t.is(cluster.replica(2).view, 2);
	for (const id of [0, 2]) {
		t.deepEqual(logOf(cluster.replica(id)), [[1, 0, 1, 1]], `replica ${id} keeps op 1`);
		t.is(cluster.replica(id).commitNumber, 1);
	}

	t.deepEqual(cluster.commit(3, 1, get('x')).result, {ok: true, value: '1'});
});

test('Vanlightly’s case with the planted bug eager-truncation: replica 2 claims view 1 with an empty log and wins the view change, whose log lacks committed op 1', (t) => {
	const cluster = vanlightly(new Set(['eager-truncation']));
	// The paper's rule: 2 adopted view 1 as a normal view before any state arrived.
	t.like(stateOf(cluster.replica(2)), {view: 1, lastNormalView: 1, opNumber: 0, commitNumber: 0});
	t.like(stateOf(cluster.replica(0)), {view: 1, lastNormalView: 0, opNumber: 1, commitNumber: 1});

	// The log of the latest normal view wins: 2's empty one, over 0's with committed op 1.
	// The new primary's own check finds the loss.
	t.throws(
		() => {
			cluster.settle(() => cluster.replica(2).isPrimary, {selector: among(0, 2)});
		},
		{instanceOf: InvariantViolation, message: /the chosen log \(op 0\) lacks committed op 1/v},
	);
});

/**
The paper's rule loses a committed op at three replicas too, when the primary that committed it
leads again and then fails: op 1 is committed by {0, 1} and only 0 knows; 0 and 1 change view
until 0 leads again (views 1 and 2 fail for want of DoViewChanges; replica 2 hears no vote);
view 3's StartView is lost; replica 2 hears view 3's Commit and its GetState is lost; 0 crashes.
Left are 1 (holding op 1, changing view, last normal view 0) and 2 (which never held it).
*/
function leadAgain(bugs?: ReadonlySet<BugName>) {
	const cluster = new Cluster({replicaCount: 3, bugs});
	cluster.request(1, 1, put('x', '1'));
	cluster.deliver({from: 'client'});
	cluster.drop({type: 'prepare', to: 2});
	cluster.run({type: ['prepare', 'prepare_ok']});
	const [reply] = cluster.take({to: 'client'});
	cluster.queue = [];
	if (reply?.message.type !== 'reply' || cluster.replica(0).commitNumber !== 1) {
		throw new Error('setup: op 1 should be committed by the primary, with a reply');
	}

	// What 0 sends that carries its commit number or its log never reaches 1; DoViewChanges reach 0 only.
	const kept = (envelope: Envelope) =>
		matches(among(0, 1), envelope) &&
		!matches({from: 0, to: 1, type: ['prepare', 'commit', 'start_view', 'new_state']}, envelope) &&
		!matches({type: 'do_view_change', to: 1}, envelope);
	for (let round = 0; !(cluster.replica(0).isPrimary && cluster.replica(0).view === 3); round++) {
		if (round === 5000) {
			throw new Error('setup: 0 should lead view 3 within 5000 rounds');
		}

		cluster.run(kept);
		cluster.drop((envelope) => !kept(envelope));
		cluster.tick([0, 1]);
	}

	cluster.drop((envelope) => !kept(envelope));
	if (cluster.replica(1).status !== 'view_change' || cluster.replica(2).view !== 0) {
		throw new Error('setup: 1 should still be changing view, and 2 in view 0');
	}

	// View 3's heartbeat reaches replica 2, and 2's GetState is lost.
	cluster.tickUntil(0, () => cluster.pending({type: 'commit', to: 2}).length > 0);
	cluster.deliver({type: 'commit', to: 2});
	if (cluster.take({type: 'get_state', from: 2}).length !== 1) {
		throw new Error('setup: replica 2 should have sent one GetState');
	}

	cluster.queue = [];
	cluster.crash(0);
	return cluster;
}

test('the primary of views 0 and 3 of three replicas fails after a Commit of view 3 reached the replica without op 1: the view change keeps op 1', (t) => {
	const cluster = leadAgain();
	t.like(stateOf(cluster.replica(2)), {view: 0, lastNormalView: 0, opNumber: 0, commitNumber: 0});
	t.like(stateOf(cluster.replica(1)), {lastNormalView: 0, opNumber: 1, commitNumber: 0});
	cluster.settle(
		() =>
			[1, 2].every((id) => cluster.replica(id).status === 'normal') &&
			cluster.primary !== undefined,
		{selector: among(1, 2)},
	);
	for (const id of [1, 2]) {
		t.deepEqual(logOf(cluster.replica(id)), [[1, 0, 1, 1]], `replica ${id} keeps op 1`);
	}

	t.deepEqual(cluster.commit(3, 1, get('x')).result, {ok: true, value: '1'});
});

test('with the planted bug eager-truncation, the same schedule loses committed op 1 at three replicas, and no replica notices: neither of the two left knew op 1 was committed', (t) => {
	const cluster = leadAgain(new Set(['eager-truncation']));
	t.like(stateOf(cluster.replica(2)), {view: 3, lastNormalView: 3, opNumber: 0, commitNumber: 0});
	t.like(stateOf(cluster.replica(1)), {lastNormalView: 0, opNumber: 1, commitNumber: 0});
	cluster.settle(
		() =>
			[1, 2].every((id) => cluster.replica(id).status === 'normal') &&
			cluster.primary !== undefined,
		{selector: among(1, 2)},
	);
	t.deepEqual(logOf(cluster.replica(1)), [], 'the log of last normal view 3 won: empty');
	t.deepEqual(
		cluster.commit(3, 1, get('x')).result,
		{ok: true, value: null},
		'the acknowledged put is gone',
	);
});
