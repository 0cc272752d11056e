import {Box, Text} from 'ink';
import React, {memo} from 'react';
import type {NodeNetwork} from '../cluster/operator-api.js';
import {useSlice, useTheme} from './context.js';
import {cell, delayText, formatCount, formatPercent} from './format.js';
import type {NodeRow} from './slices.js';
import type {Theme, Tone} from './theme.js';

/** Lines the table takes for `nodes` replicas. */
export const nodeTableHeight = (nodes: number): number => 1 + nodes;

type Column = {
	readonly title: string;
	/** The width it takes when the line has room; it narrows to its widest cell when not. */
	readonly roomy: number;
	readonly align: 'left' | 'right';
};

// The network column, last, takes the rest of the line.
const inMemory = [
	{title: '', roomy: 3, align: 'left'},
	{title: 'id', roomy: 3, align: 'right'},
	{title: 'role', roomy: 8, align: 'left'},
	{title: 'status', roomy: 11, align: 'left'},
	{title: 'view', roomy: 5, align: 'right'},
	{title: 'op', roomy: 7, align: 'right'},
	{title: 'commit', roomy: 7, align: 'right'},
	{title: 'lag', roomy: 5, align: 'right'},
	{title: 'pid', roomy: 8, align: 'right'},
] as const satisfies readonly Column[];

/** With `--data-dir`, `disk` after `commit`: the highest op a restart would find in the replica's log. */
const onDisk: readonly Column[] = [
	...inMemory.slice(0, 7),
	{title: 'disk', roomy: 7, align: 'right'},
	...inMemory.slice(7),
];

const columnsOf = (durable: boolean): readonly Column[] => (durable ? onDisk : inMemory);

/** A node's network state: cut off (isolated, a side of a partition, deaf, mute), its own faults, its links'. */
export function networkText(network: NodeNetwork, links = ''): string {
	const parts: string[] = [];
	if (network.isolated) {
		parts.push('isolated');
	} else if (network.side !== undefined) {
		parts.push(`side ${network.side}`);
	} else if (network.partitioned) {
		parts.push('partitioned');
	}

	if (network.deaf) {
		parts.push('deaf');
	}

	if (network.mute) {
		parts.push('mute');
	}

	if (network.frozen) {
		parts.push('frozen');
	}

	if (network.dropRate > 0) {
		parts.push(`drop ${formatPercent(network.dropRate)}`);
	}

	if (network.delayMs > 0 || network.jitterMs > 0) {
		parts.push(delayText(network.delayMs, network.jitterMs));
	}

	if (links !== '') {
		parts.push(links);
	}

	return parts.length === 0 ? 'ok' : parts.join(' ');
}

function statusTone(node: NodeRow): Tone | undefined {
	switch (node.status) {
		case 'crashed': {
			return 'crashed';
		}

		case 'view_change': {
			return 'viewChange';
		}

		case 'recovering': {
			return 'recovering';
		}

		case 'starting': {
			return 'starting';
		}

		case 'normal': {
			return undefined;
		}
	}
}

function networkTone(network: NodeNetwork, links: string): Tone | undefined {
	if (network.isolated) {
		return 'isolated';
	}

	if (network.partitioned || network.deaf || network.mute || network.frozen) {
		return 'partitioned';
	}

	return network.dropRate > 0 || network.delayMs > 0 || network.jitterMs > 0 || links !== ''
		? 'faulty'
		: undefined;
}

/** `primary`, `backup`, `-` when down; an old view's primary that was cut off says so. */
export function roleOf(node: NodeRow): string {
	if (node.status === 'crashed') {
		return '-';
	}

	if (node.stalePrimary) {
		return `primary (stale, v${formatCount(node.view)})`;
	}

	return node.isPrimary ? 'primary' : 'backup';
}

