import {Box, Text} from 'ink';
import React, {Fragment, memo} from 'react';
import {useTheme} from './context.js';
import {cell, fit} from './format.js';
import {type Binding, groups, helpLineOrder, keymap, overlayPages} from './keymap.js';
import {legend} from './legend.js';

const gap = '  ';

/**
The keys for the help line: those with a short name, the most wanted first (`helpLineOrder`),
as many as fit in `width`, shown in keymap order; `? help` and `q quit` are always kept.
*/
export function helpLineBindings(width: number, bindings: readonly Binding[] = keymap): Binding[] {
	const main = bindings.filter((binding) => binding.short !== undefined);
	const size = (binding: Binding): number =>
		binding.label.length + 1 + (binding.short?.length ?? 0);
	const rank = (binding: Binding): number => {
		const index = helpLineOrder.indexOf(binding.action);
		return index === -1 ? helpLineOrder.length : index;
	};

	const chosen = new Set<Binding>();
	let used = -gap.length;
	for (const binding of main.toSorted((a, b) => rank(a) - rank(b))) {
		const always = binding.action === 'help' || binding.action === 'quit';
		if (always || used + gap.length + size(binding) <= width) {
			chosen.add(binding);
			used += gap.length + size(binding);
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

const helpPages = overlayPages.length;

/** One line of the overlay's key columns: a group's title, or a key and what it does. */
export type OverlayItem =
	| {readonly kind: 'group'; readonly title: string}
	| {readonly kind: 'key'; readonly binding: Binding};

export function pageItems(page: number): OverlayItem[] {
	return (overlayPages[page] ?? []).flatMap((group): OverlayItem[] => [
		{kind: 'group', title: groups[group]},
		...keymap
			.filter((binding) => binding.group === group)
			.map((binding): OverlayItem => ({kind: 'key', binding})),
	]);
}

/** How a page fits in `lines`: its items in as many columns as they need, then as much of the legend as fits (last page). */
export function overlayLayout(
	lines: number,
	page: number,
): {columns: number; rows: number; legendLines: number} {
	const rows = Math.max(1, lines - 1);
	const items = pageItems(page).length;
	const legendWanted = page === helpPages - 1 ? legend.length + 1 : 0;
	const columns = items + legendWanted <= rows ? 1 : Math.max(2, Math.ceil(items / rows));
	const keyRows = Math.min(rows, Math.ceil(items / columns));
	const left = rows - keyRows;
	return {
		columns,
		rows: keyRows,
		legendLines: legendWanted > 0 && left >= 2 ? Math.min(left, legendWanted) : 0,
	};
}

/** What the keys do differently on a cluster of replica servers (`--attach`): said above the keys, so the overlay stays true. */
export const attachedNote =
	'attached: x stops a replica (its process manager restarts it); r, R, W, z, pause, steps and speed are refused';

/** Every key and what it does, straight from the keymap, by group, over two pages; then what the numbers mean. */
export const HelpOverlay = memo(
	(props: {
		readonly width: number;
		readonly lines: number;
		readonly page: number;
		/** Attached to a running cluster (`--attach`): a line says what differs. */
		readonly attached: boolean;
	}) => {
		const theme = useTheme();
		const page = Math.min(helpPages - 1, Math.max(0, props.page));
		const noteLines = props.attached ? Math.ceil(attachedNote.length / props.width) : 0;
		const layout = overlayLayout(props.lines - noteLines, page);
		const items = pageItems(page);
		const columnWidth = Math.floor(props.width / layout.columns);
		const columns: OverlayItem[][] = [];
		for (let column = 0; column < layout.columns; column++) {
			columns.push(items.slice(column * layout.rows, (column + 1) * layout.rows));
		}

		const next = page + 1 < helpPages ? '? next page' : '? closes';
		return (
			<Box flexDirection="column">
				<Text bold color={theme.color('title')} wrap="truncate">
					{`Keys ${page + 1}/${helpPages} (${next}, esc closes; any other key acts and closes)`}
				</Text>
				{props.attached ? (
					<Text color={theme.color('warn')} wrap="wrap">
						{attachedNote}
					</Text>
				) : undefined}
				<Box flexDirection="row">
					{columns.map((column, index) => (
						// eslint-disable-next-line react/no-array-index-key
						<Box key={index} flexDirection="column" width={columnWidth}>
							{column.map((item) =>
								item.kind === 'group' ? (
									<Text key={item.title} bold wrap="truncate" color={theme.color('muted')}>
										{fit(item.title, columnWidth - 1)}
									</Text>
								) : (
									<Text key={item.binding.action} wrap="truncate">
										<Text bold color={theme.color('key')}>
											{cell(item.binding.label, labelWidth)}
										</Text>
										{fit(item.binding.description, columnWidth - labelWidth - 1)}
									</Text>
								),
							)}
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
	},
);
