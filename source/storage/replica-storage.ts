import type {BugName} from '../vsr/bugs.js';
import type {Checkpoint} from '../vsr/checkpoint.js';
import type {DurableFacts, LogWrite, StorageRequest, StorageStart} from '../vsr/storage.js';
import type {Disk} from './disk.js';
import {
	type Identity,
	type WalRecord,
	encodeFileHeader,
	encodeRecord,
	fileHeaderSize,
} from './records.js';
import {
	type ReadBack,
	type SegmentInfo,
	StorageRefused,
	checkpointName,
	readBack,
	recoveringMarker,
	segmentName,
} from './read-back.js';

/** How to open a replica's storage. */
export type ReplicaStorageOptions = {
	/** Whose directory this is: every file written names it, and another's files are refused. */
	readonly identity: Identity;
	/**
	 * The cluster has run before: a directory with nothing of ours is then a lost disk (the
	 * replica recovers from its peers), not the empty disk of a new replica.
	 */
	readonly existing: boolean;
	/** A new segment starts once the current one holds this many bytes (default 1 MiB). */
	readonly segmentBytes?: number;
	/**
	 * Runs a flush once the current turn of the event loop is over (`setImmediate` in a process):
	 * group commit. Without it, the host calls `flush()` itself.
	 */
	readonly schedule?: (flush: () => void) => void;
	/** Planted bugs (`trust-corrupt-record` is read back here). */
	readonly bugs?: ReadonlySet<BugName>;
};

/** What opening found: the storage, how its replica starts, and what reading back saw. */
export type Opened = {
	readonly storage: ReplicaStorage;
	readonly start: StorageStart;
	readonly readBack: ReadBack;
};

/** Counters for benchmarks and tests. */
export type StorageStats = {
	/** Group commits: batches of records written with one append and one sync. */
	batches: number;
	/** Syncs of the log (fdatasync), checkpoints not included. */
	syncs: number;
	records: number;
	bytes: number;
	/** Checkpoint files written. */
	checkpoints: number;
	/** Segments removed after a checkpoint covered them. */
	segmentsRemoved: number;
};

type Batch = {
	/** The last record of the batch: a later `synced` record names it. */
	readonly lastRecord: number;
	/** The replica's last write in the batch, reported durable once the batch is confirmed. */
	readonly lastWrite: number | undefined;
	/** Checkpoints whose markers are in the batch: the log before them may go once it is confirmed. */
	readonly checkpoints: readonly number[];
};

type Queued =
	| {readonly kind: 'write'; readonly write: LogWrite}
	| {readonly kind: 'checkpoint'; readonly op: number};

type FileJob = {readonly checkpoint: Checkpoint; readonly install: number | undefined};

/**
 * A replica's storage in one directory: a write-ahead log in segments of checksummed records
 * and its checkpoints, each in a file of its own.
 *
 * - **Group commit.** Writes that arrive while a sync is in progress go out together in the
 *   next batch: one append and one `fdatasync` for all of them.
 * - **Acknowledged only once confirmed.** A batch is reported durable when a later batch that
 *   says so (its first record, `synced`) is itself synced. After a crash, reading back tells a
 *   record torn by the crash (never reported, dropped) from one that rotted after it was
 *   reported (a fault: the replica must not trust its disk); see `readBack`. So an idle write
 *   takes two syncs; under load every sync confirms the batch before it.
 * - **Checkpoints** are written atomically (a temporary file, sync, rename, sync the
 *   directory), then named in the log; once that record is confirmed, the segments and
 *   checkpoints before it are removed.
 */
export class ReplicaStorage {
	/**
	 * Opens a replica's directory: refuses files that are not its own (`StorageRefused`, one
	 * line), reads back what it holds, and says how its replica starts. A directory whose durable
	 * records do not read back, or whose replica had not finished recovering, is emptied: its
	 * replica starts as lost and recovers from its peers.
	 */
	static open(disk: Disk, options: ReplicaStorageOptions): Opened {
		const found = readBack(disk, options.identity, options.bugs);
		let start: StorageStart;
		if (found.fault !== undefined) {
			start = {kind: 'lost', reason: found.fault};
		} else if (found.recovering || found.state?.facts.recovering) {
			start = {kind: 'lost', reason: 'it stopped before it had recovered from its peers'};
		} else if (found.state) {
			start = {kind: 'restored', state: found.state};
		} else if (options.existing && found.files.length === 0) {
			start = {kind: 'lost', reason: 'its data directory holds no state'};
		} else if (options.existing && !found.pristine) {
			// Some of a log, but no facts: not the empty log of a new replica, so nothing was promised
			// from it that it could stand by.
			start = {kind: 'lost', reason: 'its data directory holds no state it can restart from'};
		} else {
			// Empty, formatted, or written by a life that never made its first write durable (and
			// so never spoke): nothing was promised, and the replica starts as new.
			start = {kind: 'new'};
		}

		const storage = new ReplicaStorage(disk, options, found, start.kind === 'lost');
		return {storage, start, readBack: found};
	}

