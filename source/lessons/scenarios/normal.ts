import {nodeList} from '../caption.js';
import type {Scenario} from '../scenario.js';

/** One request from the client to its reply, then the Commit that tells the backups. */
export const normal: Scenario = {
	name: 'normal',
	summary:
		'One request: Prepare, PrepareOk from a quorum, commit, reply, then Commit to the backups',
	seed: 1,
	replicas: 3,
	steps: [
		{
			watch: 'Three replicas in view 0; n0 is its primary (0 mod 3). A client is about to write.',
			at: 100,
			act(actor) {
				actor.submit({op: 'put', key: 'x', value: '1'});
			},
			caption:
				'The client sends put(x, 1) to n{primary}, the primary of view {view}: in view v the primary is v mod {replicas}.',
			facts: (run) => ({
				primary: run.snapshot.primary ?? 'none',
				view: run.snapshot.view,
				replicas: run.snapshot.replicas,
			}),
			claims: [
				{
					says: 'n0 is the primary of view 0',
					holds: (run) => run.snapshot.primary === 0 && run.snapshot.view === 0,
				},
			],
			pause: true,
		},
		{
			watch: 'Watch the primary append the request to its log and send Prepare to the backups.',
			until: (run) => run.messages('prepare').length >= 2,
			caption:
				'n0 appended the request as op {op} and sent Prepare v0 op {op} to {backups}; each backup appends it and answers PrepareOk.',
			facts(run) {
				const prepares = run.messages('prepare');
				return {
					op: run.node(0).op,
					backups: nodeList(prepares.map((each) => Number(each.to))),
				};
			},
			claims: [
				{says: 'n0 appended the request as op 1', holds: (run) => run.node(0).op === 1},
				{
					says: 'Prepare op 1 reached both backups',
					holds: (run) =>
						run
							.messages('prepare')
							.filter((each) => each.content.type === 'prepare' && each.content.op === 1)
							.map((each) => Number(each.to))
							.toSorted((a, b) => a - b)
							.join(',') === '1,2',
				},
			],
			pause: true,
		},
		{
			watch: 'Watch for the first PrepareOk to reach n0: with its own, that is a quorum.',
			until: (run) => run.node(0).commit >= 1,
			caption:
				'n0 has PrepareOk for op 1 from {ackers}: with its own that makes {votes}, and a quorum is {quorum}. Op 1 commits at n0 (commit {commit}) and n0 executes it; the backups still show commit {backupCommit}.',
			facts(run) {
				const acks = run.messages('prepare_ok').filter((each) => each.to === 0);
				const ackers = [...new Set(acks.map((each) => Number(each.from)))];
				return {
					ackers: nodeList(ackers),
					votes: ackers.length + 1,
					quorum: Math.floor(run.snapshot.replicas / 2) + 1,
					commit: run.node(0).commit,
					backupCommit: Math.max(run.node(1).commit, run.node(2).commit),
				};
			},
			claims: [
				{
					says: 'a quorum holds op 1',
					holds: (_run, facts) => Number(facts.votes) >= Number(facts.quorum),
				},
				{says: 'op 1 commits at n0', holds: (run) => run.node(0).commit === 1},
				{
					says: 'the backups have not committed it yet',
					holds: (run) => run.node(1).commit === 0 && run.node(2).commit === 0,
				},
			],
			pause: true,
		},
		{
			watch: 'The reply travels back to the client.',
			until: (run) => run.replies.length > 0,
			caption:
				'The client has its reply, {result}, from view {view}, {latency} ms of virtual time after it asked.',
			facts(run) {
				const reply = run.replies[0]!;
				return {
					result: reply.result.ok
						? JSON.stringify(reply.result.value)
						: `error ${reply.result.error}`,
					view: run.snapshot.view,
					latency: reply.latencyMs.toFixed(1),
				};
			},
			claims: [{says: 'the reply is ok', holds: (run) => run.replies[0]?.result.ok === true}],
			pause: true,
		},
		{
			watch:
				"The backups learn of the commit from the primary's next Commit (a heartbeat when idle).",
			until: (run) => run.node(1).commit >= 1 && run.node(2).commit >= 1,
			caption:
				'n0 sent Commit with commit number {commit}: n1 and n2 executed op 1 too. Every replica now has op {op}, commit {commit}.',
			facts: (run) => ({commit: run.node(1).commit, op: run.node(1).op}),
			claims: [
				{
					says: 'a Commit from n0 reached the backups',
					holds: (run) => run.messages('commit').some((each) => each.from === 0),
				},
				{
					says: 'every replica has op 1, commit 1',
					holds: (run) => run.snapshot.nodes.every((node) => node.op === 1 && node.commit === 1),
				},
			],
			pause: true,
		},
	],
};
