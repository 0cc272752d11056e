/**
Flag specifications and their validation, shared by every mode of the CLI.

A spec says how a flag is parsed, what range is valid (phrased so it reads
after "must be"), its default, and how --help describes it. The meow wrapper
in `parse.ts` only tokenizes: every flag is declared to meow as `isMultiple`
with a plain type, so meow never throws on a repeated flag, and all value
checks happen here with one-line messages.
*/

/** A mistake in the command line: printed as one line, exit code 2. */
export class UsageError extends Error {
	override name = 'UsageError';
}

export type FlagSpec<T> = {
	/** How meow tokenizes the flag. */
	readonly type: 'string' | 'boolean';
	/** Placeholder for the value in --help, e.g. `N`; empty for booleans. */
	readonly valueName: string;
	readonly description: string;
	/** The valid range, phrased to follow "must be": `an integer from 1 to 9`. */
	readonly expected: string;
	readonly default: T;
	/** Parse one raw value; `undefined` means the value is invalid. */
	readonly parse: (raw: string) => {value: T} | undefined;
	/** May be given several times; the value is the list of every occurrence's (see `repeatableFlag`). */
	readonly repeatable?: boolean;
};

export type FlagSpecs = Record<string, FlagSpec<any>>;

export type FlagValues<S extends FlagSpecs> = {
	-readonly [K in keyof S]: S[K] extends FlagSpec<infer T> ? T : never;
};

/** What the tokenizer saw for each flag: its values and how often it was named. */
export type RawFlags = {
	readonly values: Readonly<Record<string, readonly unknown[]>>;
	readonly occurrences: Readonly<Record<string, number>>;
};

/** `dropRate` → `drop-rate`: the spelling users type. */
export function flagName(key: string): string {
	return key.replaceAll(/[A-Z]/gv, (letter) => `-${letter.toLowerCase()}`);
}

function assertDefinition(condition: boolean, message: string): asserts condition {
	if (!condition) {
		throw new TypeError(`Invalid flag definition: ${message}`);
	}
}

export function integerFlag<D extends number | undefined = undefined>(options: {
	readonly description: string;
	readonly min: number;
	readonly max: number;
	readonly default?: D;
	readonly valueName?: string;
}): FlagSpec<number | D> {
	const {min, max} = options;
	assertDefinition(
		Number.isSafeInteger(min) && Number.isSafeInteger(max) && min <= max,
		`integer range ${min}..${max}`,
	);
	assertDefinition(
		options.default === undefined ||
			(Number.isSafeInteger(options.default) && options.default >= min && options.default <= max),
		`default ${options.default} outside ${min}..${max}`,
	);
	return {
		type: 'string',
		valueName: options.valueName ?? 'N',
		description: options.description,
		expected: `an integer from ${min} to ${max}`,
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- D is undefined exactly when the default is omitted
		default: options.default as D,
		parse(raw) {
			if (!/^[+\-]?\d+$/v.test(raw)) {
				return undefined;
			}

			const value = Number(raw);
			return Number.isSafeInteger(value) && value >= min && value <= max ? {value} : undefined;
		},
	};
}

/** A probability or fraction: a decimal number from 0 to 1. */
export function rateFlag<D extends number | undefined = undefined>(options: {
	readonly description: string;
	readonly default?: D;
	readonly valueName?: string;
}): FlagSpec<number | D> {
	assertDefinition(
		options.default === undefined || (options.default >= 0 && options.default <= 1),
		`rate default ${options.default} outside 0..1`,
	);
	return {
		type: 'string',
		valueName: options.valueName ?? 'RATE',
		description: options.description,
		expected: 'a number from 0 to 1',
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- D is undefined exactly when the default is omitted
		default: options.default as D,
		parse(raw) {
			if (!/^(?:\d+\.?\d*|\.\d+)(?:e[+\-]?\d+)?$/iv.test(raw)) {
				return undefined;
			}

			const value = Number(raw);
			return value >= 0 && value <= 1 ? {value} : undefined;
		},
	};
}

export function enumFlag<const C extends string, D extends C | undefined = undefined>(options: {
	readonly description: string;
	readonly choices: readonly C[];
	readonly default?: D;
	readonly valueName?: string;
}): FlagSpec<C | D> {
	const {choices} = options;
	assertDefinition(choices.length > 0, 'an enum needs at least one choice');
	assertDefinition(
		options.default === undefined || choices.includes(options.default),
		`default ${options.default} is not one of the choices`,
	);
	return {
		type: 'string',
		valueName: options.valueName ?? 'NAME',
		description: options.description,
		expected: `one of: ${choices.join(', ')}`,
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- D is undefined exactly when the default is omitted
		default: options.default as D,
		parse(raw) {
			const choice = choices.find((candidate) => candidate === raw);
			return choice === undefined ? undefined : {value: choice};
		},
	};
}

