import {nodeList} from '../caption.js';
import type {LessonRun, Scenario} from '../scenario.js';

const put = (key: string, value: string) => ({op: 'put', key, value}) as const;

const majorityPrimary = (run: LessonRun) =>
	[2, 3, 4].find((id) => run.node(id).isPrimary && run.node(id).status === 'normal');

/** The primary cut off with a minority: it cannot commit, the majority moves on, and on heal the old primary learns the new view. */
export const minority: Scenario = {
	name: 'minority',
	summary:
		'The primary is cut off with a minority: no commit there, a new view on the majority side, and no split brain',
	seed: 6,
	replicas: 5,
	steps: [
		{
			watch: 'Five replicas, view 0, primary n0; a quorum is 3.',
			at: 100,
			act(actor) {
				actor.submit(put('a', '1'));
			},
			caption: 'The client writes put(a, 1) through n0.',
		},
		{
			until: (run) => run.snapshot.nodes.every((node) => node.commit === 1),
			act(actor) {
				actor.cluster.partition([0, 1], [2, 3, 4]);
				actor.submit(put('b', '2'));
			},
			caption:
				'Op 1 is committed everywhere. The network splits: n0 (the primary) and n1 on one side, n2, n3 and n4 on the other. The client sends put(b, 2) to n0.',
			claims: [
				{
					says: 'n0 and n1 are on one side',
					holds: (run) => run.node(0).network.side === run.node(1).network.side,
				},
				{
					says: 'n2 is on the other',
					holds: (run) => run.node(0).network.side !== run.node(2).network.side,
				},
			],
			pause: true,
		},
		{
			watch: 'n0 prepares the write: only n1 can answer.',
			until: (run) => run.node(1).op >= 2,
			caption:
				'n0 appended put(b, 2) as op {op} and n1 has it too: 2 replicas, and a quorum is 3. n0 cannot commit it (commit {commit}), so it cannot reply.',
			facts: (run) => ({op: run.node(0).op, commit: run.node(0).commit}),
			claims: [
				{
					says: 'op 2 is not committed at n0',
					holds: (run) => run.node(0).commit === 1 && run.node(0).op === 2,
				},
			],
			pause: true,
		},
		{
			watch:
				"The majority side hears no primary. Watch it change views (view 1's primary, n1, is on the wrong side).",
			until: (run) => majorityPrimary(run) !== undefined,
			withinMs: 20_000,
			caption:
				'n2, n3 and n4, a quorum, started view {view}, and n{primary} is its primary (the primary of view v is v mod 5; view 1 could not form, its primary n1 is cut off). On the other side n0 shows {n0status} in view {n0view}: it never committed op 2.',
			facts(run) {
				const primary = majorityPrimary(run)!;
				return {
					view: run.node(primary).view,
					primary,
					n0status: run.node(0).isPrimary ? 'primary' : run.node(0).status,
					n0view: run.node(0).view,
				};
			},
			claims: [
				{says: 'n0 never committed op 2', holds: (run) => run.node(0).commit === 1},
				{
					says: 'the new primary is on the majority side',
					holds: (run) => majorityPrimary(run) !== undefined,
				},
				{
					says: 'n2, n3 and n4 are in the new view',
					holds: (run, facts) => [2, 3, 4].every((id) => run.node(id).view === facts.view),
				},
			],
			pause: true,
		},
		{
			watch: 'The client, unanswered, retries at every replica.',
			until: (run) => run.replies.length >= 2,
			act(actor) {
				actor.cluster.heal();
			},
			caption:
				'The retry reached n{primary}, which committed put(b, 2) in view {view} and replied {result}. No reply ever came from n0: it could not get a quorum, so the write it held was never acknowledged there. Now the network heals.',
			facts(run) {
				const reply = run.messages('reply').at(-1)!;
				return {
					primary: Number(reply.from),
					view: reply.content.type === 'reply' ? reply.content.view : 'none',
					result: run.replies[1]!.result.ok ? 'ok' : 'an error',
				};
			},
			claims: [
				{
					says: 'no reply came from n0 after the split',
					holds: (run) => run.messages('reply').filter((each) => each.from === 0).length === 1,
				},
				{
					says: "the reply came from the majority's primary",
					holds: (run, facts) => facts.primary === majorityPrimary(run),
				},
			],
			pause: true,
		},
		{
			watch: 'n0 and n1 hear the new primary.',
			until: (run) =>
				run.node(0).status === 'normal' &&
				run.node(0).view === run.snapshot.view &&
				run.node(1).view === run.snapshot.view,
			caption:
				'n0 learned view {view}: it is a backup of n{primary} now, with op {op} and commit {commit}, like {all}.',
			facts(run) {
				const primary = run.snapshot.primary ?? -1;
				return {
					view: run.snapshot.view,
					primary,
					op: run.node(0).op,
					commit: run.node(0).commit,
					all: nodeList([1, 2, 3, 4].filter((id) => run.node(id).op === run.node(0).op)),
				};
			},
			claims: [
				{
					says: 'n0 is a backup in the new view',
					holds: (run) => !run.node(0).isPrimary && run.node(0).view === run.snapshot.view,
				},
				{
					says: 'n0 agrees with the others',
					holds: (run) => run.snapshot.nodes.every((node) => node.op === run.node(0).op),
				},
			],
			pause: true,
		},
	],
};
