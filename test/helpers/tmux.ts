/**
A real terminal for end-to-end tests: a tmux server of its own (a unique socket) that runs
`vsr-tui`, keys typed with send-keys, the screen read with capture-pane (with `-e`, its colours
too). Every wait polls the screen for what it expects, with a generous deadline; the server is
killed when the test ends, pass or fail.
*/
import {randomBytes} from 'node:crypto';
import {readFileSync, rmSync} from 'node:fs';
import process from 'node:process';
import {setTimeout as delay} from 'node:timers/promises';
import type {ExecutionContext} from 'ava';
import {execa} from 'execa';
import {cliPath} from './paths.js';

export type Row = {
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
export function rowsOf(screen: string): Row[] {
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
export const lastPut = (screen: string): string | undefined =>
	/put\(\S+, '\S+'\)/v.exec(screen)?.[0];

/** Running (a zombie has exited; only its parent has not collected it yet). */
export function alive(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
		return state !== 'Z' && state !== 'X';
	} catch {
		return false;
	}
}

export function tmuxSession() {
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

	/** The screen with its attributes and colours as escape codes. */
	const colours = async (): Promise<string> => {
		const {stdout} = await tmux('capture-pane', '-e', '-p', '-t', 'ui');
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
		colours,
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
export function parentOf(pid: number): number {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
	} catch {
		return 0;
	}
}

export async function waitUntilGone(pids: Iterable<number>, timeoutMs = 10_000): Promise<number[]> {
	let survivors = [...pids].filter((pid) => alive(pid));
	const deadline = Date.now() + timeoutMs;
	while (survivors.length > 0 && Date.now() < deadline) {
		await delay(50);
		survivors = survivors.filter((pid) => alive(pid));
	}

	return survivors;
}

export type Session = ReturnType<typeof tmuxSession>;

export type OperatorOptions = {
	/** Extra environment of the session (`NO_COLOR: '1'` unless given otherwise). */
	readonly env?: Readonly<Record<string, string>>;
	/** Flags for `vsr-tui` (`--seed`, `--paused` …). */
	readonly args?: readonly string[];
};

/** Starts `vsr-tui` in a fresh tmux server at 80×24; the server goes when the test ends. */
export async function startOperator(
	t: ExecutionContext,
	options: OperatorOptions = {},
): Promise<{session: Session; pids: Set<number>}> {
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

	const env = Object.entries(options.env ?? {NO_COLOR: '1'}).flatMap(([key, value]) => [
		'-e',
		`${key}=${value}`,
	]);
	// The test workers run without CI variables (test/helpers/no-ci.ts), and so does tmux.
	await session.tmux(
		'new-session',
		'-d',
		'-s',
		'ui',
		'-x',
		'80',
		'-y',
		'24',
		...env,
		// The shell prints the exit status and stays (in `cat`, until the server goes): tmux may drop
		// what a pane writes just before its process ends, and may not collect that process's status.
		[process.execPath, cliPath, ...(options.args ?? [])]
			.map((word) => JSON.stringify(word))
			.join(' ') + '; echo "vsr-tui exited with $?"; exec cat',
	);
	await session.locate();
	await waitForCluster(session, pids);
	return {session, pids};
}

/** Waits for three normal nodes with one primary, and remembers their pids. */
export async function waitForCluster(session: Session, pids: Set<number>): Promise<string> {
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

	return screen;
}

/** Waits for the operator to end and returns its exit status, as the shell printed it. */
export async function exitStatus(session: Session): Promise<number> {
	const screen = await session.waitFor('the operator to exit', (current) =>
		/vsr-tui exited with \d+/v.test(current),
	);
	return Number(/vsr-tui exited with (\d+)/v.exec(screen)?.[1]);
}

type Cell = {readonly character: string; readonly fg: string};

/** The foreground colour of each character of a line captured with escape codes (`capture-pane -e`). */
export function foregroundOf(line: string): Cell[] {
	return readLine(line, 'default').cells;
}

/** A captured line's cells, from the colour the line above left, and the colour it leaves. */
function readLine(line: string, startFg: string): {cells: Cell[]; fg: string} {
	const cells: Cell[] = [];
	let fg = startFg;
	// eslint-disable-next-line no-control-regex -- escape sequences are what this reads
	for (const part of line.split(/(\u001B\[[\d;]*m)/v)) {
		// eslint-disable-next-line no-control-regex -- the same
		const sgr = /^\u001B\[([\d;]*)m$/v.exec(part);
		if (sgr === null) {
			for (const character of part) {
				cells.push({character, fg});
			}

			continue;
		}

		const codes = (sgr[1] ?? '').split(';').map(Number);
		for (let index = 0; index < codes.length; index++) {
			const code = codes[index]!;
			if (code === 0) {
				fg = 'default';
			} else if (code >= 30 && code <= 37) {
				fg = String(code - 30);
			} else if (code >= 90 && code <= 97) {
				fg = String(code - 90 + 8);
			} else if (code === 39) {
				fg = 'default';
			} else if (code === 38 && codes[index + 1] === 5) {
				fg = String(codes[index + 2]);
				index += 2;
			} else if (code === 38 && codes[index + 1] === 2) {
				fg = codes.slice(index + 2, index + 5).join(',');
				index += 4;
			}
		}
	}

	return {cells, fg};
}

/**
The foreground colour of `word` in the first line of a whole capture whose text matches `line`
(undefined: no such line or word). A capture names a colour only where it changes, so a line
can carry on the colour of the one above it: the capture is read from its top.
*/
export function colourInCapture(capture: string, line: RegExp, word: string): string | undefined {
	let fg = 'default';
	for (const row of capture.split('\n')) {
		const read = readLine(row, fg);
		const text = read.cells.map((cell) => cell.character).join('');
		if (line.test(text)) {
			const at = text.indexOf(word);
			return at === -1 ? undefined : read.cells[at]!.fg;
		}

		fg = read.fg;
	}

	return undefined;
}

/** The foreground colour of `word` where it first appears in `line` (undefined: not there). */
export function colourOfWord(line: string, word: string): string | undefined {
	const cells = foregroundOf(line);
	const text = cells.map((cell) => cell.character).join('');
	const at = text.indexOf(word);
	return at === -1 ? undefined : cells[at]!.fg;
}

/** Every SGR colour parameter (foreground or background) in a capture. */
export function colourCodes(screen: string): string[] {
	const found: string[] = [];
	// eslint-disable-next-line no-control-regex -- escape sequences are what this reads
	for (const match of screen.matchAll(/\u001B\[([\d;]*)m/gv)) {
		const codes = (match[1] ?? '').split(';').map(Number);
		for (let index = 0; index < codes.length; index++) {
			const code = codes[index]!;
			if (code === 38 || code === 48) {
				found.push(codes.slice(index, index + (codes[index + 1] === 2 ? 5 : 3)).join(';'));
				index += codes[index + 1] === 2 ? 4 : 2;
			} else if (
				(code >= 30 && code <= 37) ||
				(code >= 40 && code <= 47) ||
				(code >= 90 && code <= 97) ||
				(code >= 100 && code <= 107)
			) {
				found.push(String(code));
			}
		}
	}

	return found;
}
