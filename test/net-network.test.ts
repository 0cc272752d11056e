import test from 'ava';
import {clientAddress} from '../source/net/address.js';
import {InFlight} from '../source/net/in-flight.js';
import {NetworkModel} from '../source/net/network-model.js';
import {RoundScheduler} from '../source/net/scheduler.js';

const ms = 1_000_000;
const client = clientAddress(1);

function network(options: {replicaCount?: number; random?: () => number} = {}) {
	const model = new NetworkModel(options.replicaCount ?? 3, options.random ?? Math.random);
	const scheduler = new RoundScheduler<string>(model, {
		replicaCount: options.replicaCount ?? 3,
		slice: ms,
		tick: 10 * ms,
	});
	/** Sends each message now and returns the ones that arrive, in delivery order. */
	const arrive = (...sends: Array<[from: number, to: number, message: string]>): string[] => {
		for (const [from, to, message] of sends) {
			scheduler.send(from, to, message, scheduler.now);
		}

		const arrived: string[] = [];
		while (scheduler.inFlight.size > 0) {
			const round = scheduler.takeRound(scheduler.nextStart());
			for (let index = 0; index < round.count; index++) {
				arrived.push(round.messages[index]!.message);
			}
		}

		return arrived;
	};

	return {model, scheduler, arrive};
}

test('with no setting the network is clean: every message arrives once, at once, and nothing is drawn', (t) => {
	let draws = 0;
	const {model, scheduler, arrive} = network({
		random() {
			draws++;
			return 0.5;
		},
	});
	t.true(model.clean);
	scheduler.send(0, 1, 'a', 0);
	t.is(scheduler.inFlight.peek()?.due, 0);
	t.deepEqual(arrive([client, 0, 'b'], [2, client, 'c']), ['a', 'b', 'c']);
	t.is(draws, 0);
});

test('drop rate 1 drops everything, 0 nothing; per node and per link rates apply to their traffic only', (t) => {
	const {model, arrive} = network();
	model.setGlobal({dropRate: 1});
	t.false(model.clean);
	t.deepEqual(arrive([0, 1, 'lost']), []);
	model.setGlobal({dropRate: 0});
	t.true(model.clean);
	model.setNode(2, {dropRate: 1});
	t.deepEqual(arrive([0, 2, 'to 2'], [2, 0, 'from 2'], [0, 1, 'kept']), ['kept']);
	model.setNode(2, {dropRate: 0});
	model.setLink(0, 1, {dropRate: 1});
	t.deepEqual(arrive([0, 1, 'link'], [1, 0, 'other way']), ['other way']);
	t.is(model.stats.dropped, 4);
	t.is(model.route(0, 1).dropped, 'drop rate');
});

test('combined drop rates are independent chances', (t) => {
	let roll = 0.6;
	const {model, arrive} = network({random: () => roll});
	model.setGlobal({dropRate: 0.5});
	model.setNode(1, {dropRate: 0.5});
	// 1 - 0.5 * 0.5 = 0.75 for 0 → 1; 0.5 for 0 → 2.
	t.deepEqual(arrive([0, 1, 'a'], [0, 2, 'b']), ['b']);
	roll = 0.8;
	t.deepEqual(arrive([0, 1, 'c']), ['c']);
});

test('a partition blocks traffic across it, not within a side nor from clients', (t) => {
	const {model, arrive} = network({replicaCount: 5});
	model.partition([0, 1], [2, 3]);
	t.is(model.side(0), 1);
	t.is(model.side(4), undefined);
	t.deepEqual(
		arrive(
			[0, 2, 'across'],
			[3, 1, 'back across'],
			[0, 1, 'side a'],
			[2, 3, 'side b'],
			[4, 0, 'outside'],
			[client, 2, 'client'],
			[0, client, 'reply'],
		),
		['side a', 'side b', 'outside', 'client', 'reply'],
	);
	t.is(model.route(0, 2).dropped, 'partition');
	t.deepEqual(model.partitionSides(), [
		[0, 1],
		[2, 3],
	]);
	t.throws(() => {
		model.partition([0], [0, 1]);
	});
	model.heal();
	t.true(model.clean);
	t.deepEqual(arrive([0, 2, 'healed']), ['healed']);
});

test('a partition of any shape: three sides', (t) => {
	const {model, arrive} = network({replicaCount: 5});
	model.setSides([0, 0, 1, 2, 2]);
	t.deepEqual(model.partitionSides(), [[0, 1], [2], [3, 4]]);
	t.deepEqual(arrive([0, 1, 'same'], [1, 2, 'a|b'], [2, 3, 'b|c'], [3, 4, 'same too']), [
		'same',
		'same too',
	]);
});

test('isolate cuts one replica off both ways until healed', (t) => {
	const {model, arrive} = network();
	model.isolate(1);
	t.deepEqual(arrive([0, 1, 'in'], [1, 2, 'out'], [0, 2, 'others'], [client, 1, 'client']), [
		'others',
		'client',
	]);
	t.is(model.route(1, 0).dropped, 'isolated');
	model.heal(1);
	t.deepEqual(arrive([1, 0, 'healed']), ['healed']);
	t.is(model.stats.blocked, 3);
	t.throws(
		() => {
			model.isolate(3);
		},
		{message: /no replica 3/v},
	);
});

