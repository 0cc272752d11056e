import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {parseEvent} from '../source/telemetry/serialize.js';
import type {HistoryEntry} from '../source/check/history.js';
import {checkLinearizable} from '../source/check/linearizability.js';
import {type RunOptions, runCommand} from '../source/cluster/run.js';
import {byNumber, parseJson} from './fixtures/cluster.js';
import {captureStream, lines, spawnCli} from './helpers/cli.js';

const expectedKeys = {
	get: ['client', 'op', 'key', 'output', 'call', 'return'],
	put: ['client', 'op', 'key', 'output', 'call', 'return', 'value'],
	append: ['client', 'op', 'key', 'output', 'call', 'return', 'value'],
	cas: ['client', 'op', 'key', 'output', 'call', 'return', 'value', 'expected'],
};
const expectedOutput = {
	get: (output: unknown) => output === null || typeof output === 'string',
	put: (output: unknown) => output === 'ok',
	append: (output: unknown) => output === 'ok',
	cas: (output: unknown) => typeof output === 'boolean',
};

const summaryKeys = [
	'replicas',
	'requests',
	'acked',
	'failed',
	'view_changes',
	'recoveries',
	'state_transfers',
	'linearizable',
	'unknown',
	'latency_ms',
];

function tempDir(t: ExecutionContext): string {
	const dir = mkdtempSync(path.join(tmpdir(), 'vsr-tui-run-'));
	t.teardown(() => {
		rmSync(dir, {recursive: true, force: true});
	});
	return dir;
}

async function run(args: readonly string[]) {
	return spawnCli(['run', ...args], {timeout: 180_000});
}

test('the primary crashed mid-load: every request is acknowledged and the history is linearizable', async (t) => {
	const result = await run([
		'--requests',
		'300',
		'--clients',
		'6',
		'--crash',
		'primary@100',
		'--restart',
		'0@200',
		'--json',
	]);
	t.is(result.exitCode, 0, `${String(result.stderr)}`);
	const output = lines(result.stdout);
	t.is(output.length, 1, 'one JSON object');
	const summary = parseJson<Record<string, unknown>>(output[0]!);
	t.deepEqual(Object.keys(summary), summaryKeys);
	t.like(summary, {
		replicas: 3,
		requests: 300,
		acked: 300,
		failed: 0,
		recoveries: 1,
		linearizable: true,
		unknown: false,
	});
	t.true(Number(summary.view_changes) >= 1);
	t.is(typeof summary.state_transfers, 'number');
	const latency = parseJson<{p50: number; p99: number; max: number}>(
		JSON.stringify(summary.latency_ms),
	);
	t.deepEqual(Object.keys(latency), ['p50', 'p99', 'max']);
	t.true(latency.p50 > 0 && latency.p50 <= latency.p99 && latency.p99 <= latency.max);
	t.true(latency.max >= 500, 'some request waited out the crash');
});