	/**
	 * Makes an empty directory ready for a replica's first start, and calls back once that is
	 * durable. A cluster formats every replica's directory before it starts any: from then on a
	 * directory with nothing of ours is a lost disk, not a new replica. Throws `StorageRefused`
	 * if the directory holds anything.
	 */
	static format(disk: Disk, identity: Identity, done: (error?: Error) => void): void {
		const present = disk.list();
		if (present.length > 0) {
			throw new StorageRefused(
				`${disk.where(present[0]!)} is in the way: a replica's data directory must be empty to be formatted`,
			);
		}

		const name = segmentName(1);
		const temporary = `${name}.tmp`;
		const header = encodeFileHeader('segment', identity, 1);
		const start = encodeRecord(1, {type: 'start', facts: undefined, checkpoint: 0});
		const bytes = new Uint8Array(header.length + start.length);
		bytes.set(header, 0);
		bytes.set(start, header.length);
		disk.write(temporary, bytes);
		disk.sync(temporary, (error) => {
			if (error) {
				done(error);
				return;
			}

			disk.rename(temporary, name);
			disk.syncDirectory(done);
		});
	}

	/** Called with the highest `LogWrite.seq` that is durable, in order. */
	onDurable: ((seq: number) => void) | undefined;
	/** Called once when the disk fails (a write or a sync errs): nothing is durable after that. */
	onFailure: ((error: Error) => void) | undefined;
	readonly stats: StorageStats = {
		batches: 0,
		syncs: 0,
		records: 0,
		bytes: 0,
		checkpoints: 0,
		segmentsRemoved: 0,
	};

	private readonly identity: Identity;
	private readonly segmentBytes: number;
	private readonly schedule: ((flush: () => void) => void) | undefined;
	private flushScheduled = false;
	private nextSeq: number;
	/** Segments in the log, oldest first; the last is the one written to. */
	private readonly segments: SegmentInfo[];
	/** Bytes in the current segment; undefined: the next batch starts a new segment. */
	private segmentSize: number | undefined;
	private readonly queue: Queued[] = [];
	private inFlight: (Batch & {readonly confirms: Batch | undefined}) | undefined;
	/** Synced, but no durable record says so yet. */
	private unconfirmed: Batch | undefined;
	/** Checkpoint files to write, one at a time. */
	private readonly fileJobs: FileJob[] = [];
	private fileJobRunning = false;
	/** Installs whose checkpoint file is durable: their log write may go. */
	private readonly installsReady = new Set<number>();
	/** Syncs that must complete before the first batch (making what was read back durable). */
	private blocked = 0;
	/** The facts and checkpoint as the records written so far leave them (a new segment starts with them). */
	private facts: DurableFacts | undefined;
	private checkpointOp: number;
	private readonly checkpointFiles: Set<number>;
	private failed = false;
	private closed = false;
	/** The recovering marker is in the directory. */
	private recovering: boolean;
	/** Facts written that say the replica has recovered: the marker goes once they are confirmed. */
	private recoveredAt: number | undefined;

