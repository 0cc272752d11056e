/** The command line of a cluster on several hosts: cluster init, replica, client, run --cluster, bench --transport. */
import {mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {parseClusterFile} from '../source/tcp/cluster-file.js';
import {freePort} from '../source/tcp/local-servers.js';
import {parseJson} from './fixtures/cluster.js';
import {lines, spawnCli} from './helpers/cli.js';

function temporaryDirectory(): string {
	return mkdtempSync(path.join(os.tmpdir(), 'vsr-tui-tcp-cli-'));
}

test('cluster init writes a private cluster file with a fresh id and secret, and never replaces one', async (t) => {
	const directory = temporaryDirectory();
	try {
		const out = path.join(directory, 'cluster.json');
		const result = await spawnCli([
			'cluster',
			'init',
			'--replicas',
			'3',
			'--hosts',
			'a:7001,b:7001,[::1]:7001',
			'--out',
			out,
		]);
		t.is(result.exitCode, 0, `${String(result.stderr)}`);
		const file = parseClusterFile(readFileSync(out, 'utf8'));
		t.deepEqual(file.replicas, [
			{host: 'a', port: 7001},
			{host: 'b', port: 7001},
			{host: '::1', port: 7001},
		]);
		t.is(statSync(out).mode & 0o777, 0o600);
		t.true(
			String(result.stdout).startsWith(
				`wrote ${out}: cluster ${file.cluster_id}, 3 replicas at a:7001, b:7001, [::1]:7001; `,
			),
		);
		t.false(String(result.stdout).includes(file.secret));

		const again = await spawnCli(['cluster', 'init', '--out', out]);
		t.is(again.exitCode, 1);
		t.deepEqual(lines(again.stderr), [
			`vsr-tui cluster: ${out} exists: remove it first, or write the new cluster elsewhere with --out`,
		]);
		t.is(parseClusterFile(readFileSync(out, 'utf8')).secret, file.secret);

		// Without --hosts: 127.0.0.1, ports 7001 on, as many as --replicas.
		const local = path.join(directory, 'local.json');
		const five = await spawnCli(['--replicas', '5', 'cluster', 'init', '--out', local]);
		t.is(five.exitCode, 0);
		t.deepEqual(
			parseClusterFile(readFileSync(local, 'utf8')).replicas.map(({port}) => port),
			[7001, 7002, 7003, 7004, 7005],
		);
	} finally {
		rmSync(directory, {recursive: true, force: true});
	}
});

test('bad command lines of the TCP modes exit 2 with one line', async (t) => {
	const directory = temporaryDirectory();
	try {
		const file = path.join(directory, 'c.json');
		const init = await spawnCli(['cluster', 'init', '--out', file]);
		t.is(init.exitCode, 0);
		const garbage = path.join(directory, 'garbage.json');
		const cases: Array<[string[], string]> = [
			[['cluster'], 'cluster needs an action: init, status, isolate, partition, heal, stop'],
			[
				['cluster', 'start'],
				'unknown cluster action "start" (expected one of: init, status, isolate, partition, heal, stop)',
			],
			[
				['cluster', 'status'],
				'cluster status needs --cluster FILE (write one with `vsr-tui cluster init`)',
			],
			[
				['cluster', 'status', '--cluster', file, '--hosts', 'a:1'],
				'--hosts applies to cluster init only, not to cluster status',
			],
			[
				['cluster', 'init', '--cluster', file],
				'--cluster does not apply to cluster init (it writes a new cluster file: --out)',
			],
			[
				['cluster', 'isolate', '3', '--cluster', file],
				'cluster isolate needs a replica of the cluster file, 0 to 2 (got "3")',
			],
			[['cluster', 'heal', 'now', '--cluster', file], 'cluster heal takes no argument (got "now")'],
			[
				['cluster', 'partition', '0,1,2', '--cluster', file],
				'cluster partition needs a side of 1 to 2 replicas',
			],
			[
				['cluster', 'stop', '1', '--cluster', file, '--json'],
				'--json applies to cluster status only',
			],
			[
				['cluster', 'init', '--hosts', 'a:1,a:1'],
				'--hosts must be a comma-separated list of 1 to 9 distinct host:port, e.g. a:7001,b:7001,c:7001 (got "a:1,a:1")',
			],
			[
				['cluster', 'init', '--hosts', 'a:99999'],
				'--hosts must be a comma-separated list of 1 to 9 distinct host:port, e.g. a:7001,b:7001,c:7001 (got "a:99999")',
			],
			[
				['cluster', 'init', '--replicas', '2', '--hosts', 'a:1,b:1,c:1'],
				'--replicas 2 does not match the 3 address(es) of --hosts',
			],
			[
				['replica', '--id', '0'],
				'replica needs --cluster FILE (write one with `vsr-tui cluster init`)',
			],
			[
				['replica', '--cluster', file],
				'replica needs --id N: which replica of the cluster file, 0 to 2',
			],
			[
				['replica', '--cluster', file, '--id', '5'],
				'--id must be a replica of the cluster file, from 0 to 2 (got 5)',
			],
			[['replica', '--cluster', file, '--id', '9'], '--id must be an integer from 0 to 8 (got 9)'],
			[
				['replica', '--cluster', garbage, '--id', '0'],
				`cannot read the cluster file ${garbage} (ENOENT)`,
			],
			[
				['client', '--cluster', file],
				'client needs an operation: get KEY, put KEY VALUE, append KEY VALUE or cas KEY OLD NEW',
			],
			[
				['client', '--cluster', file, 'del', 'k'],
				'unknown operation "del" (expected get KEY, put KEY VALUE, append KEY VALUE or cas KEY OLD NEW)',
			],
			[
				['client', '--cluster', file, 'put', 'k'],
				'put takes 2 arguments (expected get KEY, put KEY VALUE, append KEY VALUE or cas KEY OLD NEW; got 1)',
			],
			[
				['client', 'get', 'k'],
				'client needs --cluster FILE (write one with `vsr-tui cluster init`)',
			],
			[
				['client', '--cluster', file, '--timeout', '0', 'get', 'k'],
				'--timeout must be a number of seconds from 0.1 to 3600 (got 0)',
			],
			[
				['run', '--cluster', file, '--crash', 'primary@5'],
				'--crash applies to the replicas run starts, not to a running cluster (--cluster): crash and restart its replica servers yourself',
			],
			[
				['run', '--cluster', file, '--seed', '7'],
				'--seed applies to the replicas run starts, not to a running cluster (--cluster): crash and restart its replica servers yourself',
			],
			[['bench', '--transport', 'udp'], '--transport must be one of: ipc, tcp (got udp)'],
		];
		for (const [args, message] of cases) {
			const result = await spawnCli(args);
			t.is(result.exitCode, 2, `${args.join(' ')}`);
			t.deepEqual(lines(result.stderr), [`vsr-tui: ${message}`], `${args.join(' ')}`);
			t.is(result.stdout, '');
		}
	} finally {
		rmSync(directory, {recursive: true, force: true});
	}
});

test('a client with no cluster to answer exits 1 with one line after --timeout', async (t) => {
	const directory = temporaryDirectory();
	try {
		const file = path.join(directory, 'c.json');
		const port = await freePort('127.0.0.1');
		const init = await spawnCli([
			'--replicas',
			'1',
			'cluster',
			'init',
			'--hosts',
			`127.0.0.1:${port}`,
			'--out',
			file,
		]);
		t.is(init.exitCode, 0);
		const result = await spawnCli(['client', '--cluster', file, '--timeout', '3', 'get', 'k']);
		t.is(result.exitCode, 1);
		t.is(result.stdout, '');
		t.deepEqual(lines(result.stderr), [
			`vsr-tui client: no answer from the cluster (127.0.0.1:${port}) in 3 s: replica 0 at 127.0.0.1:${port}: ECONNREFUSED`,
		]);
	} finally {
		rmSync(directory, {recursive: true, force: true});
	}
});

test('--help lists the modes of a cluster on several hosts, with their flags', async (t) => {
	const {stdout: help} = await spawnCli(['--help']);
	t.regex(String(help), /\n {4}cluster {2}Write a cluster file/v);
	t.regex(String(help), /\n {4}replica {2}Run one replica of a cluster file as a TCP server/v);
	t.regex(String(help), /\n {4}client {2}Send one operation/v);
	t.regex(String(help), /--transport NAME\s+Also measure a cluster of replica servers over TCP/v);
	const {stdout: client} = await spawnCli(['client', '--help']);
	t.regex(
		String(client),
		/\$ vsr-tui client \[flags\] get KEY \| put KEY VALUE \| append KEY VALUE \| cas KEY OLD NEW/v,
	);
	t.regex(String(client), /--timeout S\s+Give up \(exit 1\)/v);
});

// Figures belong in benchmarks: here only the contract of bench --transport tcp, never a speed.
test('bench --transport tcp --json adds the TCP cluster to the fields of bench', async (t) => {
	const result = await spawnCli(
		['bench', '--transport', 'tcp', '--seconds', '1', '--clients', '4', '--json'],
		{timeout: 240_000},
	);
	t.is(result.exitCode, 0, `${String(result.stderr)}`);
	const output = lines(result.stdout);
	t.is(output.length, 1);
	const bench = parseJson<Record<string, unknown>>(output[0]!);
	t.deepEqual(Object.keys(bench), [
		'ops_per_s',
		'ceiling_ops_per_s',
		'ratio',
		'latency_ms',
		'tcp_ops_per_s',
		'tcp_ratio',
		'tcp_latency_ms',
	]);
	t.true(Number(bench.tcp_ops_per_s) > 0);
	const ratio = Number(bench.tcp_ops_per_s) / Number(bench.ceiling_ops_per_s);
	t.true(Math.abs(Number(bench.tcp_ratio) - ratio) < 0.002);
	t.deepEqual(Object.keys(parseJson<object>(JSON.stringify(bench.tcp_latency_ms))), [
		'p50',
		'p99',
		'max',
	]);
});
