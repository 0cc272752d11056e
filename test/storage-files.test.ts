import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {setImmediate as tick} from 'node:timers/promises';
import test, {type ExecutionContext} from 'ava';
import type {Disk} from '../source/storage/disk.js';
import {FileDisk} from '../source/storage/file-disk.js';
import {openFileStorage} from '../source/storage/file-storage.js';
import {StorageRefused, checkpointName} from '../source/storage/read-back.js';
import {encodeRecord, type Identity} from '../source/storage/records.js';
import {type Opened, ReplicaStorage} from '../source/storage/replica-storage.js';
import type {Checkpoint} from '../source/vsr/checkpoint.js';
import type {LogEntry, Send} from '../source/vsr/messages.js';
import {Replica} from '../source/vsr/replica.js';
import type {DurableFacts, DurableState, LogWrite, StorageStart} from '../source/vsr/storage.js';

const identity: Identity = {
	cluster: 'aaaabbbbccccddddeeeeffff00001111',
	replica: 0,
	replicaCount: 1,
};

const facts: DurableFacts = {view: 0, lastNormalView: 0, incarnation: 0, recovering: false};

function temporaryDirectory(t: ExecutionContext): string {
	const directory = mkdtempSync(path.join(tmpdir(), 'vsr-tui-storage-'));
	t.teardown(() => {
		rmSync(directory, {recursive: true, force: true});
	});
	return directory;
}

/** What the directory holds: each file's bytes. */
function snapshot(directory: string): Record<string, string> {
	return Object.fromEntries(
		readdirSync(directory)
			.toSorted()
			.map((name) => [name, readFileSync(path.join(directory, name)).toString('base64')]),
	);
}

async function until(condition: () => boolean, what: string): Promise<void> {
	const deadline = Date.now() + 30_000;
	while (!condition()) {
		if (Date.now() > deadline) {
			throw new Error(`timed out waiting for ${what}`);
		}

		await tick();
	}
}

async function format(directory: string, who: Identity = identity): Promise<void> {
	const disk = new FileDisk(directory);
	await new Promise<void>((resolve, reject) => {
		ReplicaStorage.format(disk, who, (error) => {
			if (error) {
				reject(error);
			} else {
				resolve();
			}
		});
	});
	disk.close();
}

/** The state a start restores, or a failed test. */
function restored(start: StorageStart): DurableState {
	if (start.kind !== 'restored') {
		throw new Error(
			`the directory did not restore: ${start.kind === 'lost' ? start.reason : 'new'}`,
		);
	}

	return start.state;
}

const opsOf = (state: DurableState) => state.entries.map((restoredEntry) => restoredEntry.op);

const entry = (op: number): LogEntry => ({
	op,
	view: 0,
	clientId: 1,
	requestNumber: op,
	operation: {op: 'put', key: `k${op}`, value: `v${op}`},
});

const checkpointAt = (op: number): Checkpoint => ({
	op,
	digest: op * 7,
	stateMachine: Array.from({length: op}, (_, i) => [`k${i + 1}`, `v${i + 1}`]),
	clientTable: [[1, op, {ok: true, value: 'ok'}]],
});

/**
Writes ops `from`..`to`, one write each (the first with the facts), and waits until all are
durable; with `each`, waits for each before the next (no group commit: one batch each).
*/
async function writeOps(
	opened: Opened,
	[from, to]: readonly [number, number],
	{firstSeq = 1, each = false}: {firstSeq?: number; each?: boolean} = {},
): Promise<void> {
	const {storage} = opened;
	const progress = {durable: 0};
	storage.onDurable = (seq) => {
		progress.durable = seq;
	};

	const writes: LogWrite[] = [];
	for (let op = from; op <= to; op++) {
		writes.push({
			kind: 'log',
			seq: firstSeq + op - from,
			install: undefined,
			truncate: undefined,
			entries: [entry(op)],
			facts: op === from ? facts : undefined,
		});
	}

	for (const write of writes) {
		storage.submit([write]);

		await (each ? until(() => progress.durable >= write.seq, `write ${write.seq}`) : tick());
	}

	const last = writes.at(-1)!.seq;
	await until(() => progress.durable >= last, `write ${last} to be durable`);
}

function reopen(directory: string, who: Identity = identity) {
	const opened = openFileStorage(directory, {identity: who, existing: true});
	return opened;
}

