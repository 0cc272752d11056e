import {type OpenedFiles, openFileStorage} from '../storage/file-storage.js';
import type {Identity} from '../storage/records.js';
import type {StorageStats} from '../storage/replica-storage.js';
import type {Send} from '../vsr/messages.js';
import type {Replica} from '../vsr/replica.js';
import type {StorageStart} from '../vsr/storage.js';

/**
 * A replica's storage in its process: its directory, opened before the replica is made (how it
 * starts), the writes the replica asks for handed over after each of its inputs, and the
 * completions given back to it as inputs. Everything asked for in one turn of the event loop
 * goes out as one batch with one fdatasync (group commit, `openFileStorage`).
 */
export class ReplicaDisk {
	/** How the replica starts: new, from what the directory held, or with its disk lost. */
	readonly start: StorageStart;
	private readonly opened: OpenedFiles;
	private replica: Replica | undefined;

	/** Throws `StorageRefused` (one line) for a file that is not this replica's. */
	constructor(directory: string, identity: Identity) {
		this.opened = openFileStorage(directory, {identity, existing: true});
		this.start = this.opened.start;
	}

	/**
	 * The replica made with `start`: what it sends once its writes are durable goes to `send`;
	 * a failed disk (a write or a sync that errs) to `failed`, after which nothing is durable.
	 */
	attach(replica: Replica, send: (sends: Send[]) => void, failed: (error: Error) => void): void {
		this.replica = replica;
		const {storage} = this.opened;
		storage.onDurable = (seq) => {
			const sends = replica.onWritten(seq);
			this.persist();
			send(sends);
		};

		storage.onFailure = failed;
		this.persist(); // The new life's first write: its incarnation.
	}

	/** Hands what the replica asked for since its last input to storage (call after every input). */
	persist(): void {
		const writes = this.replica?.takeWrites();
		if (writes && writes.length > 0) {
			this.opened.storage.submit(writes);
		}
	}

	/** Batches, syncs and bytes written so far. */
	get stats(): StorageStats {
		return this.opened.storage.stats;
	}

	close(): void {
		this.opened.storage.close();
		this.opened.disk.close();
	}
}
