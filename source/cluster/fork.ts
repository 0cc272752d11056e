import type {ForkPoint} from './operator-api.js';
import type {ProcessCluster} from './process-cluster.js';

/** Virtual time a replay may go past an action it did not log before it is called different. */
const differsAfterNs = 1e9;

/**
Plays a fresh seeded cluster (started paused with `point.actions` to replay) to the fork point, as
a replay of a recording does: every round that starts before the point's time, then, for each
replayed action after it, the rounds before its time and the action; then waits for what those
actions queued (a delivery by hand, a forced timeout). There time stands still, and every action
from now on is the new timeline's. Rejects when the run did not deliver the point's messages (it
is not the run it forks).
*/
export async function playToFork(cluster: ProcessCluster, point: ForkPoint): Promise<void> {
	let delivered = 0;
	const unsubscribe = cluster.onMessage((event) => {
		if (event.kind === 'delivered') {
			delivered++;
		}
	});
	try {
		await playUntil(cluster, point.at);
		for (let done = cluster.actions().length; done < point.actions.length;) {
			const {at} = point.actions[done]!;
			await playUntil(cluster, at);
			await cluster.applyDueActions();
			if (cluster.actions().length === done) {
				// Taken and not logged (a delivery of a message that is not in flight): not the same run.
				if (cluster.nextRoundAt() > at + differsAfterNs) {
					throw new Error(
						`the replay did not take action ${done + 1} (${point.actions[done]!.action}): it is not the same run`,
					);
				}

				await playUntil(cluster, cluster.nextRoundAt() + 1);
			}

			done = cluster.actions().length;
		}

		await cluster.halt();
	} finally {
		unsubscribe();
	}

	if (delivered < point.delivered) {
		throw new Error(
			`the replay delivered ${delivered} messages where the run had ${point.delivered}: it is not the same run`,
		);
	}
}

/** Plays every round that starts before `at` (virtual ns), with the replayed actions due on the way. */
async function playUntil(cluster: ProcessCluster, at: number): Promise<void> {
	while (cluster.nextRoundAt() < at) {
		const before = cluster.snapshot().virtualTimeMs;
		await cluster.advanceRound();
		if (cluster.snapshot().virtualTimeMs === before) {
			// A round moves time on (time stands still, so the rounds are all it moves): none is
			// played once the cluster stopped.
			throw new Error('the fork stopped before its point');
		}
	}
}
