import {
	cpSync,
	mkdtempSync,
	readFileSync,
	readdirSync,
	rmSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {
	clusterFileName,
	identityOf,
	openDataDir,
	replicaDirectory,
} from '../source/cluster/data-dir.js';
import {parsePowerCut, scheduleFaults} from '../source/cluster/fault-schedule.js';
import {StorageRefused} from '../source/storage/read-back.js';
import {openFileStorage} from '../source/storage/file-storage.js';
import {temporaryDirectory as makeTemporaryDirectory, snapshot} from './helpers/files.js';

const temporaryDirectory = (t: ExecutionContext) => makeTemporaryDirectory(t, 'vsr-tui-data-dir-');

async function refused(t: ExecutionContext, root: string, replicas: number): Promise<string> {
	const before = snapshot(root);
	const error = await t.throwsAsync(openDataDir(root, replicas), {instanceOf: StorageRefused});
	t.deepEqual(snapshot(root), before, 'nothing was changed');
	t.false(error.message.includes('\n'), 'one line');
	return error.message;
}

test('a new cluster in a missing directory: one formatted directory per replica, then the cluster file', async (t) => {
	const root = path.join(temporaryDirectory(t), 'data');
	const dataDir = await openDataDir(root, 3);
	t.true(dataDir.created);
	t.regex(dataDir.cluster, /^[\da-f]{32}$/v);
	t.deepEqual(readdirSync(root).toSorted(), [
		'replica-0',
		'replica-1',
		'replica-2',
		clusterFileName,
	]);
	t.like(JSON.parse(readFileSync(path.join(root, clusterFileName), 'utf8')), {
		format: 'vsr-tui cluster',
		cluster: dataDir.cluster,
		replicas: 3,
	});
	for (let id = 0; id < 3; id++) {
		t.deepEqual(readdirSync(replicaDirectory(root, id)), ['wal-0000000000000001.log']);
		// Formatted: the replica starts new, and its files name this cluster.
		const opened = openFileStorage(replicaDirectory(root, id), {
			identity: identityOf(dataDir, id),
			existing: true,
		});
		t.is(opened.start.kind, 'new');
		opened.storage.close();
		opened.disk.close();
	}

	const again = await openDataDir(root, 3);
	t.false(again.created, 'opened again, it is the same cluster');
	t.is(again.cluster, dataDir.cluster);
});

test('a directory that holds something else, a cluster of another size, or a stranger file is refused with one line', async (t) => {
	const root = temporaryDirectory(t);
	writeFileSync(path.join(root, 'notes.txt'), 'mine\n');
	t.regex(
		await refused(t, root, 3),
		/notes\.txt is in the way: .* holds no vsr-tui cluster, and a new cluster needs an empty directory$/v,
	);

	const cluster = temporaryDirectory(t);
	await openDataDir(cluster, 3);
	t.is(
		await refused(t, cluster, 5),
		`${cluster} holds a cluster of 3 replicas, not 5: start it with --replicas 3, or use another directory`,
	);

	writeFileSync(path.join(cluster, 'stray'), '');
	t.is(
		await refused(t, cluster, 3),
		`${path.join(cluster, 'stray')} was not written by vsr-tui; refusing to use a data directory that holds it`,
	);
	rmSync(path.join(cluster, 'stray'));

	writeFileSync(path.join(replicaDirectory(cluster, 1), 'mine.log'), 'x');
	t.regex(
		await refused(t, cluster, 3),
		/replica-1\/mine\.log was not written by vsr-tui; refusing to use a data directory that holds it$/v,
	);
	rmSync(path.join(replicaDirectory(cluster, 1), 'mine.log'));

	writeFileSync(path.join(cluster, clusterFileName), '{"format":"something else"}');
	t.regex(
		await refused(t, cluster, 3),
		/vsr-tui-cluster\.json is not a vsr-tui cluster file; refusing to use or overwrite it$/v,
	);
});

test("another cluster's replica directory is refused: the cluster id is in every file's header", async (t) => {
	const ours = temporaryDirectory(t);
	const theirs = temporaryDirectory(t);
	const dataDir = await openDataDir(ours, 3);
	const other = await openDataDir(theirs, 3);
	rmSync(replicaDirectory(ours, 1), {recursive: true});
	cpSync(replicaDirectory(theirs, 1), replicaDirectory(ours, 1), {recursive: true});
	t.is(
		await refused(t, ours, 3),
		`${path.join(replicaDirectory(ours, 1), 'wal-0000000000000001.log')} belongs to cluster ${other.cluster}, not to this cluster (${dataDir.cluster}); refusing to use or overwrite it`,
	);

	// Another replica's directory of the same cluster, under the wrong name, too.
	rmSync(replicaDirectory(ours, 1), {recursive: true});
	cpSync(replicaDirectory(ours, 2), replicaDirectory(ours, 1), {recursive: true});
	t.regex(
		await refused(t, ours, 3),
		/belongs to replica 2 of a 3-replica cluster, not to replica 1 of 3; refusing to use or overwrite it$/v,
	);
});

test('a replica whose directory is gone gets an empty one: it will recover from its peers', async (t) => {
	const root = temporaryDirectory(t);
	const dataDir = await openDataDir(root, 3);
	rmSync(replicaDirectory(root, 2), {recursive: true});
	await openDataDir(root, 3);
	t.deepEqual(readdirSync(replicaDirectory(root, 2)), []);
	const opened = openFileStorage(replicaDirectory(root, 2), {
		identity: identityOf(dataDir, 2),
		existing: true,
	});
	t.like(opened.start, {kind: 'lost', reason: 'its data directory holds no state'});
	opened.storage.close();
	opened.disk.close();
});

test('--power-cut K[:MS]: 500 ms by default, at most 60 s; every replica is back after it', (t) => {
	t.deepEqual(parsePowerCut('50'), {at: 50, ms: 500});
	t.deepEqual(parsePowerCut('0:1000'), {at: 0, ms: 1000});
	t.deepEqual(parsePowerCut('7:0'), {at: 7, ms: 0});
	for (const bad of ['', 'x', '5:', ':5', '5:60001', '-1', '05', '5:1.5']) {
		t.is(parsePowerCut(bad), undefined, `refused: ${bad}`);
	}

	// A crash before a power cut does not count against the one after it: all restart.
	const faults = scheduleFaults({
		replicas: 3,
		requests: 100,
		crash: [
			{node: 0, at: 10},
			{node: 1, at: 30},
		],
		restart: [],
		partition: [],
		powerCut: [{at: 20, ms: 300}],
	});
	t.deepEqual(
		faults.map((fault) => `${fault.kind}@${fault.at}`),
		['crash@10', 'power_cut@20', 'crash@30'],
	);
	t.throws(
		() =>
			scheduleFaults({
				replicas: 3,
				requests: 100,
				crash: [],
				restart: [],
				partition: [],
				powerCut: [{at: 101, ms: 300}],
			}),
		{message: '--power-cut at 101 acknowledgements, but the run has 100 requests'},
	);
});
