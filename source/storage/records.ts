/**
 * The on-disk format: every file starts with a header naming the cluster and the replica it
 * belongs to, and holds checksummed records. A record's header and its body have a CRC32C each,
 * so a torn or rotten record is told apart from an intact one, and the header says how long the
 * body is and which record (by sequence number) it is.
 */
import type {Checkpoint} from '../vsr/checkpoint.js';
import type {LogEntry} from '../vsr/messages.js';
import type {DurableFacts} from '../vsr/storage.js';
import {checksum} from './checksum.js';

/** The format this code writes; a file of another version is refused, not guessed at. */
export const formatVersion = 1;
export const fileHeaderSize = 64;
export const recordHeaderSize = 32;

/** Whose files these are: every file's header names them, and a mismatch is refused. */
export type Identity = {
	/** 32 hexadecimal digits, chosen when the cluster was created. */
	readonly cluster: string;
	readonly replica: number;
	readonly replicaCount: number;
};

/** A segment of the write-ahead log, or a checkpoint. */
export type FileKind = 'segment' | 'checkpoint';

const fileMagics: Readonly<Record<FileKind, string>> = {
	segment: 'VSRTUIWL',
	checkpoint: 'VSRTUICP',
};

export type FileHeader = {
	readonly kind: FileKind;
	readonly version: number;
	readonly cluster: string;
	readonly replica: number;
	readonly replicaCount: number;
	/** A segment's first record sequence number; a checkpoint's op. */
	readonly number: number;
};

/** One record of the write-ahead log (or the body of a checkpoint file). */
export type WalRecord =
	| {
			/** One atomic write of the replica (a `LogWrite` without its in-memory seq). */
			readonly type: 'write';
			readonly install?: number;
			readonly truncate?: number;
			readonly entries: readonly LogEntry[];
			readonly facts?: DurableFacts;
	  }
	| {
			/** Every record up to `upTo` was synced before this one was written. */
			readonly type: 'synced';
			readonly upTo: number;
	  }
	| {
			/** The checkpoint file for `op` is durable: the log before it may go. */
			readonly type: 'checkpoint';
			readonly op: number;
	  }
	| {
			/** A segment's first record: the facts and checkpoint as the older segments leave them. */
			readonly type: 'start';
			readonly facts: DurableFacts | undefined;
			readonly checkpoint: number;
	  }
	| {
			/** A checkpoint file's content. */
			readonly type: 'state';
			readonly checkpoint: Checkpoint;
	  };

export type WalRecordType = WalRecord['type'];

const typeCodes: Readonly<Record<WalRecordType, number>> = {
	write: 1,
	synced: 2,
	checkpoint: 3,
	start: 4,
	state: 5,
};

const typeNames = new Map<number, WalRecordType>(
	(Object.keys(typeCodes) as WalRecordType[]).map((name) => [typeCodes[name], name]), // eslint-disable-line @typescript-eslint/no-unsafe-type-assertion -- the keys of a record typed by them
);

const recordMagic = 0x56_52_53_31; // "VRS1"
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', {fatal: true});