	private constructor(
		private readonly disk: Disk,
		options: ReplicaStorageOptions,
		found: ReadBack,
		discard: boolean,
	) {
		this.identity = options.identity;
		this.segmentBytes = options.segmentBytes ?? 1024 * 1024;
		this.schedule = options.schedule;
		this.checkpointFiles = new Set(
			found.files
				.filter((name) => name.endsWith('.ckp'))
				.map((name) => Number.parseInt(name.slice(11, 27), 16)),
		);
		if (discard) {
			// Nothing here can be trusted or used: the replica starts over from its peers. The marker
			// first, so that no crash midway leaves files that read back as a state to restart from.
			disk.write(recoveringMarker, new Uint8Array(0));
			this.waitFor((done) => {
				disk.sync(recoveringMarker, (error) => {
					if (error) {
						done(error);
						return;
					}

					disk.syncDirectory((error) => {
						if (error) {
							done(error);
							return;
						}

						for (const name of found.files) {
							disk.remove(name);
						}

						disk.syncDirectory(done);
					});
				});
			});
			this.recovering = true;
			this.segments = [];
			this.checkpointFiles.clear();
			this.nextSeq = found.lastSeq + 1;
			this.checkpointOp = 0;
		} else {
			this.recovering = found.recovering;
			this.segments = found.segments;
			this.nextSeq = found.lastSeq + 1;
			this.facts = found.state?.facts;
			this.checkpointOp = found.checkpoint;
			this.repair(found);
		}
	}

	/** Takes the replica's requests (`Replica.takeWrites()`), in order. */
	submit(requests: readonly StorageRequest[]): void {
		for (const request of requests) {
			if (request.kind === 'log') {
				this.queue.push({kind: 'write', write: request});
				if (request.install) {
					this.fileJobs.push({checkpoint: request.install, install: request.seq});
				}
			} else {
				// A checkpoint waiting behind another is superseded by a newer one.
				const last = this.fileJobs.at(-1);
				if (last && last.install === undefined && this.fileJobs.length > 1) {
					this.fileJobs.pop();
				}

				this.fileJobs.push({checkpoint: request.checkpoint, install: undefined});
			}
		}

		this.startFileJob();
		this.later();
	}

	/** Writes what is waiting as one batch and syncs it, unless a sync is in progress (then after it). */
	flush(): void {
		this.flushScheduled = false;
		if (this.closed || this.failed || this.inFlight !== undefined || this.blocked > 0) {
			return;
		}

		const confirms = this.unconfirmed;
		if (!confirms && !this.ready()) {
			return;
		}

		// A new segment when this one is full and there is more than a confirmation to write.
		if (this.segmentSize === undefined || (this.segmentSize >= this.segmentBytes && this.ready())) {
			this.createSegment();
			return;
		}

		const records: Array<[number, WalRecord]> = [];
		if (this.segmentSize === fileHeaderSize) {
			// A segment's first record: what the segments before it leave, should they be removed.
			records.push([
				this.nextSeq++,
				{type: 'start', facts: this.facts, checkpoint: this.checkpointOp},
			]);
		}

		if (confirms) {
			records.push([this.nextSeq++, {type: 'synced', upTo: confirms.lastRecord}]);
		}

		const {lastWrite, checkpoints} = this.takeReady(records);
		if (records.length === 0) {
			return;
		}

		const encoded = records.map(([seq, record]) => encodeRecord(seq, record));
		const size = encoded.reduce((sum, bytes) => sum + bytes.length, 0);
		const batch = new Uint8Array(size);
		let offset = 0;
		for (const bytes of encoded) {
			batch.set(bytes, offset);
			offset += bytes.length;
		}

		// A batch that only confirms the one before it (and starts a segment with copies of what is
		// durable already) needs no confirmation of its own.
		const onlyMarker = records.every(
			([, record]) => record.type === 'synced' || record.type === 'start',
		);
		this.inFlight = {
			lastRecord: records.at(-1)![0],
			lastWrite,
			checkpoints,
			confirms,
		};
		this.unconfirmed = undefined;
		const segment = this.segments.at(-1)!.name;
		this.stats.batches++;
		this.stats.records += records.length;
		this.stats.bytes += size;
		if (
			!this.attempt(() => {
				this.disk.append(segment, batch);
			})
		) {
			return;
		}

		this.segmentSize = (this.segmentSize ?? 0) + size;
		this.disk.sync(segment, (error) => {
			if (error) {
				this.fail(error);
				return;
			}

			this.stats.syncs++;
			this.batchSynced(onlyMarker);
		});
	}

	/** Nothing is waiting, being written or unconfirmed: everything submitted is durable and reported. */
	get idle(): boolean {
		return (
			this.queue.length === 0 &&
			this.inFlight === undefined &&
			this.unconfirmed === undefined &&
			this.fileJobs.length === 0 &&
			this.blocked === 0
		);
	}

	/** Stops: nothing more is written or reported. */
	close(): void {
		this.closed = true;
	}

	// --- Batches -------------------------------------------------------------

