/** Durable replicas on real processes: every replica killed at once, restarted, nothing acknowledged lost. */
import {
	cpSync,
	mkdirSync,
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
import {clusterFileName, replicaDirectory} from '../source/cluster/data-dir.js';
import {ProcessCluster} from '../source/cluster/process-cluster.js';
import {lines, spawnCli} from './helpers/cli.js';
import {temporaryDirectory as makeTemporaryDirectory, snapshot} from './helpers/files.js';

const slow = {timeout: 240_000};

const temporaryDirectory = (t: ExecutionContext) =>
	makeTemporaryDirectory(t, 'vsr-tui-run-storage-');

async function until(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) {
			throw new Error(`timed out waiting for ${what}`);
		}

		await new Promise((resolve) => {
			setTimeout(resolve, 25);
		});
	}
}

type RunJson = {acked: number; failed: number; requests: number; linearizable: boolean};

function parseRun(stdout: unknown): RunJson {
	return JSON.parse(String(stdout)) as RunJson; // eslint-disable-line @typescript-eslint/no-unsafe-type-assertion
}

test('run --data-dir --power-cut: every replica killed twice at once, every request acknowledged, the history linearizable; the next run goes on from the disks', async (t) => {
	const data = path.join(temporaryDirectory(t), 'data');
	const first = await spawnCli(
		[
			'run',
			'--data-dir',
			data,
			'--requests',
			'200',
			'--power-cut',
			'60',
			'--power-cut',
			'140:300',
			'--json',
		],
		slow,
	);
	t.is(first.exitCode, 0, `stderr: ${String(first.stderr)}`);
	t.like(parseRun(first.stdout), {
		requests: 200,
		acked: 200,
		failed: 0,
		linearizable: true,
	});
	t.deepEqual(readdirSync(data).toSorted(), [
		'replica-0',
		'replica-1',
		'replica-2',
		clusterFileName,
	]);

	const second = await spawnCli(['run', '--data-dir', data, '--requests', '50', '--json'], slow);
	t.is(second.exitCode, 0, `stderr: ${String(second.stderr)}`);
	t.like(parseRun(second.stdout), {acked: 50, linearizable: true});
	t.like(JSON.parse(readFileSync(path.join(data, clusterFileName), 'utf8')), {sessions: 2});
});

test('every replica crashed at once and restarted: each acknowledged write reads back, and again in the next session', async (t) => {
	const data = path.join(temporaryDirectory(t), 'data');
	let cluster = await ProcessCluster.start({replicas: 3, dataDir: data});
	t.teardown(async () => cluster.stop());
	for (let n = 1; n <= 20; n++) {
		await cluster.submit({op: 'put', key: `k${n}`, value: `v${n}`});
	}

	cluster.crashAll();
	await until('every replica down', () =>
		cluster.snapshot().nodes.every((node) => node.status === 'crashed'),
	);
	t.true(
		cluster.snapshot().nodes.every((node) => (node.durableOp ?? 0) >= 1),
		'each replica had made ops durable',
	);
	cluster.restartAll();
	const read = async (n: number) => cluster.submit({op: 'get', key: `k${n}`});
	for (let n = 1; n <= 20; n++) {
		const outcome = await read(n);
		t.deepEqual(outcome.result, {ok: true, value: `v${n}`}, `k${n} after the crash of all`);
	}

	await cluster.stop();
	cluster = await ProcessCluster.start({replicas: 3, dataDir: data});
	for (let n = 1; n <= 20; n += 19) {
		const outcome = await read(n);
		t.deepEqual(outcome.result, {ok: true, value: `v${n}`}, `k${n} in the next session`);
	}
});

test('a data directory that is not ours, or holds another cluster’s replica, is refused with one line and exit 2, and nothing in it changes', async (t) => {
	const root = temporaryDirectory(t);
	const foreign = path.join(root, 'foreign');
	const ours = path.join(root, 'ours');
	const theirs = path.join(root, 'theirs');
	mkdirSync(foreign);
	writeFileSync(path.join(foreign, 'notes.txt'), 'mine\n');
	const before = snapshot(foreign);
	// `run`, and the operator (which checks before it looks for a terminal).
	for (const args of [
		['run', '--data-dir', foreign, '--requests', '5'],
		['--data-dir', foreign],
	]) {
		const result = await spawnCli(args);
		t.is(result.exitCode, 2);
		t.deepEqual(lines(result.stderr), [
			`vsr-tui: ${path.join(foreign, 'notes.txt')} is in the way: ${foreign} holds no vsr-tui cluster, and a new cluster needs an empty directory`,
		]);
		t.deepEqual(snapshot(foreign), before);
	}

	for (const directory of [ours, theirs]) {
		const made = await spawnCli(
			['run', '--data-dir', directory, '--requests', '3', '--json'],
			slow,
		);
		t.is(made.exitCode, 0, `stderr: ${String(made.stderr)}`);
	}

	rmSync(replicaDirectory(ours, 2), {recursive: true});
	cpSync(replicaDirectory(theirs, 2), replicaDirectory(ours, 2), {recursive: true});
	const mixed = snapshot(ours);
	const result = await spawnCli(['run', '--data-dir', ours, '--requests', '3']);
	t.is(result.exitCode, 2);
	const [line, ...rest] = lines(result.stderr);
	t.regex(
		line ?? '',
		/^vsr-tui: .*replica-2\/wal-[\da-f]{16}\.log belongs to cluster [\da-f]{32}, not to this cluster \([\da-f]{32}\); refusing to use or overwrite it$/v,
	);
	t.deepEqual(rest, []);
	t.deepEqual(snapshot(ours), mixed, 'nothing was overwritten');
});

test('--power-cut needs --data-dir, and --data-dir does not go with --seed: one line, exit 2', async (t) => {
	const cut = await spawnCli(['run', '--power-cut', '5']);
	t.is(cut.exitCode, 2);
	t.deepEqual(lines(cut.stderr), [
		'vsr-tui: --power-cut needs --data-dir: without disks, every replica killed at once loses every committed write',
	]);
	const seeded = await spawnCli([
		'run',
		'--data-dir',
		path.join(temporaryDirectory(t), 'd'),
		'--seed',
		'3',
	]);
	t.is(seeded.exitCode, 2);
	t.deepEqual(lines(seeded.stderr), [
		"vsr-tui: --data-dir does not go with --seed: a disk's timing is not seeded",
	]);
	const bad = await spawnCli(['run', '--data-dir', 'x', '--power-cut', '5:70000']);
	t.is(bad.exitCode, 2);
	t.regex(String(bad.stderr), /^vsr-tui: --power-cut .*K or K:MS with MS up to 60000/v);
});

test('the operator: --data-dir does not go with --record (a recording is seeded): one line, exit 2', async (t) => {
	const result = await spawnCli([
		'--data-dir',
		path.join(temporaryDirectory(t), 'd'),
		'--record',
		path.join(temporaryDirectory(t), 'session.ndjson'),
	]);
	t.is(result.exitCode, 2);
	t.deepEqual(lines(result.stderr), [
		"vsr-tui: --data-dir does not go with --record: a recording is a seeded session, and a disk's timing is not seeded",
	]);
});
