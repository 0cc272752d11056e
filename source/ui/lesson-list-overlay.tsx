import {Box, Text} from 'ink';
import React, {memo} from 'react';
import {scenarios} from '../lessons/catalogue.js';
import {useSelect, useTheme} from './context.js';
import {fit} from './format.js';
import {lessonListKeys} from './lesson-list.js';

/** The lessons (`g`), in class order, the chosen one marked: in the overlay's place. */
export const LessonListOverlay = memo((props: {readonly width: number}) => {
	const chosen = useSelect((view) => view.ui.lessonList);
	const theme = useTheme();
	const nameWidth = Math.max(...scenarios.map((each) => each.name.length));
	return (
		<Box flexDirection="column">
			<Text bold color={theme.color('title')} wrap="truncate">
				{fit(`Lessons (${lessonListKeys})`, props.width)}
			</Text>
			{scenarios.map((scenario, index) => {
				const here = index === chosen;
				return (
					<Text key={scenario.name} wrap="truncate" inverse={here}>
						<Text bold color={here ? undefined : theme.color('key')}>
							{`${here ? '▶' : ' '} ${index + 1}. ${scenario.name.padEnd(nameWidth)}`}
						</Text>
						{fit(`  ${scenario.summary}`, Math.max(0, props.width - nameWidth - 5))}
					</Text>
				);
			})}
		</Box>
	);
});
