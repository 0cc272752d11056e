/**
A lesson forked on the operator's screen, end to end in a real terminal (tmux, `helpers/tmux.ts`)
on real replica processes: `learn normal --record FILE`, back two messages at its second pause,
a crash there forks it; the caption pane and the header say so, and the recording of the new
timeline replays identically.
*/
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {spawnCli} from './helpers/cli.js';
import {exitStatus, rowsOf, startOperator, waitUntilGone} from './helpers/tmux.js';

const lines = (screen: string): string[] => screen.split('\n');

/** The caption pane's text (its lines joined), from its title to the line before the span timings. */
function captionOf(screen: string): string {
	const all = lines(screen);
	const start = all.findIndex((line) => line.startsWith('Lesson '));
	if (start === -1) {
		return '';
	}

	const end = all.findIndex((line, index) => index > start && /^(span timings|» )/v.test(line));
	return all
		.slice(start, end === -1 ? undefined : end)
		.map((line) => line.trimEnd())
		.join(' ');
}

test('learn normal on a terminal, forked in its past: the lesson says so, and the recording replays identically', async (t) => {
	t.timeout(240_000);
	const directory = mkdtempSync(path.join(os.tmpdir(), 'vsr-tui-learn-fork-'));
	t.teardown(() => {
		rmSync(directory, {recursive: true, force: true});
	});
	const file = path.join(directory, 'forked.ndjson');
	const {session, pids} = await startOperator(t, {
		env: {},
		args: ['learn', 'normal', '--record', file],
	});
	await session.waitFor('the first pause point', (current) =>
		captionOf(current).includes('space: go on to the next step'),
	);
	await session.keys('Space');
	await session.waitFor(
		'the second pause point',
		(current) =>
			captionOf(current).includes('Lesson normal · step 2 of 5') &&
			captionOf(current).includes('space: go on to the next step'),
	);
	await session.keys(',');
	await session.keys(',');
	// Two messages back from the present.
	const past = (screen: string): RegExpExecArray | undefined =>
		/ past: message (?<point>\d+) of (?<total>\d+)/v.exec(screen) ?? undefined;
	let screen = await session.waitFor('the past', (current) => {
		const shown = past(current)?.groups;
		return shown !== undefined && Number(shown.point) === Number(shown.total) - 2;
	});
	const point = Number(past(screen)!.groups!.point);
	const before = new Set(pids);
	await session.keys('3');
	await session.keys('x');
	screen = await session.waitFor('the fork', (current) =>
		captionOf(current).includes(`forked at message ${point}`),
	);
	t.true(
		captionOf(screen).includes(
			`you forked the lesson at message ${point}: you are on your own timeline now, and the lesson plays no more.`,
		),
		`${captionOf(screen)}`,
	);
	screen = await session.waitFor('the header', (current) =>
		current.includes(`fork 1 from message ${point}`),
	);
	t.true(
		lines(screen).some((line) => line.startsWith(`» fork 1 from message ${point}: crashed node 2`)),
		'the status line says what the key did in the new timeline',
	);
	t.deepEqual(
		rowsOf(screen).map((row) => row.status),
		['normal', 'normal', 'crashed'],
	);
	for (const row of rowsOf(screen)) {
		if (row.pid !== undefined) {
			pids.add(row.pid);
		}
	}

	t.deepEqual(await waitUntilGone(before), [], 'the lesson’s first processes stopped');
	await session.keys('q');
	t.is(await exitStatus(session), 0);
	t.deepEqual(await waitUntilGone(pids), []);
	const recorded = readFileSync(file, 'utf8');
	t.regex(recorded, /"action":"crash","args":\[2\]/v, 'the crash is in the recording');
	const replayed = await spawnCli(['replay', file], {timeout: 180_000});
	t.is(replayed.exitCode, 0, `${String(replayed.stderr)}`);
	t.regex(String(replayed.stdout), /^identical: \d+ events up to .*lesson normal, 2 actions;/v);
});