test('a replica keeps its log, view and checkpoints in real files and restarts from them', async (t) => {
	const directory = temporaryDirectory(t);
	await format(directory);

	const run = async (requests: number[]) => {
		const opened = reopen(directory);
		const replica = new Replica({
			id: 0,
			replicaCount: 1,
			storage: opened.start,
			checkpointInterval: 4,
		});
		const replies: Send[] = [];
		const pump = (sends: Send[]) => {
			replies.push(...sends.filter((send) => send.to === 'client'));
			opened.storage.submit(replica.takeWrites());
		};

		opened.storage.onDurable = (seq) => {
			pump(replica.onWritten(seq));
		};

		pump([]);
		await until(() => replica.isPrimary, 'the replica to lead');
		for (const n of requests) {
			pump(
				replica.onMessage({
					type: 'request',
					clientId: 1,
					requestNumber: n,
					operation: {op: 'put', key: `k${n}`, value: `v${n}`},
				}),
			);
		}

		// (A new primary also answers again for the ops it commits anew: clients ignore those.)
		const answered = () =>
			new Set(
				replies.flatMap((send) => (send.to === 'client' ? [send.message.requestNumber] : [])),
			);
		await until(() => requests.every((n) => answered().has(n)), 'every reply');
		await until(() => opened.storage.idle, 'the checkpoint to be named in the log');
		opened.storage.close();
		opened.disk.close();
		return {opened, replica};
	};

	const first = await run([1, 2, 3, 4, 5, 6]);
	t.is(first.opened.start.kind, 'new');
	t.is(first.replica.commitNumber, 6);

	const second = await run([7]);
	const state = restored(second.opened.start);
	t.is(state.checkpoint?.op, 4);
	t.deepEqual(opsOf(state), [5, 6]);
	t.like(state.facts, {view: 0, lastNormalView: 0, incarnation: 0});

	t.is(second.replica.incarnation, 1, 'the next life');
	t.is(second.replica.view, 1, 'a restarted primary leads the next view, not its old one');
	t.deepEqual(
		second.replica.stateMachine.snapshot(),
		Array.from({length: 7}, (_, i) => [`k${i + 1}`, `v${i + 1}`]).toSorted(([a], [b]) =>
			a! < b! ? -1 : 1,
		),
	);
	t.true(
		second.opened.storage.stats.syncs < 30,
		`group commit (${second.opened.storage.stats.syncs} syncs)`,
	);
});

test('a torn tail is cut: the records before it read back, and writing goes on after it', async (t) => {
	const directory = temporaryDirectory(t);
	await format(directory);
	const first = reopen(directory);
	await writeOps(first, [1, 3]);
	first.storage.close();
	first.disk.close();

	// A crash in the middle of an append: half of a record reached the file.
	const segments = readdirSync(directory)
		.filter((name) => name.startsWith('wal-'))
		.toSorted();
	const last = path.join(directory, segments.at(-1)!);
	const intact = statSync(last).size;
	const record = encodeRecord(99, {type: 'write', entries: [entry(4)]});
	writeFileSync(last, record.subarray(0, record.length / 2), {flag: 'a'});

	const second = reopen(directory);
	t.deepEqual(second.readBack.cut, {name: segments.at(-1), offset: intact});
	t.deepEqual(opsOf(restored(second.start)), [1, 2, 3]);

	t.is(statSync(last).size, intact, 'the torn bytes are gone before anything is written');
	await writeOps(second, [4, 5]);
	second.storage.close();
	second.disk.close();

	const third = reopen(directory);
	t.deepEqual(opsOf(restored(third.start)), [1, 2, 3, 4, 5]);

	third.storage.close();
	third.disk.close();
});

test('a record that rots after it was durable is detected, never used, and the directory is given up', async (t) => {
	const directory = temporaryDirectory(t);
	await format(directory);
	const first = reopen(directory);
	await writeOps(first, [1, 5]);
	first.storage.close();
	first.disk.close();

	const name = readdirSync(directory).find((file) =>
		readFileSync(path.join(directory, file)).includes('"value":"v2"'),
	)!;
	const bytes = readFileSync(path.join(directory, name));
	const at = bytes.indexOf('"value":"v2"') + '"value":"'.length + 1;
	bytes[at] = '3'.codePointAt(0)!; // "v2" reads back as "v3": still JSON, a different write.
	writeFileSync(path.join(directory, name), bytes);

	const second = reopen(directory);
	t.like(second.start, {kind: 'lost'});
	t.regex(
		second.start.kind === 'lost' ? second.start.reason : '',
		new RegExp(
			String.raw`^${name.replaceAll('.', String.raw`\.`)}: the records after record \d+ \(op 1\) read back corrupted, though they were durable$`,
			'v',
		),
	);
	await until(() => second.storage.idle, 'the old files to go');
	t.deepEqual(
		readdirSync(directory),
		['recovering'],
		'nothing of it is kept to be trusted later; the marker says the replica recovers from its peers',
	);
	second.storage.close();
	second.disk.close();
});

