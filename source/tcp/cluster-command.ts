import {UsageError} from '../cli/flags.js';
import {
	ClusterFileError,
	type ReplicaAddress,
	formatAddress,
	newClusterFile,
	writeClusterFile,
} from './cluster-file.js';

/**
`vsr-tui cluster init`: writes a new cluster file (a fresh cluster id and secret, and the
replicas' addresses) for every host of the cluster to share.
*/

export type ClusterCommandOptions = {
	readonly replicas: number;
	readonly hosts: readonly ReplicaAddress[] | undefined;
	readonly out: string;
};

/** Without --hosts: replica i on 127.0.0.1, port 7001 + i. */
export const defaultAddresses = (replicas: number): ReplicaAddress[] =>
	Array.from({length: replicas}, (_, id) => ({host: '127.0.0.1', port: 7001 + id}));

export function clusterCommand(
	input: readonly string[],
	options: ClusterCommandOptions,
	stdout: NodeJS.WritableStream,
	stderr: NodeJS.WritableStream,
): number {
	const [action, extra] = input;
	if (action !== 'init') {
		throw new UsageError(
			action === undefined
				? 'cluster needs an action: init'
				: `unknown cluster action ${JSON.stringify(action)} (expected: init)`,
		);
	}

	if (extra !== undefined) {
		throw new UsageError(`unexpected argument ${JSON.stringify(extra)} after "cluster init"`);
	}

	const {hosts} = options;
	// --replicas has a default (3): a list of another length wins unless --replicas says otherwise.
	if (hosts !== undefined && options.replicas !== 3 && options.replicas !== hosts.length) {
		throw new UsageError(
			`--replicas ${options.replicas} does not match the ${hosts.length} address(es) of --hosts`,
		);
	}

	const file = newClusterFile(hosts ?? defaultAddresses(options.replicas));
	try {
		writeClusterFile(options.out, file);
	} catch (error) {
		if (error instanceof ClusterFileError) {
			stderr.write(`vsr-tui cluster: ${error.message}\n`);
			return 1;
		}

		throw error;
	}

	const n = file.replicas.length;
	stdout.write(
		`wrote ${options.out}: cluster ${file.cluster_id}, ${n} replica${n === 1 ? '' : 's'} at ${file.replicas.map((address) => formatAddress(address)).join(', ')}; copy it to every host and keep it private (it holds the cluster's secret)\n`,
	);
	return 0;
}