	/** Turns what may go now into records (after `records`); returns the last write and checkpoints among them. */
	private takeReady(records: Array<[number, WalRecord]>): Omit<Batch, 'lastRecord'> {
		let lastWrite: number | undefined;
		const checkpoints: number[] = [];
		while (this.ready()) {
			const item = this.queue.shift()!;
			if (item.kind === 'checkpoint') {
				checkpoints.push(item.op);
				this.checkpointOp = Math.max(this.checkpointOp, item.op);
				records.push([this.nextSeq++, {type: 'checkpoint', op: item.op}]);
				continue;
			}

			const {write} = item;
			lastWrite = write.seq;
			if (write.install) {
				this.installsReady.delete(write.seq);
				this.checkpointOp = Math.max(this.checkpointOp, write.install.op);
			}

			this.facts = write.facts ?? this.facts;
			if (this.recovering && write.facts?.recovering === false) {
				this.recoveredAt ??= write.seq;
			}

			records.push([
				this.nextSeq++,
				{
					type: 'write',
					...(write.install ? {install: write.install.op} : {}),
					...(write.truncate === undefined ? {} : {truncate: write.truncate}),
					entries: write.entries,
					...(write.facts ? {facts: write.facts} : {}),
				},
			]);
			this.noteEntries(write);
		}

		return {lastWrite, checkpoints};
	}

	/** Whether the queue's first item may go now (an install waits for its checkpoint file). */
	private ready(): boolean {
		const item = this.queue[0];
		return (
			item !== undefined &&
			(item.kind === 'checkpoint' ||
				item.write.install === undefined ||
				this.installsReady.has(item.write.seq))
		);
	}

	/**
	 * Starts a new segment the way checkpoints are written: its header under a temporary name,
	 * synced, then renamed and the directory synced. A segment's name therefore always comes
	 * with an intact header, and a header that does not read back is damage, never a crash.
	 */
	private createSegment(): void {
		const firstSeq = this.nextSeq;
		const name = segmentName(firstSeq);
		const header = encodeFileHeader('segment', this.identity, firstSeq);
		this.writeAtomically(name, header, true, () => {
			// A segment whose records were all torn off at a crash has this name: it is replaced.
			if (this.segments.at(-1)?.name === name) {
				this.segments.pop();
			}

			this.segments.push({name, firstSeq, maxOp: 0});
			this.segmentSize = fileHeaderSize;
			this.flush();
		});
	}

	/**
	 * Writes a file whole or not at all: a temporary file, sync, rename, sync the directory.
	 * `blocking`: no batch goes out meanwhile.
	 */
	private writeAtomically(
		name: string,
		bytes: Uint8Array,
		blocking: boolean,
		done: () => void,
	): void {
		const temporary = `${name}.tmp`;
		if (blocking) {
			this.blocked++;
		}

		if (
			!this.attempt(() => {
				this.disk.write(temporary, bytes);
			})
		) {
			return;
		}

		this.disk.sync(temporary, (error) => {
			if (error) {
				this.fail(error);
				return;
			}

			if (
				!this.attempt(() => {
					this.disk.rename(temporary, name);
				})
			) {
				return;
			}

			this.disk.syncDirectory((syncError) => {
				if (syncError) {
					this.fail(syncError);
					return;
				}

				if (blocking) {
					this.blocked--;
				}

				if (!this.closed && !this.failed) {
					done();
				}
			});
		});
	}

	private noteEntries(write: LogWrite): void {
		const segment = this.segments.at(-1);
		const last = write.entries.at(-1);
		if (segment && last) {
			segment.maxOp = Math.max(segment.maxOp, last.op);
		}
	}

	private batchSynced(onlyMarker: boolean): void {
		if (this.closed) {
			return;
		}

		const batch = this.inFlight!;
		this.inFlight = undefined;
		// A batch that only confirms the one before it needs no confirmation of its own.
		this.unconfirmed = onlyMarker ? undefined : batch;
		const confirmed = batch.confirms;
		if (confirmed) {
			for (const op of confirmed.checkpoints) {
				this.collect(op);
			}

			if (confirmed.lastWrite !== undefined) {
				this.onDurable?.(confirmed.lastWrite);
				this.dropMarker(confirmed.lastWrite);
			}
		}

		this.flush();
	}