/** Free text, such as a file name (`-` often meaning standard output). */
export function stringFlag<D extends string | undefined = undefined>(options: {
	readonly description: string;
	readonly default?: D;
	readonly valueName?: string;
}): FlagSpec<string | D> {
	return {
		type: 'string',
		valueName: options.valueName ?? 'FILE',
		description: options.description,
		expected: 'a non-empty value',
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- D is undefined exactly when the default is omitted
		default: options.default as D,
		parse: (raw) => (raw === '' ? undefined : {value: raw}),
	};
}

/** A flag whose value is an `http://` or `https://` URL, such as a collector's address. */
export function urlFlag(options: {
	readonly description: string;
	readonly valueName?: string;
}): FlagSpec<string | undefined> {
	return {
		type: 'string',
		valueName: options.valueName ?? 'URL',
		description: options.description,
		expected: 'an http:// or https:// URL',
		default: undefined,
		parse(raw) {
			if (!URL.canParse(raw)) {
				return undefined;
			}

			const {protocol} = new URL(raw);
			return protocol === 'http:' || protocol === 'https:' ? {value: raw} : undefined;
		},
	};
}

/**
A flag that may be given several times, such as `--crash 1@5 --crash 2@9`:
each value is checked by `spec`, and the flag's value is the list of them in
command-line order (empty when the flag is absent).
*/
export function repeatableFlag<T>(
	spec: Omit<FlagSpec<T>, 'default' | 'repeatable'>,
): FlagSpec<T[]> {
	assertDefinition(spec.type === 'string', 'only a flag with a value can be repeatable');
	return {
		type: 'string',
		valueName: spec.valueName,
		description: spec.description,
		expected: spec.expected,
		default: [],
		repeatable: true,
		parse(raw) {
			const parsed = spec.parse(raw);
			return parsed === undefined ? undefined : {value: [parsed.value]};
		},
	};
}

/** A switch: present means true. `--no-<name>` gives false. */
export function booleanFlag(options: {readonly description: string}): FlagSpec<boolean> {
	return {
		type: 'boolean',
		valueName: '',
		description: options.description,
		expected: 'given without a value',
		default: false,
		parse: () => undefined,
	};
}

/** A value as error messages quote it: bare when plain, else in JSON quotes. */
export function showValue(raw: unknown): string {
	const text = String(raw);
	return /^[\w.+\-]+$/v.test(text) ? text : JSON.stringify(text);
}

function readFlag(key: string, spec: FlagSpec<unknown>, raw: RawFlags): unknown {
	const name = `--${flagName(key)}`;
	const values = raw.values[key] ?? [];
	const count = Math.max(raw.occurrences[key] ?? 0, values.length);
	if (spec.repeatable) {
		// Each occurrence is read as a flag of its own, so the messages are the same as for one.
		const single = {...spec, repeatable: false};
		return values.flatMap((value): unknown[] => {
			const read = readFlag(key, single, {values: {[key]: [value]}, occurrences: {[key]: 1}});
			return Array.isArray(read) ? (read as unknown[]) : [read];
		});
	}

	if (count > 1) {
		const range = spec.type === 'boolean' ? '' : `: ${spec.expected}`;
		throw new UsageError(`${name} was given ${count} times (give it once${range})`);
	}

	if (count === 0) {
		return spec.default;
	}

	const [value] = values;
	if (spec.type === 'boolean') {
		if (typeof value !== 'boolean') {
			throw new UsageError(`${name} takes no value (got ${showValue(value)})`);
		}

		return value;
	}

	if (value === undefined || value === '') {
		throw new UsageError(`${name} needs a value: ${spec.expected}`);
	}

	if (typeof value !== 'string') {
		// `--no-replicas` reaches a string flag as `false`.
		throw new UsageError(`${name} must be ${spec.expected} (got --no-${flagName(key)})`);
	}

	const parsed = spec.parse(value);
	if (parsed === undefined) {
		throw new UsageError(`${name} must be ${spec.expected} (got ${showValue(value)})`);
	}

	return parsed.value;
}

/** Validate what the tokenizer saw against the specs; throws `UsageError`. */
export function readFlags<S extends FlagSpecs>(specs: S, raw: RawFlags): FlagValues<S> {
	const result: Record<string, unknown> = {};
	for (const [key, spec] of Object.entries(specs)) {
		result[key] = readFlag(key, spec, raw);
	}

	// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- one value per spec, each from its own parse
	return result as FlagValues<S>;
}

/** One line per flag for --help: `--replicas N  Cluster size: an integer from 1 to 9 (default 3)`. */
export function describeFlags(specs: FlagSpecs): string[] {
	const rows = Object.entries(specs).map(([key, spec]) => {
		const left = `--${flagName(key)}${spec.valueName ? ` ${spec.valueName}` : ''}`;
		const range = spec.type === 'boolean' ? '' : `: ${spec.expected}`;
		const fallback =
			spec.default === undefined || spec.type === 'boolean' || spec.repeatable
				? ''
				: ` (default ${String(spec.default)})`;
		const repeat = spec.repeatable ? ' (repeatable)' : '';
		return [left, `${spec.description}${range}${fallback}${repeat}`] as const;
	});
	const width = Math.max(0, ...rows.map(([left]) => left.length));
	return rows.map(([left, right]) => `${left.padEnd(width)}  ${right}`);
}