test('one-way cuts: a deaf node hears no replica, a mute node reaches none, a cut link one way only', (t) => {
	const {model, arrive} = network();
	model.setDeaf(0, true);
	t.deepEqual(arrive([1, 0, 'to deaf'], [0, 1, 'from deaf'], [client, 0, 'client to deaf']), [
		'from deaf',
		'client to deaf',
	]);
	t.is(model.route(1, 0).dropped, 'deaf');
	model.setDeaf(0, false);
	model.setMute(2, true);
	t.deepEqual(arrive([2, 0, 'from mute'], [0, 2, 'to mute'], [2, client, 'reply of mute']), [
		'to mute',
		'reply of mute',
	]);
	t.is(model.route(2, 1).dropped, 'mute');
	model.heal(2);
	model.setCut(0, 1, true);
	t.true(model.isCut(0, 1));
	t.deepEqual(arrive([0, 1, 'cut'], [1, 0, 'back'], [0, 2, 'elsewhere']), ['back', 'elsewhere']);
	t.is(model.route(0, 1).dropped, 'cut');
	model.heal();
	t.true(model.clean);
});

test('duplicate rate 1 delivers every message twice, each copy with its own number', (t) => {
	const {model, scheduler, arrive} = network();
	model.setGlobal({duplicateRate: 1});
	scheduler.send(0, 1, 'a', 0);
	t.deepEqual(
		scheduler.inFlight.list().map((entry) => entry.id),
		[1, 2],
	);
	t.deepEqual(arrive(), ['a', 'a']);
	t.is(model.stats.duplicated, 1);
});

test('a delay makes a message due that much later, in virtual time; jitter and reorder let later ones overtake', (t) => {
	let roll = 0.99;
	const {model, scheduler, arrive} = network({random: () => roll});
	model.setGlobal({delayMs: 30});
	scheduler.send(0, 1, 'a', 0);
	scheduler.send(0, 1, 'b', 0);
	t.deepEqual(
		scheduler.inFlight.list().map((entry) => [entry.message, entry.due]),
		[
			['a', 30 * ms],
			['b', 30 * ms],
		],
	);
	t.deepEqual(arrive(), ['a', 'b']);

	model.setGlobal({delayMs: 0, reorderRate: 0.5});
	roll = 0.1; // Below the reorder rate: held back up to the reorder window.
	scheduler.send(0, 1, 'late', scheduler.now);
	roll = 0.9;
	t.deepEqual(arrive([0, 1, 'early']), ['early', 'late']);

	model.setGlobal({reorderRate: 0, jitterMs: 10});
	roll = 0.9;
	scheduler.send(0, 1, 'jittered', scheduler.now);
	roll = 0;
	t.deepEqual(arrive([0, 1, 'straight']), ['straight', 'jittered']);
});

test('fault settings are checked', (t) => {
	const {model} = network();
	t.throws(
		() => {
			model.setGlobal({dropRate: 2});
		},
		{instanceOf: RangeError},
	);
	t.throws(
		() => {
			model.setNode(0, {delayMs: -1});
		},
		{instanceOf: RangeError},
	);
	t.throws(
		() => {
			model.setLink(0, 9, {dropRate: 0.1});
		},
		{message: /no replica 9/v},
	);
});

test('messages in flight come in (due, number) order; any can be taken out of turn', (t) => {
	const inFlight = new InFlight<string>();
	const a = inFlight.add(0, 1, 'a', 5);
	const b = inFlight.add(0, 2, 'b', 3);
	const c = inFlight.add(1, 2, 'c', 5);
	t.deepEqual(
		inFlight.list().map((entry) => entry.message),
		['b', 'a', 'c'],
	);
	t.is(inFlight.remove(a.id)?.message, 'a');
	t.is(inFlight.remove(a.id), undefined, 'only once');
	t.is(inFlight.size, 2);
	t.deepEqual(inFlight.list(1), [b]);
	t.is(inFlight.pop(), b);
	t.is(inFlight.pop(), c, 'a was taken out');
	t.is(inFlight.pop(), undefined);
	t.not(inFlight.takeId(), c.id, 'numbers are never reused');
});

test('a round takes its slice: ticks first, then messages in order; nothing sent in it is due inside it', (t) => {
	const {scheduler} = network();
	scheduler.send(0, 1, 'at 10.5', 10.5 * ms);
	scheduler.send(2, 1, 'at 10', 10 * ms);
	scheduler.send(0, 2, 'at 12', 12 * ms);
	t.is(scheduler.nextStart(), 10 * ms, 'the first message and the first tick share a slice');
	const round = scheduler.takeRound(scheduler.nextStart());
	t.true(round.tick);
	t.deepEqual(
		round.messages.slice(0, round.count).map((entry) => entry.message),
		['at 10', 'at 10.5'],
	);
	t.is(scheduler.now, 11 * ms);
	// An answer sent while taking the message at 10.5 ms, with no delay, waits for the next slice.
	scheduler.send(1, 0, 'answer', 10.5 * ms);
	t.is(scheduler.inFlight.list().find((entry) => entry.message === 'answer')?.due, 11 * ms);
	t.is(scheduler.nextStart(), 11 * ms);
	t.false(scheduler.takeRound(scheduler.nextStart()).tick);
	t.is(scheduler.nextStart(), 12 * ms, 'an empty slice is skipped');
	scheduler.takeRound(scheduler.nextStart());
	t.is(scheduler.nextStart(), 20 * ms, 'the next tick');
	scheduler.advanceTo(14.2 * ms);
	t.is(scheduler.now, 15 * ms, 'time moves on to the grid');
	t.throws(() => scheduler.takeRound(14 * ms), {instanceOf: RangeError});
});
