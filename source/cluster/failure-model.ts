/**
Where a cluster stands against VR's failure model. Replicas keep no stable storage, so VR
Revisited works while at most f of the n replicas are down, crashed or still recovering: a
quorum (f + 1 of 2f + 1, a majority) must keep its state. Below a quorum nothing commits, no view
change completes, and a restarted replica cannot recover (Recovery needs answers from a quorum
of normal replicas); nothing brings the lost state back. A single replica has no one to
recover from: restarted, it starts empty.

With a data directory (`durable`), a crashed replica keeps its state on its disk and a restarted
one starts from it: crashes alone never leave the cluster stuck (every replica down at once
included); only replicas that lost their disk and are recovering count against it.
*/
import {Configuration} from '../vsr/configuration.js';
import type {NodeInfo} from './operator-api.js';

export type Standing = {
	readonly replicas: number;
	readonly f: number;
	readonly quorum: number;
	/** Replicas that hold their state: normal, or in a view change. */
	readonly withState: readonly number[];
	readonly crashed: readonly number[];
	/** Restarted replicas that have not recovered (recovering, or their process still starting). */
	readonly recovering: readonly number[];
	/** Fewer than a quorum hold their state: stuck for good (no stable storage), until a reset. */
	readonly stuck: boolean;
};

export function standing(nodes: readonly NodeInfo[], durable = false): Standing {
	const configuration = new Configuration(Math.max(1, nodes.length));
	const ids = (...statuses: ReadonlyArray<NodeInfo['status']>): number[] =>
		nodes.filter((node) => statuses.includes(node.status)).map((node) => node.id);
	const withState = ids('normal', 'view_change');
	// With disks, crashed and starting replicas hold their state too: on disk.
	const holding = durable ? ids('normal', 'view_change', 'crashed', 'starting') : withState;
	return {
		replicas: nodes.length,
		f: configuration.f,
		quorum: configuration.quorum,
		withState,
		crashed: ids('crashed'),
		recovering: ids('recovering', 'starting'),
		stuck: nodes.length > 0 && holding.length < configuration.quorum,
	};
}
