/**
`vsr-tui learn` and `vsr-tui replay` as a user runs them: the list, a lesson played with its
captions and recorded, the recording replayed identically (and a recording made elsewhere), a
recording edited by hand, and every kind of bad file: one line, exit 2.
*/
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {parseSession} from '../source/cluster/session-file.js';
import {lines, spawnCli} from './helpers/cli.js';
import {repoRoot} from './helpers/paths.js';

const directory = mkdtempSync(path.join(os.tmpdir(), 'vsr-tui-lessons-'));
test.after.always(() => {
	rmSync(directory, {recursive: true, force: true});
});

const file = (name: string) => path.join(directory, `${name}`);
const slow = {timeout: 180_000};

test('learn lists the seven lessons in class order, each with what it shows', async (t) => {
	const result = await spawnCli(['learn']);
	t.is(result.exitCode, 0);
	const names = lines(result.stdout)
		.slice(1)
		.map((line) => /^\s+\d\. (\S+)/v.exec(line)?.[1]);
	t.deepEqual(names, [
		'normal',
		'view-change',
		'log-choice',
		'recovery',
		'state-transfer',
		'minority',
		'duplicate-request',
	]);
	t.regex(String(result.stdout), /log-choice +A view change where the longest log is not chosen/v);
});

test('--help lists learn and replay with their flags and an example each', async (t) => {
	const result = await spawnCli(['--help']);
	const output = String(result.stdout);
	t.regex(output, /\n {4}learn {2}List the lessons, or play one/v);
	t.regex(output, /--record FILE {2}Write the session/v);
	t.regex(output, /Example: \$ vsr-tui learn view-change --record class\.ndjson/v);
	t.regex(output, /\n {4}replay {2}Play a recorded session \(--record\) back on fresh replicas/v);
	t.regex(output, /Example: \$ vsr-tui replay class\.ndjson/v);
	t.regex(output, /--check {3}Only check the replay \(no screen, even on a terminal\)/v);
	t.regex(output, /--paused {2}On the screen, start with time stopped/v);
	t.regex(output, /on the operator's screen on a terminal, printed without one/v);
	const learn = await spawnCli(['learn', '--help']);
	t.regex(String(learn.stdout), /\$ vsr-tui learn \[flags\] \[NAME\]/v);
});

test('an unknown lesson, or two names, is one line and exit 2', async (t) => {
	for (const [args, message] of [
		[
			['learn', 'raft'],
			/^vsr-tui: no lesson "raft" \(expected one of: normal, view-change, .*duplicate-request\)$/v,
		],
		[
			['learn', 'normal', 'minority'],
			/^vsr-tui: learn takes one lesson name \(got 2 arguments\)$/v,
		],
		[
			['learn', 'normal', '--record', path.join(directory, 'no', 'such', 'dir.ndjson')],
			/^vsr-tui: --record cannot write .* \(ENOENT\)$/v,
		],
	] as const) {
		const result = await spawnCli(args);
		t.is(result.exitCode, 2, `${args.join(' ')}`);
		t.is(lines(result.stderr).length, 1);
		t.regex(String(result.stderr).trim(), message);
	}
});

test("a lesson plays with its captions in the run's numbers, is recorded, and replays identically", async (t) => {
	const recording = file('duplicate.ndjson');
	const played = await spawnCli(['learn', 'duplicate-request', '--record', recording], slow);
	t.is(played.exitCode, 0, `${String(played.stderr)}`);
	const out = String(played.stdout);
	t.regex(out, /^Lesson duplicate-request: /v);
	t.regex(out, /watch: View 0, primary n0/v);
	t.regex(out, /ms {2}n0 committed op 1 \(the append\)/v);
	t.regex(out, /The client retried request 1 \(retries: \d+\)\. n1, primary of view 1/v);
	t.regex(out, /recorded to .*duplicate\.ndjson: replay it with vsr-tui replay /v);

	const written = parseSession(readFileSync(recording, 'utf8'), recording);
	t.like(written.header, {
		vsr_tui_session: 1,
		seed: 7,
		settings: {replicas: 3, clients: 1, lesson: 'duplicate-request'},
	});
	t.deepEqual(
		written.actions.map((line) => line.action),
		['submit', 'drop', 'crash'],
	);
	const {end} = written;
	t.true(Number(end.events) > 20, `${String(end.events)} events`);

	const replayed = await spawnCli(['replay', recording], slow);
	t.is(replayed.exitCode, 0, `${String(replayed.stderr)}`);
	t.is(lines(replayed.stdout).length, 1);
	t.regex(
		String(replayed.stdout),
		new RegExp(
			String.raw`^identical: ${String(end.events)} events up to \d+\.\d\d ms, digest ${String(end.digest).slice(0, 16)} \(seed 7, 3 replicas, lesson duplicate-request, 3 actions; recorded by vsr-tui `,
			'v',
		),
	);

	// Edited by hand: crash n2 instead of n0. The replay runs, and names the first event that differs.
	const edited = file('edited.ndjson');
	const text = readFileSync(recording, 'utf8');
	t.true(text.includes('"action":"crash","args":[0]'));
	writeFileSync(edited, text.replace('"action":"crash","args":[0]', '"action":"crash","args":[2]'));
	const wrong = await spawnCli(['replay', edited], slow);
	t.is(wrong.exitCode, 2);
	t.is(lines(wrong.stderr).length, 1);
	t.regex(
		String(wrong.stderr),
		/^vsr-tui: .*edited\.ndjson does not replay identically: event \d+ differs: the replay has vsr_tui\.operator\.crash on n2 at \d+\.\d\d ms$/v,
	);
});

test('a recording made on another machine replays identically here', async (t) => {
	const fixture = path.join(repoRoot, 'test', 'fixtures', 'lesson-normal.ndjson');
	const result = await spawnCli(['replay', fixture], slow);
	t.is(result.exitCode, 0, `${String(result.stderr)}`);
	t.regex(
		String(result.stdout),
		/^identical: \d+ events up to [\d.]+ ms, digest [\da-f]{16} \(seed 1, 3 replicas, lesson normal, 1 actions; /v,
	);
	// --check: the same one line (the check without a screen, on a terminal or not).
	const checked = await spawnCli(['replay', fixture, '--check'], slow);
	t.is(checked.exitCode, 0, `${String(checked.stderr)}`);
	t.is(String(checked.stdout), String(result.stdout));
});

test('bad session files: missing, empty, foreign, truncated, from another format, malformed: one line each, exit 2', async (t) => {
	const fixture = readFileSync(
		path.join(repoRoot, 'test', 'fixtures', 'lesson-normal.ndjson'),
		'utf8',
	);
	const cases: Array<[string, string | undefined, RegExp]> = [
		['missing.ndjson', undefined, /no such file: .*missing\.ndjson$/v],
		['empty.ndjson', '', /empty\.ndjson is empty, not a recorded session$/v],
		[
			'foreign.json',
			'{"name":"left-pad","version":"1.3.0"}\n',
			/foreign\.json is not a recorded session \(its first line is not a vsr-tui session header\)$/v,
		],
		[
			'notes.txt',
			'shopping list\neggs\n',
			/notes\.txt is not a recorded session: line 1 is not JSON$/v,
		],
		[
			'cut.ndjson',
			fixture.slice(0, -40),
			/cut\.ndjson is truncated: its last line \(\d+\) is cut off$/v,
		],
		[
			'no-end.ndjson',
			fixture.split('\n').slice(0, 2).join('\n') + '\n',
			/no-end\.ndjson is truncated: it has no end line/v,
		],
		[
			'future.ndjson',
			fixture.replace('"vsr_tui_session":1', '"vsr_tui_session":2'),
			/future\.ndjson was recorded by vsr-tui [\d.]+ in session format 2; this vsr-tui reads format 1$/v,
		],
		[
			'bad-action.ndjson',
			fixture.replace('"action":"submit"', '"action":"explode"'),
			/bad-action\.ndjson: line 2 is not an operator action/v,
		],
	];
	for (const [name, content, message] of cases) {
		if (content !== undefined) {
			writeFileSync(file(name), content);
		}

		const result = await spawnCli(['replay', file(name)]);
		t.is(result.exitCode, 2, `${name}`);
		t.is(lines(result.stderr).length, 1, `${name}`);
		t.regex(String(result.stderr).trim(), message, `${name}`);
		t.is(String(result.stdout), '', `${name}`);
	}

	const none = await spawnCli(['replay']);
	t.is(none.exitCode, 2);
	t.is(String(none.stderr), 'vsr-tui: replay takes one file: vsr-tui replay FILE');
});
