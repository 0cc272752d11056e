import test from 'ava';
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
