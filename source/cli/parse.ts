import process from 'node:process';
import meow from 'meow';
import {type FlagSpecs, type RawFlags, UsageError, flagName, showValue} from './flags.js';

/**
A wrapper around meow 14 that never prints and never exits.

meow reports an unknown flag or an unknown command on stderr in several lines
(plus the help text) and calls `process.exit(2)`. Here those calls are caught
while meow runs and turned into one `UsageError` line. Flags are declared to
meow as `isMultiple`, so a repeated flag comes back as an array instead of
throwing, and `readFlags` reports it. meow does not tell a flag given without
a value (`--replicas`) from an absent one, so the flag tokens are counted here.
*/

export type Tokenized = {
	/** The sub-command, when `commands` was given and one was found. */
	readonly command: string | undefined;
	/** The arguments after the command, or the positionals when there are no commands. */
	readonly input: readonly string[];
	readonly raw: RawFlags;
};

class MeowExit extends Error {
	constructor(readonly code: number) {
		super(`meow exited with ${code}`);
	}
}

function withoutValue(token: string): string {
	const equals = token.indexOf('=');
	return equals === -1 ? token : token.slice(0, equals);
}

/** The spellings of a flag key that the tokenizer accepts: kebab-case and the camelCase alias. */
function spellings(key: string): string[] {
	return [...new Set([flagName(key), key])];
}

/** How often each flag is named, and a check that switches carry no `=value`. */
function countOccurrences(tokens: readonly string[], specs: FlagSpecs): Record<string, number> {
	const counts: Record<string, number> = {};
	const separator = tokens.indexOf('--');
	const flagTokens = (separator === -1 ? tokens : tokens.slice(0, separator)).filter((token) =>
		token.startsWith('--'),
	);
	for (const [key, spec] of Object.entries(specs)) {
		const names = new Set(spellings(key).flatMap((name) => [`--${name}`, `--no-${name}`]));
		const mine = flagTokens.filter((token) => names.has(withoutValue(token)));
		counts[key] = mine.length;
		const inline = mine.find((token) => token.includes('='));
		if (spec.type === 'boolean' && inline !== undefined) {
			// Yargs reads `--verbose=loud` as true; a switch takes no value.
			const value = inline.slice(inline.indexOf('=') + 1);
			throw new UsageError(`--${flagName(key)} takes no value (got ${showValue(value)})`);
		}
	}

	return counts;
}

function knownFlag(token: string, specs: FlagSpecs): boolean {
	const name = withoutValue(token).replace(/^--(?:no-)?/v, '');
	return Object.keys(specs).some((key) => spellings(key).includes(name));
}

function translate(
	messages: readonly string[],
	specs: FlagSpecs,
	commands: readonly string[] | undefined,
): UsageError {
	const lines = messages.flatMap((message) => message.split('\n')).map((line) => line.trim());
	const commandLine = lines.find((line) => line.startsWith('Unknown command: '));
	if (commandLine !== undefined) {
		const command = commandLine.slice('Unknown command: '.length);
		return new UsageError(
			`unknown command ${JSON.stringify(command)} (expected one of: ${(commands ?? []).join(', ')})`,
		);
	}

	if (lines.some((line) => /^Unknown flags?$/v.test(line))) {
		const reported = lines.filter((line) => line.startsWith('-'));
		const flag = reported.find((token) => !knownFlag(token, specs)) ?? reported[0] ?? '';
		const valid = Object.keys(specs)
			.map((key) => `--${flagName(key)}`)
			.join(', ');
		return new UsageError(`unknown flag ${withoutValue(flag)} (expected one of: ${valid})`);
	}

	return new UsageError(lines.filter(Boolean).join('; ') || 'invalid arguments');
}

/** Run `parse` with meow's exits and prints captured. */
function captured<T>(parse: () => T): {ok: true; value: T} | {ok: false; messages: string[]} {
	const messages: string[] = [];
	const {exit} = process;
	const {error, log} = console;
	process.exit = (code?: number | string | null): never => {
		throw new MeowExit(Number(code ?? 0));
	};

	console.error = (...parts: unknown[]) => {
		messages.push(parts.map(String).join(' '));
	};

	console.log = () => {
		// meow prints its help after an unknown command; the caller words its own error.
	};

	try {
		return {ok: true, value: parse()};
	} catch (error_: unknown) {
		if (error_ instanceof MeowExit) {
			return {ok: false, messages};
		}

		throw error_;
	} finally {
		process.exit = exit;
		console.error = error;
		console.log = log;
	}
}

/**
Tokenize `argv` with meow. With `commands`, parsing stops at the first
non-flag, which must be one of them; the rest is returned as `input`.
Throws `UsageError` for an unknown flag or command.
*/
export function tokenize(options: {
	readonly argv: readonly string[];
	readonly flags: FlagSpecs;
	readonly commands?: readonly string[];
	readonly programName: string;
}): Tokenized {
	const {argv, flags, commands, programName} = options;
	const meowFlags = Object.fromEntries(
		Object.entries(flags).map(([key, spec]) => [key, {type: spec.type, isMultiple: true}] as const),
	);
	const result = captured(() =>
		meow({
			importMeta: import.meta,
			pkg: {name: programName},
			argv: [...argv],
			flags: meowFlags,
			...(commands === undefined || commands.length === 0 ? {} : {commands: [...commands]}),
			allowUnknownFlags: false,
			autoHelp: false,
			autoVersion: false,
			// No default for booleans, so an absent switch is an empty array like any other flag.
			booleanDefault: undefined,
			description: false,
		}),
	);
	if (!result.ok) {
		throw translate(result.messages, flags, commands);
	}

	const {command, input} = result.value;
	const values: Record<string, readonly unknown[]> = {};
	for (const key of Object.keys(flags)) {
		const value: unknown = (result.value.flags as Record<string, unknown>)[key];
		values[key] = Array.isArray(value) ? value : value === undefined ? [] : [value];
	}

	// With commands, only the tokens before the command are this parse's flags.
	const own = command === undefined ? argv : argv.slice(0, argv.length - input.length - 1);
	return {
		command,
		input: input.map(String),
		raw: {values, occurrences: countOccurrences(own, flags)},
	};
}

/** Add up what two parses saw, so a flag given before and after the command counts twice. */
export function mergeRaw(a: RawFlags, b: RawFlags): RawFlags {
	const values: Record<string, readonly unknown[]> = {...a.values};
	const occurrences: Record<string, number> = {...a.occurrences};
	for (const [key, list] of Object.entries(b.values)) {
		values[key] = [...(values[key] ?? []), ...list];
	}

	for (const [key, count] of Object.entries(b.occurrences)) {
		occurrences[key] = (occurrences[key] ?? 0) + count;
	}

	return {values, occurrences};
}
