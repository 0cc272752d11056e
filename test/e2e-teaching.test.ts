/**
Teaching, end to end in a real terminal (tmux, `helpers/tmux.ts`) on real replica processes: time
stopped for 10 s changes nothing, the speeds in the header, one request stepped through message
by message (each status line, the messages in flight, the diagram and the narration in colour),
and the only PrepareOk dropped until the primary sends its Prepare again.
*/
import {setTimeout as delay} from 'node:timers/promises';
import test, {type ExecutionContext} from 'ava';
import {
	colourInCapture,
	exitStatus,
	rowsOf,
	type Session,
	startOperator,
	waitUntilGone,
} from './helpers/tmux.js';

const green = new Set(['2', '10']);
const red = new Set(['1', '9']);

const lines = (screen: string): string[] => screen.split('\n');

/** The header's second line: `PAUSED 1×  seed 11  00:00.000  …`. */
const stateLine = (screen: string): string => lines(screen)[1] ?? '';

/** The status line's words, without its `» `. */
const statusOf = (screen: string): string | undefined =>
	lines(screen)
		.find((line) => line.startsWith('» '))
		?.slice(2)
		.trimEnd();

/** The message pane's rows: `#4   PrepareOk v0 op 1  1→0  due now`, without the selection mark. */
const inFlight = (screen: string): string[] =>
	lines(screen)
		.filter((line) => /^[> ]#\d+ /v.test(line))
		.map((line) => line.slice(1).replaceAll(/ +/gv, ' ').trim());

/** Every pattern matches a line of the screen, each below the one before. */
function inOrder(screen: string, patterns: readonly RegExp[]): boolean {
	const rows = lines(screen);
	let at = -1;
	for (const pattern of patterns) {
		do {
			at++;
		} while (at < rows.length && !pattern.test(rows[at]!));

		if (at >= rows.length) {
			return false;
		}
	}

	return true;
}

/** Quits with q: exit 0, and no replica is left. */
async function quit(t: ExecutionContext, session: Session, pids: Set<number>) {
	await session.keys('q');
	t.is(await exitStatus(session), 0);
	t.deepEqual(await waitUntilGone(pids), []);
}

test.serial(
	'paused for 10 s of wall time: the clock stands still, no view changes; then the speeds',
	async (t) => {
		const {session, pids} = await startOperator(t);
		await session.keys('Space');
		let screen = await session.waitFor('time paused', (current) =>
			stateLine(current).startsWith('PAUSED 1×  live  '),
		);
		const clock = /live {2}(\S+)/v.exec(stateLine(screen))?.[1];
		t.regex(clock ?? '', /^\d\d:\d\d\.\d{3}$/v, 'paused, the clock shows its milliseconds');
		t.is(
			statusOf(screen),
			'time paused: n delivers the next message, t lets one tick pass, space resumes',
		);

		// Ten seconds of wall time, looked at every half second: nothing moves.
		const start = Date.now();
		let looks = 0;
		while (Date.now() - start < 10_000) {
			screen = await session.screen();
			const rows = rowsOf(screen);
			t.is(stateLine(screen).split('  ')[2], clock, 'the clock stands still');
			t.deepEqual(
				rows.map((row) => [row.status, row.view]),
				[
					['normal', 0],
					['normal', 0],
					['normal', 0],
				],
				'no view change',
			);
			looks++;
			await delay(500);
		}

		t.true(looks >= 10);
		await session.keys('Space');
		screen = await session.waitFor('time running again', (current) =>
			stateLine(current).startsWith('RUNNING 1×  live  '),
		);
		t.deepEqual(
			rowsOf(screen).map((row) => row.view),
			[0, 0, 0],
		);

		// The speeds, in the header: < down to 0.01× (and no further), > back up to 1×.
		for (const speed of ['0.5×', '0.2×', '0.1×', '0.05×', '0.02×', '0.01×']) {
			await session.keys('<');
			await session.waitFor(`speed ${speed}`, (current) =>
				stateLine(current).startsWith(`RUNNING ${speed}  live  `),
			);
		}

		await session.keys('<');
		await session.waitFor(
			'the slowest speed',
			(current) => statusOf(current) === '0.01× is the slowest',
		);
		for (const speed of ['0.02×', '0.05×', '0.1×', '0.2×', '0.5×', '1×']) {
			await session.keys('>');
			await session.waitFor(`speed ${speed}`, (current) =>
				stateLine(current).startsWith(`RUNNING ${speed}  live  `),
			);
		}

		await quit(t, session, pids);
	},
);

test.serial(
	'seeded and paused: one request step by step with n, each status line, the messages in flight, the diagram and the narration in colour',
	async (t) => {
		const {session, pids} = await startOperator(t, {env: {}, args: ['--seed', '11', '--paused']});
		let screen = await session.screen();
		t.regex(stateLine(screen), /^PAUSED 1× {2}seed 11 {2}00:00\.000 /v);
		await session.keys('s', 'm');
		screen = await session.waitFor(
			'the request in flight',
			(current) => inFlight(current).length === 1,
		);
		t.deepEqual(inFlight(screen), ['#1 Request c1#1 client→0 due now']);

		const steps: Array<[status: string, next: string[]]> = [
			[
				'delivered Request c1#1 client→0 → 0 appended op 1, sent Prepare to 1, 2',
				['#2 Prepare v0 op 1 0→1 due now', '#3 Prepare v0 op 1 0→2 due now'],
			],
			[
				'delivered Prepare v0 op 1 0→1 → 1 appended op 1, sent PrepareOk',
				['#3 Prepare v0 op 1 0→2 due now', '#4 PrepareOk v0 op 1 1→0 due now'],
			],
			[
				'delivered Prepare v0 op 1 0→2 → 2 appended op 1, sent PrepareOk',
				['#4 PrepareOk v0 op 1 1→0 due now', '#5 PrepareOk v0 op 1 2→0 due now'],
			],
			[
				'delivered PrepareOk v0 op 1 1→0 → 0 committed op 1, replied to client 1',
				['#5 PrepareOk v0 op 1 2→0 due now', '#6 Reply c1#1 0→client due now'],
			],
			['delivered PrepareOk v0 op 1 2→0 → 0 nothing changed', ['#6 Reply c1#1 0→client due now']],
			['delivered Reply c1#1 0→client → client 1 has its reply', []],
		];
		for (const [status, next] of steps) {
			await session.keys('n');
			screen = await session.waitFor(
				`the status line: ${status}`,
				(current) => statusOf(current) === status,
			);
			t.deepEqual(inFlight(screen), next, `in flight after: ${status}`);
		}

		t.regex(screen, /nothing in flight/v);
		t.deepEqual(
			rowsOf(screen).map((row) => [row.role, row.op, row.commit]),
			[
				['primary', 1, 1],
				['backup', 1, 0],
				['backup', 1, 0],
			],
			'op 1 committed at the primary; the backups learn it from the next Commit',
		);
		t.regex(stateLine(screen), /^PAUSED 1× {2}seed 11 {2}00:00\.000 /v, 'time stood still');

		// The diagram, in the messages' colours: a request green, the normal case plain, a commit green.
		await session.keys('m', 'v');
		await session.waitFor('every arrow, in order', (current) =>
			inOrder(current, [
				/^ +0\.000 ├─+▶│ +│ +│ {2}Request c1#1$/v,
				/^ +0\.000 │ +├─+▶│ +│ {2}Prepare v0 op1$/v,
				/^ +0\.000 │ +├─+▶│ {2}Prepare v0 op1$/v,
				/^ +0\.000 │ +│◀─+┤ +│ {2}PrepareOk v0 op1$/v,
				/^ +│ +✓ +│ +│ {2}n0 commits op 1$/v,
				/^ +0\.000 │ +│◀─+┤ {2}PrepareOk v0 op1$/v,
				/^ +0\.000 │◀─+┤ +│ +│ {2}Reply c1#1$/v,
			]),
		);
		const coloured = await session.colours();
		t.true(
			green.has(colourInCapture(coloured, /Request c1#1$/v, 'Request') ?? ''),
			'a request in green',
		);
		t.true(
			green.has(colourInCapture(coloured, /n0 commits op 1$/v, '✓') ?? ''),
			'a commit in green',
		);
		t.is(
			colourInCapture(coloured, /├─+▶│ +│ {2}Prepare v0 op1$/v, 'Prepare'),
			'default',
			'the normal case plain',
		);

		// The narration: each delivery before what came of it, newest first.
		await session.keys('N');
		// The last steps, newest first, one line each.
		const story = [
			'client 1 got the reply to request 1 from n0 (view 0)',
			'n0 has PrepareOk for op 1 from n2: op 1 was already committed',
			'n0 got PrepareOk op 1 from n2: n2 holds every op up to 1',
			"n0 replied to client 1's request 1",
			'n0 has PrepareOk for op 1 from n1: 2 of quorum 2, op 1 commits',
			'n0 got PrepareOk op 1 from n1: n1 holds every op up to 1',
		];
		await session.waitFor('the narration', (current) => {
			const told = lines(current).map((line) => line.trimEnd());
			const first = told.indexOf(story[0]!);
			return first !== -1 && story.every((words, index) => told[first + index] === words);
		});
		const narrated = await session.colours();
		t.true(
			green.has(colourInCapture(narrated, /op 1 commits$/v, 'n0 has') ?? ''),
			'the commit in green',
		);
		await quit(t, session, pids);
	},
);

test.serial(
	'the only PrepareOk dropped: nothing commits until the primary sends its Prepare again',
	async (t) => {
		const {session, pids} = await startOperator(t, {env: {}, args: ['--seed', '12', '--paused']});
		// Replica 2 down: replica 1's ack is the only one the primary can get.
		await session.keys('3', 'x');
		await session.waitFor(
			'replica 2 crashed',
			(current) => rowsOf(current)[2]?.status === 'crashed',
		);
		await session.keys('1', 's', 'm');
		await session.waitFor('the request in flight', (current) => inFlight(current).length === 1);
		await session.keys('n', 'n', 'n');
		let screen = await session.waitFor('the PrepareOk in flight', (current) =>
			inFlight(current).includes('#4 PrepareOk v0 op 1 1→0 due now'),
		);
		await session.keys('4', 'd');
		screen = await session.waitFor(
			'the drop',
			(current) => statusOf(current) === 'dropped #4 PrepareOk v0 op 1 1→0',
		);
		t.deepEqual(inFlight(screen), []);

		// Time passes a tick at a time. The backup would ack op 1 again in answer to the primary's
		// heartbeats: shown (H), they are dropped too, until the primary sends its Prepare again.
		await session.keys('H');
		let resent: string | undefined;
		for (let tick = 0; tick < 40 && resent === undefined; tick++) {
			const before = statusOf(screen);
			await session.keys('t');
			screen = await session.waitFor('the tick', (current) => {
				const status = statusOf(current) ?? '';
				return status !== before && status.startsWith('one tick');
			});
			t.is(rowsOf(screen)[0]?.commit, 0, 'no quorum holds op 1: nothing commits');
			resent = inFlight(screen).find((message) => /^#\d+ Prepare v0 op 1 0→1 /v.test(message));
			for (const message of inFlight(screen)) {
				const id = /^#(\d+) (?:Commit|PrepareOk) /v.exec(message)?.[1];
				if (id !== undefined) {
					await session.keys(...id, 'd');
					screen = await session.waitFor(`#${id} dropped`, (current) =>
						(statusOf(current) ?? '').startsWith(`dropped #${id} `),
					);
				}
			}
		}

		if (resent === undefined) {
			throw new Error(`the primary never sent its Prepare again:\n${screen}`);
		}

		const clock = /seed 12 {2}00:00\.(\d{3})/v.exec(stateLine(screen))?.[1];
		t.true(Number(clock) >= 200, `after the primary's resend timeout: ${clock} ms`);

		// Through now: the ack reaches the primary, op 1 commits and the client has its reply.
		const id = /^#(\d+)/v.exec(resent)![1]!;
		await session.keys(...id, 'Enter');
		screen = await session.waitFor('the Prepare delivered', (current) =>
			(statusOf(current) ?? '').startsWith(`delivered Prepare v0 op 1 0→1 → 1 `),
		);
		const ack = inFlight(screen).find((message) => /^#\d+ PrepareOk v0 op 1 1→0 /v.test(message));
		t.truthy(ack, `the backup acks again:\n${screen}`);
		await session.keys(.../^#(\d+)/v.exec(ack!)![1]!, 'Enter');
		screen = await session.waitFor(
			'op 1 committed',
			(current) =>
				statusOf(current) ===
				'delivered PrepareOk v0 op 1 1→0 → 0 committed op 1, replied to client 1',
		);
		t.is(rowsOf(screen)[0]?.commit, 1);

		// The diagram tells it: the lost ack in red, the Prepare sent again, the commit.
		await session.keys('m', 'v');
		await session.waitFor('the Prepare sent again and the commit, in the diagram', (current) =>
			inOrder(current, [
				/│ +├─+▶│ +│ {2}Prepare v0 op1$/v,
				/│ +│◀─+┤ +│ {2}PrepareOk v0 op1$/v,
				/✓ +│ +│ {2}n0 commits op 1$/v,
			]),
		);
		const lost = /│ +│ {2}x─+┤ +│ {2}PrepareOk v0 op1 \(lost: by operator\)$/v;
		for (let page = 0; page < 5 && !inOrder(await session.screen(), [lost]); page++) {
			await session.keys('PPage');
			await session.waitFor('the diagram scrolled back', (current) =>
				current.includes('rows back'),
			);
		}

		await session.waitFor('the lost PrepareOk, scrolled back', (current) =>
			inOrder(current, [lost]),
		);
		const coloured = await session.colours();
		t.true(
			red.has(colourInCapture(coloured, /PrepareOk v0 op1 \(lost: by operator\)$/v, 'x') ?? ''),
			'a lost message in red',
		);
		await quit(t, session, pids);
	},
);
