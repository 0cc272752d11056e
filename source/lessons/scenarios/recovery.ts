import {nodeList} from '../caption.js';
import type {Scenario} from '../scenario.js';

const put = (key: string, value: string) => ({op: 'put', key, value}) as const;

/** A backup crashes and restarts empty: the nonce, the RecoveryResponses, the primary's answer; it catches up. */
export const recovery: Scenario = {
	name: 'recovery',
	summary:
		"A backup crashes and restarts: Recovery with a nonce, the answers, the primary's log; it catches up",
	seed: 4,
	replicas: 3,
	steps: [
		{
			watch: 'View 0, primary n0. One write that every replica commits.',
			at: 100,
			act(actor) {
				actor.submit(put('a', '1'));
			},
			caption: 'The client writes put(a, 1) through n0.',
		},
		{
			until: (run) => run.snapshot.nodes.every((node) => node.commit === 1),
			act(actor) {
				actor.cluster.crash(2);
				actor.submit(put('b', '2'));
			},
			caption:
				'Op 1 is committed everywhere. n2, a backup, crashes: replicas keep no stable storage, so its log is gone. The client writes put(b, 2); n0 and n1 are a quorum without n2.',
			claims: [{says: 'n2 crashed', holds: (run) => run.node(2).status === 'crashed'}],
			pause: true,
		},
		{
			until: (run) => run.node(0).commit >= 2 && run.node(1).op >= 2,
			act(actor) {
				actor.cluster.restart(2);
			},
			caption:
				'Op 2 committed without n2 (n0 commit {commit}). Now n2 restarts: a new process, with an empty log.',
			facts: (run) => ({commit: run.node(0).commit}),
			claims: [{says: 'op 2 committed at n0', holds: (run) => run.node(0).commit === 2}],
			pause: true,
		},
		{
			watch:
				'A restarted replica must not vote or answer on an empty log: it runs the recovery protocol.',
			until: (run) => run.messages('recovery').length >= 2,
			caption:
				'n2 is recovering: it sent Recovery with a fresh nonce ({nonce}) to {to}. The nonce tells its answers from those to an earlier life.',
			facts(run) {
				const sent = run.messages('recovery');
				const first = sent[0]!.content;
				return {
					nonce: first.type === 'recovery' ? first.nonce : 'none',
					to: nodeList(sent.map((each) => Number(each.to))),
				};
			},
			claims: [
				{says: 'n2 is recovering', holds: (run) => run.node(2).status === 'recovering'},
				{says: 'its log is empty', holds: (run) => run.node(2).op === 0},
			],
			pause: true,
		},
		{
			watch: 'Every normal replica answers with its view; only the primary adds its log.',
			until: (run) => run.node(2).status === 'normal',
			caption:
				'n2 had RecoveryResponses with its nonce from {from}; n{primary}, the primary of view {view}, sent its log (op {op}, commit {commit}). n2 took it: op {n2op}, commit {n2commit}, a backup again.',
			facts(run) {
				const answers = run.messages('recovery_response').filter((each) => each.to === 2);
				const withLog = answers.find(
					(each) =>
						each.content.type === 'recovery_response' && each.content.primaryState !== undefined,
				);
				const state =
					withLog?.content.type === 'recovery_response' ? withLog.content.primaryState : undefined;
				return {
					from: nodeList(answers.map((each) => Number(each.from))),
					primary: withLog === undefined ? 'none' : Number(withLog.from),
					view: withLog?.content.type === 'recovery_response' ? withLog.content.view : 'none',
					op: state?.opNumber ?? 'none',
					commit: state?.commitNumber ?? 'none',
					n2op: run.node(2).op,
					n2commit: run.node(2).commit,
				};
			},
			claims: [
				{
					says: 'the answer with the log came from the primary of the latest view',
					holds: (_run, facts) => facts.primary === 0 && facts.view === 0,
				},
				{
					says: "n2 has the primary's log",
					holds: (run, facts) => run.node(2).op === facts.op && run.node(2).status === 'normal',
				},
				{says: 'n2 has both ops', holds: (run) => run.node(2).op === 2},
			],
			pause: true,
		},
	],
};
