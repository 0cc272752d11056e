import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import process from 'node:process';
import test from 'ava';
import {execa} from 'execa';
import {lines, readPackageJson} from './helpers/cli.js';
import {repoRoot} from './helpers/paths.js';

/**
The package as a user gets it: `npm pack`, install the tarball into an empty project (once for
this file), then run the bin through npx, and import every entry point from a strict TypeScript
file (`moduleResolution: node16`) and from plain JavaScript. The build (npm test builds first)
must be in dist/ already.
*/

type PackInfo = {filename: string; files: Array<{path: string}>};

// npm passes its own settings to scripts in the environment (npm_config_local_prefix
// names this repository, for one); the npm run here must see only the machine's settings.
const environment = Object.fromEntries(
	Object.entries(process.env).filter(
		([key]) =>
			!/^npm_(?:package_|lifecycle_|config_local_prefix$|config_call$|command$)/iv.test(key) &&
			key !== 'INIT_CWD',
	),
);

const npmOptions = {env: environment, extendEnv: false, stdin: 'ignore'} as const;

const directories: string[] = [];
test.after.always(async () => {
	await Promise.all(
		directories.map(async (directory) => rm(directory, {recursive: true, force: true})),
	);
});

async function temporaryDirectory(prefix: string): Promise<string> {
	const directory = await mkdtemp(path.join(tmpdir(), prefix));
	directories.push(directory);
	return directory;
}

async function pack(destination: string): Promise<PackInfo> {
	const {stdout} = await execa('npm', ['pack', '--json', '--pack-destination', destination], {
		...npmOptions,
		cwd: repoRoot,
		timeout: 120_000,
	});
	// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- npm pack --json's documented shape
	const [info] = JSON.parse(stdout) as PackInfo[];
	if (info === undefined) {
		throw new Error(`npm pack printed no package: ${stdout}`);
	}

	return info;
}

/** Packs and installs once; every test of this file uses the same project. */
const installed = (async () => {
	const packDirectory = await temporaryDirectory('vsr-tui-pack-');
	const project = await temporaryDirectory('vsr-tui-install-');
	const info = await pack(packDirectory);
	await writeFile(
		path.join(project, 'package.json'),
		`${JSON.stringify({name: 'vsr-tui-pack-test', version: '1.0.0', private: true, type: 'module'})}\n`,
	);
	// The types a TypeScript user has anyway, from the versions this repository uses.
	const typesNode = `@types/node@${readPackageJson().devDependencies['@types/node']}`;
	await execa(
		'npm',
		[
			'install',
			'--no-audit',
			'--no-fund',
			'--prefer-offline',
			path.join(packDirectory, path.basename(info.filename)),
			typesNode,
		],
		{...npmOptions, cwd: project, timeout: 8 * 60_000},
	);
	return {info, project};
})();

// Attach a handler now, so that a failed install fails the tests that wait for it, not the file.
installed.catch(() => undefined);

test('the package holds only what runs and its types: the compiled CLI and sources, no tests', async (t) => {
	t.timeout(10 * 60_000, 'npm pack and npm install');
	const {info} = await installed;
	const {files} = info;
	const paths = files.map((file) => file.path).toSorted();
	const allowed = (file: string) =>
		['package.json', 'readme.md', 'license', 'changelog.md'].includes(file.toLowerCase()) ||
		file === 'dist/cli.js' ||
		/^dist\/source\/.+\.(?:js|d\.ts)$/v.test(file);
	t.deepEqual(
		paths.filter((file) => !allowed(file)),
		[],
	);
	for (const file of ['dist/cli.js', 'package.json', 'readme.md', 'CHANGELOG.md']) {
		t.true(paths.includes(file), `${file} is in the package`);
	}

	for (const entry of ['', 'telemetry/', 'sim/', 'cluster/', 'otel/']) {
		t.true(paths.includes(`dist/source/${entry}index.js`), `${entry}index.js`);
		t.true(paths.includes(`dist/source/${entry}index.d.ts`), `${entry}index.d.ts`);
	}

	t.false(paths.some((file) => file.startsWith('dist/test/') || file.startsWith('dist/examples/')));
});

test('the packed tarball installs into an empty project and runs as `npx vsr-tui`', async (t) => {
	t.timeout(10 * 60_000, 'npm pack, npm install and npx');
	const {project} = await installed;
	// `--no`: use the installed bin, never fetch a package of that name. `--`: without it, npx
	// reads `--no vsr-tui --version` as its own --version.
	const npx = async (arguments_: readonly string[]) =>
		execa('npx', ['--no', '--', 'vsr-tui', ...arguments_], {
			...npmOptions,
			cwd: project,
			timeout: 60_000,
			reject: false,
		});

	const version = await npx(['--version']);
	t.is(version.exitCode, 0, `stderr: ${String(version.stderr)}`);
	t.is(version.stdout, readPackageJson().version);

	const help = await npx(['--help']);
	t.is(help.exitCode, 0, `stderr: ${String(help.stderr)}`);
	t.regex(String(help.stdout), /Usage\n\s+\$ vsr-tui \[flags\]/v);
	t.regex(String(help.stdout), /--replicas N/v);

	const bad = await npx(['--replicas', '12']);
	t.is(bad.exitCode, 2);
	t.deepEqual(lines(bad.stderr), ['vsr-tui: --replicas must be an integer from 1 to 9 (got 12)']);
});

