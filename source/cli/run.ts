import {
	type FlagSpecs,
	type RawFlags,
	UsageError,
	booleanFlag,
	flagName,
	readFlags,
} from './flags.js';
import {renderHelp, renderModeHelp} from './help.js';
import type {Mode} from './modes.js';
import {mergeRaw, tokenize} from './parse.js';

/**
Parse the command line, pick the mode from the registry and run it. Every
mistake in the command line ends as one stderr line
`<program>: <problem and valid range>` and exit code 2.
*/

export type CliOptions = {
	readonly programName: string;
	readonly version: string;
	/** First line of --help. */
	readonly description: string;
	/** The arguments after `node cli.js`. */
	readonly argv: readonly string[];
	/** Flags every mode accepts; `--help` and `--version` are added here. */
	readonly globalFlags: FlagSpecs;
	/** The registry: at most one mode with `command: false` (the operator). */
	readonly modes: readonly Mode[];
	readonly stdout: NodeJS.WritableStream;
	readonly stderr: NodeJS.WritableStream;
};

const builtinFlags = {
	help: booleanFlag({description: 'Show this help and exit'}),
	version: booleanFlag({description: 'Print the version and exit'}),
};

const asked = (raw: RawFlags, key: keyof typeof builtinFlags): boolean =>
	(raw.values[key] ?? []).includes(true);

function only(raw: RawFlags, keys: readonly string[]): RawFlags {
	const pick = <T>(record: Readonly<Record<string, T>>) =>
		Object.fromEntries(Object.entries(record).filter(([key]) => keys.includes(key)));
	return {values: pick(raw.values), occurrences: pick(raw.occurrences)};
}

function withoutBuiltins(values: Record<string, unknown>): Record<string, unknown> {
	const {help, version, ...rest} = values;
	return rest;
}

async function runMode(
	options: CliOptions,
	mode: Mode,
	flags: Record<string, unknown>,
	input: readonly string[],
): Promise<number> {
	if (input.length > 0 && mode.inputUsage === undefined) {
		throw new UsageError(
			`unexpected argument ${JSON.stringify(input[0])} ("${mode.name}" takes flags only)`,
		);
	}

	const code = await mode.run({
		flags: withoutBuiltins(flags),
		input,
		stdout: options.stdout,
		stderr: options.stderr,
	});
	return code ?? 0;
}

async function dispatch(options: CliOptions): Promise<number> {
	const {programName, globalFlags, modes, stdout} = options;
	const operator = modes.find((mode) => !mode.command);
	const commandModes = modes.filter((mode) => mode.command);
	const operatorFlags: FlagSpecs = operator?.flags ?? {};
	const firstSpecs = {...globalFlags, ...operatorFlags, ...builtinFlags};
	const first = tokenize({
		argv: options.argv,
		flags: firstSpecs,
		commands: commandModes.map((mode) => mode.name),
		programName,
	});

	if (asked(first.raw, 'help')) {
		stdout.write(`${renderHelp({...options, globalFlags: {...globalFlags, ...builtinFlags}})}\n`);
		return 0;
	}

	if (asked(first.raw, 'version')) {
		stdout.write(`${options.version}\n`);
		return 0;
	}

	const firstValues = readFlags(firstSpecs, first.raw);

	if (first.command === undefined) {
		if (operator === undefined) {
			throw new UsageError(
				`a command is needed (one of: ${commandModes.map((mode) => mode.name).join(', ')})`,
			);
		}

		return runMode(options, operator, firstValues, first.input);
	}

	const mode = commandModes.find((candidate) => candidate.name === first.command);
	if (mode === undefined) {
		// Meow only returns a command from the list it was given.
		throw new Error(`Command ${first.command} is missing from the registry`);
	}

	for (const key of Object.keys(operatorFlags)) {
		if (!(key in globalFlags) && (first.raw.occurrences[key] ?? 0) > 0) {
			throw new UsageError(
				`--${flagName(key)} applies to the operator only, not to "${mode.name}"`,
			);
		}
	}

	const modeSpecs = {...globalFlags, ...mode.flags, ...builtinFlags};
	const second = tokenize({argv: first.input, flags: modeSpecs, programName});
	if (asked(second.raw, 'help')) {
		stdout.write(
			`${renderModeHelp({programName, globalFlags: {...globalFlags, ...builtinFlags}, mode})}\n`,
		);
		return 0;
	}

	if (asked(second.raw, 'version')) {
		stdout.write(`${options.version}\n`);
		return 0;
	}

	// Global flags may come before or after the command, but only once in all.
	const merged = mergeRaw(only(first.raw, Object.keys(globalFlags)), second.raw);
	return runMode(options, mode, readFlags(modeSpecs, merged), second.input);
}

/** Resolves to the exit code. Errors other than usage errors are bugs and propagate. */
export async function runCli(options: CliOptions): Promise<number> {
	try {
		return await dispatch(options);
	} catch (error: unknown) {
		if (error instanceof UsageError) {
			const line = error.message.replaceAll(/\s*\n\s*/gv, '; ');
			options.stderr.write(`${options.programName}: ${line}\n`);
			return 2;
		}

		throw error;
	}
}
