import {Box, Text} from 'ink';
import React, {memo} from 'react';
import type {InFlightMessage} from '../cluster/operator-api.js';
import {useSlice, useTheme} from './context.js';
import {messageTone} from './diagram-layout.js';
import {cell, fit, formatCount} from './format.js';
import type {MessagesSlice} from './slices.js';

/** `in 4 ms`, `due now`, or `held` while its time is not running (live and paused). */
export function dueText(dueInMs: number | undefined): string {
	if (dueInMs === undefined) {
		return 'held';
	}

	if (dueInMs <= 0) {
		return 'due now';
	}

	return dueInMs < 10 && !Number.isInteger(dueInMs)
		? `in ${dueInMs.toFixed(1)} ms`
		: `in ${formatCount(Math.round(dueInMs))} ms`;
}

/** `0→2`, `client→0`. */
export const routeText = (message: InFlightMessage): string =>
	`${String(message.from)}→${String(message.to)}`;

/** The pane's title: how many are in flight, what is hidden, and where the keys act. */
export function messagesTitle(slice: MessagesSlice): string {
	const hidden = slice.inFlight - slice.messages.length;
	const parts = [`messages in flight: ${formatCount(slice.inFlight)}`];
	if (slice.heartbeatsHidden && hidden > 0) {
		parts.push(`${formatCount(hidden)} heartbeats hidden (H)`);
	}

	if (slice.typed !== '') {
		parts.push(`#${slice.typed}…`);
	}

	parts.push(slice.focused ? 'keys: here (tab: nodes)' : 'keys: nodes (tab: here)');
	return parts.join(' · ');
}

/** One message per line, in delivery order: `#41  Prepare v0 op 3  0→2  in 4 ms`. */
export function messageLines(
	messages: readonly InFlightMessage[],
	width: number,
): Array<{readonly id: number; readonly text: string}> {
	const idWidth = Math.max(3, ...messages.map((message) => String(message.id).length + 1));
	const labelWidth = Math.min(24, Math.max(8, ...messages.map((message) => message.label.length)));
	const routeWidth = Math.max(4, ...messages.map((message) => routeText(message).length));
	return messages.map((message) => ({
		id: message.id,
		text: fit(
			`${cell(`#${message.id}`, idWidth)}  ${cell(message.label, labelWidth)}  ${cell(routeText(message), routeWidth)}  ${dueText(message.dueInMs)}`,
			width - 1,
		),
	}));
}

/** The messages in flight, in the order they will be delivered, the selected one marked; `lines` counts the title. */
export const MessagePane = memo((props: {readonly lines: number; readonly width: number}) => {
	const slice = useSlice('messages');
	const theme = useTheme();
	if (props.lines <= 0) {
		return null;
	}

	const rows = Math.max(0, props.lines - 1);
	const {messages} = slice;
	// Keep the selected message on the screen: the list scrolls under it.
	const selectedIndex = Math.max(
		0,
		messages.findIndex((message) => message.id === slice.selected),
	);
	const more = messages.length > rows;
	const shownRows = more ? Math.max(0, rows - 1) : rows;
	const first = Math.min(
		Math.max(0, selectedIndex - shownRows + 1),
		Math.max(0, messages.length - shownRows),
	);
	const shown = messages.slice(first, first + shownRows);
	const lines = messageLines(shown, props.width);
	const after = messages.length - first - shown.length;
	return (
		<Box flexDirection="column" width={props.width} height={props.lines}>
			<Text bold wrap="truncate" color={slice.focused ? theme.color('key') : theme.color('muted')}>
				{messagesTitle(slice)}
			</Text>
			{messages.length === 0 ? (
				<Text wrap="truncate" color={theme.color('muted')}>
					{slice.inFlight === 0
						? 'nothing in flight (s submits a request)'
						: 'only heartbeats are in flight (H shows them)'}
				</Text>
			) : undefined}
			{shown.map((message, index) => {
				const selected = message.id === slice.selected;
				return (
					<Text
						key={message.id}
						wrap="truncate"
						inverse={selected ? slice.focused : false}
						color={theme.messageColor(messageTone(message))}
					>
						{selected ? '>' : ' '}
						{lines[index]?.text}
					</Text>
				);
			})}
			{more ? (
				<Text wrap="truncate" color={theme.color('muted')}>
					{`  … ${formatCount(first)} before, ${formatCount(after)} after`}
				</Text>
			) : undefined}
		</Box>
	);
});
