import {setImmediate} from 'node:timers';
import {FileDisk} from './file-disk.js';
import {type Opened, ReplicaStorage, type ReplicaStorageOptions} from './replica-storage.js';

/** What a file-backed replica storage holds besides what `ReplicaStorage.open` returns. */
export type OpenedFiles = Opened & {readonly disk: FileDisk};

/**
 * A replica's storage in a real directory (created if missing), with group commit: everything
 * a replica asks for in one turn of the event loop goes out in one batch with one fdatasync.
 * Throws `StorageRefused` (one line) if the directory holds a file that is not this replica's.
 */
export function openFileStorage(
	directory: string,
	options: Omit<ReplicaStorageOptions, 'schedule'>,
): OpenedFiles {
	const disk = new FileDisk(directory);
	try {
		const opened = ReplicaStorage.open(disk, {
			...options,
			schedule(flush) {
				setImmediate(flush);
			},
		});
		return {...opened, disk};
	} catch (error) {
		disk.close();
		throw error;
	}
}
