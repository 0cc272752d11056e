import type {ObservedEvent, Scenario} from '../scenario.js';

const lastTransfer = (events: readonly ObservedEvent[]) => events.at(-1)?.metadata ?? {};

/** A backup cut off while the cluster commits, then healed: GetState and NewState, a suffix; then, past a checkpoint, a snapshot. */
export const stateTransfer: Scenario = {
	name: 'state-transfer',
	summary:
		'A backup is isolated while the cluster commits, then healed: GetState, NewState (a suffix), then a snapshot',
	seed: 5,
	replicas: 3,
	checkpointInterval: 4,
	steps: [
		{
			watch: 'View 0, primary n0. n2 is about to be cut off.',
			at: 100,
			act(actor) {
				actor.cluster.isolate(2);
				actor.cluster.burst(3);
			},
			caption: 'n2 is isolated from the other replicas, and the client sends three writes.',
			claims: [{says: 'n2 is isolated', holds: (run) => run.node(2).network.isolated}],
		},
		{
			until: (run) => run.node(0).commit >= 3,
			act(actor) {
				actor.cluster.heal();
			},
			caption:
				'n0 and n1 committed ops 1 to {commit} without n2 (a quorum of two); n2 still has op {n2op}. Now the network heals.',
			facts: (run) => ({commit: run.node(0).commit, n2op: run.node(2).op}),
			claims: [
				{
					says: 'n2 missed the ops',
					holds: (run) => run.node(2).op === 0 && run.node(0).commit === 3,
				},
			],
			pause: true,
		},
		{
			watch: 'n2 hears the primary again: a Commit for ops it does not have.',
			until: (run) => run.events('state_transfer.snapshot_received', 2).length > 0,
			caption:
				'n2 asked n0 with GetState for what follows op {fromOp}; n0 answered NewState with ops {firstOp} to {toOp}, a suffix of its log (no checkpoint needed). n2 has op {n2op}, commit {n2commit}.',
			facts(run) {
				const got = lastTransfer(run.events('state_transfer.snapshot_received', 2));
				return {
					fromOp: Number(got.from_op),
					firstOp: Number(got.from_op) + 1,
					toOp: Number(got.to_op),
					n2op: run.node(2).op,
					n2commit: run.node(2).commit,
				};
			},
			claims: [
				{
					says: 'n2 sent GetState',
					holds: (run) => run.messages('get_state').some((each) => each.from === 2),
				},
				{
					says: 'NewState was a suffix without a checkpoint',
					holds(run) {
						const got = lastTransfer(run.events('state_transfer.snapshot_received', 2));
						return got.checkpoint !== true && Number(got.to_op) === 3;
					},
				},
				{says: 'n2 caught up', holds: (run) => run.node(2).op === 3},
			],
			pause: true,
		},
		{
			watch:
				'Again, but longer: every 4 commits a replica takes a checkpoint and drops the log before it.',
			act(actor) {
				actor.cluster.isolate(2);
				actor.cluster.burst(7);
			},
			caption: 'n2 is isolated again, and the client sends seven more writes.',
		},
		{
			until: (run) => run.node(0).commit >= 10,
			act(actor) {
				actor.cluster.heal();
			},
			caption:
				'n0 committed up to op {commit} and took checkpoints on the way ({checkpoints}): its log before op {last} is gone. n2 is at op {n2op}. The network heals.',
			facts(run) {
				const taken = run.events('checkpoint.taken', 0).map((event) => Number(event.metadata.op));
				return {
					commit: run.node(0).commit,
					checkpoints: taken.map((op) => `at op ${op}`).join(', '),
					last: Math.max(0, ...taken),
					n2op: run.node(2).op,
				};
			},
			claims: [
				{
					says: "n0 took a checkpoint past n2's op",
					holds: (run) =>
						run
							.events('checkpoint.taken', 0)
							.some((event) => Number(event.metadata.op) > run.node(2).op),
				},
			],
			pause: true,
		},
		{
			until: (run) => run.events('state_transfer.snapshot_received', 2).length >= 2,
			caption:
				"NewState could not be a suffix: n0 no longer has the ops after n2's op 3. It carried the checkpoint at op {checkpoint} (a snapshot of the key-value store and the client table) and the ops after it, up to {toOp}. n2 has op {n2op}.",
			facts(run) {
				const got = lastTransfer(run.events('state_transfer.snapshot_received', 2));
				return {checkpoint: Number(got.from_op), toOp: Number(got.to_op), n2op: run.node(2).op};
			},
			claims: [
				{
					says: 'NewState carried a checkpoint',
					holds(run) {
						const got = lastTransfer(run.events('state_transfer.snapshot_received', 2));
						return got.checkpoint === true && Number(got.from_op) > 3;
					},
				},
				{says: 'n2 caught up to op 10', holds: (run) => run.node(2).op === 10},
			],
			pause: true,
		},
	],
};
