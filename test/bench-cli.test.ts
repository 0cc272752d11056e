import test from 'ava';
import {parseJson} from './fixtures/cluster.js';
import {lines, spawnCli} from './helpers/cli.js';

// Bench figures belong in `npm run bench`; here only the mode's contract is checked, never a speed.

test('bench --json prints one object with exactly the documented fields', async (t) => {
	const result = await spawnCli(['bench', '--seconds', '1', '--clients', '8', '--json'], {
		timeout: 180_000,
	});
	t.is(result.exitCode, 0, `${String(result.stderr)}`);
	const output = lines(result.stdout);
	t.is(output.length, 1);
	const bench = parseJson<{
		ops_per_s: number;
		ceiling_ops_per_s: number;
		ratio: number;
		latency_ms: Record<string, number>;
	}>(output[0]!);
	t.deepEqual(Object.keys(bench), ['ops_per_s', 'ceiling_ops_per_s', 'ratio', 'latency_ms']);
	t.true(bench.ops_per_s > 0);
	t.true(bench.ceiling_ops_per_s > 0);
	// The rates are printed rounded, so their quotient may differ from the ratio in the last digit.
	t.true(Math.abs(bench.ratio - bench.ops_per_s / bench.ceiling_ops_per_s) < 0.002);
	t.deepEqual(Object.keys(bench.latency_ms), ['p50', 'p99', 'max']);
});

test('bench without --json prints a readable report', async (t) => {
	const result = await spawnCli(['bench', '--replicas', '1', '--seconds', '1', '--clients', '2'], {
		timeout: 180_000,
	});
	t.is(result.exitCode, 0, `${String(result.stderr)}`);
	t.regex(String(result.stdout), /cluster: \d+ ops\/s/v);
	t.regex(String(result.stdout), /raw relay \(ceiling\): \d+ ops\/s/v);
	t.regex(String(result.stdout), /ratio: /v);
});

for (const [args, message] of [
	[['--seconds', '0'], /^vsr-tui: --seconds must be an integer from 1 to 3600 \(got 0\)$/v],
	[['--clients', '100000'], /--clients must be an integer from 1 to 4096/v],
	[['--replicas', '10'], /--replicas must be an integer from 1 to 9/v],
	[['--json=yes'], /--json takes no value/v],
	[['--crash', '1@5'], /^vsr-tui: unknown flag --crash/v],
] as Array<[string[], RegExp]>) {
	test(`bench ${args.join(' ')} exits 2 with one line`, async (t) => {
		const result = await spawnCli(['bench', ...args]);
		t.is(result.exitCode, 2);
		const errors = lines(result.stderr);
		t.is(errors.length, 1, `${String(result.stderr)}`);
		t.regex(errors[0]!, message);
	});
}
