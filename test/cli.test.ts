import test from 'ava';
import {
	UsageError,
	booleanFlag,
	enumFlag,
	integerFlag,
	rateFlag,
	readFlags,
} from '../source/cli/flags.js';
import {type Mode, defineMode} from '../source/cli/modes.js';
import {runCli} from '../source/cli/run.js';
import {captureStream, lines, readPackageJson, spawnCli} from './helpers/cli.js';

// The compiled bin, spawned without a terminal.

test('--help prints the usage, the global flags and a note, and exits 0', async (t) => {
	const result = await spawnCli(['--help']);
	t.is(result.exitCode, 0);
	t.is(result.stderr, '');
	const output = String(result.stdout);
	t.regex(output, /Usage\n\s+\$ vsr-tui \[flags\]\n/v);
	t.regex(
		output,
		/--replicas N\s+Number of replicas in the cluster: an integer from 1 to 9 \(default 3\)/v,
	);
	t.regex(output, /--help\s+Show this help/v);
	t.regex(output, /--version\s+Print the version/v);
	// Modes appear in --help only once they work, each with an example.
	t.regex(output, /\n {4}sim {2}Run the deterministic simulator/v);
	t.regex(output, /Example: \$ vsr-tui sim --seeds 500 --faults heavy/v);
});

test('--version prints the version from package.json', async (t) => {
	const result = await spawnCli(['--version']);
	t.is(result.exitCode, 0);
	t.is(result.stdout, readPackageJson().version);
	t.is(result.stderr, '');
});

const noTerminal =
	'the operator needs an interactive terminal; without one, use `vsr-tui run`, `vsr-tui sim` or `vsr-tui bench` (see --help)';

const badArguments: Array<[string[], string]> = [
	[['--replicas', '0'], '--replicas must be an integer from 1 to 9 (got 0)'],
	[['--replicas', '12'], '--replicas must be an integer from 1 to 9 (got 12)'],
	[['--replicas', 'x'], '--replicas must be an integer from 1 to 9 (got x)'],
	[['--replicas', '2.5'], '--replicas must be an integer from 1 to 9 (got 2.5)'],
	[['--replicas=-1'], '--replicas must be an integer from 1 to 9 (got -1)'],
	[['--no-replicas'], '--replicas must be an integer from 1 to 9 (got --no-replicas)'],
	[['--replicas'], '--replicas needs a value: an integer from 1 to 9'],
	[
		['--replicas', '3', '--replicas', '4'],
		'--replicas was given 2 times (give it once: an integer from 1 to 9)',
	],
	[
		['--bogus'],
		'unknown flag --bogus (expected one of: --replicas, --drop, --delay, --seed, --paused, --data-dir, --attach, --record, --otlp, --help, --version)',
	],
	[
		['--bogus=1', 'sim'],
		'unknown flag --bogus (expected one of: --replicas, --drop, --delay, --seed, --paused, --data-dir, --attach, --record, --otlp, --help, --version)',
	],
	[
		['-x'],
		'unknown flag -x (expected one of: --replicas, --drop, --delay, --seed, --paused, --data-dir, --attach, --record, --otlp, --help, --version)',
	],
	[
		['foo'],
		'unknown command "foo" (expected one of: sim, run, bench, cluster, replica, client, learn, replay)',
	],
	[
		['--replicas', '5', 'foo'],
		'unknown command "foo" (expected one of: sim, run, bench, cluster, replica, client, learn, replay)',
	],
	// The operator needs a terminal (these tests run the bin without one).
	[[], noTerminal],
	[['--replicas', '5', '--drop', '0.1'], noTerminal],
	[
		['--attach', '/nonexistent-vsr-tui/cluster.json'],
		'cannot read the cluster file /nonexistent-vsr-tui/cluster.json (ENOENT)',
	],
	[
		['--attach', 'cluster.json', '--seed', '1'],
		'--seed does not go with --attach: the replica servers were started with their own settings (set faults from the keyboard)',
	],
	[['--drop', '2'], '--drop must be a number from 0 to 1 (got 2)'],
	[['--delay', '-5'], '--delay must be an integer from 0 to 10000 (got -5)'],
	[
		['sim', '--faults', 'extreme'],
		'--faults must be one of: none, light, heavy, swarm (got extreme)',
	],
	[
		['sim', '--inject-bug', 'nope'],
		'--inject-bug must be one of: commit-without-quorum, ignore-last-normal-view, client-table-forgets-writes, state-transfer-skips-ops, recovery-answers-early, eager-truncation, ack-any-view, ack-before-fsync, trust-corrupt-record (got nope)',
	],
	[['sim', '--seeds', '0'], '--seeds must be an integer from 1 to 10000000 (got 0)'],
	[
		['sim', '--events', '-'],
		'--events - writes events to standard output; add --json, or give a file name',
	],
	[
		['run', '--anything'],
		'unknown flag --anything (expected one of: --replicas, --requests, --clients, --crash, --restart, --partition, --cut, --freeze, --chaos, --power-cut, --data-dir, --drop, --delay, --events, --history, --seed, --json, --otlp, --allow-unknown, --cluster, --help, --version)',
	],
	[['bench', '--seconds', '0'], '--seconds must be an integer from 1 to 3600 (got 0)'],
];

