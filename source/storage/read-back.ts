/**
 * Reading a replica's directory back after a restart: which files are ours, which records are
 * intact, and whether what failed to read back was torn by a crash (never acknowledged, so safe
 * to drop) or lost after it was durable (then the replica must not trust its disk).
 *
 * Telling the two apart is what protocol-aware recovery (Alagappan et al., FAST 2018) asks of
 * storage: a record is acknowledged only once a later `synced` record, written after the first
 * was synced, is itself durable (see `ReplicaStorage`). So damage before the highest `synced`
 * mark is corruption of an acknowledged record; damage after it is a torn tail.
 */
import type {BugName} from '../vsr/bugs.js';
import type {Checkpoint} from '../vsr/checkpoint.js';
import type {LogEntry} from '../vsr/messages.js';
import type {DurableFacts, DurableState} from '../vsr/storage.js';
import type {Disk} from './disk.js';
import {
	type FileHeader,
	type FileKind,
	type Identity,
	type WalRecord,
	decodeFileHeader,
	decodeRecord,
	fileHeaderSize,
	formatVersion,
	nextRecord,
} from './records.js';

/** A file in a data directory that is not this replica's: nothing is used or overwritten. */
export class StorageRefused extends Error {
	/** `StorageRefused`. */
	override name = 'StorageRefused';
}

const segmentPattern = /^wal-([\da-f]{16})\.log$/v;
const checkpointPattern = /^checkpoint-([\da-f]{16})\.ckp$/v;
const temporaryPattern = /^(?:wal-[\da-f]{16}\.log|checkpoint-[\da-f]{16}\.ckp)\.tmp$/v;

/**
 * An empty file that says the replica gave up its disk and recovers from its peers: written
 * (durably) before its old files are removed, removed once it has recovered and said so durably.
 * While it is there, whatever else the directory holds is not a state to restart from.
 */
export const recoveringMarker = 'recovering';

const hex = (value: number): string => value.toString(16).padStart(16, '0');

export function segmentName(firstSeq: number): string {
	return `wal-${hex(firstSeq)}.log`;
}

export function checkpointName(op: number): string {
	return `checkpoint-${hex(op)}.ckp`;
}

/** A segment that stays after reading back, as the writer needs to know it. */
export type SegmentInfo = {readonly name: string; readonly firstSeq: number; maxOp: number};

/** What a directory held, and what the writer must do before it writes (cut a torn tail). */
export type ReadBack = {
	/**
	 * The state to restart from; undefined when there is none: an empty or unusable directory, or
	 * one whose replica never made its first write durable (formatted only).
	 */
	readonly state: DurableState | undefined;
	/** Why what the directory holds cannot be trusted (a durable record that reads back damaged). */
	readonly fault: string | undefined;
	/** Segments kept, in order. */
	readonly segments: SegmentInfo[];
	/** Where the torn tail starts: the file is cut there (at or before its header: removed). */
	readonly cut: {readonly name: string; readonly offset: number} | undefined;
	/** Our files to remove: segments after the cut, unfinished checkpoint files. */
	readonly remove: string[];
	/** Every file of ours in the directory (the recovering marker aside). */
	readonly files: string[];
	/** The recovering marker is there: the replica had not recovered from its peers when it stopped. */
	readonly recovering: boolean;
	/** The directory holds a formatted log that no life ever wrote to (or whose first write never became durable). */
	readonly pristine: boolean;
	/** The last kept record's sequence number (0: none). */
	readonly lastSeq: number;
	/** The checkpoint the kept log starts after (0: none). */
	readonly checkpoint: number;
	/** Records dropped as a torn tail. */
	readonly torn: number;
};

type Item =
	| {
			readonly kind: 'record';
			readonly seq: number;
			readonly record: WalRecord;
			readonly name: string;
			readonly offset: number;
	  }
	| {readonly kind: 'damage'; readonly name: string; readonly offset: number};

/** Where files are read and whose they must be. */
type Place = {readonly disk: Disk; readonly identity: Identity};

