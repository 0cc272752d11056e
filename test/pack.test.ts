import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import process from 'node:process';
import test, {type ExecutionContext} from 'ava';
import {execa} from 'execa';
import {lines, readPackageJson} from './helpers/cli.js';
import {repoRoot} from './helpers/paths.js';

/**
The package as a user gets it: `npm pack`, install the tarball into an empty
project, run the bin through npx. The build (npm test builds first) must be
in dist/ already.
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

async function temporaryDirectory(t: ExecutionContext, prefix: string): Promise<string> {
	const directory = await mkdtemp(path.join(tmpdir(), prefix));
	t.teardown(async () => rm(directory, {recursive: true, force: true}));
	return directory;
}

async function pack(arguments_: readonly string[]): Promise<PackInfo> {
	const {stdout} = await execa('npm', ['pack', '--json', ...arguments_], {
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

test('the package holds only what runs: the compiled CLI and sources, no tests', async (t) => {
	const {files} = await pack(['--dry-run']);
	const paths = files.map((file) => file.path).toSorted();
	const allowed = (file: string) =>
		['package.json', 'readme.md', 'license'].includes(file.toLowerCase()) ||
		file === 'dist/cli.js' ||
		/^dist\/source\/.+\.js$/v.test(file);
	t.deepEqual(
		paths.filter((file) => !allowed(file)),
		[],
	);
	t.true(paths.includes('dist/cli.js'));
	t.true(paths.includes('package.json'));
	t.true(paths.includes('readme.md'));
	t.true(paths.some((file) => file.startsWith('dist/source/cli/')));
	t.false(paths.some((file) => file.startsWith('dist/test/')));
});

test('the packed tarball installs into an empty project and runs as `npx vsr-tui`', async (t) => {
	t.timeout(10 * 60_000, 'npm pack, npm install and npx');
	const packDirectory = await temporaryDirectory(t, 'vsr-tui-pack-');
	const projectDirectory = await temporaryDirectory(t, 'vsr-tui-install-');

	const {filename} = await pack(['--pack-destination', packDirectory]);
	const tarball = path.join(packDirectory, path.basename(filename));

	await writeFile(
		path.join(projectDirectory, 'package.json'),
		`${JSON.stringify({name: 'vsr-tui-pack-test', version: '1.0.0', private: true})}\n`,
	);
	await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
		...npmOptions,
		cwd: projectDirectory,
		timeout: 8 * 60_000,
	});

	// `--no`: use the installed bin, never fetch a package of that name. `--`: without it, npx
	// reads `--no vsr-tui --version` as its own --version.
	const npx = async (arguments_: readonly string[]) =>
		execa('npx', ['--no', '--', 'vsr-tui', ...arguments_], {
			...npmOptions,
			cwd: projectDirectory,
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
