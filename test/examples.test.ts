import {readFileSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {execa} from 'execa';
import {lines} from './helpers/cli.js';
import {distDir, repoRoot} from './helpers/paths.js';

/**
The examples run as a user runs them: compiled, importing the package by its name (`vsr-tui`,
resolved through the exports map), and the readme's code blocks are taken from them.
*/

async function runExample(name: string, arguments_: readonly string[] = []) {
	return execa('node', [path.join(distDir, 'examples', `${name}.js`), ...arguments_], {
		timeout: 120_000,
		reject: false,
		stdin: 'ignore',
	});
}

test('every example imports the package by name, never by a path into it', (t) => {
	for (const name of ['bank-ledger', 'three-replicas', 'request-latencies']) {
		const source = readFileSync(path.join(repoRoot, 'examples', `${name}.ts`), 'utf8');
		const specifiers = [...source.matchAll(/^import .* from '([^']+)';$/gmv)].map(
			(match) => match[1],
		);
		t.true(
			specifiers.some((specifier) => specifier?.startsWith('vsr-tui')),
			`${name} imports vsr-tui`,
		);
		t.deepEqual(
			specifiers.filter((specifier) => specifier?.startsWith('.')),
			[],
			`${name} imports no relative path`,
		);
	}
});

test('bank-ledger: a ledger of your own stays linearizable under heavy faults', async (t) => {
	const result = await runExample('bank-ledger', ['4']);
	t.is(result.exitCode, 0, `stderr: ${String(result.stderr)}`);
	const output = lines(result.stdout);
	t.is(output[0], 'bank ledger: 3 replicas, heavy faults, 4 seeds of 200 operations');
	for (const [index, line] of output.slice(1, 5).entries()) {
		t.regex(
			line,
			new RegExp(
				String.raw`^seed ${index + 1}: linearizable, 200 ops committed, \d+ view changes, \d+ recoveries, \d+ faults$`,
				'v',
			),
		);
	}

	t.is(output.at(-1), 'ok: 4 of 4 runs linearizable');
	t.is(output.length, 6);
});

test('three-replicas: a host of its own transport gets replies, and a new primary when it loses one', async (t) => {
	const result = await runExample('three-replicas');
	t.is(result.exitCode, 0, `stderr: ${String(result.stderr)}`);
	const output = lines(result.stdout);
	t.deepEqual(output.slice(0, 4), [
		'put x=1 → ok',
		'append x+=2 → ok',
		'primary: replica 0, view 0; cutting it off',
		'get x → 12',
	]);
	const [, replica, view] = /^primary: replica (\d), view (\d+)$/v.exec(output[4] ?? '') ?? [];
	t.true(Number(view) >= 1, `${output[4] ?? 'no line 5'}`);
	t.is(Number(replica), Number(view) % 3, 'the primary of view v is v mod 3');
	t.not(Number(replica), 0, 'not the replica that was cut off');
	t.is(output.length, 5);
});

test('request-latencies: the handler prints each request as the primary timed it', async (t) => {
	const result = await runExample('request-latencies');
	t.is(result.exitCode, 0, `stderr: ${String(result.stderr)}`);
	const output = lines(result.stdout);
	t.deepEqual(
		output.map((line) => line.replace(/in \d+\.\d{3} ms$/v, 'in … ms')),
		[1, 2, 3, 4, 5].map((n) => `replica 0: client 1 request ${n} committed in … ms`),
	);
	for (const line of output) {
		const ms = Number(/in (\d+\.\d{3}) ms$/v.exec(line)?.[1]);
		t.true(ms > 0 && ms < 10_000, `${line}`);
	}
});

test("the readme's library code blocks are excerpts of the examples, line for line", (t) => {
	const readme = readFileSync(path.join(repoRoot, 'readme.md'), 'utf8');
	const start = readme.indexOf('## Use it as a library');
	t.not(start, -1);
	const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
	// A block is announced by a line naming its file: From [`examples/x.ts`](examples/x.ts):
	const blocks = [
		...section.matchAll(/\[`(examples\/[\w\-]+\.ts)`\]\([^\)]+\)[^\n]*\n\n```ts\n(.*?)\n```/gsv),
	];
	t.true(blocks.length >= 3, `${blocks.length} blocks from examples`);
	const named = new Set<string>();
	for (const [, file, block] of blocks) {
		named.add(file!);
		const source = readFileSync(path.join(repoRoot, file!), 'utf8');
		t.true(source.includes(block!), `the block from ${file} is in ${file}`);
	}

	t.deepEqual([...named].toSorted(), [
		'examples/bank-ledger.ts',
		'examples/request-latencies.ts',
		'examples/three-replicas.ts',
	]);
	t.is(section.split('```ts\n').length - 1, blocks.length, 'every ts block names its example');
});
