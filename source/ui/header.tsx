import {Box, Text} from 'ink';
import React, {memo} from 'react';
import {useSlice, useTheme} from './context.js';
import {delayText, formatClock, formatCount, formatElapsed, formatPercent} from './format.js';
import type {FaultsShown} from './slices.js';

/** Lines the header takes. */
export const headerHeight = 2;

export function formatRate(perSecond: number): string {
	return perSecond >= 10 || perSecond === 0 ? formatCount(perSecond) : perSecond.toFixed(1);
}

const compact = new Intl.NumberFormat('en-US', {notation: 'compact', maximumFractionDigits: 1});

/** `12,345` below 100,000, then `302.7K`, `22.5M`: big counters keep the line short. */
export function formatBig(value: number): string {
	return value < 100_000 ? formatCount(value) : compact.format(value);
}

/** A rate the same way, with one decimal below 10 a second. */
export function formatBigRate(perSecond: number): string {
	return perSecond < 100_000 ? formatRate(perSecond) : compact.format(perSecond);
}

const title = 'vsr-tui  ';

/** `0.1×`. */
export const speedText = (speed: number): string => `${speed}×`;

/** Virtual time: to the millisecond while time is paused or slowed (a teaching session), else `mm:ss`. */
export function virtualTime(header: {
	readonly virtualTimeMs: number;
	readonly paused: boolean;
	readonly speed: number;
}): string {
	return header.paused || header.speed < 1
		? formatClock(header.virtualTimeMs)
		: formatElapsed(header.virtualTimeMs);
}

/** What the network keys act on and its settings: `drop 5%  delay 20ms`, `n2: drop 5%  delay 20±5ms`. */
export function faultsText(faults: FaultsShown): string {
	const settings = `drop ${formatPercent(faults.dropRate)}  ${delayText(faults.delayMs, faults.jitterMs)}`;
	return faults.target === 'network' ? settings : `${faults.name}: ${settings}`;
}

/**
Line 1, the cluster: size, f and quorum, view and primary, commit number, committed requests per
second (and a warning when more than f replicas are down); the title gives way when the line
would not fit. Line 2, the operator: running or paused, the speed of time, the seed of a
deterministic session (or live, or the cluster file of the cluster it is attached to), the virtual time, load, the fault settings the network keys act
on (the whole network's, or a node's or a link's, named), and the events counted.
*/
export const Header = memo((props: {readonly width: number}) => {
	const header = useSlice('header');
	const theme = useTheme();
	const primary = header.primary === undefined ? 'none' : String(header.primary);
	const cluster = `${header.replicas} ${header.replicas === 1 ? 'replica' : 'replicas'} · f=${header.f} · quorum ${header.quorum}  view ${formatCount(header.view)}  primary `;
	const progress = `  commit ${formatCount(header.commit)}  ${formatRate(header.requestsPerSecond)} req/s`;
	const titled = title.length + cluster.length + primary.length + progress.length <= props.width;
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				{titled ? (
					<Text bold color={theme.color('title')}>
						{title}
					</Text>
				) : undefined}
				{cluster}
				<Text
					bold
					color={header.primary === undefined ? theme.color('error') : theme.color('primary')}
				>
					{primary}
				</Text>
				{progress}
				{header.outsideFailureModel ? (
					<Text bold color={theme.color('error')}>
						{'  '}more than f down
					</Text>
				) : undefined}
			</Text>
			<Text wrap="truncate">
				{header.paused ? (
					<Text bold color={theme.color('warn')}>
						PAUSED
					</Text>
				) : (
					<Text bold color={theme.color('ok')}>
						RUNNING
					</Text>
				)}{' '}
				<Text bold color={header.speed < 1 ? theme.color('warn') : undefined}>
					{speedText(header.speed)}
				</Text>
				{'  '}
				{header.attached === undefined
					? header.seed === undefined
						? 'live'
						: `seed ${header.seed}`
					: `attached ${header.attached}`}
				{`  ${virtualTime(header)}  `}
				<Text color={header.load ? theme.color('ok') : undefined}>
					load {header.load ? 'on' : 'off'}
				</Text>
				{'  '}
				<Text
					color={
						header.faults.target === 'network'
							? header.faults.dropRate > 0 || header.faults.delayMs > 0
								? theme.color('faulty')
								: undefined
							: theme.color('key')
					}
				>
					{faultsText(header.faults)}
				</Text>
				{`  events ${formatBig(header.events)} (${formatBigRate(header.eventsPerSecond)}/s)`}
			</Text>
		</Box>
	);
});
