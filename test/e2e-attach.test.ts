/**
End to end, in a real terminal: three replica servers on 127.0.0.1, 127.0.0.2 and 127.0.0.3,
and `vsr-tui --attach FILE` in tmux at 80×24 (`helpers/tmux.ts`): the screen shows them, a
request commits, `x` stops the primary and a new view appears, the server started again (as a
process manager would) shows back, and `q` leaves the cluster running.
*/
import process from 'node:process';
import test from 'ava';
import {execa} from 'execa';
import {LocalServers} from '../source/tcp/local-servers.js';
import {cliPath} from './helpers/paths.js';
import {exitStatus, rowsOf, tmuxSession} from './helpers/tmux.js';

const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

test.serial(
	'the operator attached to replica servers: nodes, a commit, a stopped primary and a new view, its restart, q leaves them running',
	async (t) => {
		const local = await LocalServers.start({hosts});
		const session = tmuxSession();
		t.teardown(async () => {
			await session.kill();
			await local.stop();
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
			[process.execPath, cliPath, '--attach', local.file]
				.map((word) => JSON.stringify(word))
				.join(' ') + '; echo "vsr-tui exited with $?"; exec cat',
		);
		await session.locate();

		// Three normal nodes, one primary (replica 0, view 0), and the header names the cluster file.
		let screen = await session.waitFor(
			'three normal nodes with one primary',
			(current) => {
				const rows = rowsOf(current);
				return (
					rows.length === 3 &&
					rows.every((row) => row.status === 'normal') &&
					rows.filter((row) => row.role === 'primary').length === 1
				);
			},
			60_000,
		);
		t.true(screen.includes(`attached ${local.file.slice(0, 20)}`), `${screen}`);
		const primary = rowsOf(screen).find((row) => row.role === 'primary')!;
		t.is(primary.id, 0);
		// In colour: the primary's row carries its colour codes.
		const coloured = await session.colours();
		const primaryLine = coloured
			.split('\n')
			.find((line) => line.includes('primary') && /\d/v.test(line));
		// eslint-disable-next-line no-control-regex -- the colour codes are what this reads
		t.regex(primaryLine ?? '', /\u001B\[[\d;]*m/v);

		// `s`: one request, its committed reply.
		await session.keys('s');
		screen = await session.waitFor(
			'the reply to the request',
			(current) => current.includes('reply ok'),
			60_000,
		);

		// `x` on the primary: its server stops (exit 0), and the others move to a new view.
		await session.keys(String(primary.key), 'x');
		t.is(await local.servers[primary.id]!.exited, 0);
		await session.waitFor('the stop said', (current) =>
			current.includes(`stopped node ${primary.id}: its process exits`),
		);
		// What an attached operator cannot do says why, in one line, and the screen goes on.
		await session.keys('r');
		await session.waitFor('the restart refused', (current) =>
			current.includes(
				`restart failed: attached, cannot restart ${primary.id}: its process manager restarts`,
			),
		);
		screen = await session.waitFor(
			'a new primary in a higher view, the old one down',
			(current) => {
				const rows = rowsOf(current);
				const stopped = rows.find((row) => row.id === primary.id);
				const next = rows.find((row) => row.role === 'primary' && row.status === 'normal');
				return stopped?.status === 'crashed' && next !== undefined && (next.view ?? 0) > 0;
			},
			60_000,
		);

		// Its process manager (the test) starts it again: it shows back, a normal backup.
		local.startReplica(primary.id, ['--recover']);
		await session.waitFor(
			'the restarted replica back as a normal backup',
			(current) => {
				const row = rowsOf(current).find((candidate) => candidate.id === primary.id);
				return row?.role === 'backup' && row.status === 'normal';
			},
			60_000,
		);

		// `q`: the operator exits 0 and the servers keep running.
		await session.keys('q');
		t.is(await exitStatus(session), 0);
		const status = await execa('node', [cliPath, 'cluster', 'status', '--cluster', local.file], {
			reject: false,
			stdin: 'ignore',
			timeout: 60_000,
		});
		t.is(status.exitCode, 0, `${String(status.stderr)}`);
		t.is(
			status.stdout.split('\n').filter((line) => line.includes(' normal, ')).length,
			3,
			`${status.stdout}`,
		);
		for (const server of local.servers) {
			t.true(server.running);
		}
	},
);
