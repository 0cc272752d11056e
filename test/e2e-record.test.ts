/**
A session recorded in a real terminal (tmux, `helpers/tmux.ts`) on real replica processes, then
replayed: `vsr-tui --seed S --record FILE`, a few keys (requests, a crash, a restart), `q`; the file
holds the seed, the settings and each action at its virtual time, and `vsr-tui replay FILE` says
the run is identical, digest for digest.
*/
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {parseSession} from '../source/cluster/session-file.js';
import {spawnCli} from './helpers/cli.js';
import {exitStatus, rowsOf, startOperator, waitUntilGone} from './helpers/tmux.js';

test('recorded at the keyboard, replayed identically', async (t) => {
	t.timeout(240_000);
	const directory = mkdtempSync(path.join(os.tmpdir(), 'vsr-tui-record-'));
	t.teardown(() => {
		rmSync(directory, {recursive: true, force: true});
	});
	const file = path.join(directory, 'class.ndjson');
	const {session, pids} = await startOperator(t, {args: ['--seed', '21', '--record', file]});
	let screen = await session.waitFor('the seed in the header', (current) =>
		current.includes('seed 21'),
	);
	for (const row of rowsOf(screen)) {
		if (row.pid !== undefined) {
			pids.add(row.pid);
		}
	}

	await session.keys('s');
	screen = await session.waitFor('the reply', (current) => current.includes('reply ok'));
	// Crash node 2 (a backup: row 3), then restart it.
	await session.keys('3', 'x');
	await session.waitFor(
		'node 2 crashed',
		(current) => rowsOf(current).find((row) => row.id === 2)?.status === 'crashed',
	);
	await session.keys('s');
	await session.waitFor('the second request committed without node 2', (current) =>
		rowsOf(current).some((row) => row.role === 'primary' && (row.commit ?? 0) >= 2),
	);
	await session.keys('r');
	await session.waitFor('node 2 back, caught up', (current) => {
		const rows = rowsOf(current);
		const node = rows.find((row) => row.id === 2);
		return node?.status === 'normal' && node.commit !== undefined && node.commit >= 2;
	});
	await session.keys('q');
	t.is(await exitStatus(session), 0);
	t.deepEqual(await waitUntilGone(pids), []);

	const recorded = parseSession(readFileSync(file, 'utf8'), file);
	t.like(recorded.header, {vsr_tui_session: 1, seed: 21, settings: {replicas: 3, clients: 8}});
	t.deepEqual(
		recorded.actions.map((action) => [action.action, ...action.args]),
		[['submit'], ['crash', 2], ['submit'], ['restart', 2]],
	);
	t.true(
		recorded.actions.every(
			(action, index) => index === 0 || action.at >= recorded.actions[index - 1]!.at,
		),
	);
	t.true(recorded.end.events > 50, `${recorded.end.events} events`);

	const replayed = await spawnCli(['replay', file], {timeout: 180_000});
	t.is(replayed.exitCode, 0, `${String(replayed.stderr)}`);
	t.regex(
		String(replayed.stdout),
		new RegExp(
			String.raw`^identical: ${recorded.end.events} events up to [\d.]+ ms, digest ${recorded.end.digest.slice(0, 16)} \(seed 21, 3 replicas, 4 actions; `,
			'v',
		),
	);
});
