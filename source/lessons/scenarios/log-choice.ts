import {betterLog, doViewChangesTo} from '../facts.js';
import type {Scenario} from '../scenario.js';

const put = (key: string, value: string) => ({op: 'put', key, value}) as const;

/**
A view change where the longest log loses: n0, cut off as primary of view 0, appended ops that
nobody else has; the others moved on to view 1 and committed there. In the view change to view 2,
n0's log is the longest but from view 0, and n2's is chosen: its last normal view is later.
*/
export const logChoice: Scenario = {
	name: 'log-choice',
	summary:
		'A view change where the longest log is not chosen: another has a later last normal view',
	seed: 3,
	replicas: 3,
	clients: 3,
	steps: [
		{
			watch: 'View 0, primary n0. First one write that every replica commits.',
			at: 100,
			act(actor) {
				actor.submit(put('a', '1'));
			},
			caption: 'The client writes put(a, 1) through n0, the primary of view 0.',
			claims: [{says: 'n0 is the primary of view 0', holds: (run) => run.snapshot.primary === 0}],
		},
		{
			until: (run) => run.snapshot.nodes.every((node) => node.commit === 1),
			act(actor) {
				actor.cluster.isolate(0);
				actor.submit(put('b', '2'));
			},
			caption:
				'Op 1 is committed everywhere. Now n0 is isolated from the other replicas (clients still reach it), and clients send put(b, 2), then put(c, 3) and put(d, 4), 50 ms apart, to n0.',
			claims: [
				{
					says: 'op 1 is committed everywhere',
					holds: (run) => run.snapshot.nodes.every((node) => node.commit === 1),
				},
				{says: 'n0 is isolated', holds: (run) => run.node(0).network.isolated},
			],
			pause: true,
		},
		{
			until: (run) => run.timeMs >= run.stepStartMs + 50,
			act(actor) {
				actor.submit(put('c', '3'));
			},
			caption: 'put(c, 3) goes to n0.',
		},
		{
			until: (run) => run.timeMs >= run.stepStartMs + 50,
			act(actor) {
				actor.submit(put('d', '4'));
			},
			caption: 'put(d, 4) goes to n0.',
		},
		{
			watch: 'n0 appends the requests, but its Prepares reach nobody: the ops cannot commit.',
			until: (run) => run.node(0).op >= 4,
			caption:
				'n0 appended them as ops 2 to {op} in view 0; nobody else has them, so they stay uncommitted (commit {commit}).',
			facts: (run) => ({op: run.node(0).op, commit: run.node(0).commit}),
			claims: [
				{
					says: 'n0 has ops 2 to 4, uncommitted',
					holds: (run) => run.node(0).op === 4 && run.node(0).commit === 1,
				},
				{
					says: 'n1 and n2 do not have it',
					holds: (run) => run.node(1).op === 1 && run.node(2).op === 1,
				},
			],
			pause: true,
		},
		{
			watch: 'n1 and n2 stop hearing n0: a quorum of two asks for view 1.',
			until: (run) =>
				run.node(1).status === 'normal' &&
				run.node(1).view === 1 &&
				run.node(2).view === 1 &&
				run.node(2).status === 'normal',
			caption:
				'n1 and n2 changed to view 1 without n0; n1 is its primary (1 mod 3). Their logs end at op {op}. The clients, unanswered, will retry at every replica and find n1.',
			facts: (run) => ({op: run.node(1).op}),
			claims: [
				{
					says: 'n1 is primary of view 1',
					holds: (run) => run.node(1).isPrimary && run.node(1).view === 1,
				},
				{
					says: 'n0 still has its longer log from view 0',
					holds: (run) => run.node(0).op === 4 && run.node(0).view === 0,
				},
			],
			pause: true,
		},
		{
			watch:
				'Watch view 1 commit a retried request: n1 and n2 now have a later last normal view than n0.',
			until: (run) => run.node(2).op >= 2,
			act(actor) {
				actor.cluster.crash(1);
				actor.cluster.heal();
			},
			caption:
				'In view 1, n1 took the first retried request as op 2 and n2 appended it: n2 has op {op}. Now n1 crashes, and n0 is healed: n0 has op {n0op} from view 0, n2 has op {op} from view 1.',
			facts: (run) => ({op: run.node(2).op, n0op: run.node(0).op}),
			claims: [
				{
					says: 'n2 has ops of view 1',
					holds: (run) => run.node(2).view === 1 && run.node(2).op >= 2,
				},
				{says: "n0's log is longer than n2's", holds: (run) => run.node(0).op > run.node(2).op},
				{says: 'n1 crashed', holds: (run) => run.node(1).status === 'crashed'},
			],
			pause: true,
		},
		{
			watch:
				'n2 times out on n1; with n0 it makes a quorum for view 2, whose primary is n2 (2 mod 3).',
			until: (run) => run.node(2).status === 'normal' && run.node(2).view === 2,
			caption:
				"n2 chose its own log: last normal view {chosenLnv}, op {chosenOp}. n0's DoViewChange had op {longOp}, the longest, but from view {longLnv}: a later last normal view wins, so n0's uncommitted ops 2 to {longOp} of view 0 give way to n2's log.",
			facts(run) {
				const votes = doViewChangesTo(run, 2, 2);
				const n0 = votes.find((vote) => vote.from === 0);
				return {
					chosenLnv: 1,
					chosenOp: run.node(2).op,
					longOp: n0?.op ?? 'none',
					longLnv: n0?.lastNormalView ?? 'none',
				};
			},
			claims: [
				{
					says: 'n0 sent DoViewChange for view 2 with the longest log',
					holds: (_run, facts) =>
						typeof facts.longOp === 'number' && facts.longOp > Number(facts.chosenOp),
				},
				{
					says: "n2's log (later last normal view) beats n0's longer one",
					holds(run) {
						const n0 = doViewChangesTo(run, 2, 2).find((vote) => vote.from === 0);
						const own = {lastNormalView: 1, op: run.node(2).op};
						return (
							n0 !== undefined &&
							n0.op > own.op &&
							n0.lastNormalView < own.lastNormalView &&
							betterLog(own, n0)
						);
					},
				},
				{says: 'n2 is primary of view 2', holds: (run) => run.node(2).isPrimary},
			],
			pause: true,
		},
	],
};