for (const [args, message] of badArguments) {
	test(`\`vsr-tui ${args.join(' ')}\` exits 2 with one line: ${message}`, async (t) => {
		const result = await spawnCli(args);
		t.is(result.exitCode, 2);
		t.is(result.stdout, '');
		t.deepEqual(lines(result.stderr), [`vsr-tui: ${message}`]);
	});
}

// The dispatcher in-process, with a registry where some modes are built.

const globalFlags = {
	replicas: integerFlag({description: 'Number of replicas', min: 1, max: 9, default: 3}),
};

type Call = {mode: string; flags: Record<string, unknown>; input: readonly string[]};

function registry(calls: Call[]): Mode[] {
	return [
		defineMode(globalFlags, {
			name: 'operator',
			command: false,
			summary: 'Open the operator',
			example: '--replicas 5',
			flags: {
				theme: enumFlag({description: 'Colours', choices: ['dark', 'light'], default: 'dark'}),
			},
			async run({flags, input}) {
				calls.push({mode: 'operator', flags, input});
			},
		}),
		defineMode(globalFlags, {
			name: 'sim',
			command: true,
			summary: 'Simulate a cluster',
			example: 'sim --seed 42',
			flags: {
				seed: integerFlag({description: 'PRNG seed', min: 0, max: 2 ** 32 - 1}),
				dropRate: rateFlag({description: 'Share of messages dropped', default: 0}),
				verbose: booleanFlag({description: 'Say more'}),
			},
			async run({flags, input}) {
				calls.push({mode: 'sim', flags, input});
				return flags.seed === 13 ? 1 : 0;
			},
		}),
	];
}

async function dispatch(argv: string[]) {
	const calls: Call[] = [];
	const stdout = captureStream();
	const stderr = captureStream();
	const code = await runCli({
		programName: 'vsr-tui',
		version: '9.9.9',
		description: 'Test description',
		argv,
		globalFlags,
		modes: registry(calls),
		stdout,
		stderr,
	});
	return {code, calls, stdout: stdout.text(), stderr: stderr.text()};
}

test('help lists the modes with an example each', async (t) => {
	const {code, stdout} = await dispatch(['--help']);
	t.is(code, 0);
	t.regex(stdout, /\$ vsr-tui \[flags\] <command> \[command flags\]/v);
	t.regex(stdout, /operator \(no command\) {2}Open the operator/v);
	t.regex(stdout, /Example: \$ vsr-tui --replicas 5/v);
	t.regex(stdout, /sim {2}Simulate a cluster/v);
	t.regex(
		stdout,
		/--drop-rate RATE\s+Share of messages dropped: a number from 0 to 1 \(default 0\)/v,
	);
	t.regex(stdout, /Example: \$ vsr-tui sim --seed 42/v);
});

test('a sub-command has its own help', async (t) => {
	const {code, stdout, calls} = await dispatch(['sim', '--help']);
	t.is(code, 0);
	t.deepEqual(calls, []);
	t.regex(stdout, /\$ vsr-tui sim \[flags\]/v);
	t.regex(stdout, /--seed N\s+PRNG seed: an integer from 0 to 4294967295\n/v);
	t.regex(stdout, /Global flags\n\s+--replicas N/v);
});

test('the operator runs with no sub-command, with defaults applied', async (t) => {
	const {code, calls, stderr} = await dispatch(['--theme', 'light']);
	t.is(stderr, '');
	t.is(code, 0);
	t.deepEqual(calls, [{mode: 'operator', flags: {replicas: 3, theme: 'light'}, input: []}]);
});

