import {Box, Text} from 'ink';
import React, {memo} from 'react';
import {useSlice, useTheme} from './context.js';
import {eventDetails, fit, formatClock, formatCount} from './format.js';
import type {FeedEntry, FeedSlice} from './slices.js';

/** `00:12.345 n1 protocol.prepare.sent v1 op 42 c 41 count 2`: time, node, event, its key numbers. */
export function feedLine(entry: FeedEntry, width: number): string {
	const node = entry.node === undefined ? '--' : `n${entry.node}`;
	const head = `${formatClock(entry.at)} ${node.padEnd(2)} ${entry.kind.name}`;
	if (head.length >= width) {
		return fit(head, width);
	}

	return fit(`${head} ${eventDetails(entry.kind.name, entry.measurements, entry.metadata)}`, width);
}

export function feedTitle(feed: FeedSlice): string {
	const total = Object.values(feed.counts).reduce((sum, count) => sum + count, 0);
	const hidden = feed.filter === 'all' && feed.timersHidden;
	const shown =
		feed.filter === 'all' ? total - (hidden ? feed.counts.timer : 0) : feed.counts[feed.filter];
	const filter =
		feed.filter === 'all'
			? hidden
				? 'all events but timers (H shows them)'
				: 'all events'
			: `${feed.filter} events`;
	// Frozen first, so that a narrow screen does not cut it.
	const frozen = feed.frozen ? `FROZEN (+${formatCount(feed.missed)} since, p resumes)  ` : '';
	return `${frozen}feed: ${filter} · ${formatCount(shown)} counted`;
}

/** The newest events, one line each; `lines` counts the title. */
export const EventFeed = memo((props: {readonly lines: number; readonly width: number}) => {
	const feed = useSlice('feed');
	const theme = useTheme();
	if (props.lines <= 0) {
		return null;
	}

	const entries = feed.entries.slice(0, props.lines - 1);
	return (
		<Box flexDirection="column" width={props.width}>
			<Text bold wrap="truncate" color={feed.frozen ? theme.color('warn') : theme.color('muted')}>
				{feedTitle(feed)}
			</Text>
			{entries.map((entry, index) => (
				// Entries are immutable and the list only shifts; the index is the row on screen.
				// eslint-disable-next-line react/no-array-index-key
				<Text key={index} wrap="truncate" color={theme.categoryColor(entry.kind.category)}>
					{feedLine(entry, props.width)}
				</Text>
			))}
		</Box>
	);
});
