import {Box, Text} from 'ink';
import React, {memo} from 'react';
import {useSlice, useTheme} from './context.js';
import {formatCount, formatElapsed, formatPercent} from './format.js';

/** Lines the header takes. */
export const headerHeight = 2;

export function formatRate(perSecond: number): string {
	return perSecond >= 10 || perSecond === 0 ? formatCount(perSecond) : perSecond.toFixed(1);
}

/** Cluster size, view and primary, commit, requests/s, elapsed time, live or paused; then the network settings and counts. */
export const Header = memo(() => {
	const header = useSlice('header');
	const theme = useTheme();
	const primary = header.primary === undefined ? 'none' : String(header.primary);
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				<Text bold color={theme.color('title')}>
					vsr-tui
				</Text>
				{'  '}
				{header.paused ? (
					<Text bold color={theme.color('warn')}>
						PAUSED ({header.held} held)
					</Text>
				) : (
					<Text bold color={theme.color('ok')}>
						LIVE
					</Text>
				)}
				{`  ${formatElapsed(header.elapsedMs)}  ${header.replicas} replicas  view ${header.view}  primary `}
				<Text
					bold
					color={header.primary === undefined ? theme.color('error') : theme.color('primary')}
				>
					{primary}
				</Text>
				{`  commit ${formatCount(header.commit)}  ${formatRate(header.requestsPerSecond)} req/s`}
			</Text>
			<Text wrap="truncate">
				<Text color={header.load ? theme.color('ok') : undefined}>
					load {header.load ? 'on' : 'off'}
				</Text>
				{'  '}
				<Text color={header.dropRate > 0 ? theme.color('faulty') : undefined}>
					drop {formatPercent(header.dropRate)}
				</Text>
				{'  '}
				<Text color={header.delayMs > 0 ? theme.color('faulty') : undefined}>
					delay {header.delayMs}ms
				</Text>
				{`  acked ${formatCount(header.acked)}  events ${formatCount(header.events)} (${formatRate(header.eventsPerSecond)}/s)`}
				{header.outsideFailureModel ? (
					<Text bold color={theme.color('error')}>
						{'  '}more than f down: no guarantees
					</Text>
				) : undefined}
			</Text>
		</Box>
	);
});
