import {UsageError} from '../cli/flags.js';
import {heal, isolate, partition, stopReplica} from './admin.js';
import {type ClusterFile, formatAddress} from './cluster-file.js';
import type {ClusterCommandOptions} from './cluster-options.js';
import {clusterFileOf} from './replica-command.js';
import type {StatusReport} from './status.js';
import {probeStatus} from './status-probe.js';

/**
`vsr-tui cluster status|isolate|partition|heal|stop --cluster FILE`: what an operator does to a
running cluster of replica servers, from the command line (`admin.ts`). Exit 0 when every
replica did it, 1 with one line per problem otherwise.
*/

function replicaId(text: string | undefined, count: number, action: string): number {
	const id = Number(text);
	if (text === undefined || !/^\d$/v.test(text) || id >= count) {
		throw new UsageError(
			`cluster ${action} needs a replica of the cluster file, 0 to ${count - 1} (got ${text === undefined ? 'none' : JSON.stringify(text)})`,
		);
	}

	return id;
}

function describe(id: number, where: string, report: StatusReport): string {
	const role = report.primary ? 'primary' : 'backup';
	const peers = report.peers.flatMap((up, peer) => (up || peer === id ? [] : [peer]));
	return `replica ${id} at ${where}: ${report.status}, ${role}, view ${report.view}, op ${report.op}, commit ${report.commit}${peers.length > 0 ? `, not connected to ${peers.join(', ')}` : ''}`;
}

type Action = 'status' | 'isolate' | 'partition' | 'heal' | 'stop';

const isAction = (text: string | undefined): text is Action =>
	['status', 'isolate', 'partition', 'heal', 'stop'].includes(text ?? '');

async function status(
	cluster: ClusterFile,
	json: boolean,
	stdout: NodeJS.WritableStream,
): Promise<string[]> {
	const reports = await Promise.all(
		cluster.replicas.map(async (_, id) => probeStatus(cluster, id, 5000)),
	);
	if (json) {
		const rows = reports.map((report, id) =>
			typeof report === 'string' ? {type: 'error', replica: id, error: report} : report,
		);
		stdout.write(`${JSON.stringify(rows)}\n`);
	} else {
		for (const [id, report] of reports.entries()) {
			if (typeof report !== 'string') {
				stdout.write(`${describe(id, formatAddress(cluster.replicas[id]!), report)}\n`);
			}
		}
	}

	return reports.filter((report): report is string => typeof report === 'string');
}

/** Does it; resolves to the problems met and what to say when there are none. */
async function act(
	action: Action,
	argument: string | undefined,
	cluster: ClusterFile,
	output: {readonly json: boolean; readonly stdout: NodeJS.WritableStream},
): Promise<{problems: string[]; done: string}> {
	const count = cluster.replicas.length;
	switch (action) {
		case 'status': {
			return {problems: await status(cluster, output.json, output.stdout), done: ''};
		}

		case 'isolate': {
			const id = replicaId(argument, count, action);
			return {
				problems: await isolate(cluster, id),
				done: `replica ${id} isolated from the other replicas, both ways`,
			};
		}

		case 'partition': {
			const side = (argument ?? '').split(',').map((id) => replicaId(id, count, action));
			if (side.length >= count) {
				throw new UsageError(`cluster partition needs a side of 1 to ${count - 1} replicas`);
			}

			return {
				problems: await partition(cluster, side),
				done: `replicas ${side.join(', ')} cut off from the others, both ways`,
			};
		}

		case 'heal': {
			return {problems: await heal(cluster), done: 'every link healed: no cut, drop or delay'};
		}

		case 'stop': {
			const id = replicaId(argument, count, action);
			return {problems: await stopReplica(cluster, id), done: `replica ${id} is stopping`};
		}
	}
}

export async function clusterAction(
	input: readonly string[],
	options: ClusterCommandOptions,
	stdout: NodeJS.WritableStream,
	stderr: NodeJS.WritableStream,
): Promise<number> {
	const [action, ...args] = input;
	if (!isAction(action)) {
		throw new UsageError(`unknown cluster action ${JSON.stringify(action)}`);
	}

	const cluster = clusterFileOf(options.cluster, `cluster ${action}`);
	const arity = action === 'status' || action === 'heal' ? 0 : 1;
	if (args.length !== arity) {
		throw new UsageError(
			arity === 0
				? `cluster ${action} takes no argument (got ${JSON.stringify(args[0])})`
				: `cluster ${action} takes one argument: ${action === 'partition' ? 'the replicas of one side, e.g. 0,1' : 'a replica id'}`,
		);
	}

	if (options.json && action !== 'status') {
		throw new UsageError('--json applies to cluster status only');
	}

	const {problems, done} = await act(action, args[0], cluster, {json: options.json, stdout});
	for (const problem of problems) {
		stderr.write(`vsr-tui cluster: ${problem}\n`);
	}

	if (done !== '' && problems.length === 0) {
		stdout.write(`${done}\n`);
	}

	return problems.length === 0 ? 0 : 1;
}
