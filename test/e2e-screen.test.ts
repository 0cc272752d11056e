/**
The operator as a person sees it in a real terminal (tmux, `helpers/tmux.ts`): its colours read
with the escape codes (`capture-pane -e`), NO_COLOR, and keys typed while it starts.
*/
import process from 'node:process';
import {setTimeout as delay} from 'node:timers/promises';
import test from 'ava';
import {
	alive,
	colourCodes,
	colourOfWord,
	exitStatus,
	rowsOf,
	startOperator,
	tmuxSession,
	waitForCluster,
	waitUntilGone,
} from './helpers/tmux.js';
import {cliPath} from './helpers/paths.js';

const green = new Set(['2', '10']);
const red = new Set(['1', '9']);

/** The line of the node table that shows replica `id`. */
const nodeLine = (screen: string, id: number): string =>
	screen.split('\n').find((line) => {
		// eslint-disable-next-line no-control-regex -- the escape codes of capture-pane -e
		const plain = line.replaceAll(/\u001B\[[\d;]*m/gv, '');
		return new RegExp(String.raw`^[ >]\d +${id} `, 'v').test(plain);
	}) ?? '';

test.serial('the workers run without CI variables, as the operator does', (t) => {
	// Chalk turns colour off when `CI` exists at all; Ink draws nothing until exit in CI mode.
	t.false('CI' in process.env);
	t.false('CONTINUOUS_INTEGRATION' in process.env);
});

test.serial('in colour: the primary green, a crashed node red', async (t) => {
	const {session, pids} = await startOperator(t, {env: {}});
	let screen = await session.screen();
	const primary = rowsOf(screen).find((row) => row.role === 'primary');
	if (primary === undefined) {
		throw new Error(`no primary on the screen:\n${screen}`);
	}

	let coloured = await session.colours();
	t.true(
		green.has(colourOfWord(nodeLine(coloured, primary.id), 'primary') ?? ''),
		`the primary in green:\n${coloured}`,
	);

	// Crash a backup: its status turns red.
	const backup = rowsOf(screen).find((row) => row.role === 'backup')!;
	await session.keys(String(backup.key), 'x');
	screen = await session.waitFor(
		'the crashed backup',
		(current) => rowsOf(current).find((row) => row.id === backup.id)?.status === 'crashed',
	);
	coloured = await session.colours();
	t.true(
		red.has(colourOfWord(nodeLine(coloured, backup.id), 'crashed') ?? ''),
		`the crashed node in red:\n${coloured}`,
	);
	await session.keys('q');
	t.is(await exitStatus(session), 0);
	t.deepEqual(await waitUntilGone(pids), []);
});

test.serial('NO_COLOR: not one colour on the screen, the words say it all', async (t) => {
	const {session, pids} = await startOperator(t, {env: {NO_COLOR: '1'}});
	const coloured = await session.colours();
	t.deepEqual(colourCodes(coloured), [], `no colour:\n${coloured}`);
	t.regex(coloured, /primary/v);
	await session.keys('q');
	t.is(await exitStatus(session), 0);
	t.deepEqual(await waitUntilGone(pids), []);
});

test.serial(
	'keys typed while it starts go to the operator: nothing is echoed or left for the shell',
	async (t) => {
		const session = tmuxSession();
		const pids = new Set<number>();
		t.teardown(async () => {
			await session.kill();
			for (const pid of pids) {
				if (alive(pid)) {
					process.kill(pid, 'SIGKILL');
				}
			}
		});
		await session.tmux(
			'new-session',
			'-d',
			'-s',
			'ui',
			'-x',
			'80',
			'-y',
			'24',
			'-e',
			'NO_COLOR=1',
			'bash --norc --noprofile',
		);
		await session.locate();
		const shell = await session.waitFor('the shell', (current) => /[$#]$/v.test(current.trimEnd()));
		const prompt = shell.trim();
		await session.keys(
			`${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)}; echo "vsr-tui exited with $?"`,
			'Enter',
		);
		// Type as soon as the shell has handed the terminal to the operator's process, which is
		// then starting (loading, then drawing its screen).
		const deadline = Date.now() + 30_000;
		while ((await session.format('#{pane_current_command}')) !== 'node') {
			if (Date.now() > deadline) {
				throw new Error(`the operator did not start:\n${await session.screen()}`);
			}

			await delay(10);
		}

		await session.keys('ZZ');
		await waitForCluster(session, pids);
		// The keys reached the operator, which says what they are.
		await session.waitFor('the keys typed while it started', (current) =>
			current.includes('Z: no such key'),
		);
		await session.keys('q');
		t.is(await exitStatus(session), 0);
		// The shell's next prompt, with nothing typed on it, and no trace of the keys above.
		const screen = await session.waitFor('the prompt', (current) =>
			current.trimEnd().endsWith(`vsr-tui exited with 0\n${prompt}`),
		);
		t.false(screen.includes('ZZ'), `the typed keys are not on the screen:\n${screen}`);
		t.deepEqual(await waitUntilGone(pids), []);
	},
);