/**
One use of each entry point, the same in TypeScript and in JavaScript: a replica answers a
request, the telemetry bus and its serialization, a simulation under faults with its checks, a
process cluster of one replica, and the OpenTelemetry bridge making a real span.
*/
const useEveryEntry = (typed: boolean) => {
	const as = (type: string) => (typed ? `: ${type}` : '');
	return `import {Replica, type Send, validate} from 'vsr-tui';
import {Telemetry, VsrTelemetry, channelName, events, serializeEvent, vsrEventName} from 'vsr-tui/telemetry';
import {Simulation, checkLinearizable, type SimulationResult} from 'vsr-tui/sim';
import {ProcessCluster, type RequestOutcome} from 'vsr-tui/cluster';
import {createOtelBridge} from 'vsr-tui/otel';
import {BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor} from '@opentelemetry/sdk-trace-base';

const bus = new Telemetry();
const seen${as('string[]')} = [];
bus.attach('seen', vsrEventName(events.clientRequestStop), (event, measurements, metadata) => {
	seen.push(serializeEvent(event, measurements, metadata));
});
const spans = new InMemorySpanExporter();
const provider = new BasicTracerProvider({spanProcessors: [new SimpleSpanProcessor(spans)]});
const bridge = createOtelBridge({telemetry: bus, tracer: provider.getTracer('pack-test')});
const replica = new Replica({id: 0, replicaCount: 1, telemetry: new VsrTelemetry(bus)});
const request = validate({type: 'request', clientId: 1, requestNumber: 1, operation: {op: 'put', key: 'k', value: 'v'}}, {replicaCount: 1});
const sends${as('Send[]')} = replica.onMessage(request);
bridge.close();

const result${as('SimulationResult')} = new Simulation({seed: 1, replicas: 3, ops: 50, faults: 'light'}).run();
const cluster = await ProcessCluster.start({replicas: 1});
let outcome${as('RequestOutcome')};
try {
	outcome = await cluster.submit({op: 'put', key: 'x', value: '1'});
} finally {
	await cluster.stop();
}

console.log(JSON.stringify({
	reply: sends[0]?.message,
	seen: seen.length,
	channel: channelName(vsrEventName(events.prepareSent)),
	spans: spans.getFinishedSpans().map((span) => span.name).sort(),
	violation: result.violation ?? null,
	acked: result.acked,
	linearizable: checkLinearizable(result.history).ok,
	cluster: outcome.result,
}));
`;
};

const expected = {
	reply: {type: 'reply', view: 0, clientId: 1, requestNumber: 1, result: {ok: true, value: 'ok'}},
	seen: 1,
	channel: 'vsr.protocol.prepare.sent',
	spans: ['vsr.leadership', 'vsr.protocol.client_request'],
	violation: null,
	acked: 50,
	linearizable: true,
	cluster: {ok: true, value: 'ok'},
};

test('every entry point imports and works from a strict TypeScript file (moduleResolution node16)', async (t) => {
	t.timeout(10 * 60_000, 'npm pack, npm install, tsc');
	const {project} = await installed;
	await writeFile(path.join(project, 'use.ts'), useEveryEntry(true));
	await writeFile(
		path.join(project, 'tsconfig.json'),
		JSON.stringify({
			compilerOptions: {
				strict: true,
				module: 'node16',
				moduleResolution: 'node16',
				target: 'es2022',
				lib: ['es2023'],
				types: ['node'],
				outDir: 'out',
				// The declarations that ship are checked too (other packages' are theirs).
				skipLibCheck: false,
			},
			files: ['use.ts'],
		}),
	);
	const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
	const compiled = await execa('node', [tsc, '-p', project], {cwd: project, reject: false});
	t.is(compiled.exitCode, 0, `tsc: ${String(compiled.stdout)}`);
	const run = await execa('node', ['out/use.js'], {cwd: project, timeout: 60_000, reject: false});
	t.is(run.exitCode, 0, `stderr: ${String(run.stderr)}`);
	t.deepEqual(JSON.parse(String(run.stdout)), expected);

	// A type error in the user's code is caught: the types are real, not `any`.
	await writeFile(
		path.join(project, 'wrong.ts'),
		"import {Replica} from 'vsr-tui';\nconst replica: Replica = new Replica({id: 'zero', replicaCount: 1});\nexport {replica};\n",
	);
	const wrong = await execa(
		'node',
		[tsc, '--noEmit', '--strict', '--module', 'node16', 'wrong.ts'],
		{
			cwd: project,
			reject: false,
		},
	);
	t.regex(
		String(wrong.stdout),
		/wrong\.ts\(2,39\): error TS2322: Type 'string' is not assignable to type 'number'/v,
	);
});

test('every entry point imports and works from plain JavaScript; internals are not reachable', async (t) => {
	t.timeout(10 * 60_000, 'npm pack and npm install');
	const {project} = await installed;
	await writeFile(
		path.join(project, 'use.js'),
		useEveryEntry(false).replaceAll(/, type \w+/gv, ''),
	);
	const run = await execa('node', ['use.js'], {cwd: project, timeout: 60_000, reject: false});
	t.is(run.exitCode, 0, `stderr: ${String(run.stderr)}`);
	t.deepEqual(JSON.parse(String(run.stdout)), expected);

	for (const deep of [
		'vsr-tui/dist/source/vsr/replica.js',
		'vsr-tui/source/vsr/replica',
		'vsr-tui/vsr',
	]) {
		const attempt = await execa(
			'node',
			['--input-type=module', '-e', `await import(${JSON.stringify(deep)})`],
			{
				cwd: project,
				reject: false,
			},
		);
		t.not(attempt.exitCode, 0, `import('${deep}')`);
		t.regex(String(attempt.stderr), /ERR_PACKAGE_PATH_NOT_EXPORTED/v, `import('${deep}')`);
	}
});
