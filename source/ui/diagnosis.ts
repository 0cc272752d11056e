/**
Plain words for the states a newcomer cannot read from the numbers: a cluster that fell below a
quorum (stuck for good, since replicas keep no stable storage), and a lone replica that lost
what it had committed. The facts come from `cluster/failure-model.ts`.
*/
import {standing} from '../cluster/failure-model.js';
import type {ClusterSnapshot, NodeInfo} from '../cluster/operator-api.js';
import {formatCount} from './format.js';
import {keymap} from './keymap.js';

/** The key that resets the cluster, as the keymap names it. */
const resetKey = keymap.find((binding) => binding.action === 'reset')?.label ?? '?';

/** `node 1`, `nodes 1 and 2`, `nodes 0, 1 and 2`. */
export function nodeList(ids: readonly number[]): string {
	if (ids.length === 1) {
		return `node ${ids[0]}`;
	}

	return `nodes ${ids.slice(0, -1).join(', ')} and ${ids.at(-1)}`;
}

const capital = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
const isAre = (ids: readonly number[]): string => (ids.length === 1 ? 'is' : 'are');

/** What is wrong and the way out, while the cluster is below a quorum; undefined otherwise. */
export function stuckWords(snapshot: ClusterSnapshot): string | undefined {
	if (!snapshot.outsideFailureModel) {
		return undefined;
	}

	const {replicas, quorum, withState, crashed, recovering} = standing(
		snapshot.nodes,
		snapshot.dataDir !== undefined,
	);
	if (replicas === 1) {
		return `Node 0 is down, and every op it committed with it: a single replica has no one to recover from. r restarts it empty; ${resetKey} resets the cluster.`;
	}

	const left =
		withState.length === 0
			? 'no replica has its state'
			: `only ${nodeList(withState)} ${withState.length === 1 ? 'has its' : 'have their'} state`;
	const words: string[] = [];
	if (recovering.length > 0) {
		words.push(
			`${capital(nodeList(recovering))} cannot recover: Recovery needs answers from a quorum (${quorum}) of normal replicas, and ${left}.`,
		);
		if (crashed.length > 0) {
			words.push(`${capital(nodeList(crashed))} ${isAre(crashed)} down.`);
		}
	} else {
		words.push(
			`${capital(nodeList(crashed))} ${isAre(crashed)} down and ${left}: below a quorum (${quorum} of ${replicas}) nothing commits, and a restarted replica cannot recover.`,
		);
	}

	words.push(
		snapshot.attached === undefined
			? `Replicas keep no stable storage: nothing can bring the lost state back. ${resetKey} resets the cluster to a fresh one.`
			: 'Replica servers started with --data-dir come back from their disks; the others cannot get the lost state back.',
	);
	return words.join(' ');
}

/** What `r` does to `node`, in words, before it does it. */
export function restartWords(
	snapshot: ClusterSnapshot,
	node: NodeInfo,
): {
	readonly text: string;
	readonly tone: 'info' | 'warn' | 'error';
} {
	const what = node.status === 'crashed' ? `node ${node.id}` : `node ${node.id} (killed first)`;
	if (snapshot.dataDir !== undefined) {
		return {text: `restarting ${what} from its disk`, tone: 'info'};
	}

	if (snapshot.replicas === 1) {
		return node.commit > 0
			? {
					text: `restarted ${what} empty: a single replica has no one to recover from, so its ${formatCount(node.commit)} committed ops are lost (commit ${formatCount(node.commit)} → 0)`,
					tone: 'error',
				}
			: {text: `restarted ${what}: a single replica restarts empty`, tone: 'info'};
	}

	// Without this node, do a quorum of the others hold their state?
	const others = snapshot.nodes.filter((other) => other.id !== node.id);
	const holding = others.filter(
		(other) => other.status === 'normal' || other.status === 'view_change',
	).length;
	if (holding < standing(snapshot.nodes).quorum) {
		return {
			text: `restarting ${what}: it cannot recover, fewer than a quorum hold their state (${resetKey} resets the cluster)`,
			tone: 'warn',
		};
	}

	return {text: `restarting ${what}: it recovers, then catches up`, tone: 'info'};
}
