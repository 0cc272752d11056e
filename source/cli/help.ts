import {type FlagSpecs, describeFlags} from './flags.js';
import type {AvailableMode, Mode} from './modes.js';

/**
The --help text, built from the mode registry: a mode's section appears only
when the mode is available, so help never advertises what does not work.
*/

const indent = (lines: readonly string[], depth: number): string[] =>
	lines.map((line) => (line === '' ? '' : `${' '.repeat(depth)}${line}`));

function usageOf(programName: string, mode: AvailableMode): string {
	const command = mode.command ? ` ${mode.name}` : '';
	const input = mode.inputUsage ? ` ${mode.inputUsage}` : '';
	return `$ ${programName}${command} [flags]${input}`;
}

function modeSection(programName: string, mode: AvailableMode): string[] {
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
	const available = options.modes.filter((mode): mode is AvailableMode => mode.available);
	const usage = [`$ ${programName} [flags]`];
	if (available.some((mode) => mode.command)) {
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
	];
	if (available.length === 0) {
		lines.push('No mode is available in this version yet; each mode is listed here once it works.');
	} else {
		lines.push('Modes');
		for (const mode of available) {
			lines.push('', ...indent(modeSection(programName, mode), 2));
		}
	}

	return ['', ...indent(lines, 2), ''].join('\n');
}

export function renderModeHelp(options: {
	readonly programName: string;
	readonly globalFlags: FlagSpecs;
	readonly mode: AvailableMode;
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
