import {Buffer} from 'node:buffer';
import test from 'ava';
import {events} from '../source/telemetry/catalogue.js';
import {ReplicaStorage} from '../source/storage/replica-storage.js';
import type {BugName} from '../source/vsr/bugs.js';
import type {Replica} from '../source/vsr/replica.js';
import {
	Cluster,
	type HarnessOptions,
	among,
	clusterId,
	get,
	logOf,
	put,
	stateOf,
} from './helpers/cluster-harness.js';

const durable = (options: Partial<HarnessOptions> = {}) =>
	new Cluster({replicaCount: 3, storage: {}, ...options});

/** Every replica is up and normal in one view, with one primary. */
const settled = (cluster: Cluster) => () =>
	cluster.alive.length === cluster.replicaCount &&
	cluster.alive.every((id) => cluster.replica(id).status === 'normal') &&
	new Set(cluster.alive.map((id) => cluster.replica(id).view)).size === 1 &&
	cluster.primary !== undefined;

/** A replica's key-value data. */
function dataOf(replica: Replica): Map<string, string> {
	const snapshot: unknown = replica.stateMachine.snapshot();
	const pairs = Array.isArray(snapshot) ? snapshot : [];
	return new Map(
		pairs.filter(
			(pair): pair is [string, string] =>
				Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string',
		),
	);
}

/** What a replica's disk holds now, read back as a restart would (without disturbing it). */
function readBackLog(cluster: Cluster, id: number): number[] {
	const {start, storage} = ReplicaStorage.open(cluster.disk(id), {
		identity: {cluster: clusterId, replica: id, replicaCount: cluster.replicaCount},
		existing: true,
	});
	storage.close();
	if (start.kind !== 'restored') {
		throw new Error(`replica ${id}'s disk does not read back (${start.kind})`);
	}

	return start.state.entries.map((entry) => entry.op);
}

test('a replica acks an op only once it is durable, and the primary counts itself only for what it holds durably', (t) => {
	const cluster = durable({storage: {syncLatency: {min: 5, max: 5}}});
	cluster.run(); // The boot writes.
	cluster.request(1, 1, put('x', '1'));
	cluster.deliver({from: 'client'});
	cluster.deliver({type: 'prepare'});
	t.deepEqual(
		cluster.pending({type: 'prepare_ok', op: 1}),
		[],
		'the backups appended op 1 but have not synced it: no ack yet',
	);
	t.is(cluster.replica(1).opNumber, 1);
	t.is(cluster.replica(1).durableOp, 0);

	cluster.runUntil(() => cluster.pending({type: 'prepare_ok', op: 1}).length > 0);
	t.is(cluster.replicas.find((replica) => replica?.durableOp === 1)?.opNumber, 1);
	const ackers = cluster.pending({type: 'prepare_ok', op: 1}).map((envelope) => envelope.from);
	t.deepEqual(
		ackers.map((from) => (from === 'client' ? undefined : cluster.replica(from).durableOp)),
		ackers.map(() => 1),
		'each ack follows its sync',
	);

	cluster.runUntil(() => cluster.repliesTo(1, 1).length > 0);
	const acked = cluster.alive.filter((id) => (cluster.replica(id).durableOp ?? 0) >= 1);
	t.true(acked.length >= 2, 'a quorum holds op 1 durably when the client hears of it');
});

test('a replica votes for a view only once the view is durable', (t) => {
	const cluster = durable({storage: {syncLatency: {min: 8, max: 8}}});
	cluster.commit(1, 1, put('x', '1'));
	cluster.crash(0);
	cluster.queue = [];
	cluster.timeOut([1, 2]);
	cluster.deliver({type: 'start_view_change', to: [1, 2]});
	for (const id of [1, 2]) {
		t.is(cluster.replica(id).status, 'view_change');
		t.is(cluster.replica(id).view, 1);
	}

	t.deepEqual(cluster.pending({type: 'do_view_change'}), [], 'view 1 is not durable yet');
	cluster.runUntil(() => cluster.pending({type: 'do_view_change'}).length > 0);
	t.is(cluster.pending({type: 'do_view_change'})[0]?.from, 2);
	cluster.settle(() => cluster.replica(1).isPrimary);
	t.is(cluster.commit(1, 2, put('x', '2')).view, 1);
});

