import {Box, Text} from 'ink';
import React, {Fragment, memo} from 'react';
import {useTheme} from './context.js';
import {cell, fit} from './format.js';
import {type Binding, keymap} from './keymap.js';

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

/** Every key and what it does, straight from the keymap; in two columns when the rows are few. */
export const HelpOverlay = memo((props: {readonly width: number; readonly lines: number}) => {
	const theme = useTheme();
	const rows = Math.max(1, props.lines - 1);
	const columns = keymap.length <= rows ? 1 : 2;
	const perColumn = Math.ceil(keymap.length / columns);
	const columnWidth = Math.floor(props.width / columns);
	const groups: Binding[][] = [];
	for (let column = 0; column < columns; column++) {
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
						{group.slice(0, rows).map((binding) => (
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
		</Box>
	);
});
