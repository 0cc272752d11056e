/**
 * A directory of files as replica storage uses it: reads and writes go to the page cache at
 * once, and `sync` and `syncDirectory` make them durable. `FileDisk` is a real directory;
 * `SimulatedDisk` is one in memory that loses, tears and corrupts what a real one may.
 */
export type Disk = {
	/** The file's path (or name) in messages. */
	where(name: string): string;
	/** The names of the files in the directory. */
	list(): string[];
	/** A file's content as it reads now, or undefined if there is no such file. */
	read(name: string): Uint8Array | undefined;
	/** Appends to a file, creating it if it is missing. Durable once synced. */
	append(name: string, bytes: Uint8Array): void;
	/** Creates or replaces a file with these bytes. Durable once synced (its name once the directory is). */
	write(name: string, bytes: Uint8Array): void;
	/** Cuts a file to `length` bytes. Durable once synced. */
	truncate(name: string, length: number): void;
	/** Renames a file atomically, replacing `to`. Durable once the directory is synced. */
	rename(from: string, to: string): void;
	/** Removes a file. Durable once the directory is synced. */
	remove(name: string): void;
	/** Calls back once everything written to the file before the call is durable (fdatasync). */
	sync(name: string, done: (error?: Error) => void): void;
	/** Calls back once the directory's names (created, renamed, removed) are durable. */
	syncDirectory(done: (error?: Error) => void): void;
};