test('a new primary tells nobody of its view until the view and its log are durable', (t) => {
	const cluster = durable();
	cluster.commit(1, 1, put('x', '1'));
	cluster.crash(0);
	cluster.queue = [];
	cluster.timeOut([1, 2]);
	cluster.runUntil(() => cluster.replica(1).lastNormalView === 1);
	cluster.holdDisk(1); // Its chosen log and its being normal in view 1 are not durable yet.
	cluster.run(among(1, 2));
	t.like(stateOf(cluster.replica(1)), {status: 'view_change', view: 1, lastNormalView: 1});
	t.is(cluster.sent.filter((envelope) => envelope.message.type === 'start_view').length, 0);
	t.is(cluster.replica(2).status, 'view_change');

	// It loses power before that write lands: it restarts still changing to view 1, and completes
	// it again, which is safe because nobody heard of the first attempt.
	cluster.crash(1, {written: 0});
	cluster.releaseDisk(1);
	cluster.clearRecords();
	const replica = cluster.restart(1);
	t.like(stateOf(replica), {status: 'view_change', view: 1, lastNormalView: 0});
	cluster.settle(() => replica.isPrimary && cluster.replica(2).status === 'normal');
	t.is(cluster.eventsOf(events.viewChangeComplete, 1).length, 1);
	t.is(cluster.commit(1, 2, put('x', '2')).view, 1);
	t.deepEqual(replica.stateMachine.snapshot(), [['x', '2']]);
});

/**
Commits x and y everywhere, then z racing the disks: the network is faster, so the client hears
of z as soon as the protocol lets it. Then every replica loses power at once, and with it every
write it had not synced; they all restart from their disks.
*/
function powerCutAfterReply(bugs?: ReadonlySet<BugName>) {
	const cluster = durable({bugs, storage: {syncLatency: {min: 2, max: 4}}});
	cluster.commit(1, 1, put('x', '1'));
	cluster.commit(1, 2, put('y', '2'));
	cluster.request(1, 3, put('z', '3'));
	cluster.runUntil(() => cluster.repliesTo(1, 3).length > 0);
	cluster.powerCut({written: 0, directory: 0});
	cluster.clearRecords();
	for (const id of cluster.ids()) {
		cluster.restart(id);
	}

	cluster.settle(settled(cluster));
	cluster.propagateCommit();
	return cluster;
}

test('every replica killed at once and restarted from disk loses no acknowledged op', (t) => {
	const cluster = powerCutAfterReply();
	t.is(cluster.eventsOf(events.storageRestored).length, 3, 'all three rejoin from their disks');
	t.is(cluster.eventsOf(events.storageLost).length, 0);
	const primary = cluster.primary!;
	t.true(primary.view >= 1, 'the restarted primary of view 0 did not take it up again');
	for (const id of cluster.ids()) {
		t.deepEqual(
			cluster.replica(id).stateMachine.snapshot(),
			[
				['x', '1'],
				['y', '2'],
				['z', '3'],
			],
			`replica ${id} holds every acknowledged write`,
		);
	}

	t.true(cluster.commit(1, 4, get('z')).result.ok);
	t.like(cluster.repliesTo(1, 4)[0]?.result, {ok: true, value: '3'});
});

test('the planted bug ack-before-fsync: a power cut right after a reply loses the acknowledged write', (t) => {
	const cluster = powerCutAfterReply(new Set(['ack-before-fsync']));
	for (const id of cluster.ids()) {
		t.deepEqual(
			cluster.replica(id).stateMachine.snapshot(),
			[
				['x', '1'],
				['y', '2'],
			],
			`replica ${id} lost z, whose reply the client has`,
		);
	}
});

test('power cuts that lose, tear and rot what the disks hold, within the fault model, lose no acknowledged op, seed after seed', (t) => {
	let torn = 0;
	let lostWrites = 0;
	let repaired = 0;
	for (let seed = 1; seed <= Number(process.env.SEEDS ?? 40); seed++) {
		const cluster = durable({
			seed,
			checkpointInterval: 3,
			storage: {syncLatency: {min: 1, max: 6}, segmentBytes: 600},
		});
		const written = new Map<string, string>();
		// Two clients race the disks; the power goes when the seventh reply arrives.
		for (let n = 1; n <= 4; n++) {
			for (const clientId of [1, 2]) {
				const key = `c${clientId}r${n}`;
				written.set(key, `${seed}-${n}`);
				cluster.request(clientId, n, put(key, `${seed}-${n}`));
			}

			cluster.runUntil(() => cluster.replies.length >= Math.min(7, n * 2));
		}

		const acknowledged = cluster.replies.map(
			(reply) => `c${reply.clientId}r${reply.requestNumber}`,
		);
		const before = cluster.ids().map((id) => cluster.replica(id).opNumber);
		cluster.powerCut({written: 0.5, torn: 0.5, directory: 0.5});
		// At most f = 1 replica's disk rots one synced sector while the power is off.
		cluster.disk(seed % 3).corrupt();
		for (const id of cluster.ids()) {
			cluster.restart(id);
			torn += cluster.readBacks[id]?.torn ?? 0;
			const start = cluster.starts[id];
			if (start?.kind === 'restored' && start.state.entries.at(-1)?.op !== before[id]) {
				lostWrites++;
			}

			if (start?.kind === 'lost') {
				repaired++;
			}
		}

		cluster.settle(settled(cluster));
		cluster.propagateCommit();
		const data = dataOf(cluster.primary!);
		for (const key of acknowledged) {
			t.is(data.get(key), written.get(key), `seed ${seed}: acknowledged ${key} survives`);
		}

		const digests = new Set(cluster.ids().map((id) => cluster.replica(id).digest));
		t.is(digests.size, 1, `seed ${seed}: the replicas agree`);
		t.true(cluster.commit(3, 1, get('c1r1')).result.ok, `seed ${seed}: the cluster works on`);
	}

	// The faults happened: these runs are not vacuous.
	t.true(torn > 0, 'some disks held torn records');
	t.true(lostWrites > 0, 'some replicas lost writes they had not synced');
	t.true(repaired > 0, 'some replicas found a rotten record and recovered from their peers');
});

