import {Box, Text} from 'ink';
import React, {memo, useEffect} from 'react';
import {useSlice, useStore, useTheme} from './context.js';
import {diagramColumns, diagramHeader, diagramLine, visibleRows} from './diagram-layout.js';
import {formatCount} from './format.js';
import type {DiagramSlice} from './slices.js';

/** Lines the diagram needs besides its rows: its title and the lifelines' names. */
export const diagramChrome = 2;

export function diagramTitle(slice: DiagramSlice): string {
	const parts = [
		`diagram · ${formatCount(slice.messages)} messages`,
		slice.scroll === 0
			? 'following (PgUp scrolls back)'
			: `${formatCount(slice.scroll)} rows back (PgDn goes on)`,
	];
	if (slice.heartbeatsHidden) {
		parts.push('heartbeats hidden (H)');
	}

	return parts.join(' · ');
}

/**
The last messages as a sequence diagram: a lifeline per replica and one for the clients, time
downward, newest at the bottom; `lines` counts the title and the names.
*/
export const SequenceDiagram = memo((props: {readonly lines: number; readonly width: number}) => {
	const slice = useSlice('diagram');
	const theme = useTheme();
	const store = useStore();
	const rowsShown = Math.max(0, props.lines - diagramChrome);
	useEffect(() => {
		store.setDiagramPage(rowsShown);
	}, [store, rowsShown]);
	if (props.lines <= 0) {
		return null;
	}

	const columns = diagramColumns(slice.replicas, props.width);
	const rows = visibleRows(slice.rows, rowsShown, slice.scroll);
	return (
		<Box flexDirection="column" width={props.width} height={props.lines}>
			<Text bold wrap="truncate" color={theme.color('muted')}>
				{diagramTitle(slice)}
			</Text>
			<Text wrap="truncate" color={theme.color('muted')}>
				{diagramHeader(slice.replicas, columns)}
			</Text>
			{rows.length === 0 ? (
				<Text wrap="truncate" color={theme.color('muted')}>
					{'        no message yet: s submits a request'}
				</Text>
			) : undefined}
			{rows.map((row, index) => (
				// The rows only shift as the run goes on; the index is the line on the screen.
				// eslint-disable-next-line react/no-array-index-key
				<Text key={index} wrap="truncate">
					{diagramLine(row, columns).map((segment, part) => (
						// eslint-disable-next-line react/no-array-index-key
						<Text key={part} color={theme.messageColor(segment.tone)}>
							{segment.text}
						</Text>
					))}
				</Text>
			))}
		</Box>
	);
});
