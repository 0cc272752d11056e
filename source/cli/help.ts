import {type FlagSpecs, describeFlags} from './flags.js';
import type {Mode} from './modes.js';

/**
The --help text, built from the mode registry: each mode's summary, flags and
example are written once, beside its `run`.
*/

const indent = (lines: readonly string[], depth: number): string[] =>
	lines.map((line) => (line === '' ? '' : `${' '.repeat(depth)}${line}`));

function usageOf(programName: string, mode: Mode): string {
	const command = mode.command ? ` ${mode.name}` : '';
	const input = mode.inputUsage ? ` ${mode.inputUsage}` : '';
	return `$ ${programName}${command} [flags]${input}`;
}

function modeSection(programName: string, mode: Mode): string[] {
	const title = mode.command ? mode.name : `${mode.name} (no command)`;
	return [
		`${title}  ${mode.summary}`,
		...indent(describeFlags(mode.flags), 2),
		...indent([`Example: $ ${programName} ${mode.example}`.trimEnd()], 2),
	];
}

export function renderHelp(options: {
	readonly programName: string;
	readonly description: string;
	readonly globalFlags: FlagSpecs;
	readonly modes: readonly Mode[];
}): string {
	const {programName, description, globalFlags} = options;
	const {modes} = options;
	const usage = [`$ ${programName} [flags]`];
	if (modes.some((mode) => mode.command)) {
		usage.push(`$ ${programName} [flags] <command> [command flags]`);
	}

	const lines = [
		description,
		'',
		'Usage',
		...indent(usage, 2),
		'',
		'Global flags',
		...indent(describeFlags(globalFlags), 2),
		'',
		'Modes',
	];
	for (const mode of modes) {
		lines.push('', ...indent(modeSection(programName, mode), 2));
	}

	return ['', ...indent(lines, 2), ''].join('\n');
}

export function renderModeHelp(options: {
	readonly programName: string;
	readonly globalFlags: FlagSpecs;
	readonly mode: Mode;
}): string {
	const {programName, globalFlags, mode} = options;
	const lines = [mode.summary, '', 'Usage', ...indent([usageOf(programName, mode)], 2), ''];
	if (Object.keys(mode.flags).length > 0) {
		lines.push('Flags', ...indent(describeFlags(mode.flags), 2), '');
	}

	lines.push(
		'Global flags',
		...indent(describeFlags(globalFlags), 2),
		'',
		'Example',
		...indent([`$ ${programName} ${mode.example}`.trimEnd()], 2),
	);
	return ['', ...indent(lines, 2), ''].join('\n');
}
