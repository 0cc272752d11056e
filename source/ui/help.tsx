import {Box, Text} from 'ink';
import React, {Fragment, memo} from 'react';
import {useTheme} from './context.js';
import {cell, fit} from './format.js';
import {type Binding, keymap} from './keymap.js';
import {legend} from './legend.js';

const gap = '  ';

/**
The keys for the help line: those with a short name, in keymap order, as many as
fit in `width`; `? help` and `q quit` are always kept.
*/
export function helpLineBindings(width: number, bindings: readonly Binding[] = keymap): Binding[] {
	const main = bindings.filter((binding) => binding.short !== undefined);
	const always = new Set(['help', 'quit']);
	const size = (binding: Binding): number =>
		binding.label.length + 1 + (binding.short?.length ?? 0);
	let used = main
		.filter((binding) => always.has(binding.action))
		.reduce((sum, binding) => sum + size(binding) + gap.length, 0);
	const chosen = new Set<Binding>();
	for (const binding of main) {
		if (always.has(binding.action)) {
			chosen.add(binding);
			continue;
		}

		if (used + size(binding) + gap.length <= width + gap.length) {
			chosen.add(binding);
			used += size(binding) + gap.length;
		}
	}

	return main.filter((binding) => chosen.has(binding));
}

/** The main keys on one line. */
export const HelpLine = memo((props: {readonly width: number}) => {
	const theme = useTheme();
	const bindings = helpLineBindings(props.width);
	return (
		<Text wrap="truncate">
			{bindings.map((binding, index) => (
				<Fragment key={binding.action}>
					{index > 0 ? gap : ''}
					<Text bold color={theme.color('key')}>
						{binding.label}
					</Text>{' '}
					{binding.short}
				</Fragment>
			))}
		</Text>
	);
});

const labelWidth = 6;
const termWidth = 8;
const legendTitle = 'What the numbers mean';

/** How the overlay fits in `lines`: the keys in one column, or in as many as they need, then as much of the legend as fits. */
export function overlayLayout(
	lines: number,
	keys = keymap.length,
): {columns: number; keyRows: number; legendLines: number} {
	const rows = Math.max(1, lines - 1);
	const legendWanted = legend.length + 1;
	const columns = keys + legendWanted <= rows ? 1 : Math.max(2, Math.ceil(keys / rows));
	const keyRows = Math.min(rows, Math.ceil(keys / columns));
	const left = rows - keyRows;
	return {columns, keyRows, legendLines: left >= 2 ? Math.min(left, legendWanted) : 0};
}

/** Every key and what it does, straight from the keymap, then what the numbers mean. */
export const HelpOverlay = memo((props: {readonly width: number; readonly lines: number}) => {
	const theme = useTheme();
	const layout = overlayLayout(props.lines);
	const perColumn = Math.ceil(keymap.length / layout.columns);
	const columnWidth = Math.floor(props.width / layout.columns);
	const groups: Binding[][] = [];
	for (let column = 0; column < layout.columns; column++) {
		groups.push(keymap.slice(column * perColumn, (column + 1) * perColumn));
	}

	return (
		<Box flexDirection="column">
			<Text bold color={theme.color('title')} wrap="truncate">
				Keys (? or esc closes this; any other key acts and closes it)
			</Text>
			<Box flexDirection="row">
				{groups.map((group, column) => (
					// eslint-disable-next-line react/no-array-index-key
					<Box key={column} flexDirection="column" width={columnWidth}>
						{group.slice(0, layout.keyRows).map((binding) => (
							<Text key={binding.action} wrap="truncate">
								<Text bold color={theme.color('key')}>
									{cell(binding.label, labelWidth)}
								</Text>
								{fit(binding.description, columnWidth - labelWidth - 1)}
							</Text>
						))}
					</Box>
				))}
			</Box>
			{layout.legendLines > 0 ? (
				<Text bold color={theme.color('title')} wrap="truncate">
					{legendTitle}
				</Text>
			) : undefined}
			{legend.slice(0, Math.max(0, layout.legendLines - 1)).map((line) => (
				<Text key={line.term} wrap="truncate">
					<Text bold color={theme.color('key')}>
						{cell(line.term, termWidth)}
					</Text>
					{fit(line.meaning, props.width - termWidth)}
				</Text>
			))}
		</Box>
	);
});