	/** The replica's recovered facts are durable: the directory is a state to restart from again. */
	private dropMarker(durable: number): void {
		if (this.recoveredAt === undefined || durable < this.recoveredAt || this.closed) {
			return;
		}

		this.recovering = false;
		this.recoveredAt = undefined;
		if (
			this.attempt(() => {
				this.disk.remove(recoveringMarker);
			})
		) {
			this.disk.syncDirectory((error) => {
				if (error) {
					this.fail(error);
				}
			});
		}
	}

	/** A checkpoint is named in a confirmed record: the segments and checkpoints before it go. */
	private collect(op: number): void {
		let removed = false;
		while (this.segments.length > 1 && this.segments[0]!.maxOp <= op) {
			const segment = this.segments.shift()!;
			const gone = this.attempt(() => {
				this.disk.remove(segment.name);
			});
			removed ||= gone;
			this.stats.segmentsRemoved++;
		}

		for (const older of this.checkpointFiles) {
			if (older < op) {
				this.checkpointFiles.delete(older);
				const gone = this.attempt(() => {
					this.disk.remove(checkpointName(older));
				});
				removed ||= gone;
			}
		}

		if (removed) {
			this.disk.syncDirectory((error) => {
				if (error) {
					this.fail(error);
				}
			});
		}
	}

	// --- Checkpoint files ----------------------------------------------------

	/** Writes the next checkpoint file atomically, beside the log (batches go on meanwhile). */
	private startFileJob(): void {
		const job = this.fileJobs[0];
		if (this.fileJobRunning || !job || this.closed || this.failed) {
			return;
		}

		this.fileJobRunning = true;
		const {op} = job.checkpoint;
		const header = encodeFileHeader('checkpoint', this.identity, op);
		const body = encodeRecord(0, {type: 'state', checkpoint: job.checkpoint});
		const bytes = new Uint8Array(header.length + body.length);
		bytes.set(header, 0);
		bytes.set(body, header.length);
		this.writeAtomically(checkpointName(op), bytes, false, () => {
			this.fileJobDone(job);
		});
	}

	private fileJobDone(job: FileJob): void {
		if (this.closed) {
			return;
		}

		this.stats.checkpoints++;
		this.fileJobs.shift();
		this.fileJobRunning = false;
		this.checkpointFiles.add(job.checkpoint.op);
		if (job.install === undefined) {
			this.queue.push({kind: 'checkpoint', op: job.checkpoint.op});
		} else {
			this.installsReady.add(job.install);
		}

		this.startFileJob();
		this.flush();
	}

	// --- Opening -------------------------------------------------------------

	/**
	 * Cuts the torn tail, and makes durable what was read back (a killed process leaves writes in
	 * the page cache that a power cut would still lose) before anything new is written after it;
	 * the first batch then confirms it all.
	 */
	private repair(found: ReadBack): void {
		const {disk} = this;
		for (const name of found.remove) {
			disk.remove(name);
		}

		if (found.cut) {
			disk.truncate(found.cut.name, found.cut.offset);
		}

		for (const {name} of this.segments) {
			this.waitFor((done) => {
				disk.sync(name, done);
			});
		}

		if (found.checkpoint > 0) {
			this.waitFor((done) => {
				disk.sync(checkpointName(found.checkpoint), done);
			});
		}

		this.waitFor((done) => {
			disk.syncDirectory(done);
		});
		if (found.lastSeq > 0) {
			this.unconfirmed = {lastRecord: found.lastSeq, lastWrite: undefined, checkpoints: []};
		}
	}

	private waitFor(start: (done: (error?: Error) => void) => void): void {
		this.blocked++;
		start((error) => {
			if (error) {
				this.fail(error);
				return;
			}

			if (--this.blocked === 0) {
				this.flush();
			}
		});
	}

	// --- Plumbing ------------------------------------------------------------

	private later(): void {
		if (this.schedule && !this.flushScheduled) {
			this.flushScheduled = true;
			this.schedule(() => {
				this.flush();
			});
		}
	}

	/** Runs a disk operation; a throw is a failed disk. */
	private attempt(operation: () => void): boolean {
		try {
			operation();
			return true;
		} catch (error) {
			this.fail(error instanceof Error ? error : new Error(String(error)));
			return false;
		}
	}

	private fail(error: Error): void {
		if (this.failed || this.closed) {
			return;
		}

		this.failed = true;
		this.onFailure?.(error);
	}
}
