import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {repoRoot} from './helpers/paths.js';

/** The import specifiers of every TypeScript file in a source folder. */
function importsOf(folder: string): Array<{file: string; from: string}> {
	const directory = path.join(repoRoot, 'source', folder);
	return readdirSync(directory)
		.filter((name) => /\.tsx?$/v.test(name))
		.flatMap((name) => {
			const text = readFileSync(path.join(directory, name), 'utf8');
			return [...text.matchAll(/^(?:import|export)[^;]*?from '([^']+)'/gmv)].map((match) => ({
				file: `${folder}/${name}`,
				from: match[1]!,
			}));
		});
}

const layerOf = (from: string): string | undefined => /^\.\.\/(\w+)\//v.exec(from)?.[1];

test('the protocol core does no I/O and knows nothing above it', (t) => {
	const imports = importsOf('vsr');
	t.true(imports.length > 10);
	for (const {file, from} of imports) {
		t.false(from.startsWith('node:'), `${file} imports ${from}`);
		t.false(['ink', 'react', 'execa', 'meow'].includes(from), `${file} imports ${from}`);
		const layer = layerOf(from);
		t.true(layer === undefined || layer === 'telemetry', `${file} imports ${from}`);
	}

	for (const name of readdirSync(path.join(repoRoot, 'source', 'vsr'))) {
		const text = readFileSync(path.join(repoRoot, 'source', 'vsr', name), 'utf8');
		for (const banned of [
			'Math.random',
			'Date.now',
			'performance.now',
			'setTimeout',
			'setInterval',
			'process.',
		]) {
			t.false(text.includes(banned), `source/vsr/${name} uses ${banned}`);
		}
	}
});

test('telemetry and the flag checks depend on nothing of ours', (t) => {
	for (const {file, from} of [...importsOf('telemetry'), ...importsOf('cli')]) {
		t.is(layerOf(from), undefined, `${file} imports ${from}`);
	}
});

test('no layer reaches upward, and the two drivers import nothing from each other', (t) => {
	const forbidden: Record<string, string[]> = {
		check: ['sim', 'cluster', 'ui', 'tcp'],
		net: ['sim', 'cluster', 'ui', 'tcp'],
		// Siblings: what both drivers use lives in check/ (history, checker, command mix) and net/
		// (the network model, the messages in flight, the round scheduler).
		sim: ['cluster', 'ui', 'tcp', 'lessons'],
		cluster: ['sim', 'ui', 'tcp', 'lessons'],
		// Replica servers over TCP: a host of the core beside the process cluster, which it may
		// borrow from (histograms, the bench's IPC half) but which knows nothing of it.
		tcp: ['sim', 'ui', 'lessons'],
		// Lessons drive the process cluster; the screen shows them.
		lessons: ['sim', 'ui', 'tcp'],
	};
	for (const [folder, layers] of Object.entries(forbidden)) {
		const imports = importsOf(folder);
		t.true(imports.length > 0, `source/${folder} has imports to check`);
		for (const {file, from} of imports) {
			const layer = layerOf(from);
			t.false(layer !== undefined && layers.includes(layer), `${file} imports ${from}`);
		}
	}
});

test('storage stands on the core alone, and the core and the checker know nothing of it', (t) => {
	const imports = importsOf('storage');
	t.true(imports.length > 0);
	for (const {file, from} of imports) {
		const layer = layerOf(from);
		t.true(layer === undefined || layer === 'vsr', `${file} imports ${from}`);
	}

	for (const {file, from} of [
		...importsOf('vsr'),
		...importsOf('check'),
		...importsOf('telemetry'),
	]) {
		t.not(layerOf(from), 'storage', `${file} imports ${from}`);
	}
});

test('the checker stands on the core alone', (t) => {
	for (const {file, from} of importsOf('check')) {
		const layer = layerOf(from);
		t.true(layer === undefined || layer === 'vsr', `${file} imports ${from}`);
	}
});

test('the network and the scheduler stand on the core alone', (t) => {
	const imports = importsOf('net');
	t.true(imports.length > 0);
	for (const {file, from} of imports) {
		const layer = layerOf(from);
		t.true(layer === undefined || layer === 'vsr', `${file} imports ${from}`);
		t.false(from.startsWith('node:'), `${file} imports ${from}: no I/O, no clock`);
	}
});

test('the OpenTelemetry bridge stands on telemetry alone', (t) => {
	const imports = importsOf('otel');
	t.true(imports.length > 0);
	for (const {file, from} of imports) {
		const layer = layerOf(from);
		t.true(layer === undefined || layer === 'telemetry', `${file} imports ${from}`);
	}
});
