/**
Lessons and replays on the operator's screen, end to end in a real terminal (tmux,
`helpers/tmux.ts`) on real replica processes: `learn normal` shows each step's caption and waits
at its pause points for space; `g` in the operator lists the lessons and starts one in the
cluster's place; `replay FILE` plays a recording with pause, step and speed, and ends with
"identical".
*/
import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import test from 'ava';
import {spawnCli} from './helpers/cli.js';
import {
	colourInCapture,
	exitStatus,
	rowsOf,
	type Session,
	startOperator,
	waitUntilGone,
} from './helpers/tmux.js';

const blue = new Set(['4', '12']);
const yellow = new Set(['3', '11']);
const cyan = new Set(['6', '14']);

const lines = (screen: string): string[] => screen.split('\n');

/** The header's second line: `PAUSED 0.2×  seed 1  00:00.100  …`. */
const stateLine = (screen: string): string => lines(screen)[1] ?? '';

/** The status line's words, without its `» `. */
const statusOf = (screen: string): string | undefined =>
	lines(screen)
		.find((line) => line.startsWith('» '))
		?.slice(2)
		.trimEnd();

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

async function remember(session: Session, pids: Set<number>): Promise<void> {
	for (const row of rowsOf(await session.screen())) {
		if (row.pid !== undefined) {
			pids.add(row.pid);
		}
	}
}

test('learn normal on a terminal: the caption pane says what to watch, waits at each pause for space, and ends', async (t) => {
	t.timeout(240_000);
	const directory = mkdtempSync(path.join(os.tmpdir(), 'vsr-tui-learn-screen-'));
	t.teardown(() => {
		rmSync(directory, {recursive: true, force: true});
	});
	const file = path.join(directory, 'class.ndjson');
	const {session, pids} = await startOperator(t, {
		env: {},
		args: ['learn', 'normal', '--record', file],
	});
	let screen = await session.waitFor('the first pause point', (current) =>
		captionOf(current).includes('space: go on to the next step'),
	);
	t.true(
		captionOf(screen).startsWith(
			'Lesson normal · step 1 of 5 100.25 ms: The client sends put(x, 1) to n0, the primary of view 0: in view v the primary is v mod 3.',
		),
		`${captionOf(screen)}`,
	);
	t.regex(stateLine(screen), /^PAUSED 0\.2× {2}seed 1 {2}00:00\.100 /v);
	const coloured = await session.colours();
	t.true(blue.has(colourInCapture(coloured, /^Lesson normal/v, 'Lesson') ?? ''), 'the title');
	t.true(yellow.has(colourInCapture(coloured, /^space: go on/v, 'space') ?? ''), 'the prompt');

	// It waits: nothing moves while the prompt is up (a span of wall time is what this checks).
	await delay(1500);
	screen = await session.screen();
	t.true(captionOf(screen).includes('Lesson normal · step 1 of 5'));
	t.deepEqual(
		rowsOf(screen).map((row) => row.op),
		[0, 0, 0],
		'no request was taken while the lesson waits',
	);
	t.regex(stateLine(screen), / 00:00\.100 /v);

	await session.keys('Space');
	screen = await session.waitFor('the second pause point', (current) =>
		captionOf(current).includes('Lesson normal · step 2 of 5'),
	);
	screen = await session.waitFor('its caption', (current) =>
		captionOf(current).includes(
			'n0 appended the request as op 1 and sent Prepare v0 op 1 to n1, n2; each backup appends it and answers PrepareOk.',
		),
	);
	t.deepEqual(
		rowsOf(screen).map((row) => row.op),
		[1, 1, 1],
	);
	t.true(captionOf(screen).includes('space: go on to the next step'));

	for (const step of [3, 4]) {
		await session.keys('Space');
		await session.waitFor(`pause point ${step}`, (current) =>
			captionOf(current).includes(`Lesson normal · step ${step} of 5`),
		);
	}

	await session.keys('Space');
	screen = await session.waitFor('the end of the lesson', (current) =>
		captionOf(current).includes('Lesson normal · done (5 steps)'),
	);
	screen = await session.waitFor('every replica committed', (current) =>
		rowsOf(current).every((row) => row.op === 1 && row.commit === 1),
	);
	t.true(
		captionOf(screen).includes(
			'n0 sent Commit with commit number 1: n1 and n2 executed op 1 too. Every replica now has op 1, commit 1.',
		),
		`${captionOf(screen)}`,
	);
	t.true(captionOf(screen).includes('the lesson is over: space lets the cluster run on'));

	await session.keys('q');
	t.is(await exitStatus(session), 0);
	t.deepEqual(await waitUntilGone(pids), []);
	// --record on the screen writes the session when the user quits, and it replays identically.
	const replayed = await spawnCli(['replay', file], {timeout: 180_000});
	t.is(replayed.exitCode, 0, `${String(replayed.stderr)}`);
	t.regex(
		String(replayed.stdout),
		/^identical: \d+ events up to 110\.50 ms, .*lesson normal, 1 actions;/v,
	);
});