test('a restarted backup takes up its view from disk, and its unsynced writes, lost with its power, come back from its peers', (t) => {
	const cluster = durable();
	cluster.commit(1, 1, put('x', '1'));
	cluster.commit(1, 2, put('x', '2'));
	cluster.holdDisk(2);
	cluster.commit(1, 3, put('x', '3'));
	cluster.commit(1, 4, put('x', '4'));
	t.is(cluster.replica(2).opNumber, 4, 'replica 2 holds ops 3 and 4 in memory');
	t.is(cluster.replica(2).durableOp, 2, 'but has not synced them');

	cluster.crash(2, {written: 0});
	cluster.releaseDisk(2);
	cluster.clearRecords();
	const replica = cluster.restart(2);
	t.like(cluster.eventsOf(events.storageRestored, 2)[0]?.metadata, {op: 2, checkpoint: 0, view: 0});
	t.like(stateOf(replica), {status: 'normal', view: 0, opNumber: 2});
	t.is(cluster.eventsOf(events.recoveryStart, 2).length, 0, 'no recovery protocol');

	cluster.settle(() => replica.commitNumber === 4);
	t.deepEqual(stateOf(replica), stateOf(cluster.replica(0)));
	t.is(cluster.replica(0).view, 0, 'no view change');
	cluster.run();
	t.deepEqual(readBackLog(cluster, 2), [1, 2, 3, 4], 'its disk holds them again');
});

/** Replica 2's disk rots the record of op 2 (x = "two") while it is down, into x = "uwo". */
function corruptRecord(bugs?: ReadonlySet<BugName>) {
	const cluster = durable({bugs});
	cluster.commit(1, 1, put('x', 'one'));
	cluster.commit(1, 2, put('x', 'two'));
	cluster.commit(1, 3, put('y', 'three'));
	cluster.run();
	cluster.crash(2);
	const disk = cluster.disk(2);
	const segment = disk
		.list()
		.find((name) => Buffer.from(disk.read(name)!).includes('"value":"two"'));
	if (segment === undefined) {
		throw new Error('no segment holds the write of op 2');
	}

	const at = Buffer.from(disk.read(segment)!).indexOf('"value":"two"') + '"value":"'.length;
	disk.corrupt(segment, at, 0x01); // 't' becomes 'u': still valid JSON, a different write.
	cluster.clearRecords();
	const replica = cluster.restart(2);
	return {cluster, replica};
}

test('a corrupt record is detected, never used, and repaired from the peers', (t) => {
	const {cluster, replica} = corruptRecord();
	const lost = cluster.eventsOf(events.storageLost, 2);
	t.is(lost.length, 1);
	t.regex(
		String(lost[0]?.metadata.reason),
		/^wal-\w+\.log: the records after record \d+ \(op 1\) read back corrupted, though they were durable$/v,
	);
	t.like(stateOf(replica), {status: 'recovering', opNumber: 0});
	t.is(cluster.eventsOf(events.recoveryStart, 2).length, 1);

	cluster.settle(() => replica.status === 'normal');
	cluster.propagateCommit();
	t.deepEqual(stateOf(replica), stateOf(cluster.replica(0)));
	t.deepEqual(replica.stateMachine.snapshot(), [
		['x', 'two'],
		['y', 'three'],
	]);
	cluster.run();
	t.deepEqual(readBackLog(cluster, 2), [1, 2, 3], 'the repaired log is on its disk');
	cluster.crash(2);
	cluster.clearRecords();
	cluster.restart(2);
	t.is(cluster.eventsOf(events.storageRestored, 2).length, 1, 'and the next restart trusts it');
});

