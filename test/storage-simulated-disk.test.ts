import test from 'ava';
import {SimulatedDisk} from '../source/storage/simulated-disk.js';
import {Prng} from '../source/vsr/prng.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined) =>
	data === undefined ? undefined : new TextDecoder().decode(data);

const ignore = () => undefined;

function diskOf(seed = 1, latency?: {min: number; max: number}) {
	const prng = new Prng(seed);
	return new SimulatedDisk({
		random: () => prng.next(),
		syncLatency: latency ?? {min: 1, max: 3},
		sectorSize: 4,
	});
}

/** Syncs a file and its name, and lets the disk complete them. */
function syncAll(disk: SimulatedDisk, name: string): void {
	disk.sync(name, ignore);
	disk.syncDirectory(ignore);
	while (disk.advance()) {
		// Until both are done.
	}
}

test('what is written reads back at once; a sync completes after its latency, in the order asked', (t) => {
	const disk = diskOf(1, {min: 2, max: 5});
	disk.append('log', bytes('abc'));
	disk.append('log', bytes('def'));
	t.is(text(disk.read('log')), 'abcdef');
	const done: string[] = [];
	disk.sync('log', () => {
		done.push('first');
	});
	disk.append('log', bytes('g'));
	disk.sync('log', () => {
		done.push('second');
	});
	disk.tick();
	t.deepEqual(done, [], 'no sync completes within the least latency');
	const due = disk.nextDue;
	t.true(due >= 2 && due <= 5);
	while (disk.now < due) {
		disk.tick();
	}

	t.deepEqual(done, ['first']);
	t.true(disk.advance());
	t.deepEqual(done, ['first', 'second']);
	t.false(disk.advance(), 'nothing left');
	t.is(disk.pendingSyncs, 0);
});

test('the same seed gives the same latencies and the same crash', (t) => {
	const run = (seed: number) => {
		const disk = diskOf(seed);
		const times: number[] = [];
		for (let i = 0; i < 20; i++) {
			disk.append('log', bytes(`record ${i};`));
			if (i % 3 === 0) {
				disk.sync('log', () => {
					times.push(disk.now);
				});
			}

			if (i % 4 === 0) {
				disk.tick();
			}
		}

		disk.crash();
		return {times, after: text(disk.read('log'))};
	};

	t.deepEqual(run(7), run(7));
	t.notDeepEqual(run(7), run(8));
});

test('a crash keeps what was synced, and can lose all that was not, or keep it whole', (t) => {
	for (const [written, expected] of [
		[0, 'synced'],
		[1, 'synced and more'],
	] as const) {
		const disk = diskOf();
		disk.append('log', bytes('synced'));
		syncAll(disk, 'log');
		disk.append('log', bytes(' and more'));
		let completed = false;
		disk.sync('log', () => {
			completed = true;
		});
		disk.crash({written, torn: 0});
		t.is(text(disk.read('log')), expected);
		t.false(completed, 'a sync in progress at the crash never completes');
		t.false(disk.advance());
	}
});

test('a crash may keep unsynced sectors torn: part new data, part noise; synced bytes stay intact', (t) => {
	const disk = diskOf(3);
	disk.append('log', bytes('0123'));
	syncAll(disk, 'log');
	const unsynced = 'abcdefghijklmnopqrstuvwxyz012345';
	disk.append('log', bytes(unsynced));
	disk.crash({written: 1, torn: 1});
	const after = disk.read('log')!;
	t.is(after.length, 4 + unsynced.length, 'every sector reached the platter');
	t.is(text(after.subarray(0, 4)), '0123');
	t.not(text(after.subarray(4)), unsynced, 'but torn');
});

test('a file whose name was never synced can vanish at a crash; renames survive whole or not at all', (t) => {
	const lost = diskOf(4);
	lost.append('new', bytes('data'));
	lost.sync('new', ignore);
	while (lost.advance()) {
		// The data is durable, the name is not.
	}

	lost.crash({directory: 0});
	t.deepEqual(lost.list(), []);

	for (let seed = 1; seed <= 20; seed++) {
		const disk = diskOf(seed);
		disk.write('file.tmp', bytes('new'));
		disk.write('file', bytes('old'));
		syncAll(disk, 'file.tmp');
		disk.sync('file', ignore);
		while (disk.advance()) {
			// Both durable.
		}

		disk.rename('file.tmp', 'file');
		disk.crash();
		const names = disk.list().toSorted();
		t.true(
			(names.join(',') === 'file' && text(disk.read('file')) === 'new') ||
				(names.join(',') === 'file,file.tmp' && text(disk.read('file')) === 'old'),
			`seed ${seed}: ${names.join(',')} ${text(disk.read('file'))}`,
		);
	}
});

test('a corrupted sector reads back with a flipped byte, before and after a crash', (t) => {
	const disk = diskOf();
	disk.append('log', bytes('hello'));
	syncAll(disk, 'log');
	t.deepEqual(disk.corrupt('log', 1), {name: 'log', offset: 1});
	t.is(text(disk.read('log')), 'hdllo');
	disk.crash({written: 0});
	t.is(text(disk.read('log')), 'hdllo', 'the damage is on the platter');

	const random = diskOf(9);
	random.append('a', bytes('aaaaaaaa'));
	random.append('b', bytes('bbbbbbbb'));
	syncAll(random, 'a');
	random.append('c', bytes('unsynced'));
	const corrupted = random.corrupt();
	t.is(corrupted?.name, 'a', 'only synced data rots');
	t.not(text(random.read('a')), 'aaaaaaaa');
	t.is(text(random.read('b')), 'bbbbbbbb');
});

test('a lost disk holds nothing, and its syncs in progress never complete', (t) => {
	const disk = diskOf();
	disk.append('log', bytes('data'));
	syncAll(disk, 'log');
	let completed = false;
	disk.append('log', bytes('more'));
	disk.sync('log', () => {
		completed = true;
	});
	disk.lose();
	t.deepEqual(disk.list(), []);
	t.is(disk.read('log'), undefined);
	t.false(disk.advance());
	t.false(completed);
});
