import {Box, Text} from 'ink';
import React, {memo} from 'react';
import {useSlice, useTheme} from './context.js';
import {fit} from './format.js';

/** The feed in plain sentences (`N`), newest first; `lines` counts the title. */
export const NarrationFeed = memo((props: {readonly lines: number; readonly width: number}) => {
	const slice = useSlice('narration');
	const theme = useTheme();
	if (props.lines <= 0) {
		return null;
	}

	const entries = slice.entries.slice(0, props.lines - 1);
	const hidden = slice.heartbeatsHidden ? ' · heartbeats hidden (H)' : '';
	return (
		<Box flexDirection="column" width={props.width}>
			<Text bold wrap="truncate" color={theme.color('muted')}>
				{`feed in plain sentences (N shows the events)${hidden}`}
			</Text>
			{entries.length === 0 ? (
				<Text wrap="truncate" color={theme.color('muted')}>
					nothing told yet: s submits a request, space pauses and n steps through it
				</Text>
			) : undefined}
			{entries.map((entry) => (
				<Text key={entry.at} wrap="truncate" color={theme.narrationColor(entry.tone)}>
					{fit(entry.text, props.width)}
				</Text>
			))}
		</Box>
	);
});
