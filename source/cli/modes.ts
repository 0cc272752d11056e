import type {FlagSpecs, FlagValues} from './flags.js';

/**
A mode of the CLI: the operator (no sub-command) or a sub-command. cli.tsx
lists them in one registry, from which the dispatcher and --help read.
*/

export type ModeContext<S extends FlagSpecs> = {
	/** The global flags and the mode's own flags, validated, defaults applied. */
	readonly flags: FlagValues<S>;
	/** Positional arguments after the flags (only for modes that take them). */
	readonly input: readonly string[];
	readonly stdout: NodeJS.WritableStream;
	readonly stderr: NodeJS.WritableStream;
};

export type Mode<S extends FlagSpecs = FlagSpecs, G extends FlagSpecs = FlagSpecs> = {
	/** `operator` for the default mode, else the sub-command's name. */
	readonly name: string;
	/** Whether `name` is typed as a sub-command (false for the operator). */
	readonly command: boolean;
	/** One line for --help. */
	readonly summary: string;
	/** Arguments of one example invocation, after the program name. */
	readonly example: string;
	/** The mode's own flags; the global flags are accepted too. */
	readonly flags: S;
	/** Positional arguments the mode takes, e.g. `[FILE]`; absent means none. */
	readonly inputUsage?: string;
	/** Do the work; resolves to the exit code (0 when it returns nothing). */
	readonly run: (context: ModeContext<G & S>) => Promise<number | void>;
};

/**
Type a mode's `run` against the global flags and its own, and store it in the
registry: `defineMode(globalFlags, {name: 'sim', command: true, ...})`.
*/
export function defineMode<G extends FlagSpecs, S extends FlagSpecs>(
	_globalFlags: G,
	mode: Mode<S, G>,
): Mode {
	// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- run is only called with values read from G and S
	return mode as unknown as Mode;
}
