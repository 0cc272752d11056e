/**
Time travel in a real terminal (tmux, `helpers/tmux.ts`), in colour, on real replica processes:
`vsr-tui --seed 7 --record FILE`, the primary crashed and a new view; the timeline bar marks both;
`,` goes back one message at a time (time stops), `.` forward; far enough back, the crashed node
is normal again; a request there forks a new timeline in fresh processes, and the recording of
the session is that timeline, which `vsr-tui replay` finds identical.
*/
import {readFileSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {parseSession} from '../source/cluster/session-file.js';
import {spawnCli} from './helpers/cli.js';
import {temporaryDirectory} from './helpers/files.js';
import {
	type Session,
	exitStatus,
	foregroundOf,
	rowsOf,
	startOperator,
	waitUntilGone,
} from './helpers/tmux.js';

const red = new Set(['1', '9']);
const yellow = new Set(['3', '11']);

// eslint-disable-next-line no-control-regex -- the escape codes of capture-pane -e
const plain = (line: string): string => line.replaceAll(/\u001B\[[\d;]*m/gv, '');

/** The timeline bar's line (in a capture with escape codes or without). */
const barLine = (screen: string): string =>
	screen.split('\n').find((line) => plain(line).startsWith('timeline ')) ?? '';

/** The point the bar shows: `past: message K of N`, or the present's N. */
function whereOf(screen: string): {past: number | undefined; total: number} | undefined {
	const bar = plain(barLine(screen));
	const past = /past: message ([\d,]+) of ([\d,]+)/v.exec(bar);
	if (past !== null) {
		return {
			past: Number(past[1]!.replaceAll(',', '')),
			total: Number(past[2]!.replaceAll(',', '')),
		};
	}

	const now = /now: message ([\d,]+)/v.exec(bar);
	return now === null ? undefined : {past: undefined, total: Number(now[1]!.replaceAll(',', ''))};
}

/** The colour of the first cell that shows `glyph` in the bar (undefined: not there). */
function glyphColour(bar: string, glyph: string): string | undefined {
	return foregroundOf(bar).find((cell) => cell.character === glyph)?.fg;
}

/** `,` `count` times (keys typed together act one after the other): that many messages back. */
async function back(session: Session, from: number, count = 1): Promise<number> {
	const to = Math.max(0, from - count);
	await session.keys(','.repeat(from - to));
	const screen = await session.waitFor(`message ${to}`, (current) => whereOf(current)?.past === to);
	return whereOf(screen)!.past!;
}

test(', and . travel the timeline in colour; acting in the past forks, and the recording is the fork', async (t) => {
	t.timeout(300_000);
	const directory = temporaryDirectory(t, 'vsr-tui-e2e-travel-');
	const file = path.join(directory, 'travel.ndjson');
	const {session, pids} = await startOperator(t, {
		env: {},
		args: ['--seed', '7', '--record', file],
	});
	await session.waitFor('the timeline bar', (current) => (whereOf(current)?.total ?? 0) >= 3);

	// The primary (node 0, the selected row) crashes; the others elect node 1 in view 1.
	await session.keys('x');
	await session.waitFor(
		'a new view with node 1 its primary',
		(current) => rowsOf(current).find((row) => row.id === 1)?.role === 'primary',
		120_000,
	);
	let coloured = await session.waitFor(
		'the crash and the new view on the bar',
		(current) => ['✖', '◆'].every((glyph) => barLine(current).includes(glyph)),
		60_000,
	);
	coloured = await session.colours();
	let bar = barLine(coloured);
	t.true(red.has(glyphColour(bar, '✖') ?? ''), `the crash in red: ${bar}`);
	t.true(yellow.has(glyphColour(bar, '◆') ?? ''), `the new view in yellow: ${bar}`);
	t.is(whereOf(coloured)?.past, undefined, 'at the present');

	// Back one message: time stops there, and the bar says where, in yellow.
	await session.keys(',');
	let screen = await session.waitFor('the past', (current) => whereOf(current)?.past !== undefined);
	const first = whereOf(screen)!.past!;
	// The round in play when time stopped may still end: the present is where it ended.
	t.true(first < whereOf(screen)!.total, 'a message before the present');
	t.regex(screen, /^PAUSED /mv);
	t.regex(screen, /» past: message [\d,]+ of [\d,]+; acting here forks a new timeline/v);
	coloured = await session.colours();
	bar = barLine(coloured);
	const text = foregroundOf(bar);
	const at = text
		.map((cell) => cell.character)
		.join('')
		.indexOf('past:');
	t.true(yellow.has(text[at]?.fg ?? ''), `"past:" in yellow: ${bar}`);
	// eslint-disable-next-line no-control-regex -- the inverse cell of the point shown
	t.regex(bar, /\u001B\[[\d;]*7[\d;]*m/v, 'the point shown in inverse');

	let point = first;
	for (let step = 0; step < 3; step++) {
		point = await back(session, point);
	}

	await session.keys('.');
	screen = await session.waitFor(
		'one message forward',
		(current) => whereOf(current)?.past === point + 1,
	);
	point += 1;
	const {total} = whereOf(screen)!;

	// Far enough back, before the crash: node 0 is the primary again, and normal.
	for (let step = 0; step < 2000 && point > 0; step++) {
		if (rowsOf(screen).find((row) => row.id === 0)?.status === 'normal') {
			break;
		}

		point = await back(session, point, 10);

		screen = await session.screen();
	}

	t.like(
		rowsOf(screen).find((row) => row.id === 0),
		{status: 'normal', role: 'primary'},
	);
	t.true(whereOf(screen)?.total === total, 'the present stood still meanwhile');

	// A request here forks a new timeline: fresh processes, node 0 alive in it.
	await session.keys('s');
	screen = await session.waitFor(
		'the fork',
		(current) => plain(barLine(current)).includes(`fork 1 from message ${point}`),
		120_000,
	);
	t.regex(screen, new RegExp(String.raw`» fork 1 from message ${point}: submitted a put`, 'v'));
	screen = await session.waitFor('the new timeline at its point', (current) =>
		rowsOf(current).every((row) => row.status === 'normal' && row.pid !== undefined),
	);
	for (const row of rowsOf(screen)) {
		pids.add(row.pid!);
	}

	t.is(whereOf(screen)?.past, undefined, 'the fork is the present');
	// Time runs again in the new timeline: the request commits.
	await session.keys(' ');
	await session.waitFor('the reply', (current) => current.includes('reply ok'), 60_000);
	await session.keys('q');
	t.is(await exitStatus(session), 0);
	t.deepEqual(await waitUntilGone(pids), []);

	const recorded = parseSession(readFileSync(file, 'utf8'), file);
	t.deepEqual(
		recorded.actions.map((action) => [action.action, ...action.args]),
		[['submit']],
		'the new timeline: no crash, then the request',
	);
	const replayed = await spawnCli(['replay', file], {timeout: 180_000});
	t.is(replayed.exitCode, 0, `replay: ${String(replayed.stderr)}`);
	t.regex(String(replayed.stdout), /^identical: /v);
});
