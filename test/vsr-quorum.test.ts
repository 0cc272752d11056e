import test from 'ava';
import {Acks, quorumOp, Votes} from '../source/vsr/quorum.js';

test('quorumOp: the highest op that a quorum of cumulative acks reaches', (t) => {
	t.is(quorumOp([5, 3, 0], 2), 3);
	t.is(quorumOp([5, 3, 4], 2), 4);
	t.is(quorumOp([5, 3, 4], 3), 3);
	t.is(quorumOp([7, 0, 0, 0, 0], 3), 0);
	t.is(quorumOp([7, 6, 0, 6, 2], 3), 6);
	t.is(quorumOp([9], 1), 9);
});

test('Acks: only a higher ack moves a replica on, and a restarted replica is forgotten', (t) => {
	const acks = new Acks(3, 2);
	acks.set(0, 4);
	t.is(acks.committable(), 0, 'the primary alone is no quorum');
	t.true(acks.advance(2, 3));
	t.false(acks.advance(2, 2), 'an older cumulative ack says nothing new');
	t.is(acks.of(2), 3);
	t.is(acks.committable(), 3);
	acks.forget(2);
	t.is(acks.of(2), 0);
	t.is(acks.committable(), 0);
	t.true(acks.advance(1, 4));
	t.is(acks.committable(), 4);
	acks.clear();
	t.is(acks.committable(), 0);
});

test('Votes: one per replica, the latest kept, counted against the quorum', (t) => {
	const votes = new Votes<string>(2);
	t.true(votes.record(1, 'a'));
	t.false(votes.reached);
	t.false(votes.record(1, 'b'), 'a second vote from the same replica is not a new one');
	t.false(votes.reached);
	t.is(votes.get(1), 'b');
	t.true(votes.record(0, 'c'));
	t.true(votes.reached);
	t.deepEqual([...votes.values()], ['b', 'c'], 'in the order replicas first voted');
	votes.forget(1);
	t.false(votes.has(1));
	t.false(votes.reached);
	votes.clear();
	t.is(votes.size, 0);
});