function checkHeader(
	{disk, identity}: Place,
	name: string,
	kind: FileKind,
	bytes: Uint8Array,
): FileHeader | 'damaged' {
	const decoded = decodeFileHeader(kind, bytes);
	if ('problem' in decoded) {
		if (decoded.problem === 'foreign') {
			throw new StorageRefused(
				`${disk.where(name)} is not a vsr-tui file; refusing to use or overwrite it`,
			);
		}

		return 'damaged';
	}

	const {header} = decoded;
	if (header.version !== formatVersion) {
		throw new StorageRefused(
			`${disk.where(name)} is in storage format ${header.version}; this vsr-tui reads format ${formatVersion}`,
		);
	}

	if (header.cluster !== identity.cluster) {
		throw new StorageRefused(
			`${disk.where(name)} belongs to cluster ${header.cluster}, not to this cluster (${identity.cluster}); refusing to use or overwrite it`,
		);
	}

	if (header.replica !== identity.replica || header.replicaCount !== identity.replicaCount) {
		throw new StorageRefused(
			`${disk.where(name)} belongs to replica ${header.replica} of a ${header.replicaCount}-replica cluster, not to replica ${identity.replica} of ${identity.replicaCount}; refusing to use or overwrite it`,
		);
	}

	return header;
}

/** Applies the kept records, in order, to the log after checkpoint `base`. */
function replay(
	records: ReadonlyArray<Extract<Item, {kind: 'record'}>>,
	base: number,
): {facts: DurableFacts | undefined; entries: LogEntry[]} | string {
	let facts: DurableFacts | undefined;
	let entries: LogEntry[] = [];
	for (const {seq, record} of records) {
		switch (record.type) {
			case 'start': {
				facts = record.facts ?? facts;
				break;
			}

			case 'write': {
				if (record.install !== undefined) {
					entries = []; // The log restarted after a checkpoint at or before `base`.
				}

				if (record.truncate !== undefined) {
					const keep = record.truncate;
					entries = entries.filter((entry) => entry.op <= keep);
				}

				for (const entry of record.entries) {
					if (entry.op <= base) {
						continue; // The checkpoint holds it.
					}

					const head = entries.at(-1)?.op ?? base;
					if (entry.op !== head + 1) {
						return `record ${seq} appends op ${entry.op} after op ${head}`;
					}

					entries.push(entry);
				}

				facts = record.facts ?? facts;
				break;
			}

			case 'synced':
			case 'checkpoint':
			case 'state': {
				break;
			}
		}
	}

	return {facts, entries};
}

function readCheckpoint(
	disk: Disk,
	op: number,
	identity: Identity,
	trust: boolean,
): Checkpoint | string {
	const name = checkpointName(op);
	const bytes = disk.read(name);
	if (!bytes) {
		return `its checkpoint at op ${op} (${name}) is missing`;
	}

	const header = checkHeader({disk, identity}, name, 'checkpoint', bytes);
	if (header === 'damaged' || header.number !== op) {
		return `the header of its checkpoint at op ${op} (${name}) reads back corrupted`;
	}

	const decoded = decodeRecord(bytes, fileHeaderSize, trust);
	if (decoded.kind !== 'record' || decoded.record.type !== 'state') {
		return `its checkpoint at op ${op} (${name}) reads back corrupted`;
	}

	const {checkpoint} = decoded.record;
	return checkpoint.op === op ? checkpoint : `${name} holds the checkpoint of op ${checkpoint.op}`;
}

type Listing = {
	readonly segments: ReadonlyArray<{readonly name: string; readonly firstSeq: number}>;
	readonly checkpoints: readonly number[];
	readonly temporary: readonly string[];
};