test('g in the operator lists the lessons; enter starts one in the cluster’s place', async (t) => {
	t.timeout(240_000);
	const {session, pids} = await startOperator(t, {env: {}, args: ['--seed', '5']});
	const before = new Set(pids);
	await session.keys('g');
	let screen = await session.waitFor('the lesson list', (current) =>
		current.includes('Lessons (↑/↓ or 1–7 choose, enter starts, esc closes)'),
	);
	t.regex(screen, /▶ 1\. normal +One request/v);
	t.regex(screen, / {2}7\. duplicate-request/v);
	const coloured = await session.colours();
	t.true(cyan.has(colourInCapture(coloured, / 2\. view-change/v, 'view-change') ?? ''));

	await session.keys('Down');
	await session.waitFor('view-change chosen', (current) => current.includes('▶ 2. view-change'));
	await session.keys('Up');
	await session.waitFor('normal chosen again', (current) => current.includes('▶ 1. normal'));
	await session.keys('Enter');
	screen = await session.waitFor('the lesson on the screen', (current) =>
		captionOf(current).includes('Lesson normal · step 1 of 5'),
	);
	screen = await session.waitFor('its first pause, seeded as the lesson', (current) =>
		captionOf(current).includes('space: go on'),
	);
	t.regex(stateLine(screen), / seed 1 /v, 'the lesson’s seed, not the operator’s');
	t.deepEqual(await waitUntilGone(before), [], 'the operator’s replicas stopped');
	await remember(session, pids);
	t.true(
		[...pids].some((pid) => !before.has(pid)),
		'the lesson’s replicas are new processes',
	);

	await session.keys('Space');
	await session.waitFor('the next step', (current) =>
		captionOf(current).includes('Lesson normal · step 2 of 5'),
	);
	await session.keys('q');
	t.is(await exitStatus(session), 0);
	t.deepEqual(await waitUntilGone(pids), []);
});

test('replay FILE on a terminal: paused, stepped, sped up, then played to the end: identical', async (t) => {
	t.timeout(240_000);
	const directory = mkdtempSync(path.join(os.tmpdir(), 'vsr-tui-replay-screen-'));
	t.teardown(() => {
		rmSync(directory, {recursive: true, force: true});
	});
	const file = path.join(directory, 'normal.ndjson');
	const recorded = await spawnCli(['learn', 'normal', '--record', file], {timeout: 180_000});
	t.is(recorded.exitCode, 0, `${String(recorded.stderr)}`);
	const headless = await spawnCli(['replay', file], {timeout: 180_000});
	t.is(headless.exitCode, 0, `${String(headless.stderr)}`);
	const summary = /^identical: \d+ events up to [\d.]+ ms, digest [\da-f]{16}/v.exec(
		String(headless.stdout),
	)?.[0];
	t.truthy(summary, `${String(headless.stdout)}`);

	const {session, pids} = await startOperator(t, {env: {}, args: ['replay', file, '--paused']});
	let screen = await session.screen();
	t.regex(stateLine(screen), /^PAUSED 1× {2}seed 1 {2}00:00\.000 /v);
	t.deepEqual(
		rowsOf(screen).map((row) => row.commit),
		[0, 0, 0],
	);

	// Time stopped: a tick passes on t, and n delivers the next message of the recording.
	await session.keys('t');
	screen = await session.waitFor('a tick passed', (current) =>
		stateLine(current).includes(' 00:00.010 '),
	);
	await session.keys('n');
	screen = await session.waitFor('a message delivered', (current) =>
		(statusOf(current) ?? '').startsWith('delivered '),
	);
	t.regex(stateLine(screen), /^PAUSED /v);
	await session.keys('<');
	screen = await session.waitFor('slower', (current) => stateLine(current).includes(' 0.5× '));
	t.is(statusOf(screen), 'speed 0.5×: a 10 ms tick takes 20 ms');
	await session.keys('>');
	await session.waitFor('1× again', (current) => stateLine(current).startsWith('PAUSED 1× '));

	await session.keys('Space');
	screen = await session.waitFor('the verdict', (current) =>
		(statusOf(current) ?? '').startsWith('replay identical'),
	);
	t.true(statusOf(screen)!.startsWith(`replay ${summary!}`), `${statusOf(screen)}`);
	t.deepEqual(
		rowsOf(screen).map((row) => row.commit),
		[1, 1, 1],
	);
	await remember(session, pids);
	await session.keys('q');
	t.is(await exitStatus(session), 0);
	t.deepEqual(await waitUntilGone(pids), []);
});