test('a file that is not ours, or of another cluster or replica, is refused with one line and left as it was', async (t) => {
	const directory = temporaryDirectory(t);
	await format(directory);
	const first = reopen(directory);
	await writeOps(first, [1, 2]);
	first.storage.close();
	first.disk.close();
	const before = snapshot(directory);

	const refused = (who: Identity) => {
		const error = t.throws(() => reopen(directory, who), {instanceOf: StorageRefused});
		t.false(error?.message.includes('\n'), 'one line');
		t.deepEqual(snapshot(directory), before, 'nothing was touched');
		return error?.message ?? '';
	};

	t.regex(
		refused({...identity, cluster: '00000000000000000000000000000001'}),
		/belongs to cluster aaaabbbbccccddddeeeeffff00001111, not to this cluster \(00000000000000000000000000000001\); refusing to use or overwrite it$/v,
	);
	t.regex(
		refused({...identity, replica: 1, replicaCount: 3}),
		/belongs to replica 0 of a 1-replica cluster, not to replica 1 of 3; refusing/v,
	);

	writeFileSync(path.join(directory, 'notes.txt'), 'my notes');
	const withNotes = snapshot(directory);
	const notes = t.throws(() => reopen(directory), {instanceOf: StorageRefused});
	t.is(
		notes?.message,
		`${path.join(directory, 'notes.txt')} was not written by vsr-tui; refusing to use a data directory that holds it`,
	);
	t.deepEqual(snapshot(directory), withNotes);

	const stranger = temporaryDirectory(t);
	writeFileSync(path.join(stranger, 'wal-0000000000000001.log'), 'hello, world: not a log at all');
	const named = t.throws(() => reopen(stranger), {instanceOf: StorageRefused});
	t.is(
		named?.message,
		`${path.join(stranger, 'wal-0000000000000001.log')} is not a vsr-tui file; refusing to use or overwrite it`,
	);
	t.is(
		readFileSync(path.join(stranger, 'wal-0000000000000001.log'), 'utf8'),
		'hello, world: not a log at all',
	);
	t.throws(
		() => {
			ReplicaStorage.format(new FileDisk(stranger), identity, () => {
				throw new Error('formatted a directory that was in use');
			});
		},
		{instanceOf: StorageRefused, message: /must be empty to be formatted$/v},
	);
});

test('once a checkpoint is durable and named in the log, the segments and checkpoints before it are removed', async (t) => {
	const directory = temporaryDirectory(t);
	await format(directory);
	const opened = openFileStorage(directory, {identity, existing: true, segmentBytes: 100});
	await writeOps(opened, [1, 12], {each: true});
	const segmentsBefore = readdirSync(directory).filter((name) => name.startsWith('wal-'));
	t.true(segmentsBefore.length >= 10, `many small segments (${segmentsBefore.length})`);

	opened.storage.submit([{kind: 'checkpoint', checkpoint: checkpointAt(5)}]);
	await until(() => readdirSync(directory).includes(checkpointName(5)), 'checkpoint 5');
	await writeOps(opened, [13, 13], {firstSeq: 13}); // The next write confirms the record that names the checkpoint.
	opened.storage.submit([{kind: 'checkpoint', checkpoint: checkpointAt(10)}]);
	await until(() => readdirSync(directory).includes(checkpointName(10)), 'checkpoint 10');
	await writeOps(opened, [14, 14], {firstSeq: 14});
	await until(() => !readdirSync(directory).includes(checkpointName(5)), 'checkpoint 5 to go');
	opened.storage.close();
	opened.disk.close();

	const segmentsAfter = readdirSync(directory).filter((name) => name.startsWith('wal-'));
	t.true(
		segmentsAfter.length < segmentsBefore.length,
		`${segmentsAfter.join(',')} after ${segmentsBefore.join(',')}`,
	);
	t.true(opened.storage.stats.segmentsRemoved > 0);
	for (const removed of segmentsBefore.filter((name) => !segmentsAfter.includes(name))) {
		t.true(
			segmentsBefore.indexOf(removed) < segmentsBefore.length - 1,
			`${removed} was an old one`,
		);
	}

	const again = reopen(directory);
	const state = restored(again.start);
	t.deepEqual(state.checkpoint, checkpointAt(10));
	t.deepEqual(opsOf(state), [11, 12, 13, 14]);

	again.storage.close();
	again.disk.close();
});