/** Our files by kind, in order; anything else is refused. */
function list(disk: Disk): Listing {
	const segments: Array<{name: string; firstSeq: number}> = [];
	const checkpoints: number[] = [];
	const temporary: string[] = [];
	for (const name of disk.list()) {
		const segment = segmentPattern.exec(name);
		const checkpoint = checkpointPattern.exec(name);
		if (segment) {
			segments.push({name, firstSeq: Number.parseInt(segment[1]!, 16)});
		} else if (checkpoint) {
			checkpoints.push(Number.parseInt(checkpoint[1]!, 16));
		} else if (name === recoveringMarker) {
			continue; // Ours; `readBack` reports it.
		} else if (temporaryPattern.test(name)) {
			temporary.push(name); // A file whose atomic write did not finish: never used.
		} else {
			throw new StorageRefused(
				`${disk.where(name)} was not written by vsr-tui; refusing to use a data directory that holds it`,
			);
		}
	}

	segments.sort((a, b) => a.firstSeq - b.firstSeq);
	checkpoints.sort((a, b) => a - b);
	return {segments, checkpoints, temporary};
}

/** The records and the damage of every segment, in the order they were written. */
function scan(
	place: Place,
	segments: Listing['segments'],
	contents: ReadonlyMap<string, Uint8Array>,
	trust: boolean,
): Item[] {
	const items: Item[] = [];
	for (const {name, firstSeq} of segments) {
		const bytes = contents.get(name)!;
		const header = checkHeader(place, name, 'segment', bytes);
		if (header === 'damaged' || header.number !== firstSeq) {
			items.push({kind: 'damage', name, offset: 0});
		}

		let offset: number | undefined = fileHeaderSize;
		while (offset !== undefined && offset < bytes.length) {
			const decoded = decodeRecord(bytes, offset, trust);
			if (decoded.kind === 'record') {
				items.push({kind: 'record', seq: decoded.seq, record: decoded.record, name, offset});
				offset = decoded.end;
			} else if (decoded.kind === 'damaged') {
				items.push({kind: 'damage', name, offset});
				offset = nextRecord(bytes, offset + 1);
			} else {
				offset = undefined;
			}
		}
	}

	return items;
}

type Classified = {
	readonly kept: Array<Extract<Item, {kind: 'record'}>>;
	/** The first damage past every durable record: the torn tail starts there. */
	readonly cut: Item | undefined;
	readonly fault: string | undefined;
};

/**
 * Keeps the records up to the first damage or gap in the sequence numbers. Damage that follows
 * a record some `synced` record vouches for is a fault: it was durable, and may have been acked.
 */
function classify(items: readonly Item[], firstSeq: number): Classified {
	let synced = 0;
	for (const item of items) {
		if (item.kind === 'record' && item.record.type === 'synced') {
			synced = Math.max(synced, item.record.upTo);
		}
	}

	const kept: Array<Extract<Item, {kind: 'record'}>> = [];
	let previous = firstSeq - 1;
	let lastOp = 0;
	for (const item of items) {
		if (item.kind === 'damage' || item.seq !== previous + 1) {
			return previous < synced
				? {
						kept,
						cut: undefined,
						fault: `${item.name}: the records after record ${previous} (op ${lastOp}) read back corrupted, though they were durable`,
					}
				: {kept, cut: item, fault: undefined};
		}

		kept.push(item);
		previous = item.seq;
		if (item.record.type === 'write') {
			lastOp = Math.max(lastOp, ...item.record.entries.map((entry) => entry.op));
		}
	}

	return {kept, cut: undefined, fault: undefined};
}

/** The state the kept records leave, or why they leave none that can be trusted. */
function restore(
	kept: Classified['kept'],
	base: number,
	checkpointAt: () => Checkpoint | string,
): {state: DurableState | undefined; fault: string | undefined} {
	if (kept.length === 0) {
		return {state: undefined, fault: undefined};
	}

	const replayed = replay(kept, base);
	const checkpoint = base > 0 ? checkpointAt() : undefined;
	if (typeof replayed === 'string') {
		return {state: undefined, fault: replayed};
	}

	if (typeof checkpoint === 'string') {
		return {state: undefined, fault: checkpoint};
	}

	if (replayed.facts !== undefined) {
		return {
			state: {facts: replayed.facts, checkpoint, entries: replayed.entries},
			fault: undefined,
		};
	}

	// No facts and nothing else: formatted, or its first life's first write never made it.
	return replayed.entries.length > 0 || checkpoint !== undefined
		? {state: undefined, fault: 'its log holds entries but no view facts'}
		: {state: undefined, fault: undefined};
}

