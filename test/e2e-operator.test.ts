/**
End to end, in a real terminal: tmux runs `vsr-tui` (the compiled bin) at 80×24,
the test types keys with send-keys and reads the screen with capture-pane
(`helpers/tmux.ts`).
*/
import process from 'node:process';
import test from 'ava';
import {
	exitStatus,
	lastPut,
	parentOf,
	rowsOf,
	startOperator,
	waitUntilGone,
} from './helpers/tmux.js';

test.serial(
	'the operator in a terminal: a primary, a committed reply, a crash and a new view, a restart that catches up, q',
	async (t) => {
		const {session, pids} = await startOperator(t);
		const remember = (screen: string) => {
			for (const row of rowsOf(screen)) {
				if (row.pid !== undefined) {
					pids.add(row.pid);
				}
			}
		};

		// Three nodes, one primary, all normal (startOperator waited for that).
		let screen = await session.screen();
		t.is(rowsOf(screen).length, 3);
		t.true(screen.split('\n').length <= 24);

		// `s`: one request, its committed reply.
		await session.keys('s');
		screen = await session.waitFor('the reply to the request', (current) =>
			current.includes('reply ok'),
		);
		const firstPut = lastPut(screen);
		t.truthy(firstPut);
		t.regex(screen, /latency \d/v);

		// Crash the primary: select its row, then `x`.
		const primary = rowsOf(screen).find((row) => row.role === 'primary');
		if (primary?.view === undefined) {
			throw new Error(`no primary on the screen:\n${screen}`);
		}

		await session.keys(String(primary.key), 'x');
		screen = await session.waitFor('a new primary in a higher view', (current) => {
			const rows = rowsOf(current);
			const crashed = rows.find((row) => row.id === primary.id);
			const next = rows.find((row) => row.role === 'primary' && row.status === 'normal');
			return (
				crashed?.status === 'crashed' &&
				next !== undefined &&
				next.id !== primary.id &&
				(next.view ?? 0) > (primary.view ?? 0)
			);
		});
		remember(screen);
		t.regex(screen, new RegExp(String.raw`crashed node ${primary.id} \(SIGKILL\)`, 'v'));

		// Later requests still commit.
		await session.keys('s');
		screen = await session.waitFor(
			'a reply after the crash',
			(current) => current.includes('reply ok') && lastPut(current) !== firstPut,
			60_000,
		);
		const secondPut = lastPut(screen);

		// Restart the crashed node: it comes back as a backup and catches up with the primary.
		await session.keys(String(primary.key), 'r');
		screen = await session.waitFor(
			'the restarted node to be a normal backup',
			(current) => {
				const row = rowsOf(current).find((candidate) => candidate.id === primary.id);
				return row?.role === 'backup' && row.status === 'normal' && row.pid !== undefined;
			},
			60_000,
		);
		remember(screen);
		await session.keys('s');
		screen = await session.waitFor(
			'the restarted backup to catch up with a new request',
			(current) => {
				const rows = rowsOf(current);
				const row = rows.find((candidate) => candidate.id === primary.id);
				const leader = rows.find((candidate) => candidate.role === 'primary');
				return (
					lastPut(current) !== secondPut &&
					current.includes('reply ok') &&
					row !== undefined &&
					leader !== undefined &&
					row.lag === 0 &&
					row.op === leader.op &&
					row.commit === leader.commit
				);
			},
			60_000,
		);
		remember(screen);
		t.true(pids.size >= 4, `replica pids seen: ${[...pids].join(', ')}`);

		// `q`: the UI exits 0, the terminal leaves the alternate screen, no replica is left.
		await session.keys('q');
		t.is(await exitStatus(session), 0, 'the operator exits with code 0');
		t.is(await session.format('#{alternate_on}'), '0', 'the terminal is back on its normal screen');
		// The operator waited for its replicas to stop before exiting; allow the kernel a moment to reap them.
		const survivors = await waitUntilGone(pids);
		t.deepEqual(survivors, [], 'no replica process remains');
	},
);

test.serial('Ctrl-C quits: exit 0, the terminal restored, no replica left', async (t) => {
	const {session, pids} = await startOperator(t);
	await session.keys('C-c');
	t.is(await exitStatus(session), 0);
	t.is(await session.format('#{alternate_on}'), '0');
	t.deepEqual(await waitUntilGone(pids), []);
});

test.serial(
	'SIGTERM to the operator: exit 143, the terminal restored, no replica left',
	async (t) => {
		const {session, pids} = await startOperator(t);
		const operatorPid = parentOf([...pids][0] ?? 0);
		t.true(operatorPid > 1, 'the replicas are children of the operator');
		process.kill(operatorPid, 'SIGTERM');
		t.is(await exitStatus(session), 143);
		t.is(await session.format('#{alternate_on}'), '0');
		t.deepEqual(await waitUntilGone(pids), []);
	},
);

test.serial('the terminal closing (SIGHUP) stops the operator and every replica', async (t) => {
	const {session, pids} = await startOperator(t);
	const operatorPid = parentOf([...pids][0] ?? 0);
	t.true(operatorPid > 1, 'the replicas are children of the operator');
	await session.tmux('kill-session', '-t', 'ui');
	t.deepEqual(await waitUntilGone([operatorPid, ...pids]), []);
});