/** A real directory whose process is killed after `limit` operations: later ones never happen, callbacks never come. */
class KilledDisk implements Disk {
	operations = 0;
	constructor(
		private readonly inner: FileDisk,
		private readonly limit: number,
	) {}

	get killed(): boolean {
		return this.operations >= this.limit;
	}

	where(name: string): string {
		return this.inner.where(name);
	}

	list(): string[] {
		return this.inner.list();
	}

	read(name: string): Uint8Array | undefined {
		return this.inner.read(name);
	}

	append(name: string, bytes: Uint8Array): void {
		this.step(() => {
			this.inner.append(name, bytes);
		});
	}

	write(name: string, bytes: Uint8Array): void {
		this.step(() => {
			this.inner.write(name, bytes);
		});
	}

	truncate(name: string, length: number): void {
		this.step(() => {
			this.inner.truncate(name, length);
		});
	}

	rename(from: string, to: string): void {
		this.step(() => {
			this.inner.rename(from, to);
		});
	}

	remove(name: string): void {
		this.step(() => {
			this.inner.remove(name);
		});
	}

	sync(name: string, done: (error?: Error) => void): void {
		this.step(() => {
			this.inner.sync(name, (error) => {
				if (!this.killed) {
					done(error);
				}
			});
		});
	}

	syncDirectory(done: (error?: Error) => void): void {
		this.step(() => {
			this.inner.syncDirectory((error) => {
				if (!this.killed) {
					done(error);
				}
			});
		});
	}

	private step(operation: () => void): void {
		if (!this.killed) {
			this.operations++;
			operation();
		}
	}
}

test('a checkpoint is written atomically: killed between any two of its steps, the replica restarts from the old one or the new one', async (t) => {
	// Each run: ops 1–6 durable with checkpoint 3, then checkpoint 6 and op 7, killed after `limit` disk operations.
	const attempt = async (limit: number) => {
		const directory = temporaryDirectory(t);
		await format(directory);
		const setup = reopen(directory);
		await writeOps(setup, [1, 6]);
		setup.storage.submit([{kind: 'checkpoint', checkpoint: checkpointAt(3)}]);
		await until(() => setup.storage.idle, 'checkpoint 3 named in a confirmed record');
		setup.storage.close();
		setup.disk.close();

		const inner = new FileDisk(directory);
		const disk = new KilledDisk(inner, limit);
		let durable = 0;
		const {storage} = ReplicaStorage.open(disk, {
			identity,
			existing: true,
			schedule(flush) {
				setImmediate(flush);
			},
		});
		storage.onDurable = (seq) => {
			durable = seq;
		};

		storage.submit([{kind: 'checkpoint', checkpoint: checkpointAt(6)}]);
		storage.submit([
			{kind: 'log', seq: 1, install: undefined, truncate: undefined, entries: [entry(7)], facts},
		]);
		await until(() => disk.killed || (durable === 1 && storage.idle), 'the kill or the end');
		// Let what was started settle (a real kill does not stop the kernel's writes).
		await new Promise((resolve) => {
			setTimeout(resolve, 20);
		});
		storage.close();
		inner.close();
		const {killed} = disk;

		const restarted = reopen(directory);
		const files = readdirSync(directory);
		restarted.storage.close();
		restarted.disk.close();
		return {killed, start: restarted.start, files, operations: disk.operations};
	};

	const checkpoints = new Set<number>();
	let limit = 0;
	for (; ; limit++) {
		const {killed, start, files} = await attempt(limit);
		const {checkpoint, entries} = restored(start);
		const op = checkpoint?.op ?? 0;
		checkpoints.add(op);
		t.true(op === 3 || op === 6, `killed after ${limit} operations: checkpoint ${op}`);
		t.deepEqual(checkpoint, checkpointAt(op), 'whole');
		const ops = entries.map((restoredEntry) => restoredEntry.op);
		t.deepEqual(
			ops,
			Array.from({length: ops.length}, (_, i) => op + 1 + i),
			'the log follows it',
		);
		t.true(
			Math.max(op, ...ops) >= 6,
			`killed after ${limit}: ops 1–6 are all there (${ops.join(',')})`,
		);
		t.false(
			files.some((name) => name.endsWith('.tmp')),
			'no half-written file is left to be read',
		);
		if (!killed) {
			break; // The run got to its end: every step before was a kill point.
		}
	}

	t.true(limit >= 8, `${limit} kill points`);
	t.deepEqual(
		[...checkpoints].toSorted((a, b) => a - b),
		[3, 6],
		'killed before and after the switch',
	);
});
