import process from 'node:process';
import {UsageError} from '../cli/flags.js';
import {
	ClusterFileError,
	type ClusterFile,
	readClusterFile,
	readableByOthers,
} from './cluster-file.js';
import {MarkerError, decideStart, writeMarker} from './incarnation.js';
import {Log} from './log.js';
import {ReplicaServer} from './replica-server.js';

/**
`vsr-tui replica --cluster FILE --id N`: one replica as a long-lived TCP server. It runs until
SIGINT or SIGTERM (then it closes its connections and exits 0), or until it finds its own state
impossible (exit 70: going on would turn a bug into silent data loss). Its log goes to stderr.
*/

export type ReplicaCommandOptions = {
	readonly cluster: string | undefined;
	readonly id: number | undefined;
	readonly recover: boolean;
	readonly marker: string | undefined;
};

/** A replica that found its own state impossible exits with this code. */
export const invariantExitCode = 70;

/** Reads the cluster file named by --cluster; a missing or bad one is a usage error (exit 2). */
export function clusterFileOf(path: string | undefined, mode: string): ClusterFile {
	if (path === undefined) {
		throw new UsageError(`${mode} needs --cluster FILE (write one with \`vsr-tui cluster init\`)`);
	}

	try {
		return readClusterFile(path);
	} catch (error) {
		if (error instanceof ClusterFileError) {
			throw new UsageError(error.message);
		}

		throw error;
	}
}

export async function replicaCommand(
	options: ReplicaCommandOptions,
	stderr: NodeJS.WritableStream,
): Promise<number> {
	const cluster = clusterFileOf(options.cluster, 'replica');
	const {id} = options;
	const n = cluster.replicas.length;
	if (id === undefined) {
		throw new UsageError(`replica needs --id N: which replica of the cluster file, 0 to ${n - 1}`);
	}

	if (id >= n) {
		throw new UsageError(
			`--id must be a replica of the cluster file, from 0 to ${n - 1} (got ${id})`,
		);
	}

	const log = new Log(`replica ${id}`, (text) => {
		stderr.write(text);
	});
	let decision;
	try {
		decision = decideStart({
			recover: options.recover,
			marker: options.marker,
			clusterId: cluster.cluster_id,
			replica: id,
			now: Date.now(),
		});
	} catch (error) {
		if (error instanceof MarkerError) {
			throw new UsageError(error.message);
		}

		throw error;
	}

	if (readableByOthers(options.cluster!)) {
		log.line(
			`warning: ${options.cluster!} can be read by other users, and it holds the cluster's secret (chmod 600 it)`,
		);
	}

	log.line(`starting: ${decision.recovering ? 'recovering' : 'fresh'} (${decision.why})`);
	if (!decision.recovering && options.marker === undefined) {
		log.line(
			'if this replica ran before in this cluster and lost its state, stop it and start it with --recover (or give it --marker FILE, so that it knows)',
		);
	}

	let finish: (code: number) => void = () => undefined;
	const finished = new Promise<number>((resolve) => {
		finish = resolve;
	});
	const server = new ReplicaServer({
		cluster,
		id,
		recovering: decision.recovering,
		incarnation: decision.incarnation,
		log,
		onBrokenInvariant() {
			finish(invariantExitCode);
		},
		onStopRequested() {
			finish(0);
		},
	});
	try {
		await server.start();
	} catch (error) {
		const code = error instanceof Error && 'code' in error ? String(error.code) : String(error);
		const address = cluster.replicas[id]!;
		stderr.write(
			`vsr-tui replica: cannot listen on ${address.host}:${address.port} (${code}${code === 'EADDRNOTAVAIL' ? ': this host does not have that address' : code === 'EADDRINUSE' ? ': another process listens there' : ''})\n`,
		);
		await server.stop();
		return 1;
	}

	if (options.marker !== undefined) {
		try {
			writeMarker(options.marker, cluster.cluster_id, id, decision.incarnation);
		} catch (error) {
			await server.stop();
			stderr.write(`vsr-tui replica: ${error instanceof Error ? error.message : String(error)}\n`);
			return 1;
		}
	}

	const onSignal = (signal: NodeJS.Signals | 'its parent went away') => {
		log.line(`stopping (${signal})`);
		void server.stop().then(() => {
			finish(0);
		});
	};

	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	// Started by a program over IPC (a test, the benchmark): no server outlives it.
	const parentGone = () => {
		onSignal('its parent went away');
	};

	process.channel?.unref();
	process.once('disconnect', parentGone);
	const code = await finished;
	process.removeListener('disconnect', parentGone);
	process.removeListener('SIGINT', onSignal);
	process.removeListener('SIGTERM', onSignal);
	return code;
}
