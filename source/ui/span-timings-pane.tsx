import {Box, Text} from 'ink';
import React, {memo} from 'react';
import {useSlice, useTheme} from './context.js';
import {cell, formatCount, formatNanos} from './format.js';
import type {SpanRow} from './span-timings.js';

/** Lines the pane takes: a title and one row per span kind. */
export const spanTimingsHeight = 5;

/** Columns the pane takes. */
export const spanTimingsWidth = 54;

const duration = (nanos: number | undefined): string =>
	nanos === undefined ? '-' : formatNanos(nanos);

export function spanLine(row: SpanRow): string {
	return [
		cell(row.label, 17),
		cell(formatCount(row.count, 7), 7, 'right'),
		cell(row.errors === 0 ? '' : formatCount(row.errors, 4), 4, 'right'),
		cell(duration(row.p50), 7, 'right'),
		cell(duration(row.p99), 7, 'right'),
		cell(duration(row.max), 7, 'right'),
	].join(' ');
}

export const spanTimingsTitle = [
	cell('span timings', 17),
	cell('count', 7, 'right'),
	cell('exc', 4, 'right'),
	cell('p50', 7, 'right'),
	cell('p99', 7, 'right'),
	cell('max', 7, 'right'),
].join(' ');

/** Count, exceptions, p50, p99 and max for client requests, state-machine ops, view changes and state transfers. */
export const SpanTimingsPane = memo((props: {readonly width: number}) => {
	const {rows} = useSlice('spans');
	const theme = useTheme();
	return (
		<Box flexDirection="column" width={Math.min(spanTimingsWidth, props.width)} flexShrink={0}>
			<Text bold wrap="truncate" color={theme.color('muted')}>
				{spanTimingsTitle}
			</Text>
			{rows.map((row) => (
				<Text
					key={row.kind}
					wrap="truncate"
					color={row.errors > 0 ? theme.color('warn') : undefined}
				>
					{spanLine(row)}
				</Text>
			))}
		</Box>
	);
});