/** The checkpoint the kept log starts after: the latest that any kept record names. */
function baseOf(kept: Classified['kept']): number {
	let base = 0;
	for (const {record} of kept) {
		switch (record.type) {
			case 'checkpoint': {
				base = Math.max(base, record.op);
				break;
			}

			case 'start': {
				base = Math.max(base, record.checkpoint);
				break;
			}

			case 'write': {
				base = Math.max(base, record.install ?? 0);
				break;
			}

			case 'synced':
			case 'state': {
				break;
			}
		}
	}

	return base;
}

/**
 * Reads back a replica's directory. Throws `StorageRefused` (one line) for a file that is not
 * ours or belongs to another cluster or replica; reports damage of durable data as a `fault`.
 */
export function readBack(
	disk: Disk,
	identity: Identity,
	bugs: ReadonlySet<BugName> = new Set(),
): ReadBack {
	const trust = bugs.has('trust-corrupt-record');
	const {segments, checkpoints, temporary} = list(disk);
	const files = [
		...segments.map((segment) => segment.name),
		...checkpoints.map((op) => checkpointName(op)),
		...temporary,
	];

	// Every header names the cluster and the replica: refuse another's before touching anything.
	// (A temporary file may be torn; only an intact header of another cluster's is refused.)
	const contents = new Map<string, Uint8Array>();
	for (const name of files) {
		const bytes = disk.read(name) ?? new Uint8Array(0);
		contents.set(name, bytes);
		const kind: FileKind = name.startsWith('wal-') ? 'segment' : 'checkpoint';
		const intact = 'header' in decodeFileHeader(kind, bytes);
		if (name.endsWith('.tmp') ? intact : bytes.length >= 8) {
			checkHeader({disk, identity}, name, kind, bytes);
		}
	}

	const items = scan({disk, identity}, segments, contents, trust);
	const {kept, cut: cutAt, fault: damaged} = classify(items, segments[0]?.firstSeq ?? 1);
	const base = baseOf(kept);
	const {state, fault} =
		damaged === undefined
			? restore(kept, base, () => readCheckpoint(disk, base, identity, trust))
			: {state: undefined, fault: damaged};
	const cut = cutAt ? {name: cutAt.name, offset: cutAt.offset} : undefined;
	const cutIndex = cut ? segments.findIndex((segment) => segment.name === cut.name) : -1;
	const keptSegments = segments
		.filter(
			(_, index) => cutIndex === -1 || index < cutIndex || (index === cutIndex && cut!.offset > 0),
		)
		.map(({name, firstSeq}) => ({
			name,
			firstSeq,
			maxOp: Math.max(
				0,
				...kept.flatMap((item) =>
					item.name === name && item.record.type === 'write'
						? item.record.entries.map((entry) => entry.op)
						: [],
				),
			),
		}));
	const remove = [
		...segments.filter((_, index) => cutIndex !== -1 && index > cutIndex).map(({name}) => name),
		...(cut?.offset === 0 ? [cut.name] : []),
		...temporary,
	];
	return {
		state,
		fault,
		segments: keptSegments,
		cut: cut && cut.offset > 0 ? cut : undefined,
		remove,
		files,
		recovering: disk.read(recoveringMarker) !== undefined,
		pristine:
			state === undefined &&
			fault === undefined &&
			checkpoints.length === 0 &&
			segments.length === 1 &&
			segments[0]!.firstSeq === 1,
		lastSeq: kept.at(-1)?.seq ?? 0,
		checkpoint: base,
		torn: cutAt
			? items.slice(items.indexOf(cutAt)).filter((item) => item.kind === 'record').length
			: 0,
	};
}
