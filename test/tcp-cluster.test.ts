/**
Three replica servers on 127.0.0.1, 127.0.0.2 and 127.0.0.3 (separate processes: the "hosts"
differ by address), the client and `run --cluster` against them, through a crash of the primary
and its restart.
*/
import {readFileSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {execa} from 'execa';
import {LocalServers} from '../source/tcp/local-servers.js';
import {probeStatus} from '../source/tcp/status-probe.js';
import {parseJson} from './fixtures/cluster.js';
import {cliPath} from './helpers/paths.js';

const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

async function client(file: string, ...args: string[]) {
	return execa(
		'node',
		[cliPath, 'client', '--cluster', file, '--json', '--timeout', '30', ...args],
		{
			reject: false,
			stdin: 'ignore',
			timeout: 60_000,
		},
	);
}

function json(text: unknown): Record<string, unknown> {
	const value: unknown = JSON.parse(String(text));
	if (typeof value !== 'object' || value === null) {
		throw new TypeError(`not a JSON object: ${String(text)}`);
	}

	return {...value};
}

/** The client's answer as JSON (and its exit code as `exitCode`). */
async function ask(file: string, ...args: string[]): Promise<Record<string, unknown>> {
	const result = await client(file, ...args);
	return {...json(result.stdout || '{}'), exitCode: result.exitCode, stderr: result.stderr};
}

async function statusOf(cluster: LocalServers['cluster'], id: number) {
	const status = await probeStatus(cluster, id, 10_000);
	if (typeof status === 'string') {
		throw new TypeError(status);
	}

	return status;
}

test('a client works against three servers, a run survives the primary crashing, and nothing committed is lost', async (t) => {
	const local = await LocalServers.start({hosts});
	try {
		await Promise.all([
			local.servers[0]!.waitFor(/connected to replica 1/v),
			local.servers[0]!.waitFor(/connected to replica 2/v),
			local.servers[1]!.waitFor(/connected to replica 2/v),
		]);
		// Each replica listens on its own address only.
		for (const [id, host] of hosts.entries()) {
			t.regex(
				local.servers[id]!.log,
				new RegExp(String.raw`listening on ${host.replaceAll('.', String.raw`\.`)}:\d+`, 'v'),
			);
		}

		t.like(await ask(local.file, 'put', 'greeting', 'hello'), {
			exitCode: 0,
			ok: true,
			op: 'put',
			key: 'greeting',
			result: 'ok',
			view: 0,
		});
		t.like(await ask(local.file, 'append', 'greeting', ' world'), {exitCode: 0, result: 'ok'});
		t.like(await ask(local.file, 'get', 'greeting'), {exitCode: 0, result: 'hello world'});
		t.like(await ask(local.file, 'cas', 'greeting', 'nope', 'x'), {ok: true, result: false});
		t.like(await ask(local.file, 'get', 'absent'), {ok: true, result: null});

		// A run in progress; the primary (replica 0, view 0) crashes once the run has committed 300 ops.
		const before = await statusOf(local.cluster, 0);
		const history = path.join(local.directory, 'history.json');

		const run = execa(
			'node',
			[
				cliPath,
				'run',
				'--cluster',
				local.file,
				'--requests',
				'3000',
				'--clients',
				'4',
				'--json',
				'--history',
				history,
			],
			{reject: false, stdin: 'ignore', timeout: 240_000},
		);
		try {
			for (;;) {
				const status = await statusOf(local.cluster, 0);
				if (status.commit >= before.commit + 300) {
					break;
				}

				await new Promise((resolve) => {
					setTimeout(resolve, 20);
				});
			}

			await local.servers[0]!.kill();
			// Replica 1 leads view 1, or replica 2 a later view if that one did not complete in time.
			await Promise.any([
				local.servers[1]!.waitFor(/primary of view [1-9]/v, 60_000),
				local.servers[2]!.waitFor(/primary of view [1-9]/v, 60_000),
			]);
			// Restarted without its state, it recovers from the others.
			const restarted = local.startReplica(0, ['--recover']);
			await restarted.waitFor(/recovered: view \d+/v, 60_000);
		} finally {
			const result = await run;
			t.is(
				result.exitCode,
				0,
				`${String(result.stderr)}\n${local.servers.map((server) => server.log).join('')}`,
			);
			const summary = json(result.stdout);
			t.like(summary, {replicas: 3, requests: 3000, acked: 3000, failed: 0, linearizable: true});
			t.true(Number(summary.view_changes) >= 1, `${String(result.stdout)}`);
		}

		// What was committed before the crash is still there, and the cluster takes new writes.
		const after = await ask(local.file, 'get', 'greeting');
		t.like(after, {ok: true, result: 'hello world'});
		t.true(Number(after.view) >= 1);
		t.like(await ask(local.file, 'put', 'after', 'crash'), {exitCode: 0});
		t.like(await ask(local.file, 'get', 'after'), {result: 'crash'});
		t.regex(local.servers[1]!.log, /lost replica 0/v);
		// The history: every operation, on keys of this run's own.
		const entries = parseJson<Array<{key: string; return: number | null}>>(
			readFileSync(history, 'utf8'),
		);
		t.is(entries.length, 3000);
		t.true(
			entries.every((entry) => /^[\da-f]{8}\.k[0-7]$/v.test(entry.key) && entry.return !== null),
		);
		// SIGTERM: each server closes its connections and exits 0.
		await local.stop();
		for (const server of local.servers) {
			t.is(await server.exited, 0);
			t.regex(server.log, /stopping \(SIGTERM\)\n$/v);
		}
	} finally {
		await local.stop();
	}
});

test('a replica that cannot listen on its address says so in one line and exits 1', async (t) => {
	const local = await LocalServers.start({hosts: ['127.0.0.1']});
	try {
		// The same replica again: its port is taken.
		const second = local.startReplica(0);
		const code = await second.exited;
		t.is(code, 1);
		const lines = second.log.trim().split('\n');
		t.regex(
			lines.at(-1)!,
			/^vsr-tui replica: cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE: another process listens there\)$/v,
		);
	} finally {
		await local.stop();
	}
});
