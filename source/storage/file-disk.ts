import {
	closeSync,
	fdatasync,
	fsync,
	close,
	mkdirSync,
	openSync,
	open,
	readdirSync,
	readFileSync,
	renameSync,
	rmSync,
	truncateSync,
	writeFileSync,
	writeSync,
} from 'node:fs';
import path from 'node:path';
import type {Disk} from './disk.js';

function errorOf(error: NodeJS.ErrnoException | null | undefined): Error | undefined {
	return error ?? undefined;
}

/**
 * A real directory. Writes are synchronous (they only reach the page cache, in microseconds);
 * `sync` and `syncDirectory` run on libuv's thread pool, so the event loop goes on meanwhile.
 */
export class FileDisk implements Disk {
	/** The file last appended to, kept open: one `open` per segment, not one per batch. */
	private readonly appending = new Map<string, number>();

	/** @param directory - Created if it is missing. */
	constructor(readonly directory: string) {
		mkdirSync(directory, {recursive: true});
	}

	where(name: string): string {
		return path.join(this.directory, name);
	}

	list(): string[] {
		return readdirSync(this.directory);
	}

	read(name: string): Uint8Array | undefined {
		try {
			return readFileSync(this.where(name));
		} catch (error) {
			if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
				return undefined;
			}

			throw error;
		}
	}

	append(name: string, bytes: Uint8Array): void {
		let fd = this.appending.get(name);
		if (fd === undefined) {
			this.close(); // Storage appends to one segment at a time.
			fd = openSync(this.where(name), 'a');
			this.appending.set(name, fd);
		}

		let written = 0;
		while (written < bytes.length) {
			written += writeSync(fd, bytes, written);
		}
	}

	write(name: string, bytes: Uint8Array): void {
		this.forget(name);
		writeFileSync(this.where(name), bytes);
	}

	truncate(name: string, length: number): void {
		truncateSync(this.where(name), length);
	}

	rename(from: string, to: string): void {
		this.forget(from);
		this.forget(to);
		renameSync(this.where(from), this.where(to));
	}

	remove(name: string): void {
		this.forget(name);
		rmSync(this.where(name), {force: true});
	}

	sync(name: string, done: (error?: Error) => void): void {
		const fd = this.appending.get(name);
		if (fd !== undefined) {
			fdatasync(fd, (error) => {
				done(errorOf(error));
			});
			return;
		}

		// Callbacks, not promises: storage is written in callback style so that the simulated disk can
		// complete operations synchronously, in the simulator's own order.
		// eslint-disable-next-line n/prefer-promises/fs
		open(this.where(name), 'r+', (error, opened) => {
			if (error) {
				done(error);
				return;
			}

			fdatasync(opened, (syncError) => {
				close(opened, () => {
					done(errorOf(syncError));
				});
			});
		});
	}

	syncDirectory(done: (error?: Error) => void): void {
		// eslint-disable-next-line n/prefer-promises/fs -- as in sync()
		open(this.directory, 'r', (error, fd) => {
			if (error) {
				// Windows cannot open a directory; its renames are durable without this.
				done(process.platform === 'win32' ? undefined : error);
				return;
			}

			fsync(fd, (syncError) => {
				close(fd, () => {
					done(process.platform === 'win32' ? undefined : errorOf(syncError));
				});
			});
		});
	}

	/** Closes the file it keeps open. */
	close(): void {
		for (const name of this.appending.keys()) {
			this.forget(name);
		}
	}

	private forget(name: string): void {
		const fd = this.appending.get(name);
		if (fd !== undefined) {
			this.appending.delete(name);
			closeSync(fd);
		}
	}
}
