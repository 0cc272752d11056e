import {randomBytes} from 'node:crypto';
import {
	closeSync,
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
function readClusterFile(root: string): {cluster: string; replicas: number} {
	const where = path.join(root, clusterFileName);
	let parsed: unknown;
	try {
		parsed = JSON.parse(readFileSync(where, 'utf8'));
	} catch {
		refuse(`${where} is not a vsr-tui cluster file; refusing to use or overwrite it`);
	}

	const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<
		string,
		unknown
	>;
	const {format, cluster, replicas} = record;
	if (
		format !== clusterFormat ||
		typeof cluster !== 'string' ||
		!/^[\da-f]{32}$/v.test(cluster) ||
		typeof replicas !== 'number' ||
		!Number.isInteger(replicas) ||
		replicas < 1 ||
		replicas > 9
	) {
		refuse(`${where} is not a vsr-tui cluster file; refusing to use or overwrite it`);
	}

	return {cluster, replicas};
}

async function format(directory: string, identity: Identity): Promise<void> {
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
	const dataDir: DataDir = {root, cluster, replicaCount, created: true};
	for (let id = 0; id < replicaCount; id++) {
		// eslint-disable-next-line no-await-in-loop -- one directory after the other, in order
		await format(replicaDirectory(root, id), identityOf(dataDir, id));
	}

	// Last, and atomically: a directory without it was never a cluster that anyone used.
	const temporary = path.join(root, `${clusterFileName}.tmp`);
	writeFileSync(
		temporary,
		`${JSON.stringify({format: clusterFormat, version: 1, cluster, replicas: replicaCount})}\n`,
	);
	const fd = openSync(temporary, 'r');
	try {
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}

	renameSync(temporary, path.join(root, clusterFileName));
	syncDirectory(root);
	return dataDir;
}

/**
 * Opens the data directory of a cluster of `replicaCount` replicas, or creates one in an empty
 * (or missing) directory. Refuses, with one line (`StorageRefused`) and without changing
 * anything, a directory that holds something else: a file that is not ours, a cluster of
 * another size, a replica's file from another cluster or of another replica. A replica whose
 * directory is missing gets an empty one: it recovers from its peers.
 */
export async function openDataDir(root: string, replicaCount: number): Promise<DataDir> {
	mkdirSync(root, {recursive: true});
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

		return create(root, replicaCount);
	}

	const {cluster, replicas} = readClusterFile(root);
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

	const dataDir: DataDir = {root, cluster, replicaCount, created: false};
	const missing: string[] = [];
	for (let id = 0; id < replicaCount; id++) {
		const directory = replicaDirectory(root, id);
		if (!entries.includes(path.basename(directory))) {
			missing.push(directory);
			continue;
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

	// Only once nothing is refused: an empty directory for each replica that lost its own.
	for (const directory of missing) {
		mkdirSync(directory);
	}

	return dataDir;
}