function view(bytes: Uint8Array): DataView {
	return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function clusterBytes(cluster: string): Uint8Array {
	if (!/^[\da-f]{32}$/v.test(cluster)) {
		throw new RangeError(`a cluster id is 32 lowercase hexadecimal digits (got ${cluster})`);
	}

	return Uint8Array.from({length: 16}, (_, i) =>
		Number.parseInt(cluster.slice(i * 2, i * 2 + 2), 16),
	);
}

function clusterText(bytes: Uint8Array): string {
	return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

function setNumber(data: DataView, offset: number, value: number): void {
	data.setUint32(offset, Math.floor(value / 2 ** 32));
	data.setUint32(offset + 4, value >>> 0);
}

function getNumber(data: DataView, offset: number): number {
	return data.getUint32(offset) * 2 ** 32 + data.getUint32(offset + 4);
}

export function encodeFileHeader(kind: FileKind, identity: Identity, number: number): Uint8Array {
	const bytes = new Uint8Array(fileHeaderSize);
	const data = view(bytes);
	bytes.set(encoder.encode(fileMagics[kind]), 0);
	data.setUint16(8, formatVersion);
	data.setUint8(10, identity.replica);
	data.setUint8(11, identity.replicaCount);
	bytes.set(clusterBytes(identity.cluster), 16);
	setNumber(data, 32, number);
	data.setUint32(60, checksum(bytes.subarray(0, 60)));
	return bytes;
}

/** Why a file header does not read back: too short, not ours at all, or ours but damaged. */
export type HeaderProblem = 'short' | 'foreign' | 'damaged';

export function decodeFileHeader(
	kind: FileKind,
	bytes: Uint8Array,
): {readonly header: FileHeader} | {readonly problem: HeaderProblem} {
	if (bytes.length < fileHeaderSize) {
		// A file cut short at its start: a crash while it was being created, or not ours.
		const magic = encoder.encode(fileMagics[kind]);
		const prefix = bytes.subarray(0, Math.min(bytes.length, magic.length));
		return {problem: prefix.every((byte, i) => byte === magic[i]) ? 'short' : 'foreign'};
	}

	const data = view(bytes);
	const magic = encoder.encode(fileMagics[kind]);
	const wrong = magic.filter((byte, i) => bytes[i] !== byte).length;
	if (wrong > 0) {
		// One wrong byte is a flipped bit in a file of ours; more, a file that never was ours.
		return {problem: wrong === 1 ? 'damaged' : 'foreign'};
	}

	if (data.getUint32(60) !== checksum(bytes.subarray(0, 60))) {
		return {problem: 'damaged'};
	}

	return {
		header: {
			kind,
			version: data.getUint16(8),
			replica: data.getUint8(10),
			replicaCount: data.getUint8(11),
			cluster: clusterText(bytes.subarray(16, 32)),
			number: getNumber(data, 32),
		},
	};
}

export function encodeRecord(seq: number, record: WalRecord): Uint8Array {
	const body = encoder.encode(JSON.stringify(record));
	const bytes = new Uint8Array(recordHeaderSize + body.length);
	const data = view(bytes);
	data.setUint32(0, recordMagic);
	data.setUint8(4, typeCodes[record.type]);
	data.setUint32(8, body.length);
	setNumber(data, 12, seq);
	data.setUint32(20, checksum(body));
	data.setUint32(28, checksum(bytes.subarray(0, 28)));
	bytes.set(body, recordHeaderSize);
	return bytes;
}

/** What lies at an offset: a record, damage (its header or its body does not check), or the end. */
export type Decoded =
	| {
			readonly kind: 'record';
			readonly seq: number;
			readonly record: WalRecord;
			readonly end: number;
	  }
	| {readonly kind: 'damaged'}
	| {readonly kind: 'end'};

/**
 * Reads the record at `offset`. A record whose header checks but whose body does not is damage,
 * unless `trustBody` (the planted bug `trust-corrupt-record`) takes a body that still parses.
 */
export function decodeRecord(bytes: Uint8Array, offset: number, trustBody = false): Decoded {
	if (offset >= bytes.length) {
		return {kind: 'end'};
	}

	if (bytes.length - offset < recordHeaderSize) {
		return {kind: 'damaged'};
	}

	const data = view(bytes.subarray(offset, offset + recordHeaderSize));
	if (
		data.getUint32(0) !== recordMagic ||
		data.getUint32(28) !== checksum(bytes.subarray(offset, offset + 28))
	) {
		return {kind: 'damaged'};
	}

	const type = typeNames.get(data.getUint8(4));
	const length = data.getUint32(8);
	const end = offset + recordHeaderSize + length;
	if (type === undefined || end > bytes.length) {
		return {kind: 'damaged'};
	}

	const body = bytes.subarray(offset + recordHeaderSize, end);
	if (data.getUint32(20) !== checksum(body) && !trustBody) {
		return {kind: 'damaged'};
	}

	let record: unknown;
	try {
		record = JSON.parse(decoder.decode(body));
	} catch {
		return {kind: 'damaged'};
	}

	if (typeof record !== 'object' || record === null || (record as {type?: unknown}).type !== type) {
		return {kind: 'damaged'};
	}

	// Our own JSON of this type, whose checksum held (or a planted bug trusts it).
	// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- see above
	return {kind: 'record', seq: getNumber(data, 12), record: record as WalRecord, end};
}

/** The next offset after `from` where an intact record starts, or undefined (a scan past damage). */
export function nextRecord(bytes: Uint8Array, from: number): number | undefined {
	const first = (recordMagic >>> 24) & 0xff;
	for (let offset = from; offset + recordHeaderSize <= bytes.length; offset++) {
		if (bytes[offset] === first && decodeRecord(bytes, offset).kind === 'record') {
			return offset;
		}
	}

	return undefined;
}
