import type {Scenario} from '../scenario.js';

/** A client retries across a view change, and the client table keeps its write from executing twice. */
export const duplicateRequest: Scenario = {
	name: 'duplicate-request',
	summary:
		'A client retries across a view change; the client table keeps the write from executing twice',
	seed: 7,
	replicas: 3,
	steps: [
		{
			watch:
				'View 0, primary n0. The client writes append(log, "x"): run twice, it would leave "xx".',
			at: 100,
			act(actor) {
				actor.submit({op: 'append', key: 'log', value: 'x'});
			},
			caption: 'The client sends append(log, "x") to n0 as request {request}.',
			facts: () => ({request: 1}),
		},
		{
			watch: 'n0 commits it and replies…',
			until: (run) => run.node(0).commit >= 1,
			act(actor) {
				const reply = actor.cluster.inFlight().find((message) => message.type === 'reply');
				if (reply !== undefined) {
					actor.cluster.drop(reply.id);
				}

				actor.cluster.crash(0);
			},
			caption:
				'n0 committed op 1 (the append) and executed it; its reply is lost on the way (dropped), and n0 crashes. The client does not know that its write happened.',
			claims: [
				{
					says: 'the reply was dropped',
					holds: (run) => run.messages('reply', 'dropped').length === 1,
				},
				{says: 'n0 crashed', holds: (run) => run.node(0).status === 'crashed'},
				{
					says: 'the backups have op 1 in their logs',
					holds: (run) => run.node(1).op === 1 && run.node(2).op === 1,
				},
			],
			pause: true,
		},
		{
			watch: 'The client will retry request 1 at every replica; n1 and n2 change to view 1.',
			until: (run) => run.replies.length > 0,
			withinMs: 20_000,
			caption:
				'The client retried request 1 (retries: {retries}). n1, primary of view 1, had it in its log as op 1, and its client table knew request 1 of this client: it answered {result} from view {view} without a second op. n1 and n2 have op {op}: the append ran once.',
			facts(run) {
				const reply = run.messages('reply').at(-1)!;
				return {
					retries: run.events('client.retry').length,
					result: run.replies[0]!.result.ok
						? JSON.stringify(run.replies[0]!.result.value)
						: 'an error',
					view: reply.content.type === 'reply' ? reply.content.view : 'none',
					op: run.node(1).op,
				};
			},
			claims: [
				{says: 'the client retried', holds: (run) => run.events('client.retry').length > 0},
				{says: 'the answer came from view 1', holds: (_run, facts) => facts.view === 1},
				{
					says: 'there is still only one op',
					holds: (run) => run.node(1).op === 1 && run.node(2).op <= 1,
				},
				{
					says: 'n1 executed the append once',
					holds: (run) =>
						run
							.events('state_machine.operation.stop', 1)
							.filter((event) => event.metadata.operation === 'append').length === 1,
				},
			],
			pause: true,
		},
	],
};
