import {Box, Text} from 'ink';
import React, {memo} from 'react';
import type {NodeNetwork} from '../cluster/operator-api.js';
import {useSlice, useTheme} from './context.js';
import {cell, formatPercent} from './format.js';
import type {NodeRow} from './store.js';
import type {Theme, Tone} from './theme.js';

/** Lines the table takes for `nodes` replicas. */
export const nodeTableHeight = (nodes: number): number => 1 + nodes;

// [title, width, alignment]; the network column takes the rest of the line.
const columns = [
	['', 3, 'left'],
	['id', 3, 'right'],
	['role', 8, 'left'],
	['status', 11, 'left'],
	['view', 5, 'right'],
	['op', 7, 'right'],
	['commit', 7, 'right'],
	['lag', 5, 'right'],
	['pid', 8, 'right'],
	['network', 0, 'left'],
] as const;

function row(values: readonly string[]): string {
	return columns
		.map(([, width, align], index) => {
			const value = values[index] ?? '';
			return width === 0 ? value : cell(value, width, align);
		})
		.join(' ');
}

export function networkText(network: NodeNetwork): string {
	if (network.isolated) {
		return 'isolated';
	}

	const parts: string[] = [];
	if (network.partitioned) {
		parts.push('partitioned');
	}

	if (network.dropRate > 0) {
		parts.push(`drop ${formatPercent(network.dropRate)}`);
	}

	if (network.delayMs > 0) {
		parts.push(`delay ${network.delayMs}ms`);
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

function networkTone(network: NodeNetwork): Tone | undefined {
	if (network.isolated) {
		return 'isolated';
	}

	if (network.partitioned) {
		return 'partitioned';
	}

	return network.dropRate > 0 || network.delayMs > 0 ? 'faulty' : undefined;
}

function roleOf(node: NodeRow): string {
	if (node.status === 'crashed') {
		return '-';
	}

	return node.isPrimary ? 'primary' : 'backup';
}

const compact = [2, 1, 0].map(
	(digits) => new Intl.NumberFormat('en-US', {notation: 'compact', maximumFractionDigits: digits}),
);

/** Whole while it fits its column, then as short as it must be (`10.3M`, `300K`): long runs stay readable. */
function fitNumber(value: number, width: number): string {
	const whole = String(value);
	if (whole.length <= width) {
		return whole;
	}

	for (const format of compact) {
		const short = format.format(value);
		if (short.length <= width) {
			return short;
		}
	}

	return whole;
}

function NodeLine(props: {
	readonly node: NodeRow;
	readonly row: number;
	readonly isSelected: boolean;
	readonly theme: Theme;
}) {
	const {node, row: index, isSelected: selected, theme} = props;
	const down = node.status === 'crashed';
	const dash = (value: number | undefined, column: 4 | 5 | 6 | 7): string =>
		down || value === undefined ? '-' : fitNumber(value, columns[column][1]);
	const cells = [
		`${selected ? '>' : ' '}${index + 1}`,
		String(node.id),
		roleOf(node),
		node.status,
		dash(node.view, 4),
		dash(node.op, 5),
		dash(node.commit, 6),
		dash(node.lag, 7),
		node.pid === undefined ? '-' : String(node.pid),
		networkText(node.network),
	];
	// Cells 0-1, 2 (role), 3 (status), 4-8 (numbers), 9 (network), each with its own colour.
	const text = (from: number, to: number): string =>
		columns
			.slice(from, to)
			.map(([, width, align], offset) => {
				const value = cells[from + offset] ?? '';
				return `${width === 0 ? value : cell(value, width, align)} `;
			})
			.join('');
	const primary = node.isPrimary && !down;
	const statusColour = statusTone(node);
	const networkColour = networkTone(node.network);
	return (
		<Text wrap="truncate" inverse={selected} bold={selected}>
			{text(0, 2)}
			<Text bold={primary} color={primary ? theme.color('primary') : undefined}>
				{text(2, 3)}
			</Text>
			<Text color={statusColour === undefined ? undefined : theme.color(statusColour)}>
				{text(3, 4)}
			</Text>
			{text(4, 9)}
			<Text color={networkColour === undefined ? undefined : theme.color(networkColour)}>
				{cells[9]}
			</Text>
		</Text>
	);
}

/** One row per replica: id, role, status, view, op, commit, lag behind the primary, pid, network. */
export const NodeTable = memo(() => {
	const {nodes, selected} = useSlice('nodes');
	const theme = useTheme();
	return (
		<Box flexDirection="column">
			<Text bold wrap="truncate" color={theme.color('muted')}>
				{row(columns.map(([title]) => title))}
			</Text>
			{nodes.map((node, index) => (
				<NodeLine
					key={node.id}
					node={node}
					row={index}
					isSelected={index === selected}
					theme={theme}
				/>
			))}
		</Box>
	);
});
