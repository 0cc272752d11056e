import {randomBytes} from 'node:crypto';
import {
	closeSync,
	existsSync,
	fsyncSync,
	mkdirSync,
	openSync,
	readFileSync,
	readdirSync,
	renameSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import path from 'node:path';
import {FileDisk} from '../storage/file-disk.js';
import {StorageRefused, readBack} from '../storage/read-back.js';
import type {Identity} from '../storage/records.js';
import {ReplicaStorage} from '../storage/replica-storage.js';
import {isRecord} from './ipc.js';

/** The file that names a data directory's cluster: its id and size. */
export const clusterFileName = 'vsr-tui-cluster.json';

const clusterFormat = 'vsr-tui cluster';

/** A cluster's data directory, ready for its replicas: one directory each, formatted. */
export type DataDir = {
	readonly root: string;
	/** 32 hexadecimal digits, chosen when the cluster was created; in every file's header. */
	readonly cluster: string;
	readonly replicaCount: number;
	/** The cluster was created now (its replicas start new), rather than found. */
	readonly created: boolean;
	/** How many times the cluster was started before this one (0: created now). */
	readonly session: number;
};

/** Where replica `id` of the cluster in `root` keeps its log and checkpoints. */
export function replicaDirectory(root: string, id: number): string {
	return path.join(root, `replica-${id}`);
}

/** Whose files replica `id`'s directory holds. */
export function identityOf(dataDir: DataDir, id: number): Identity {
	return {cluster: dataDir.cluster, replica: id, replicaCount: dataDir.replicaCount};
}

function refuse(message: string): never {
	throw new StorageRefused(message);
}

function syncDirectory(directory: string): void {
	const fd = openSync(directory, 'r');
	try {
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
}

/** Reads the cluster file; one line on anything that is not one of ours. */
function readClusterFile(root: string): {cluster: string; replicas: number; sessions: number} {
	const where = path.join(root, clusterFileName);
	let parsed: unknown;
	try {
		parsed = JSON.parse(readFileSync(where, 'utf8'));
	} catch {
		refuse(`${where} is not a vsr-tui cluster file; refusing to use or overwrite it`);
	}

	const record = isRecord(parsed) ? parsed : {};
	const {format, cluster, replicas, sessions = 1} = record;
	if (
		format !== clusterFormat ||
		typeof cluster !== 'string' ||
		!/^[\da-f]{32}$/v.test(cluster) ||
		typeof replicas !== 'number' ||
		!Number.isInteger(replicas) ||
		replicas < 1 ||
		replicas > 9 ||
		typeof sessions !== 'number' ||
		!Number.isSafeInteger(sessions) ||
		sessions < 1
	) {
		refuse(`${where} is not a vsr-tui cluster file; refusing to use or overwrite it`);
	}

	return {cluster, replicas, sessions};
}

/** Writes the cluster file atomically: a temporary file, fsync, rename, fsync the directory. */
function writeClusterFile(root: string, cluster: string, replicas: number, sessions: number): void {
	const temporary = path.join(root, `${clusterFileName}.tmp`);
	writeFileSync(
		temporary,
		`${JSON.stringify({format: clusterFormat, version: 1, cluster, replicas, sessions})}\n`,
	);
	const fd = openSync(temporary, 'r');
	try {
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}

	renameSync(temporary, path.join(root, clusterFileName));
	syncDirectory(root);
}

/** Formats one replica's directory (created if missing): from then on, one that holds nothing is a lost disk. */
export async function formatReplicaDirectory(directory: string, identity: Identity): Promise<void> {
	const disk = new FileDisk(directory);
	try {
		await new Promise<void>((resolve, reject) => {
			ReplicaStorage.format(disk, identity, (error) => {
				if (error) {
					reject(error);
				} else {
					resolve();
				}
			});
		});
	} finally {
		disk.close();
	}
}

/** A new cluster in an empty directory: every replica's directory formatted, then the cluster file. */
async function create(root: string, replicaCount: number): Promise<DataDir> {
	const cluster = randomBytes(16).toString('hex');
	const dataDir: DataDir = {root, cluster, replicaCount, created: true, session: 0};
	for (let id = 0; id < replicaCount; id++) {
		await formatReplicaDirectory(replicaDirectory(root, id), identityOf(dataDir, id));
	}

	// Last, and atomically: a directory without it was never a cluster that anyone used.
	writeClusterFile(root, cluster, replicaCount, 1);
	return dataDir;
}

/**
 * Checks, reading only, that `root` is the data directory of a cluster of `replicaCount`
 * replicas or can become one (missing or empty): refuses, with one line (`StorageRefused`), a
 * directory that holds something else: a file that is not ours, a cluster of another size, a
 * replica's file from another cluster or of another replica. Returns the cluster found, or
 * undefined for none yet.
 */
export function checkDataDir(root: string, replicaCount: number): DataDir | undefined {
	if (!existsSync(root)) {
		return undefined;
	}

	if (!statSync(root).isDirectory()) {
		refuse(`${root} is not a directory`);
	}

	const entries = readdirSync(root).toSorted();
	if (!entries.includes(clusterFileName)) {
		if (entries.length > 0) {
			refuse(
				`${path.join(root, entries[0]!)} is in the way: ${root} holds no vsr-tui cluster, and a new cluster needs an empty directory`,
			);
		}

		return undefined;
	}

	const {cluster, replicas, sessions} = readClusterFile(root);
	if (replicas !== replicaCount) {
		refuse(
			`${root} holds a cluster of ${replicas} replicas, not ${replicaCount}: start it with --replicas ${replicas}, or use another directory`,
		);
	}

	const ours = new Set([
		clusterFileName,
		...Array.from({length: replicaCount}, (_, id) => path.basename(replicaDirectory(root, id))),
	]);
	const stranger = entries.find((name) => !ours.has(name));
	if (stranger !== undefined) {
		refuse(
			`${path.join(root, stranger)} was not written by vsr-tui; refusing to use a data directory that holds it`,
		);
	}

	const dataDir: DataDir = {root, cluster, replicaCount, created: false, session: sessions};
	for (let id = 0; id < replicaCount; id++) {
		const directory = replicaDirectory(root, id);
		if (!entries.includes(path.basename(directory))) {
			continue; // Lost: `openDataDir` gives it an empty one.
		}

		if (!statSync(directory).isDirectory()) {
			refuse(`${directory} is not a directory`);
		}

		// Reading back checks every file's header: another cluster's or replica's file is refused.
		const disk = new FileDisk(directory);
		try {
			readBack(disk, identityOf(dataDir, id));
		} finally {
			disk.close();
		}
	}

	return dataDir;
}

/**
 * Opens the data directory of a cluster of `replicaCount` replicas (see `checkDataDir` for what
 * it refuses, changing nothing), or creates one in an empty or missing directory. A replica
 * whose directory is missing gets an empty one: it recovers from its peers.
 */
export async function openDataDir(root: string, replicaCount: number): Promise<DataDir> {
	const found = checkDataDir(root, replicaCount);
	if (found === undefined) {
		mkdirSync(root, {recursive: true});
		return create(root, replicaCount);
	}

	for (let id = 0; id < replicaCount; id++) {
		mkdirSync(replicaDirectory(root, id), {recursive: true});
	}

	writeClusterFile(root, found.cluster, replicaCount, found.session + 1);
	return found;
}