test('--history writes one entry per operation in the documented format', async (t) => {
	const file = path.join(tempDir(t), 'history.json');
	const result = await run([
		'--requests',
		'120',
		'--clients',
		'4',
		'--crash',
		'1@40',
		'--history',
		file,
	]);
	t.is(result.exitCode, 0, `${String(result.stderr)}`);
	t.regex(String(result.stdout), /120 acknowledged, 0 failed/v);
	t.regex(String(result.stdout), /linearizable: yes/v);
	const history = parseJson<HistoryEntry[]>(readFileSync(file, 'utf8'));
	t.is(history.length, 120);
	t.deepEqual(checkLinearizable(history), {ok: true});
	const clients = new Set<number>();
	for (const entry of history) {
		clients.add(entry.client);
		t.true(['get', 'put', 'append', 'cas'].includes(entry.op));
		t.is(typeof entry.key, 'string');
		t.true(Number.isSafeInteger(entry.call) && entry.call >= 0);
		t.true(typeof entry.return === 'number' && entry.return >= entry.call);
		t.deepEqual(Object.keys(entry), expectedKeys[entry.op]);
		t.true(expectedOutput[entry.op](entry.output), `${entry.op} → ${JSON.stringify(entry.output)}`);
	}

	t.deepEqual([...clients].toSorted(byNumber), [1, 2, 3, 4]);
	t.regex(readFileSync(file, 'utf8'), /^\[\n\{"client":/v, 'an array, one entry per line');
});

test('--events - streams every event as NDJSON: from every replica and from the operator', async (t) => {
	const result = await run([
		'--requests',
		'60',
		'--clients',
		'3',
		'--crash',
		'2@20',
		'--restart',
		'2@30',
		'--drop',
		'0.01',
		'--delay',
		'1',
		'--events',
		'-',
		'--json',
	]);
	t.is(result.exitCode, 0, `${String(result.stderr)}`);
	const events = lines(result.stdout).map((line) => parseEvent(line));
	t.true(events.length > 500);
	const nodes = new Set(
		events.map((event) => event.metadata.node_id).filter((id) => typeof id === 'number'),
	);
	t.deepEqual([...nodes].toSorted(byNumber), [0, 1, 2]);
	const names = new Set(events.map((event) => event.event.join('.')));
	for (const name of [
		'vsr_tui.operator.drop',
		'vsr_tui.operator.delay',
		'vsr_tui.operator.crash',
		'vsr_tui.operator.restart',
		'vsr.protocol.prepare.sent',
		'vsr.protocol.client_request.stop',
		'vsr.state_machine.operation.stop',
		'vsr.recovery.complete',
	]) {
		t.true(names.has(name), `${name}`);
	}

	const stop = events.find((event) => event.event.join('.') === 'vsr.protocol.client_request.stop');
	t.is(typeof stop?.measurements.duration, 'number', 'measurements keep their original values');
	t.like(stop?.metadata, {is_primary: true, status: 'normal'});
	// The summary goes to stderr so that stdout stays pure NDJSON.
	const summary = parseJson<{acked: number}>(lines(result.stderr).at(-1)!);
	t.is(summary.acked, 60);
});

test('--events FILE writes the same stream to a file', async (t) => {
	const file = path.join(tempDir(t), 'events.ndjson');
	const result = await run(['--requests', '20', '--events', file, '--json']);
	t.is(result.exitCode, 0, `${String(result.stderr)}`);
	const events = lines(readFileSync(file, 'utf8')).map((line) => parseEvent(line));
	const prepares = events.filter((event) => event.event.join('.') === 'vsr.protocol.prepare.sent');
	t.is(prepares.length, 20, 'one per request: every event, not a sample');
	t.is(parseJson<{acked: number}>(String(result.stdout)).acked, 20);
});

test('a single replica and a partition: still linearizable', async (t) => {
	const single = await run(['--replicas', '1', '--requests', '50', '--json']);
	t.is(single.exitCode, 0, `${String(single.stderr)}`);
	t.like(parseJson<unknown>(String(single.stdout)), {replicas: 1, acked: 50, view_changes: 0});

	const five = await run([
		'--replicas',
		'5',
		'--requests',
		'150',
		'--clients',
		'5',
		'--partition',
		'0,1@30-90',
		'--json',
	]);
	t.is(five.exitCode, 0, `${String(five.stderr)}`);
	t.like(parseJson<unknown>(String(five.stdout)), {replicas: 5, acked: 150, linearizable: true});
});

test('a one-way cut and a frozen replica: every request acknowledged, linearizable, and the events say when each began and ended', async (t) => {
	const dir = tempDir(t);
	const file = path.join(dir, 'events.ndjson');
	const result = await run([
		'--requests',
		'200',
		'--cut',
		'1>0@20-80',
		'--freeze',
		'2@100-160',
		'--events',
		file,
		'--json',
	]);
	t.is(result.exitCode, 0, `${String(result.stderr)}`);
	t.like(parseJson<unknown>(String(result.stdout)), {acked: 200, failed: 0, linearizable: true});
	const faults = lines(readFileSync(file, 'utf8'))
		.map((line) => parseEvent(line))
		.filter(({event}) => ['freeze', 'network'].includes(String(event[2])) && event[0] === 'vsr_tui')
		.map(({event, metadata}) =>
			event[2] === 'freeze'
				? `freeze ${String(metadata.node)} ${String(metadata.frozen)}`
				: `cut ${String(metadata.from)}>${String(metadata.to)} ${String(metadata.cut)}`,
		);
	t.deepEqual(faults, ['cut 1>0 true', 'cut 1>0 false', 'freeze 2 true', 'freeze 2 false']);
});

test('run --chaos: a nemesis under load, then every request answered and the history linearizable', async (t) => {
	const result = await run(['--chaos', '8', '--clients', '6', '--json']);
	t.is(result.exitCode, 0, `${String(result.stderr)}`);
	const summary = parseJson<{
		requests: number;
		acked: number;
		failed: number;
		linearizable: boolean;
		chaos: Record<string, number>;
	}>(String(result.stdout));
	// The load ran through the chaos (a loaded machine answers fewer requests in 8 s than an idle one).
	t.true(summary.requests >= 20, `${summary.requests} requests in 8 s of chaos`);
	t.is(summary.acked, summary.requests);
	t.is(summary.failed, 0);
	t.true(summary.linearizable);
	t.deepEqual(Object.keys(summary.chaos), [
		'crashes',
		'restarts',
		'freezes',
		'partitions',
		'cuts',
		'heals',
	]);
	const faults = Object.values(summary.chaos).reduce((sum, count) => sum + count, 0);
	t.true(faults >= 5, `the nemesis made ${faults} faults in 8 s`);
	t.true(summary.chaos.restarts! >= summary.chaos.crashes!, 'every crashed replica restarted');
});

const badFlags: Array<[string[], RegExp]> = [
	[['--crash', 'leader@5'], /^vsr-tui: --crash must be primary@K or NODE@K/v],
	[['--crash', '3@5'], /^vsr-tui: --crash names replica 3, but replicas are 0 to 2$/v],
	[['--crash', '1@500'], /--crash at 500 acknowledgements, but the run has 100 requests/v],
	[['--crash', '1@5', '--crash', '2@6'], /leave 2 of 3 replicas down/v],
	[['--restart', 'primary@5'], /^vsr-tui: --restart must be NODE@K/v],
	[
		['--partition', '0,1@50-20'],
		/^vsr-tui: --partition must be a list of replicas @K-L with K < L/v,
	],
	[['--partition', '0,0@5-20'], /--partition must be/v],
	[['--replicas', '4', '--partition', '0,1@5-20'], /leaves no side with a quorum of 3/v],
	[['--partition', '0,1,2@5-20'], /needs replicas on both sides/v],
	[['--drop', '2'], /^vsr-tui: --drop must be a number from 0 to 1 \(got 2\)$/v],
	[['--delay', '-5'], /--delay must be an integer from 0 to 10000/v],
	[['--requests', '0'], /--requests must be an integer from 1 to 1000000 \(got 0\)/v],
	[['--clients', 'many'], /--clients must be an integer/v],
	[['--json', '--json'], /--json was given 2 times/v],
	[['--events'], /--events needs a value/v],
	[
		['--history', '/no/such/dir/h.json'],
		/--history cannot write "\/no\/such\/dir\/h\.json" \(ENOENT\)/v,
	],
	[['--events', '/no/such/dir/e.ndjson'], /--events cannot write/v],
	[['--cut', '1>1@5-20'], /^vsr-tui: --cut must be A>B@K-L with A ≠ B and K < L/v],
	[['--cut', '1>3@5-20'], /^vsr-tui: --cut names replica 3, but replicas are 0 to 2$/v],
	[['--freeze', '0@20-5'], /^vsr-tui: --freeze must be NODE@K-L with K < L/v],
	[['--freeze', '0@5-20', '--freeze', '0@10-30'], /--freeze 0@5-20 overlaps --freeze 0@10-30$/v],
	// Faults by progress that wait for acknowledgements their own earlier faults make impossible.
	[
		['--freeze', '0@10-50', '--crash', '1@20'],
		/^vsr-tui: --freeze 0@10-50, --crash 1@20 leave no quorum of 2 replicas up and reaching each other at 20 acknowledgements: the faults at 50 could never come$/v,
	],
	[
		['--cut', '1>2@20-80', '--freeze', '0@50-70'],
		/--cut 1>2@20-80, --freeze 0@50-70 leave no quorum of 2 replicas up and reaching each other at 50/v,
	],
	[
		['--replicas', '5', '--partition', '0,1@10-60', '--crash', '2@20'],
		/--partition 0,1@10-60, --crash 2@20 leave no quorum of 3/v,
	],
	[
		['--chaos', '5', '--crash', '1@20'],
		/^vsr-tui: --chaos makes its own faults: it cannot be combined with --crash$/v,
	],
	[
		['--chaos', '5', '--seed', '1'],
		/^vsr-tui: --chaos acts in wall time: it cannot be combined with --seed$/v,
	],
	[['--chaos', '0'], /--chaos must be an integer from 1 to 86400/v],
	[['--bogus'], /^vsr-tui: unknown flag --bogus/v],
	[['extra'], /unexpected argument "extra"/v],
];

for (const [args, message] of badFlags) {
	test(`run ${args.join(' ')} exits 2 with one line`, async (t) => {
		const result = await run(args);
		t.is(result.exitCode, 2);
		t.is(String(result.stdout), '');
		const errors = lines(result.stderr);
		t.is(errors.length, 1, `${String(result.stderr)}`);
		t.regex(errors[0]!, message);
	});
}

test('run --help lists the fault flags', async (t) => {
	const result = await run(['--help']);
	t.is(result.exitCode, 0);
	for (const flag of [
		'--crash primary@K|NODE@K',
		'--restart NODE@K',
		'--partition A,B@K-L',
		'--cut A>B@K-L',
		'--freeze NODE@K-L',
		'--chaos SECONDS',
		'--events FILE|-',
	]) {
		t.true(String(result.stdout).includes(flag), `${flag}`);
	}
});

test('a history the checker cannot decide is reported as unknown and fails the run, unless --allow-unknown', async (t) => {
	const options: RunOptions = {
		replicas: 3,
		requests: 20,
		clients: 2,
		crash: [],
		restart: [],
		partition: [],
		drop: 0,
		delay: 0,
		events: undefined,
		history: undefined,
		json: true,
		allowUnknown: false,
		maxSearchSteps: 0, // The search gives up at once.
	};
	const stdout = captureStream();
	const stderr = captureStream();
	t.is(await runCommand(options, {stdout, stderr}), 1);
	t.like(parseJson<unknown>(stdout.text()), {acked: 20, linearizable: false, unknown: true});
	t.regex(
		stderr.text(),
		/^vsr-tui run: linearizability unknown: gave up on key k\d after 0 search steps .*\(--allow-unknown accepts that\)$/mv,
	);

	const human = captureStream();
	t.is(
		await runCommand(
			{...options, json: false, allowUnknown: true},
			{stdout: human, stderr: captureStream()},
		),
		0,
	);
	t.regex(human.text(), /^linearizable: unknown \(the search gave up\)$/mv);
});

test('--allow-unknown is a flag of run, listed in --help', async (t) => {
	const result = await run(['--requests', '10', '--allow-unknown', '--json']);
	t.is(result.exitCode, 0, `${String(result.stderr)}`);
	t.like(parseJson<unknown>(String(result.stdout)), {
		acked: 10,
		linearizable: true,
		unknown: false,
	});
	const help = await spawnCli(['run', '--help']);
	t.regex(
		String(help.stdout),
		/--allow-unknown\s+Exit 0 even when the linearizability check could not decide the history/v,
	);
});

test('--seed S: the same run twice, its events and history byte for byte, on virtual time', async (t) => {
	const dir = tempDir(t);
	const outputs = [];
	for (const name of ['a', 'b']) {
		const result = await run([
			'--seed',
			'5',
			'--requests',
			'200',
			'--clients',
			'4',
			'--crash',
			'primary@60',
			'--restart',
			'0@150',
			'--drop',
			'0.02',
			'--events',
			path.join(dir, `${name}.ndjson`),
			'--history',
			path.join(dir, `${name}.json`),
			'--json',
		]);
		t.is(result.exitCode, 0, `${String(result.stderr)}`);
		outputs.push({
			summary: String(result.stdout),
			events: readFileSync(path.join(dir, `${name}.ndjson`)),
			history: readFileSync(path.join(dir, `${name}.json`)),
		});
	}

	const [a, b] = outputs;
	t.is(b!.summary, a!.summary);
	t.true(a!.events.length > 100_000);
	t.true(b!.events.equals(a!.events), 'the same events');
	t.true(b!.history.equals(a!.history), 'the same history');
	t.like(parseJson<{view_changes: number; recoveries: number}>(a!.summary), {
		acked: 200,
		view_changes: 1,
		recoveries: 1,
		linearizable: true,
	});
	// Times are virtual: the first event at 0, none later than the run's own length.
	const times = lines(a!.events.toString()).map((line) =>
		Number(parseEvent(line).measurements.monotonic_time),
	);
	t.is(Math.min(...times), 0);
	t.true(Math.max(...times) < 60e9);
});
