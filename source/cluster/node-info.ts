import type {NetworkModel} from '../net/network-model.js';
import type {NodeInfo, NodeStatus} from './operator-api.js';
import type {NodeState} from './replica-processes.js';

/** A replica as the node table shows it: its process, what it last reported, and its network. */
export function nodeInfo(node: NodeState, network: NetworkModel): NodeInfo {
	const up = node.child !== undefined;
	let status: NodeStatus;
	if (!up) {
		status = 'crashed';
	} else if (node.reported) {
		status = node.status;
	} else {
		status = 'starting';
	}

	const faults = network.nodeFaults(node.id);
	const isolated = network.isIsolated(node.id);
	const label = network.side(node.id);
	// The sides of `partition` are labelled 1 and 2: A and B.
	const side = label === undefined ? undefined : String.fromCodePoint(64 + label);
	return {
		id: node.id,
		pid: up ? node.child?.pid : undefined,
		status,
		isPrimary: up && node.isPrimary,
		view: node.view,
		op: node.op,
		commit: node.commit,
		restarts: node.restarts,
		durableOp: node.durable,
		network: {
			isolated,
			partitioned: side !== undefined && !isolated,
			deaf: network.isDeaf(node.id),
			mute: network.isMute(node.id),
			frozen: node.frozen,
			side,
			dropRate: faults.dropRate,
			delayMs: faults.delayMs,
			jitterMs: faults.jitterMs,
		},
	};
}
