/**
End to end, in a real terminal: tmux runs `vsr-tui` (the compiled bin) at 80×24,
the test types keys with send-keys and reads the screen with capture-pane. Every
wait polls the screen for what it expects, with a generous deadline; the tmux
server has a socket of its own and is killed when the test ends, pass or fail.
*/
import {randomBytes} from 'node:crypto';
import {readFileSync, rmSync} from 'node:fs';
import process from 'node:process';
import {setTimeout as delay} from 'node:timers/promises';
import test, {type ExecutionContext} from 'ava';
import {execa} from 'execa';
import {cliPath} from './helpers/paths.js';

type Row = {
	readonly key: number;
	readonly id: number;
	readonly role: string;
	readonly status: string;
	readonly view: number | undefined;
	readonly op: number | undefined;
	readonly commit: number | undefined;
	readonly lag: number | undefined;
	readonly pid: number | undefined;
};

const number = (text: string | undefined): number | undefined =>
	text === undefined || text === '-' ? undefined : Number(text);

/** The node table's rows on a screen. */
function rowsOf(screen: string): Row[] {
	const rows: Row[] = [];
	for (const line of screen.split('\n')) {
		const match =
			/^[ >](\d) +(\d) +(primary|backup|-) +(\w+) +(\S+) +(\S+) +(\S+) +(\S+) +(\S+) /v.exec(line);
		if (match !== null) {
			rows.push({
				key: Number(match[1]),
				id: Number(match[2]),
				role: match[3] ?? '',
				status: match[4] ?? '',
				view: number(match[5]),
				op: number(match[6]),
				commit: number(match[7]),
				lag: number(match[8]),
				pid: number(match[9]),
			});
		}
	}

	return rows;
}

/** The operation the last-request pane shows, e.g. `put(key3, 'value3')`. */
const lastPut = (screen: string): string | undefined => /put\(\S+, '\S+'\)/v.exec(screen)?.[0];

/** Running (a zombie has exited; only its parent has not collected it yet). */
function alive(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
		return state !== 'Z' && state !== 'X';
	} catch {
		return false;
	}
}

function tmuxSession() {
	const socket = `vsr-tui-e2e-${process.pid}-${randomBytes(4).toString('hex')}`;
	const tmux = async (...args: string[]) =>
		execa('tmux', ['-L', socket, ...args], {timeout: 10_000});
	let lastScreen = '';
	let socketPath: string | undefined;
	const screen = async (): Promise<string> => {
		const {stdout} = await tmux('capture-pane', '-p', '-t', 'ui');
		lastScreen = stdout;
		return stdout;
	};

	/** Polls the screen until `check` holds; fails with the last screen after `timeoutMs`. */
	const waitFor = async (what: string, check: (screen: string) => boolean, timeoutMs = 30_000) => {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const current = await screen();
			if (check(current)) {
				return current;
			}

			if (Date.now() > deadline) {
				throw new Error(
					`timed out after ${timeoutMs} ms waiting for ${what}; the screen:\n${current}`,
				);
			}

			await delay(100);
		}
	};

	return {
		socket,
		tmux,
		screen,
		waitFor,
		lastScreen: () => lastScreen,
		async keys(...keys: string[]) {
			await tmux('send-keys', '-t', 'ui', ...keys);
		},
		async format(format: string): Promise<string> {
			const {stdout} = await tmux('display-message', '-p', '-t', 'ui', format);
			return stdout.trim();
		},
		/** Remember where the server's socket is, to remove it after the server. */
		async locate() {
			const {stdout} = await tmux('display-message', '-p', '#{socket_path}');
			socketPath = stdout.trim();
		},
		async kill() {
			await execa('tmux', ['-L', socket, 'kill-server'], {reject: false, timeout: 10_000});
			if (socketPath?.includes(socket)) {
				rmSync(socketPath, {force: true});
			}
		},
	};
}

/** The parent of a process (0 when it is gone). */
function parentOf(pid: number): number {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
	} catch {
		return 0;
	}
}

async function waitUntilGone(pids: Iterable<number>, timeoutMs = 10_000): Promise<number[]> {
	let survivors = [...pids].filter((pid) => alive(pid));
	const deadline = Date.now() + timeoutMs;
	while (survivors.length > 0 && Date.now() < deadline) {
		await delay(50);
		survivors = survivors.filter((pid) => alive(pid));
	}

	return survivors;
}

type Session = ReturnType<typeof tmuxSession>;

/** Starts `vsr-tui` in a fresh tmux server at 80×24; the server goes when the test ends. */
async function startOperator(t: ExecutionContext): Promise<{session: Session; pids: Set<number>}> {
	const session = tmuxSession();
	const pids = new Set<number>();
	t.teardown(async () => {
		await session.kill();
		// A replica left behind would be a bug; never leave it running after the test either.
		for (const pid of pids) {
			if (alive(pid)) {
				process.kill(pid, 'SIGKILL');
			}
		}
	});

	// CI=false in the session: Ink's CI mode draws nothing until exit (the runner has CI=true).
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
		'CI=false',
		'-e',
		'NO_COLOR=1',
		// The shell prints the exit status and stays (in `cat`, until the server goes): tmux may drop
		// what a pane writes just before its process ends, and may not collect that process's status.
		`${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)}; echo "vsr-tui exited with $?"; exec cat`,
	);
	await session.locate();
	const screen = await session.waitFor('three normal nodes with one primary', (current) => {
		const rows = rowsOf(current);
		return (
			rows.length === 3 &&
			rows.every((row) => row.status === 'normal' && row.pid !== undefined) &&
			rows.filter((row) => row.role === 'primary').length === 1
		);
	});
	for (const row of rowsOf(screen)) {
		if (row.pid !== undefined) {
			pids.add(row.pid);
		}
	}

	return {session, pids};
}

/** Waits for the operator to end and returns its exit status, as the shell printed it. */
async function exitStatus(session: Session): Promise<number> {
	const screen = await session.waitFor('the operator to exit', (current) =>
		/vsr-tui exited with \d+/v.test(current),
	);
	return Number(/vsr-tui exited with (\d+)/v.exec(screen)?.[1]);
}

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
