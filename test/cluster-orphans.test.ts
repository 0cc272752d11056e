import {once} from 'node:events';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {execaNode, type ResultPromise} from 'execa';
import {alive, byNumber, childrenOf, parseJson, waitFor} from './fixtures/cluster.js';
import {cliPath, distDir} from './helpers/paths.js';

/**
No replica outlives its operator, however the operator ends: a normal exit
(with and without stopping the cluster first), SIGINT, SIGTERM, and SIGKILL,
which no cleanup hook sees (the replicas notice their IPC channel closing).
*/

const fixture = path.join(distDir, 'test', 'fixtures', 'operator-process.js');

const fixtureOptions = {
	stdin: 'pipe',
	stdout: 'pipe',
	stderr: 'pipe',
	reject: false,
	buffer: false,
	ipc: false,
	nodeOptions: [],
} as const;

type Started = {
	readonly operator: ResultPromise<typeof fixtureOptions>;
	readonly replicas: number[];
};

async function startFixture(t: ExecutionContext): Promise<Started> {
	const operator = execaNode(fixture, [], fixtureOptions);
	let replicas: number[] = [];
	t.teardown(() => {
		operator.kill('SIGKILL');
		for (const pid of replicas) {
			if (alive(pid)) {
				process.kill(pid, 'SIGKILL');
			}
		}
	});
	const chunks: unknown[] = await once(operator.stdout, 'data');
	const started = parseJson<{pid: number; replicas: number[]}>(String(chunks[0]).split('\n')[0]!);
	replicas = started.replicas;
	t.is(replicas.length, 3);
	t.true(replicas.every((pid) => alive(pid)));
	t.deepEqual(
		childrenOf(operator.pid!).toSorted(byNumber),
		replicas.toSorted(byNumber),
		'the replicas are its children',
	);
	return {operator, replicas};
}

async function noneLeft(t: ExecutionContext, replicas: readonly number[]): Promise<void> {
	await waitFor('every replica to exit', () => replicas.every((pid) => !alive(pid)), 15_000);
	t.pass();
}

for (const command of ['exit', 'stop'] as const) {
	test(`normal exit (${command}) leaves no replica`, async (t) => {
		const {operator, replicas} = await startFixture(t);
		operator.stdin.write(`${command}\n`);
		const result = await operator;
		t.is(result.exitCode, 0);
		await noneLeft(t, replicas);
	});
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
	test(`${signal} to the operator leaves no replica`, async (t) => {
		const {operator, replicas} = await startFixture(t);
		operator.kill(signal);
		const result = await operator;
		t.is(result.signal, signal);
		await noneLeft(t, replicas);
	});
}

for (const [signal, code] of [
	['SIGINT', 130],
	['SIGTERM', 143],
] as const) {
	test(`vsr-tui run stops its cluster on ${signal} and exits ${code}`, async (t) => {
		const run = execaNode(cliPath, ['run', '--requests', '1000000', '--delay', '20'], {
			reject: false,
			nodeOptions: [],
			ipc: false,
			stdin: 'ignore',
		});
		t.teardown(() => {
			run.kill('SIGKILL');
		});
		let replicas: number[] = [];
		await waitFor('three replicas', () => {
			replicas = childrenOf(run.pid!);
			return replicas.length === 3;
		});
		await new Promise((resolve) => {
			setTimeout(resolve, 500);
		});
		run.kill(signal);
		const result = await run;
		t.is(result.exitCode, code, `${String(result.stderr)}`);
		await noneLeft(t, replicas);
	});
}
