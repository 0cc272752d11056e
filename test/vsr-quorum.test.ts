import test from 'ava';
import {Acks, quorumOp, ViewVotes, Votes} from '../source/vsr/quorum.js';

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

test('ViewVotes: a vote for view w counts towards every view up to w; a view moves on only with a quorum', (t) => {
	const votes = new ViewVotes(3); // Five replicas.
	t.true(votes.record(1, 4));
	t.false(votes.record(1, 3), 'an earlier view from the same replica is no news');
	t.is(votes.of(1), 4);
	t.true(votes.record(2, 5));
	t.false(votes.reaches(4, 3), 'our vote for view 3 does not ask for view 4');
	t.true(votes.reaches(4, 4));
	t.true(votes.reaches(3, 3), 'votes for 4 and 5 also leave view 2');
	t.is(votes.highestAbove(2, 2), undefined, 'two replicas alone, and we do not ask');
	t.is(votes.highestAbove(2, 3), 3, 'with ours, a quorum leaves view 2');
	t.is(votes.highestAbove(3, 4), 4);
	t.true(votes.record(3, 5));
	t.is(votes.highestAbove(3, 3), 4, 'three others ask for view 4 or later: a quorum without us');
	votes.forget(3);
	t.is(votes.highestAbove(3, 3), undefined);
	votes.clear();
	t.is(votes.size, 0);
});
