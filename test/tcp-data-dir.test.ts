/**
Replica servers with `--data-dir` on 127.0.0.1, 127.0.0.2 and 127.0.0.3: every one killed at
once and restarted with the same command line keeps every acknowledged write; one killed in the
middle of `run --cluster` comes back from its disk and the run stays linearizable.
*/
import {existsSync} from 'node:fs';
import test from 'ava';
import {execa} from 'execa';
import {LocalServers} from '../source/tcp/local-servers.js';
import {probeStatus} from '../source/tcp/status-probe.js';
import {cliPath} from './helpers/paths.js';

const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

function json(text: unknown): Record<string, unknown> {
	const value: unknown = JSON.parse(String(text));
	if (typeof value !== 'object' || value === null) {
		throw new TypeError(`not a JSON object: ${String(text)}`);
	}

	return {...value};
}

/** The client's answer as JSON (and its exit code as `exitCode`). */
async function ask(file: string, ...args: string[]): Promise<Record<string, unknown>> {
	const result = await execa(
		'node',
		[cliPath, 'client', '--cluster', file, '--json', '--timeout', '30', ...args],
		{reject: false, stdin: 'ignore', timeout: 60_000},
	);
	return {...json(result.stdout || '{}'), exitCode: result.exitCode, stderr: result.stderr};
}

async function commitOf(local: LocalServers, id: number): Promise<number> {
	const status = await probeStatus(local.cluster, id, 10_000);
	if (typeof status === 'string') {
		throw new TypeError(status);
	}

	return status.commit;
}

test('three replica servers killed at once and restarted from their data directories lose no acknowledged write', async (t) => {
	const local = await LocalServers.start({hosts, dataDirs: true});
	try {
		for (const server of local.servers) {
			t.regex(server.log, /starting fresh in view 0 on an empty disk/v);
		}

		const written = new Map<string, string>();
		for (let i = 0; i < 6; i++) {
			const key = `k${i}`;
			const value = `v${i}-${'x'.repeat(i)}`;
			t.like(await ask(local.file, 'put', key, value), {exitCode: 0, ok: true, result: 'ok'});
			written.set(key, value);
		}

		t.like(await ask(local.file, 'append', 'k0', '+more'), {exitCode: 0, result: 'ok'});
		written.set('k0', `${written.get('k0')!}+more`);
		// More writes, acknowledged by a run (its keys are its own).
		const run = await execa(
			'node',
			[cliPath, 'run', '--cluster', local.file, '--requests', '400', '--clients', '4', '--json'],
			{reject: false, stdin: 'ignore', timeout: 180_000},
		);
		t.is(run.exitCode, 0, `${String(run.stderr)}`);
		t.like(json(run.stdout), {acked: 400, linearizable: true});
		const committed = await commitOf(local, 0);
		t.true(committed >= 407, `commit ${committed}`);

		// A power cut: every server SIGKILLed, then each started again with the same command line.
		await Promise.all(local.servers.map(async (server) => server.kill()));
		const restarted = [0, 1, 2].map((id) => local.startReplica(id));
		await Promise.all(
			restarted.map(async (server) =>
				server.waitFor(/restored from its disk: view \d+, op \d+/v, 60_000),
			),
		);
		for (const server of restarted) {
			t.notRegex(server.log, /recovering/v);
		}

		// Between them, the disks hold every committed op.
		const ops = restarted.map((server) =>
			Number(/restored from its disk: view \d+, op (\d+)/v.exec(server.log)![1]),
		);
		t.true(
			ops.filter((op) => op >= committed).length >= 2,
			`ops on disk ${ops.join(', ')}, committed ${committed}`,
		);

		for (const [key, value] of written) {
			t.like(
				await ask(local.file, 'get', key),
				{exitCode: 0, ok: true, result: value},
				`key ${key}`,
			);
		}

		t.like(await ask(local.file, 'put', 'after', 'restart'), {exitCode: 0, result: 'ok'});
		t.true((await commitOf(local, 0)) > committed || (await commitOf(local, 1)) > committed);
	} finally {
		await local.stop();
	}

	t.false(existsSync(local.directory));
});

test('a replica server killed in the middle of run --cluster comes back from its disk and the run stays linearizable', async (t) => {
	const local = await LocalServers.start({hosts, dataDirs: true});
	try {
		await Promise.all([
			local.servers[0]!.waitFor(/connected to replica 1/v),
			local.servers[0]!.waitFor(/connected to replica 2/v),
			local.servers[1]!.waitFor(/connected to replica 2/v),
		]);
		const run = execa(
			'node',
			[cliPath, 'run', '--cluster', local.file, '--requests', '2000', '--clients', '4', '--json'],
			{reject: false, stdin: 'ignore', timeout: 240_000},
		);
		try {
			while ((await commitOf(local, 0)) < 300) {
				await new Promise((resolve) => {
					setTimeout(resolve, 20);
				});
			}

			// The primary of view 0 crashes; the same command line brings it back, from its disk.
			await local.servers[0]!.kill();
			await Promise.any([
				local.servers[1]!.waitFor(/primary of view [1-9]/v, 60_000),
				local.servers[2]!.waitFor(/primary of view [1-9]/v, 60_000),
			]);
			const restarted = local.startReplica(0);
			await restarted.waitFor(/restored from its disk: view \d+, op [1-9]\d*/v, 60_000);
			t.notRegex(restarted.log, /recovering/v);
		} finally {
			const result = await run;
			t.is(
				result.exitCode,
				0,
				`${String(result.stderr)}\n${local.servers.map((server) => server.log).join('')}`,
			);
			t.like(json(result.stdout || '{}'), {
				requests: 2000,
				acked: 2000,
				failed: 0,
				linearizable: true,
			});
		}

		// The restarted replica follows the new primary and catches up with it.
		const target = await commitOf(local, 1);
		const deadline = Date.now() + 60_000;
		let caughtUp = await commitOf(local, 0);
		while (caughtUp < target && Date.now() < deadline) {
			await new Promise((resolve) => {
				setTimeout(resolve, 50);
			});
			caughtUp = await commitOf(local, 0);
		}

		t.true(caughtUp >= target, `replica 0 at commit ${caughtUp}, replica 1 at ${target}`);
	} finally {
		await local.stop();
	}

	t.false(existsSync(local.directory));
});
