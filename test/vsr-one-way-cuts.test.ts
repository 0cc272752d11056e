import test from 'ava';
import {events} from '../source/telemetry/catalogue.js';
import {
	Cluster,
	type Envelope,
	type Selector,
	get,
	matches,
	put,
	stateOf,
} from './helpers/cluster-harness.js';

/** Messages from the other replicas into replica `id` (clients still reach it). */
const into =
	(id: number): Selector =>
	(envelope: Envelope) =>
		envelope.to === id && envelope.from !== 'client';

/**
Round after round: every replica and client ticks and the network delivers everything but
what `cut` selects, which is lost. Stops when `until` holds; returns the rounds it took.
*/
function runCut(cluster: Cluster, cut: Selector, rounds: number, until = () => false): number {
	const kept = (envelope: Envelope) => !matches(cut, envelope);
	for (let round = 0; round < rounds; round++) {
		cluster.drop(cut);
		cluster.run(kept);
		cluster.drop(cut);
		if (until()) {
			return round;
		}

		cluster.tick();
		cluster.tickClients();
	}

	return rounds;
}

const views = (cluster: Cluster) => cluster.ids().map((id) => cluster.replica(id).view);

const startViewChanges = (cluster: Cluster, from: number) =>
	cluster.sent.filter(
		(envelope) => envelope.from === from && envelope.message.type === 'start_view_change',
	);

test('the stall: a primary that can send but not receive is replaced, and the write waiting on it is answered', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('a', '1'));
	const client = cluster.createClient(2);
	cluster.submit(client, put('b', '2'));
	// Every replica-to-replica link into replica 0 is cut; its own messages still go out.
	const rounds = runCut(cluster, into(0), 5000, () => cluster.completions.length > 0);
	t.true(rounds < 5000, `answered after ${rounds} rounds`);

	t.deepEqual(
		cluster.completions.map(({result}) => result),
		[{ok: true, value: 'ok'}],
	);
	runCut(cluster, into(0), 200);
	const {primary} = cluster;
	t.truthy(primary);
	t.not(primary?.id, 0);
	t.true(
		views(cluster).every((view) => view >= 1),
		`views ${views(cluster).join(', ')}`,
	);
	// The deaf primary saw that no quorum answered and stepped down.
	t.like(cluster.eventsOf(events.leadershipStop, 0)[0]?.metadata, {reason: 'no quorum heard'});
	t.false(cluster.replica(0).isPrimary);
	t.is(cluster.replica(0).status, 'view_change', 'it never hears of the new view');
	t.deepEqual(cluster.commit(3, 1, get('b')).result, {ok: true, value: '2'});
});

test('an idle primary that hears from no backup steps down within two primary timeouts, and view 1 forms', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('a', '1'));
	cluster.clearRecords();
	const steppedDown = runCut(
		cluster,
		into(0),
		1000,
		() => cluster.replica(0).status === 'view_change',
	);
	t.true(steppedDown <= 2 * 50, `stepped down after ${steppedDown} ticks`);
	t.like(cluster.eventsOf(events.primaryTimeout, 0)[0]?.metadata, {primary: 0});
	t.like(cluster.eventsOf(events.leadershipStop, 0)[0]?.metadata, {reason: 'no quorum heard'});

	runCut(cluster, into(0), 1000, () => cluster.replica(1).isPrimary);
	t.like(stateOf(cluster.replica(1)), {view: 1, status: 'normal', commitNumber: 1});
	t.is(cluster.commit(1, 2, put('a', '2')).view, 1);
});

test('a primary that hears one backup of two has its quorum and stays', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('a', '1'));
	cluster.clearRecords();
	const cut = (envelope: Envelope) => envelope.from === 2 && envelope.to === 0;
	runCut(cluster, cut, 3000);
	t.deepEqual(views(cluster), [0, 0, 0]);
	t.is(cluster.eventsOf(events.viewChangeStart).length, 0);
	t.is(cluster.eventsOf(events.primaryTimeout).length, 0);
	t.true(cluster.replica(0).isPrimary);
});

test('a backup whose primary keeps sending but commits nothing while an op waits asks for a view change', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('a', '1'));
	cluster.request(1, 2, put('a', '2'));
	cluster.deliver({from: 'client'});
	cluster.deliver({type: 'prepare', to: 1}); // Replica 1 holds op 2; replica 2 does not.
	cluster.queue = [];
	cluster.clearRecords();

	// Replica 0 keeps telling both that op 1 is the last committed, every tick, for 1000 ticks.
	const asked = (id: number) => cluster.pending({type: 'start_view_change', from: id}).length > 0;
	let waited = 0;
	for (; waited < 1000 && !asked(1); waited++) {
		for (const id of [1, 2]) {
			cluster.forge(id, {type: 'commit', view: 0, commit: 1, from: 0, incarnation: 0});
		}

		cluster.tick([1, 2]);
	}

	t.true(waited < 2 * 50, `replica 1 asked after ${waited} ticks`);
	t.like(cluster.eventsOf(events.primaryTimeout, 1)[0]?.metadata, {primary: 0});
	t.like(cluster.pending({type: 'start_view_change', from: 1})[0]?.message, {view: 1});
	t.like(stateOf(cluster.replica(1)), {view: 0, status: 'normal'}, 'alone, it changes nothing');

	// Replica 2 waits for nothing: the same heartbeats show it a working primary.
	for (let tick = waited; tick < 1000; tick++) {
		cluster.forge(2, {type: 'commit', view: 0, commit: 1, from: 0, incarnation: 0});
		cluster.tick(2);
	}

	t.false(asked(2));
	t.is(cluster.eventsOf(events.primaryTimeout, 2).length, 0);
});

test('a replica that can send but not receive cannot depose a working primary, and rejoins its view when it hears again', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	cluster.commit(1, 1, put('a', '1'));
	cluster.clearRecords();
	runCut(cluster, into(2), 3000);

	t.deepEqual(views(cluster), [0, 0, 0]);
	t.is(cluster.eventsOf(events.viewChangeStart).length, 0, 'nobody entered a view change');
	t.true(cluster.replica(0).isPrimary);
	const votes = startViewChanges(cluster, 2);
	t.true(votes.length > 100, `replica 2 asked for view 1 ${votes.length} times`);
	t.true(votes.every(({message}) => message.type === 'start_view_change' && message.view === 1));
	t.is(cluster.eventsOf(events.primaryTimeout, 2).length, 1, 'it timed out once and kept asking');

	// The primary and replica 1 go on committing meanwhile.
	cluster.request(1, 2, put('a', '2'));
	runCut(cluster, into(2), 100, () => cluster.replica(1).commitNumber === 2);
	t.is(cluster.replica(0).commitNumber, 2);

	// Healed: replica 2 hears its primary again, stops asking and catches up, in view 0.
	const asked = startViewChanges(cluster, 2).length;
	cluster.settle(() => cluster.replica(2).commitNumber === 2);
	runCut(cluster, () => false, 200);
	t.deepEqual(views(cluster), [0, 0, 0]);
	t.deepEqual(stateOf(cluster.replica(2)).data, [['a', '2']]);
	t.true(startViewChanges(cluster, 2).length - asked <= 2, 'it stopped asking');
});
