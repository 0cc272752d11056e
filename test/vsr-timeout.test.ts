import test from 'ava';
import type {Send} from '../source/vsr/messages.js';
import {Replica} from '../source/vsr/replica.js';
import {Timeout} from '../source/vsr/timeout.js';

const ticksUntilFired = (timeout: Timeout): number => {
	let ticks = 0;
	do {
		timeout.tick();
		ticks++;
	} while (!timeout.fired());

	return ticks;
};

test('a timeout fires after its ticks, and counts again from zero once reset', (t) => {
	const timeout = new Timeout(3);
	t.false(timeout.fired());
	t.is(ticksUntilFired(timeout), 3);
	t.true(timeout.fired(), 'it stays fired until reset');
	timeout.reset();
	t.false(timeout.fired());
	timeout.tick();
	timeout.tick();
	timeout.reset();
	t.is(ticksUntilFired(timeout), 3);
});

test('backoff draws a new duration in [base, 2·base) and counts from zero', (t) => {
	const timeout = new Timeout(10);
	timeout.tick();
	timeout.backoff(() => 0);
	t.is(ticksUntilFired(timeout), 10);
	timeout.backoff(() => 0.999);
	t.is(ticksUntilFired(timeout), 19);
	timeout.backoff(() => 0.5);
	t.is(ticksUntilFired(timeout), 15);
	timeout.reset();
	t.is(ticksUntilFired(timeout), 15, 'a reset keeps the drawn duration');
});

test('expire makes a timeout fire now, whatever its count, until reset', (t) => {
	const timeout = new Timeout(50);
	timeout.tick();
	timeout.expire();
	t.true(timeout.fired());
	timeout.reset();
	t.false(timeout.fired());
	t.is(ticksUntilFired(timeout), 50);
});

test('a forced timeout: a backup asks for a view change now, a primary sends its heartbeat now; no tick passes for the rest', (t) => {
	const replicas = [0, 1, 2].map((id) => new Replica({id, replicaCount: 3}));
	const [primary, backup] = replicas;
	const types = (sends: Send[]) =>
		sends.map((send) => `${send.message.type}→${send.to === 'replica' ? send.replica : 'client'}`);

	t.deepEqual(types(backup!.expireTimeouts()), ['start_view_change→0', 'start_view_change→2']);
	t.is(backup!.view, 0, 'it asks; it enters the view change once a quorum asks');
	t.is(backup!.status, 'normal');

	t.deepEqual(types(primary!.expireTimeouts()), ['commit→1', 'commit→2']);
	// The quorum check kept its window: forced timeouts again and again never make the primary
	// step down for want of news, as 50 ticks of silence would.
	for (let index = 0; index < 100; index++) {
		primary!.expireTimeouts();
	}

	t.true(primary!.isPrimary);
	t.is(primary!.view, 0);
});
