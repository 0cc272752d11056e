/**
Faults in the transport, set by an operator on a running cluster of replica servers: isolate the
primary and heal, drop messages under a checked workload, refuse a bad setting, stop a replica.
*/
import test from 'ava';
import {execa} from 'execa';
import {heal, setLinkFaults} from '../source/tcp/admin.js';
import {LocalServers} from '../source/tcp/local-servers.js';
import {probeStatus} from '../source/tcp/status-probe.js';
import {parseJson} from './fixtures/cluster.js';
import {cliPath} from './helpers/paths.js';

async function cli(...args: string[]) {
	return execa('node', [cliPath, ...args], {reject: false, stdin: 'ignore', timeout: 60_000});
}

async function client(file: string, ...args: string[]): Promise<Record<string, unknown>> {
	const result = await execa(
		'node',
		[cliPath, 'client', '--cluster', file, '--json', '--timeout', '30', ...args],
		{reject: false, stdin: 'ignore', timeout: 60_000},
	);
	return {
		exitCode: result.exitCode,
		...parseJson<Record<string, unknown>>(String(result.stdout) || '{}'),
	};
}

test('an operator isolates the primary, the others elect a new one, and healed it follows again', async (t) => {
	const local = await LocalServers.start({hosts: ['127.0.0.1', '127.0.0.2', '127.0.0.3']});
	try {
		const {cluster, file} = local;
		await local.servers[0]!.waitFor(/connected to replica 2/v);
		t.like(await client(file, 'put', 'k', 'before'), {exitCode: 0, view: 0});

		const isolated = await cli('cluster', 'isolate', '0', '--cluster', file);
		t.is(isolated.exitCode, 0);
		t.is(isolated.stdout, 'replica 0 isolated from the other replicas, both ways');
		await local.servers[0]!.waitFor(
			/links set by operator \(127\.0\.0\.1:\d+\): sends nothing to 1, 2, ignores 1, 2/v,
		);
		await Promise.any([
			local.servers[1]!.waitFor(/primary of view [1-9]/v, 60_000),
			local.servers[2]!.waitFor(/primary of view [1-9]/v, 60_000),
		]);
		const during = await client(file, 'put', 'k', 'during');
		t.like(during, {exitCode: 0, ok: true});
		t.true(Number(during.view) >= 1);

		const healed = await cli('cluster', 'heal', '--cluster', file);
		t.is(healed.exitCode, 0);
		t.is(healed.stdout, 'every link healed: no cut, drop or delay');
		await local.servers[0]!.waitFor(/links set by operator .*: no faults/v);
		// Healed, the old primary hears the new view and catches up.
		const deadline = Date.now() + 60_000;
		let status = await probeStatus(cluster, 0, 5000);
		while (
			(typeof status === 'string' || status.view < 1 || status.status !== 'normal') &&
			Date.now() < deadline
		) {
			await new Promise((resolve) => {
				setTimeout(resolve, 50);
			});
			status = await probeStatus(cluster, 0, 5000);
		}

		t.like(status, {status: 'normal', primary: false});
		const statuses = await cli('cluster', 'status', '--cluster', file);
		t.is(statuses.exitCode, 0);
		t.regex(
			String(statuses.stdout),
			/^replica 0 at 127\.0\.0\.1:\d+: normal, backup, view [1-9]\d*, op \d+, commit \d+\nreplica 1 at 127\.0\.0\.2:\d+: normal, (?:primary|backup), view/v,
		);
		t.like(await client(file, 'get', 'k'), {ok: true, result: 'during'});

		// Messages dropped between replicas: the workload still completes and checks out.
		const drops = await Promise.all(
			cluster.replicas.map(async (_, id) => setLinkFaults(cluster, id, {drop: 0.2, delay: 2})),
		);
		t.deepEqual(drops.flat(), []);
		const run = await execa(
			'node',
			[cliPath, 'run', '--cluster', file, '--requests', '200', '--clients', '4', '--json'],
			{reject: false, stdin: 'ignore', timeout: 240_000},
		);
		t.is(run.exitCode, 0, `${String(run.stderr)}`);
		t.like(parseJson<Record<string, unknown>>(String(run.stdout)), {
			acked: 200,
			linearizable: true,
		});
		t.deepEqual(await heal(cluster), []);

		// A setting out of range is refused, with the reason.
		const bad = await setLinkFaults(cluster, 1, {drop: 2});
		t.is(bad.length, 1);
		t.regex(bad[0]!, /^replica 1 at 127\.0\.0\.2:\d+ refused: drop must be a number from 0 to 1$/v);

		// Stop: the replica exits (0), saying who asked; the others go on.
		const stopped = await cli('cluster', 'stop', '2', '--cluster', file);
		t.is(stopped.stdout, 'replica 2 is stopping');
		t.is(await local.servers[2]!.exited, 0);
		t.regex(local.servers[2]!.log, /stopping: asked by operator \(127\.0\.0\.1:\d+\)/v);
		t.like(await client(file, 'put', 'k', 'after'), {exitCode: 0, ok: true});
		// Status names the replica that does not answer, and exits 1.
		const partial = await cli('cluster', 'status', '--cluster', file, '--json');
		t.is(partial.exitCode, 1);
		const rows = parseJson<Array<Record<string, unknown>>>(String(partial.stdout));
		t.like(rows[2], {type: 'error', replica: 2});
		t.like(rows[0], {type: 'status', replica: 0});
		t.regex(
			String(partial.stderr),
			/^vsr-tui cluster: replica 2 at 127\.0\.0\.3:\d+: ECONNREFUSED$/v,
		);
	} finally {
		await local.stop();
	}
});
