import {Box, Text} from 'ink';
import React, {memo} from 'react';
import {useSlice, useTheme} from './context.js';
import {fit} from './format.js';

/** Lines the alert may take at most; longer words are cut there. */
export const alertMaxLines = 4;

/** `text` broken into lines of at most `width` columns at spaces, at most `maxLines` of them. */
export function wrapWords(text: string, width: number, maxLines = alertMaxLines): string[] {
	const lines: string[] = [];
	let line = '';
	for (const word of text.split(' ')) {
		if (line === '') {
			line = word;
		} else if (line.length + 1 + word.length <= width) {
			line += ` ${word}`;
		} else {
			lines.push(line);
			line = word;
		}
	}

	if (line !== '') {
		lines.push(line);
	}

	const kept = lines.slice(0, maxLines).map((each) => fit(each, width));
	if (lines.length > maxLines) {
		kept[maxLines - 1] = fit(`${kept[maxLines - 1]} …`, width);
	}

	return kept;
}

/** The lines the alert takes at this width (0 when all is well). */
export function alertLines(text: string | undefined, width: number): number {
	return text === undefined ? 0 : wrapWords(`! ${text}`, width).length;
}

/** A stuck cluster, in plain words, with the way out. */
export const Alert = memo((props: {readonly width: number}) => {
	const {text} = useSlice('alert');
	const theme = useTheme();
	if (text === undefined) {
		return null;
	}

	return (
		<Box flexDirection="column">
			{wrapWords(`! ${text}`, props.width).map((line, index) => (
				// eslint-disable-next-line react/no-array-index-key -- lines of one text, in order
				<Text key={index} bold color={theme.color('error')} wrap="truncate">
					{line}
				</Text>
			))}
		</Box>
	);
});
