import {nodeList} from '../caption.js';
import {doViewChangesTo, firstNode} from '../facts.js';
import type {Scenario} from '../scenario.js';

/** The primary crashes; a backup times out; the view change; the client's retry finds the new primary. */
export const viewChange: Scenario = {
	name: 'view-change',
	summary:
		'The primary crashes: StartViewChange, DoViewChange, StartView, and the client finds the new primary',
	seed: 2,
	replicas: 3,
	steps: [
		{
			watch: 'View 0, primary n0. One write first, so that there is a log to carry over.',
			at: 100,
			act(actor) {
				actor.submit({op: 'put', key: 'a', value: '1'});
			},
			caption: 'The client writes put(a, 1) through n0, the primary of view 0.',
			claims: [{says: 'n0 is the primary of view 0', holds: (run) => run.snapshot.primary === 0}],
		},
		{
			until: (run) =>
				run.replies.length > 0 && run.snapshot.nodes.every((node) => node.commit === 1),
			act(actor) {
				actor.cluster.crash(0);
				actor.submit({op: 'put', key: 'b', value: '2'});
			},
			caption:
				'Op 1 is committed on every replica. Now n0 crashes (SIGKILL: it loses its memory), and the client sends put(b, 2) to n0, the primary it knows. Nobody answers.',
			claims: [
				{
					says: 'op 1 is committed on every replica',
					holds: (run) =>
						run.snapshot.nodes.every((node) => node.op === 1 || node.status === 'crashed'),
				},
				{says: 'n0 crashed', holds: (run) => run.node(0).status === 'crashed'},
			],
			pause: true,
		},
		{
			watch: 'The backups hear no Prepare and no Commit from n0. Watch for a timeout.',
			until: (run) =>
				run.events('timer.primary_timeout').some((event) => event.atMs >= run.stepStartMs),
			caption:
				'n{first} heard nothing from n0 for {waited} ms and asks for view 1: it sends StartViewChange v1 to the others. It stays in view 0 until a quorum asks too (so a lone replica cannot unseat a working primary).',
			facts(run) {
				const first = firstNode(run, 'timer.primary_timeout', run.stepStartMs) ?? -1;
				return {first, waited: Math.round(run.timeMs - run.stepStartMs)};
			},
			claims: [
				{
					says: 'the replica that timed out is still in view 0',
					holds(run, facts) {
						const node = run.node(Number(facts.first));
						return node.status === 'normal' && node.view === 0;
					},
				},
			],
			pause: true,
		},
		{
			watch:
				'n1 is the primary of view 1 (1 mod 3). Watch the votes: StartViewChange, then DoViewChange to n1.',
			until: (run) => run.node(1).status === 'normal' && run.node(1).view === 1,
			caption:
				'n1 timed out too: with its vote, a quorum asks for view 1, and both enter view_change. n1 is the primary of view 1 (1 mod 3): it had DoViewChange from {voters}, and its own counts, a quorum. Every log it got says last normal view {lnv}, op {op}, so it takes that log, is primary of view 1, and sends StartView to the others.',
			facts(run) {
				const votes = doViewChangesTo(run, 1, 1);
				return {
					voters: nodeList(votes.map((vote) => vote.from)),
					lnv: [...new Set(votes.map((vote) => vote.lastNormalView))].join(' or '),
					op: [...new Set(votes.map((vote) => vote.op))].join(' or '),
				};
			},
			claims: [
				{
					says: 'n1 got a DoViewChange for view 1',
					holds: (run) => doViewChangesTo(run, 1, 1).length > 0,
				},
				{
					says: 'the logs agree: last normal view 0, op 1',
					holds: (run) =>
						doViewChangesTo(run, 1, 1).every((vote) => vote.lastNormalView === 0 && vote.op === 1),
				},
				{
					says: 'n1 is primary of view 1 with op 1',
					holds: (run) => run.node(1).isPrimary && run.node(1).op === 1,
				},
			],
			pause: true,
		},
		{
			watch: 'n2 processes StartView. Meanwhile the client still waits for put(b, 2).',
			until: (run) => run.replies.length >= 2,
			caption:
				'The client timed out and sent its request again to every replica ({retries} retries); n1, the new primary, took it as op {op} and replied {result} from view {view}.',
			facts(run) {
				const reply = run.replies[1]!;
				return {
					retries: run.events('client.retry').length,
					op: run.node(1).op,
					result: reply.result.ok ? JSON.stringify(reply.result.value) : reply.result.error,
					view: run.snapshot.view,
				};
			},
			claims: [
				{says: 'the client retried', holds: (run) => run.events('client.retry').length > 0},
				{
					says: 'the reply came from view 1',
					holds(run) {
						const reply = run.messages('reply').at(-1)?.content;
						return reply?.type === 'reply' && reply.view === 1;
					},
				},
				{
					says: 'n2 follows n1 in view 1',
					holds: (run) => run.node(2).view === 1 && run.node(2).status === 'normal',
				},
				{says: 'put(b, 2) is op 2', holds: (run) => run.node(1).op === 2},
			],
			pause: true,
		},
	],
};