test('a sub-command gets its flags and the global flags, before or after it', async (t) => {
	const before = await dispatch(['--replicas', '5', 'sim', '--seed', '7', '--drop-rate', '.25']);
	t.is(before.stderr, '');
	t.deepEqual(before.calls, [
		{mode: 'sim', flags: {replicas: 5, seed: 7, dropRate: 0.25, verbose: false}, input: []},
	]);
	const after = await dispatch(['sim', '--verbose', '--replicas=1']);
	t.deepEqual(after.calls, [
		{mode: 'sim', flags: {replicas: 1, seed: undefined, dropRate: 0, verbose: true}, input: []},
	]);
});

test('a mode returns its exit code', async (t) => {
	const {code} = await dispatch(['sim', '--seed', '13']);
	t.is(code, 1);
});

const badDispatch: Array<[string[], string]> = [
	[['sim', '--drop-rate', '1.5'], '--drop-rate must be a number from 0 to 1 (got 1.5)'],
	[['sim', '--seed', '-3'], '--seed must be an integer from 0 to 4294967295 (got -3)'],
	[['--theme', 'blue'], '--theme must be one of: dark, light (got blue)'],
	[['sim', '--verbose=loud'], '--verbose takes no value (got loud)'],
	[
		['--replicas', '2', 'sim', '--replicas', '3'],
		'--replicas was given 2 times (give it once: an integer from 1 to 9)',
	],
	[['sim', '--verbose', '--verbose'], '--verbose was given 2 times (give it once)'],
	[
		['sim', '--bogus'],
		'unknown flag --bogus (expected one of: --replicas, --seed, --drop-rate, --verbose, --help, --version)',
	],
	[['sim', 'extra'], 'unexpected argument "extra" ("sim" takes flags only)'],
	[['--theme', 'dark', 'sim'], '--theme applies to the operator only, not to "sim"'],
	[['nope'], 'unknown command "nope" (expected one of: sim)'],
];

for (const [argv, message] of badDispatch) {
	test(`in-process \`${argv.join(' ')}\` is a usage error: ${message}`, async (t) => {
		const {code, calls, stdout, stderr} = await dispatch(argv);
		t.is(code, 2);
		t.deepEqual(calls, []);
		t.is(stdout, '');
		t.is(stderr, `vsr-tui: ${message}\n`);
	});
}

test('flag helpers reject definitions outside their own range', (t) => {
	t.throws(() => integerFlag({description: 'x', min: 1, max: 9, default: 10}), {
		instanceOf: TypeError,
	});
	t.throws(() => rateFlag({description: 'x', default: 2}), {instanceOf: TypeError});
	// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- a wrong default on purpose
	t.throws(() => enumFlag({description: 'x', choices: ['a'], default: 'b' as 'a'}), {
		instanceOf: TypeError,
	});
});

test('readFlags accepts the edges of each range', (t) => {
	const specs = {
		n: integerFlag({description: 'n', min: 1, max: 9}),
		rate: rateFlag({description: 'rate'}),
		mode: enumFlag({description: 'mode', choices: ['a', 'b']}),
	};
	const raw = (n: string, rate: string, mode: string) => ({
		values: {n: [n], rate: [rate], mode: [mode]},
		occurrences: {n: 1, rate: 1, mode: 1},
	});
	t.deepEqual(readFlags(specs, raw('1', '0', 'a')), {n: 1, rate: 0, mode: 'a'});
	t.deepEqual(readFlags(specs, raw('9', '1', 'b')), {n: 9, rate: 1, mode: 'b'});
	t.deepEqual(readFlags(specs, raw('+5', '1e-3', 'b')), {n: 5, rate: 0.001, mode: 'b'});
	t.throws(() => readFlags(specs, raw('10', '0', 'a')), {instanceOf: UsageError});
	t.throws(() => readFlags(specs, raw('1', '1.01', 'a')), {instanceOf: UsageError});
	t.throws(() => readFlags(specs, raw('1', 'NaN', 'a')), {instanceOf: UsageError});
	t.throws(() => readFlags(specs, raw('1', '0', 'c')), {instanceOf: UsageError});
	t.deepEqual(readFlags(specs, {values: {}, occurrences: {}}), {
		n: undefined,
		rate: undefined,
		mode: undefined,
	});
});
