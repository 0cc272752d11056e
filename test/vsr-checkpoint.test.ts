import test from 'ava';
import {events} from '../source/telemetry/catalogue.js';
import {Cluster, among, append, put, stateOf} from './helpers/cluster-harness.js';

test('checkpoints every K ops keep the log bounded over 10 × K ops', (t) => {
	const interval = 5;
	const cluster = new Cluster({replicaCount: 3, checkpointInterval: interval});
	let longest = 0;
	for (let i = 1; i <= 10 * interval; i++) {
		cluster.commit(1 + (i % 4), Math.ceil(i / 4), append(`k${i % 3}`, String(i % 10)));
		for (const id of [0, 1, 2]) {
			const replica = cluster.replica(id);
			longest = Math.max(longest, replica.log.length);
			t.true(
				replica.log.length <= interval,
				`replica ${id} after op ${i}: ${replica.log.length} entries`,
			);
		}
	}

	t.true(longest > 0);
	for (const id of [0, 1, 2]) {
		const replica = cluster.replica(id);
		t.like(stateOf(replica), {opNumber: 50, commitNumber: 50});
		t.is(replica.log.base, 50);
		t.is(replica.checkpoint?.op, 50);
		t.deepEqual(
			cluster.eventsOf(events.checkpoint, id).map((event) => event.metadata.op),
			[5, 10, 15, 20, 25, 30, 35, 40, 45, 50],
		);
	}

	t.deepEqual(stateOf(cluster.replica(1)), stateOf(cluster.replica(0)));
});

test('a checkpoint holds the state machine, the client table and the digest as of its op', (t) => {
	const cluster = new Cluster({replicaCount: 3, checkpointInterval: 2});
	cluster.commit(1, 1, put('a', '1'));
	const digestAt1 = cluster.replica(0).digest;
	cluster.commit(2, 1, put('b', '2'));
	const digestAt2 = cluster.replica(0).digest;
	t.not(digestAt2, digestAt1);
	cluster.commit(1, 2, put('a', '3'));
	const {checkpoint} = cluster.replica(1);
	t.is(checkpoint?.op, 2);
	t.is(checkpoint?.digest, digestAt2);
	t.deepEqual(checkpoint?.stateMachine, [
		['a', '1'],
		['b', '2'],
	]);
	t.deepEqual(
		checkpoint?.clientTable.toSorted(([a], [b]) => a - b),
		[
			[1, 1, {ok: true, value: 'ok'}],
			[2, 1, {ok: true, value: 'ok'}],
		],
	);
	t.is(cluster.replica(1).log.base, 2);
	t.is(cluster.replica(1).log.length, 1);
});

test('a restarted replica recovers from a primary whose log prefix was collected: checkpoint, then suffix', (t) => {
	const cluster = new Cluster({replicaCount: 3, checkpointInterval: 4});
	for (let i = 1; i <= 10; i++) {
		cluster.commit(1, i, append('k', String(i % 10)));
	}

	const replica = cluster.restart(2);
	cluster.settle(() => replica.status === 'normal');
	t.is(replica.checkpoint?.op, 8);
	t.deepEqual(cluster.executedOps(2), [9, 10]);
	t.deepEqual(stateOf(replica), stateOf(cluster.replica(0)));
	t.deepEqual(cluster.commit(1, 11, {op: 'get', key: 'k'}).result, {
		ok: true,
		value: '1234567890',
	});
});

for (const behind of [1, 2]) {
	test(`a view change installs the checkpoint on a replica behind the collected prefix (${behind === 1 ? 'the new primary' : 'a backup'})`, (t) => {
		const cluster = new Cluster({replicaCount: 3, checkpointInterval: 4});
		const ahead = behind === 1 ? 2 : 1;
		for (let i = 1; i <= 6; i++) {
			cluster.request(7, i, append('k', String(i)));
			cluster.run(among(0, ahead));
			cluster.drop({to: behind});
		}

		cluster.tick(0);
		cluster.run(among(0, ahead));
		cluster.queue = [];
		t.like(stateOf(cluster.replica(ahead)), {opNumber: 6, commitNumber: 6});
		t.is(cluster.replica(ahead).log.base, 4);
		t.is(cluster.replica(behind).opNumber, 0);
		cluster.crash(0);

		cluster.timeOut([1, 2]);
		cluster.run();
		const primary = cluster.replica(1);
		t.true(primary.isPrimary);
		const lagging = cluster.replica(behind);
		t.like(stateOf(lagging), {view: 1, status: 'normal', opNumber: 6, commitNumber: 6});
		t.is(lagging.checkpoint?.op, 4);
		t.deepEqual(cluster.executedOps(behind), [5, 6]);
		t.deepEqual(stateOf(cluster.replica(1)), stateOf(cluster.replica(2)));
		t.deepEqual(cluster.commit(7, 7, {op: 'get', key: 'k'}).result, {ok: true, value: '123456'});
	});
}