/**
The cells of one row, before padding: row key (`*` when marked), id, role, status, view, op,
commit, (with `durable`, the op on disk,) lag, pid, network.
*/
export function rowCells(node: NodeRow, row: number, selected: boolean, durable = false): string[] {
	const down = node.status === 'crashed';
	// A number shortens beyond its column's roomy width (`10.35M`), so a long run keeps its table.
	const number = (value: number | undefined, roomy: number): string =>
		down || value === undefined ? '-' : formatCount(value, roomy);
	return [
		`${selected ? '>' : ' '}${row + 1}${node.marked ? '*' : ''}`,
		String(node.id),
		roleOf(node),
		node.status,
		number(node.view, 5),
		number(node.op, 7),
		number(node.commit, 7),
		// What is on disk stays there while the replica is down.
		...(durable ? [node.durableOp === undefined ? '-' : formatCount(node.durableOp, 7)] : []),
		number(node.lag, 5),
		node.pid === undefined ? '-' : String(node.pid),
		networkText(node.network, node.links),
	];
}

/**
Column widths for these rows in `width` columns: roomy while the line has room, and when it has
not, the padding goes first (each column down to its widest cell), so the network column keeps
what it says.
*/
export function columnWidths(
	rows: ReadonlyArray<readonly string[]>,
	width: number,
	columns: readonly Column[] = inMemory,
): number[] {
	const needed = columns.map((column, index) =>
		Math.max(column.title.length, ...rows.map((cells) => cells[index]?.length ?? 0)),
	);
	const widths = columns.map((column, index) => Math.max(column.roomy, needed[index]!));
	const network = Math.max('network'.length, ...rows.map((cells) => cells.at(-1)?.length ?? 0));
	// Each column is followed by one space.
	let over = widths.reduce((sum, each) => sum + each + 1, 0) + network - width;
	for (let index = widths.length - 1; index >= 0 && over > 0; index--) {
		const spare = Math.min(over, widths[index]! - needed[index]!);
		widths[index]! -= spare;
		over -= spare;
	}

	return widths;
}

const line = (
	cells: readonly string[],
	widths: readonly number[],
	from: number,
	to: number,
	columns: readonly Column[],
) =>
	widths
		.slice(from, to)
		.map(
			(width, offset) =>
				`${cell(cells[from + offset] ?? '', width, columns[from + offset]!.align)} `,
		)
		.join('');

function NodeLine(props: {
	readonly node: NodeRow;
	readonly cells: readonly string[];
	readonly widths: readonly number[];
	readonly isSelected: boolean;
	readonly theme: Theme;
	readonly columns: readonly Column[];
}) {
	const {node, cells, widths, isSelected: selected, theme, columns} = props;
	const last = columns.length;
	const primary = node.isPrimary && node.status !== 'crashed' && !node.stalePrimary;
	const roleColour = primary
		? theme.color('primary')
		: node.stalePrimary
			? theme.color('warn')
			: undefined;
	const statusColour = statusTone(node);
	const networkColour = networkTone(node.network, node.links);
	// Cells 0-1, 2 (role), 3 (status), the numbers and the pid, the network (last), each with its own colour.
	return (
		<Text wrap="truncate" inverse={selected} bold={selected}>
			{line(cells, widths, 0, 2, columns)}
			<Text bold={primary} color={roleColour}>
				{line(cells, widths, 2, 3, columns)}
			</Text>
			<Text color={statusColour === undefined ? undefined : theme.color(statusColour)}>
				{line(cells, widths, 3, 4, columns)}
			</Text>
			{line(cells, widths, 4, last, columns)}
			<Text color={networkColour === undefined ? undefined : theme.color(networkColour)}>
				{cells[last]}
			</Text>
		</Text>
	);
}

/** One row per replica: id, role, status, view, op, commit, lag behind the primary, pid, network. */
export const NodeTable = memo((props: {readonly width: number}) => {
	const {nodes, selected, durable} = useSlice('nodes');
	const theme = useTheme();
	const columns = columnsOf(durable);
	const cells = nodes.map((node, index) => rowCells(node, index, index === selected, durable));
	const widths = columnWidths(cells, props.width, columns);
	return (
		<Box flexDirection="column">
			<Text bold wrap="truncate" color={theme.color('muted')}>
				{line(
					columns.map((column) => column.title),
					widths,
					0,
					columns.length,
					columns,
				)}
				network
			</Text>
			{nodes.map((node, index) => (
				<NodeLine
					key={node.id}
					node={node}
					cells={cells[index]!}
					widths={widths}
					isSelected={index === selected}
					theme={theme}
					columns={columns}
				/>
			))}
		</Box>
	);
});
