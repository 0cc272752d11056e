import {Box, Text} from 'ink';
import React, {memo} from 'react';
import type {CaptionState} from '../lessons/lesson-show.js';
import {wrapWords} from './alert.js';
import {useSlice, useTheme} from './context.js';
import {fit} from './format.js';
import type {Tone} from './theme.js';

/** Lines the caption pane takes at most, its title included. */
export const captionMaxLines = 8;

type CaptionLine = {
	readonly text: string;
	readonly tone: Tone | undefined;
	readonly bold?: boolean;
};

/** What the pane says of the lesson now, line by line at this width (title first). */
export function captionLines(state: CaptionState, width: number): CaptionLine[] {
	const where =
		state.phase === 'done'
			? `done (${state.steps} steps)`
			: state.phase === 'forked'
				? `forked at message ${state.forkedAt ?? 0}`
				: `step ${state.step} of ${state.steps}`;
	const title: CaptionLine = {
		text: fit(`Lesson ${state.lesson} · ${where}`, width),
		tone: 'title',
		bold: true,
	};
	const text = (words: string, tone: Tone | undefined, most: number): CaptionLine[] =>
		wrapWords(words, width, most).map((line) => ({text: line, tone}));
	const said =
		state.caption === undefined
			? []
			: text(
					`${(state.atMs ?? 0).toFixed(2)} ms: ${state.caption}`,
					state.phase === 'watch' ? 'muted' : undefined,
					state.phase === 'watch' ? 2 : 5,
				);
	switch (state.phase) {
		case 'watch': {
			return [
				title,
				...said,
				...(state.watch === undefined ? [] : text(`watch for: ${state.watch}`, 'key', 3)),
			];
		}

		case 'pause': {
			return [title, ...said, {text: 'space: go on to the next step', tone: 'warn', bold: true}];
		}

		case 'done': {
			return [
				title,
				...said,
				{text: 'the lesson is over: space lets the cluster run on, g for another', tone: 'ok'},
			];
		}

		case 'forked': {
			return [
				title,
				...text(
					`you forked the lesson at message ${state.forkedAt ?? 0}: you are on your own timeline now, and the lesson plays no more. space lets it run, g starts a lesson again`,
					'warn',
					3,
				),
			];
		}

		case 'failed': {
			return [title, ...said, ...text(`the lesson stopped: ${state.error ?? ''}`, 'error', 3)];
		}
	}
}

/** How many lines the pane takes at this width (0: no lesson). */
export function captionHeight(state: CaptionState | undefined, width: number): number {
	return state === undefined ? 0 : Math.min(captionMaxLines, captionLines(state, width).length);
}

/** The lesson's caption: what to watch for while a step plays, what it did at a pause point. */
export const CaptionPane = memo((props: {readonly width: number; readonly lines: number}) => {
	const state = useSlice('caption');
	const theme = useTheme();
	if (state === undefined) {
		return null;
	}

	return (
		<Box flexDirection="column" height={props.lines} overflow="hidden">
			{captionLines(state, props.width)
				.slice(0, props.lines)
				.map((line, index) => (
					<Text
						// eslint-disable-next-line react/no-array-index-key -- lines of one text, in order
						key={index}
						wrap="truncate"
						bold={line.bold}
						color={line.tone === undefined ? undefined : theme.color(line.tone)}
					>
						{line.text}
					</Text>
				))}
		</Box>
	);
});
