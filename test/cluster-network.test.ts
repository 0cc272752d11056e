import {setTimeout as sleep} from 'node:timers/promises';
import test from 'ava';
import {Network, clientEndpoint, maxHeld} from '../source/cluster/network.js';

type Delivery = [from: number, to: number, message: string];

const messagesOf = (delivered: readonly Delivery[]): string[] =>
	delivered.map((delivery) => delivery[2]);

function network(options: {replicaCount?: number; random?: () => number} = {}) {
	const delivered: Delivery[] = [];
	const net = new Network<string>({
		replicaCount: options.replicaCount ?? 3,
		random: options.random,
		deliver(from, to, message) {
			delivered.push([from, to, message]);
		},
	});
	return {net, delivered};
}

test('with no fault the network is clean and delivers at once, in order', (t) => {
	const {net, delivered} = network();
	t.true(net.clean);
	net.route(0, 1, 'a');
	net.route(clientEndpoint, 0, 'b');
	net.route(2, clientEndpoint, 'c');
	t.deepEqual(delivered, [
		[0, 1, 'a'],
		[-1, 0, 'b'],
		[2, -1, 'c'],
	]);
});

test('drop rate 1 drops everything, 0 nothing; per node and per link rates apply to their traffic only', (t) => {
	const {net, delivered} = network();
	net.setGlobal({dropRate: 1});
	t.false(net.clean);
	net.route(0, 1, 'lost');
	net.setGlobal({dropRate: 0});
	t.true(net.clean);
	net.setNode(2, {dropRate: 1});
	net.route(0, 2, 'to 2');
	net.route(2, 0, 'from 2');
	net.route(0, 1, 'kept');
	net.setNode(2, {dropRate: 0});
	net.setLink(0, 1, {dropRate: 1});
	net.route(0, 1, 'link');
	net.route(1, 0, 'other way');
	t.deepEqual(messagesOf(delivered), ['kept', 'other way']);
	t.is(net.stats.dropped, 4);
});

test('combined drop rates are independent chances', (t) => {
	let roll = 0.6;
	const {net, delivered} = network({random: () => roll});
	net.setGlobal({dropRate: 0.5});
	net.setNode(1, {dropRate: 0.5});
	// 1 - 0.5 * 0.5 = 0.75 for 0 → 1; 0.5 for 0 → 2.
	net.route(0, 1, 'a');
	net.route(0, 2, 'b');
	roll = 0.8;
	net.route(0, 1, 'c');
	t.deepEqual(messagesOf(delivered), ['b', 'c']);
});

test('a partition blocks traffic across it, not within a side nor from clients', (t) => {
	const {net, delivered} = network({replicaCount: 5});
	net.partition([0, 1], [2, 3]);
	t.true(net.isPartitioned(0));
	t.false(net.isPartitioned(4));
	net.route(0, 2, 'across');
	net.route(3, 1, 'back across');
	net.route(0, 1, 'side a');
	net.route(2, 3, 'side b');
	net.route(4, 0, 'outside');
	net.route(clientEndpoint, 2, 'client');
	net.route(0, clientEndpoint, 'reply');
	t.deepEqual(messagesOf(delivered), ['side a', 'side b', 'outside', 'client', 'reply']);
	t.deepEqual(net.partitionSides(), [
		[0, 1],
		[2, 3],
	]);
	t.throws(() => {
		net.partition([0], [0, 1]);
	});
	net.heal();
	t.true(net.clean);
	net.route(0, 2, 'healed');
	t.is(delivered.at(-1)?.[2], 'healed');
});

test('isolate cuts one replica off both ways until healed', (t) => {
	const {net, delivered} = network();
	net.isolate(1);
	net.route(0, 1, 'in');
	net.route(1, 2, 'out');
	net.route(0, 2, 'others');
	net.route(clientEndpoint, 1, 'client');
	net.heal(1);
	net.route(1, 0, 'healed');
	t.deepEqual(messagesOf(delivered), ['others', 'client', 'healed']);
	t.is(net.stats.blocked, 2);
	t.throws(
		() => {
			net.isolate(3);
		},
		{message: /no replica 3/v},
	);
});

test('pause holds messages; step releases the oldest; resume the rest in order', (t) => {
	const {net, delivered} = network();
	net.pause();
	net.route(0, 1, 'a');
	net.route(1, 0, 'b');
	net.route(clientEndpoint, 0, 'c');
	t.is(net.heldCount, 3);
	t.is(delivered.length, 0);
	t.deepEqual(
		net.peekHeld().map((packet) => packet.message),
		['a', 'b', 'c'],
	);
	t.true(net.step());
	t.deepEqual(delivered, [[0, 1, 'a']]);
	net.resume();
	t.deepEqual(messagesOf(delivered), ['a', 'b', 'c']);
	t.false(net.step());
	t.true(net.clean);
});

test('held messages are bounded: the oldest go first', (t) => {
	const {net, delivered} = network();
	net.pause();
	for (let index = 0; index < maxHeld + 5; index++) {
		net.route(0, 1, String(index));
	}

	t.is(net.heldCount, maxHeld);
	t.is(net.stats.overflowed, 5);
	net.step();
	t.is(delivered[0]?.[2], '5');
});

test('duplicate rate 1 delivers every message twice', (t) => {
	const {net, delivered} = network();
	net.setGlobal({duplicateRate: 1});
	net.route(0, 1, 'a');
	t.deepEqual(delivered, [
		[0, 1, 'a'],
		[0, 1, 'a'],
	]);
	t.is(net.stats.duplicated, 1);
});

test('delay holds messages for that long and keeps their order; jitter and reorder can overtake', async (t) => {
	const {net, delivered} = network({random: () => 0.99});
	net.setGlobal({delayMs: 30});
	const start = performance.now();
	net.route(0, 1, 'a');
	net.route(0, 1, 'b');
	t.is(delivered.length, 0);
	t.false(net.clean);
	await sleep(80);
	t.deepEqual(messagesOf(delivered), ['a', 'b']);
	t.true(performance.now() - start >= 30);

	delivered.length = 0;
	net.setGlobal({delayMs: 0, reorderRate: 0.5});
	let roll = 0.1; // Below the reorder rate: held back up to the reorder window.
	const reordering = new Network<string>({
		replicaCount: 3,
		random: () => roll,
		deliver(from, to, message) {
			delivered.push([from, to, message]);
		},
	});
	reordering.setGlobal({reorderRate: 0.5});
	reordering.route(0, 1, 'late');
	roll = 0.9;
	reordering.route(0, 1, 'early');
	await sleep(60);
	t.deepEqual(messagesOf(delivered), ['early', 'late']);
	net.dispose();
	reordering.dispose();
});

test('fault settings are checked', (t) => {
	const {net} = network();
	t.throws(
		() => {
			net.setGlobal({dropRate: 2});
		},
		{instanceOf: RangeError},
	);
	t.throws(
		() => {
			net.setNode(0, {delayMs: -1});
		},
		{instanceOf: RangeError},
	);
	t.throws(
		() => {
			net.setLink(0, 9, {dropRate: 0.1});
		},
		{message: /no replica 9/v},
	);
});
