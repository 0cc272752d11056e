import {readFileSync} from 'node:fs';
import path from 'node:path';
import {Writable} from 'node:stream';
import {type Options, type Result, execa} from 'execa';
import {cliPath, repoRoot} from './paths.js';

export type PackageJson = {
	readonly name: string;
	readonly version: string;
	readonly bin: Readonly<Record<string, string>>;
	readonly files: readonly string[];
	readonly devDependencies: Readonly<Record<string, string>>;
	readonly exports: Readonly<
		Record<string, string | {readonly types?: string; readonly default: string}>
	>;
};

export function readPackageJson(): PackageJson {
	// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- our own package.json
	return JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as PackageJson;
}

/**
Run the compiled CLI (`node dist/cli.js ...args`) without a terminal and
resolve with its result, whatever the exit code.
*/
export async function spawnCli(args: readonly string[], options: Options = {}): Promise<Result> {
	return execa('node', [cliPath, ...args], {
		reject: false,
		timeout: 30_000,
		stdin: 'ignore',
		...options,
	});
}

/** The non-empty lines of a stream's output. */
export function lines(text: unknown): string[] {
	return String(text)
		.split('\n')
		.filter((line) => line.trim() !== '');
}

/** A writable stream that remembers what was written, for in-process CLI tests. */
export function captureStream(): Writable & {text: () => string} {
	const chunks: string[] = [];
	const stream = new Writable({
		write(chunk: Uint8Array | string, _encoding, callback) {
			chunks.push(String(chunk));
			callback();
		},
	});
	return Object.assign(stream, {text: () => chunks.join('')});
}
