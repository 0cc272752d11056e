/** Which messages only keep time (hidden with the heartbeats), link by link. */
import test from 'ava';
import {TimerTraffic} from '../source/net/timer-traffic.js';
import type {Commit, Prepare, PrepareOk} from '../source/vsr/messages.js';

const commit = (view: number, number: number): Commit => ({
	type: 'commit',
	from: 0,
	incarnation: 0,
	view,
	commit: number,
});

const prepare = (op: number): Prepare => ({
	type: 'prepare',
	from: 0,
	incarnation: 0,
	view: 0,
	op,
	commit: op - 1,
	entry: {op, view: 0, clientId: 1, requestNumber: op, operation: {op: 'get', key: 'k'}},
});

const ack = (op: number): PrepareOk => ({type: 'prepare_ok', from: 1, incarnation: 0, view: 0, op});

test('a Commit that carries no newer commit number on its link is a heartbeat; a new view or number is news', (t) => {
	const traffic = new TimerTraffic(3);
	t.false(traffic.isTimerTraffic(0, 1, commit(0, 0)));
	t.true(traffic.isTimerTraffic(0, 1, commit(0, 0)));
	t.false(traffic.isTimerTraffic(0, 2, commit(0, 0)), 'each link on its own');
	t.false(traffic.isTimerTraffic(0, 1, commit(0, 1)));
	t.false(traffic.isTimerTraffic(0, 1, commit(1, 1)), 'a new view');
	t.true(traffic.isTimerTraffic(0, 1, commit(1, 1)));
});

test('a Prepare sent again is timer traffic, unless the operator dropped the first by hand', (t) => {
	const traffic = new TimerTraffic(3);
	t.false(traffic.isTimerTraffic(0, 1, prepare(1)));
	t.false(traffic.isTimerTraffic(0, 2, prepare(1)));
	t.true(traffic.isTimerTraffic(0, 1, prepare(1)), 'resent after the resend timeout');
	// The operator drops the one to replica 2: the primary's next to it is news, then no more.
	traffic.forget(0, 2, prepare(1));
	t.false(traffic.isTimerTraffic(0, 2, prepare(1)));
	t.true(traffic.isTimerTraffic(0, 2, prepare(1)));
	// The same for an ack dropped by hand: the backup's next ack of the op (its answer to a
	// heartbeat) is what lets the primary commit, and stays in sight.
	t.false(traffic.isTimerTraffic(1, 0, ack(1)));
	t.true(traffic.isTimerTraffic(1, 0, ack(1)));
	traffic.forget(1, 0, ack(1));
	t.false(traffic.isTimerTraffic(1, 0, ack(1)));
});

test('client traffic is never timer traffic', (t) => {
	const traffic = new TimerTraffic(3);
	t.false(traffic.isTimerTraffic(-1, 0, commit(0, 0)));
	t.false(traffic.isTimerTraffic(-1, 0, commit(0, 0)));
});