test('the planted bug trust-corrupt-record: the rotten record is used, and the replica executes a write nobody made', (t) => {
	const {cluster, replica} = corruptRecord(new Set(['trust-corrupt-record']));
	t.is(cluster.eventsOf(events.storageLost, 2).length, 0);
	cluster.settle(() => replica.commitNumber === 3);
	t.deepEqual(replica.stateMachine.snapshot(), [
		['x', 'uwo'],
		['y', 'three'],
	]);
	t.notDeepEqual(replica.stateMachine.snapshot(), cluster.replica(0).stateMachine.snapshot());
});

test('a lost disk falls back to the recovery protocol, says so, and fills the new disk', (t) => {
	const cluster = durable();
	cluster.commit(1, 1, put('x', '1'));
	cluster.commit(1, 2, put('y', '2'));
	cluster.crash(1);
	cluster.disk(1).lose();
	cluster.clearRecords();
	const replica = cluster.restart(1);
	t.like(cluster.eventsOf(events.storageLost, 1)[0]?.metadata, {
		reason: 'its data directory holds no state',
		status: 'recovering',
	});
	t.is(cluster.eventsOf(events.recoveryStart, 1).length, 1);
	cluster.settle(() => replica.status === 'normal');
	t.deepEqual(stateOf(replica), stateOf(cluster.replica(0)));
	cluster.run();
	t.deepEqual(readBackLog(cluster, 1), [1, 2]);
});

test('a replica that was recovering when it stopped recovers again rather than trusting its disk', (t) => {
	const cluster = durable();
	cluster.commit(1, 1, put('x', '1'));
	cluster.crash(1);
	cluster.disk(1).lose();
	cluster.restart(1);
	cluster.drop({type: 'recovery_response'});
	cluster.run((envelope) => envelope.message.type !== 'recovery');
	cluster.crash(1);
	cluster.clearRecords();
	const replica = cluster.restart(1);
	t.like(cluster.eventsOf(events.storageLost, 1)[0]?.metadata, {
		reason: 'it stopped before it had recovered from its peers',
	});
	cluster.settle(() => replica.status === 'normal');
	t.deepEqual(logOf(replica), logOf(cluster.replica(0)));
});

test('a replica that gives up a rotten disk and stops at any point before it has recovered restarts as lost again, never as new', (t) => {
	for (let steps = 0; steps <= 8; steps++) {
		for (const written of [0, 0.5, 1]) {
			const {cluster} = corruptRecord();
			t.is(cluster.starts[2]?.kind, 'lost');
			// Its peers stay silent: it cannot recover; its disk makes `steps` syncs of progress.
			cluster.drop({type: 'recovery_response'});
			for (let step = 0; step < steps; step++) {
				cluster.advanceDisk();
			}

			cluster.crash(2, {written, torn: 0.3, directory: written});
			cluster.restart(2);
			t.like(
				cluster.starts[2],
				{kind: 'lost'},
				`stopped after ${steps} syncs, ${written} of the rest written`,
			);
		}
	}
});

test('a restarted primary does not take up its view again: the cluster moves to the next view and keeps every op', (t) => {
	const cluster = durable();
	cluster.commit(1, 1, put('x', '1'));
	cluster.crash(0);
	cluster.clearRecords();
	const replica = cluster.restart(0);
	t.like(stateOf(replica), {status: 'view_change', view: 1, lastNormalView: 0, opNumber: 1});
	t.false(replica.isPrimary);
	cluster.settle(settled(cluster));
	t.is(cluster.primary?.view, 1);
	t.is(cluster.commit(1, 2, put('x', '2')).view, 1);
	t.deepEqual(replica.stateMachine.snapshot(), [['x', '2']]);
});

test('a single replica restarts from its disk with every write it acknowledged', (t) => {
	const cluster = new Cluster({replicaCount: 1, storage: {}, checkpointInterval: 4});
	for (let n = 1; n <= 10; n++) {
		cluster.commit(1, n, put(`k${n}`, String(n)));
	}

	cluster.request(1, 11, put('k11', '11'));
	cluster.deliver({from: 'client'});
	cluster.powerCut({written: 0});
	const replica = cluster.restart(0);
	t.like(cluster.eventsOf(events.storageRestored, 0).at(-1)?.metadata, {checkpoint: 8, op: 10});
	cluster.settle(() => replica.isPrimary);
	t.is(replica.commitNumber, 10);
	t.is(dataOf(replica).size, 10, 'k11 was never acknowledged');
	t.true(cluster.commit(1, 11, put('k11', 'again')).result.ok);
});
