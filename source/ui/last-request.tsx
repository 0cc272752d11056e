import {Box, Text} from 'ink';
import React, {memo} from 'react';
import {formatKvOperation} from '../vsr/kv-store.js';
import type {Result} from '../vsr/state-machine.js';
import {useSlice, useTheme} from './context.js';
import {formatMs} from './format.js';

export function describeResult(result: Result): string {
	if (!result.ok) {
		return `error: ${result.error}`;
	}

	return typeof result.value === 'string'
		? result.value
		: (JSON.stringify(result.value) ?? 'undefined');
}

/** The last request submitted with `s`: its operation, the reply and the latency. */
export const LastRequest = memo(() => {
	const last = useSlice('lastRequest');
	const theme = useTheme();
	const title = (
		<Text bold wrap="truncate" color={theme.color('muted')}>
			last request (s)
		</Text>
	);
	switch (last.state) {
		case 'none': {
			return (
				<Box flexDirection="column">
					{title}
					<Text wrap="truncate">none yet: s submits one</Text>
				</Box>
			);
		}

		case 'pending': {
			return (
				<Box flexDirection="column">
					{title}
					<Text wrap="truncate" color={theme.color('warn')}>
						waiting for the reply…
					</Text>
				</Box>
			);
		}

		case 'failed': {
			return (
				<Box flexDirection="column">
					{title}
					<Text wrap="truncate" color={theme.color('error')}>
						failed: {last.error}
					</Text>
				</Box>
			);
		}

		case 'done': {
			const {outcome} = last;
			return (
				<Box flexDirection="column">
					{title}
					<Text wrap="truncate">{formatKvOperation(outcome.operation)}</Text>
					<Text
						wrap="truncate"
						color={outcome.result.ok ? theme.color('ok') : theme.color('error')}
					>
						reply {describeResult(outcome.result)}
					</Text>
					<Text wrap="truncate">latency {formatMs(outcome.latencyMs)}</Text>
					<Text wrap="truncate" color={theme.color('muted')}>
						client {outcome.clientId} req {outcome.requestNumber}
					</Text>
				</Box>
			);
		}
	}
});
