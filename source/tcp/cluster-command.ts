import {UsageError} from '../cli/flags.js';
import {
	ClusterFileError,
	type ReplicaAddress,
	formatAddress,
	newClusterFile,
	writeClusterFile,
} from './cluster-file.js';
import type {ClusterCommandOptions} from './cluster-options.js';

/**
`vsr-tui cluster init`: writes a new cluster file (a fresh cluster id and secret, and the
replicas' addresses) for every host of the cluster to share. The other actions act on a running
cluster as an operator (`cluster-actions.ts`).
*/

export type {ClusterCommandOptions} from './cluster-options.js';

const actions = 'init, status, isolate, partition, heal, stop';

/** Without --hosts: replica i on 127.0.0.1, port 7001 + i. */
export const defaultAddresses = (replicas: number): ReplicaAddress[] =>
	Array.from({length: replicas}, (_, id) => ({host: '127.0.0.1', port: 7001 + id}));

export async function clusterCommand(
	input: readonly string[],
	options: ClusterCommandOptions,
	stdout: NodeJS.WritableStream,
	stderr: NodeJS.WritableStream,
): Promise<number> {
	const [action, extra] = input;
	if (action === undefined) {
		throw new UsageError(`cluster needs an action: ${actions}`);
	}

	if (action !== 'init') {
		if (!['status', 'isolate', 'partition', 'heal', 'stop'].includes(action)) {
			throw new UsageError(
				`unknown cluster action ${JSON.stringify(action)} (expected one of: ${actions})`,
			);
		}

		const initOnly = [
			['--hosts', options.hosts !== undefined],
			['--out', options.out !== undefined],
		] as const;
		const given = initOnly.find(([, present]) => present);
		if (given !== undefined) {
			throw new UsageError(`${given[0]} applies to cluster init only, not to cluster ${action}`);
		}

		const {clusterAction} = await import('./cluster-actions.js');
		return clusterAction(input, options, stdout, stderr);
	}

	if (options.cluster !== undefined || options.json) {
		throw new UsageError(
			`${options.cluster === undefined ? '--json' : '--cluster'} does not apply to cluster init (it writes a new cluster file: --out)`,
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

	const out = options.out ?? 'cluster.json';
	const file = newClusterFile(hosts ?? defaultAddresses(options.replicas));
	try {
		writeClusterFile(out, file);
	} catch (error) {
		if (error instanceof ClusterFileError) {
			stderr.write(`vsr-tui cluster: ${error.message}\n`);
			return 1;
		}

		throw error;
	}

	const n = file.replicas.length;
	stdout.write(
		`wrote ${out}: cluster ${file.cluster_id}, ${n} replica${n === 1 ? '' : 's'} at ${file.replicas.map((address) => formatAddress(address)).join(', ')}; copy it to every host and keep it private (it holds the cluster's secret)\n`,
	);
	return 0;
}
