import {createHash} from 'node:crypto';
import {existsSync, readdirSync} from 'node:fs';
import process from 'node:process';
import {UsageError} from '../cli/flags.js';
import {formatReplicaDirectory} from '../cluster/data-dir.js';
import {ReplicaDisk} from '../cluster/replica-disk.js';
import {StorageRefused} from '../storage/read-back.js';
import type {Identity} from '../storage/records.js';
import {
	ClusterFileError,
	type ClusterFile,
	readClusterFile,
	readableByOthers,
} from './cluster-file.js';
import {MarkerError, type StartDecision, decideStart, writeMarker} from './incarnation.js';
import {Log} from './log.js';
import {ReplicaServer} from './replica-server.js';

/**
`vsr-tui replica --cluster FILE --id N [--data-dir DIR]`: one replica as a long-lived TCP server. It runs until
SIGINT or SIGTERM (then it closes its connections and exits 0), or until it finds its own state
impossible (exit 70: going on would turn a bug into silent data loss). Its log goes to stderr.
*/

export type ReplicaCommandOptions = {
	readonly cluster: string | undefined;
	readonly id: number | undefined;
	readonly recover: boolean;
	readonly marker: string | undefined;
	readonly dataDir: string | undefined;
};

/** A replica that found its own state impossible exits with this code. */
export const invariantExitCode = 70;

/**
What names the files of replica `id` of this cluster on its disk, so that a data directory of
another cluster, or of another replica, is refused: the cluster file's id (32 hex digits from
`cluster init`; any other id, of 1 to 128 characters, hashed to the 32 a file header holds).
*/
export function storageIdentity(cluster: ClusterFile, id: number): Identity {
	const clusterId = /^[\da-f]{32}$/v.test(cluster.cluster_id)
		? cluster.cluster_id
		: createHash('sha256').update(cluster.cluster_id).digest('hex').slice(0, 32);
	return {cluster: clusterId, replica: id, replicaCount: cluster.replicas.length};
}

/**
Opens `--data-dir`. An empty (or missing) one is a new replica's, formatted now, unless this
start is known to be a restart (`--recover`, or the marker says so): then its disk was lost and
the replica recovers from its peers. A directory of another cluster or replica is a usage error.
*/
async function openDisk(
	directory: string,
	identity: Identity,
	restart: boolean,
): Promise<ReplicaDisk> {
	try {
		const empty = !existsSync(directory) || readdirSync(directory).length === 0;
		if (empty && !restart) {
			await formatReplicaDirectory(directory, identity);
		}

		return new ReplicaDisk(directory, identity);
	} catch (error) {
		if (error instanceof StorageRefused) {
			throw new UsageError(error.message);
		}

		const code = error instanceof Error && 'code' in error ? String(error.code) : String(error);
		throw new UsageError(`cannot use the data directory ${directory} (${code})`);
	}
}

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

/** Says in the log how the replica starts: from its disk, new, or recovering (and what to do when that is wrong). */
function logHowItStarts(
	log: Log,
	decision: StartDecision,
	disk: ReplicaDisk | undefined,
	options: ReplicaCommandOptions,
): void {
	switch (disk?.start.kind) {
		case undefined: {
			log.line(`starting: ${decision.recovering ? 'recovering' : 'fresh'} (${decision.why})`);
			break;
		}

		case 'restored': {
			log.line(`starting from its data directory ${options.dataDir!}`);
			break;
		}

		case 'new': {
			log.line(`starting fresh: its data directory ${options.dataDir!} was empty`);
			break;
		}

		case 'lost': {
			log.line(
				`starting as a replica that lost its disk (${decision.recovering ? decision.why : disk.start.reason}): it recovers from its peers`,
			);
			break;
		}
	}

	if (disk?.start.kind !== 'restored' && !decision.recovering && options.marker === undefined) {
		log.line(
			disk === undefined
				? 'if this replica ran before in this cluster and lost its state, stop it and start it with --recover (or give it --marker FILE, so that it knows)'
				: 'if this replica ran before in this cluster and lost its disk, stop it and start it with --recover (or give it --marker FILE, so that it knows)',
		);
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

	const disk =
		options.dataDir === undefined
			? undefined
			: await openDisk(options.dataDir, storageIdentity(cluster, id), decision.recovering);
	if (readableByOthers(options.cluster!)) {
		log.line(
			`warning: ${options.cluster!} can be read by other users, and it holds the cluster's secret (chmod 600 it)`,
		);
	}

	logHowItStarts(log, decision, disk, options);
	let finish: (code: number) => void = () => undefined;
	const finished = new Promise<number>((resolve) => {
		finish = resolve;
	});
	const server = new ReplicaServer({
		cluster,
		id,
		recovering: decision.recovering,
		incarnation: decision.incarnation,
		disk,
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
