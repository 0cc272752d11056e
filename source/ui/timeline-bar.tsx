import {Text} from 'ink';
import React, {memo} from 'react';
import {useSlice, useTheme} from './context.js';
import {formatCount} from './format.js';
import type {Tone} from './theme.js';
import type {MarkKind, TravelSlice} from './slices.js';

/** Lines the bar takes when it is shown (a seeded session). */
export const timelineBarHeight = 1;

/** Each mark's glyph (as the diagram marks them on a lifeline) and colour; the first listed wins a cell. */
export const markGlyphs: ReadonlyArray<readonly [MarkKind, string, Tone]> = [
	['crash', '✖', 'crashed'],
	['view', '◆', 'viewChange'],
	['partition', '≠', 'isolated'],
	['heal', '=', 'isolated'],
	['restart', '↻', 'recovering'],
];

const tapeGlyph = '─';
const label = 'timeline ';

/** `past: message 12 of 40 · fork 1 from message 9`, or the present's count. */
export function travelText(travel: TravelSlice): string {
	const total = formatCount(travel.length);
	const where = travel.forking
		? 'forking…'
		: travel.point === undefined
			? `now: message ${total}`
			: `past: message ${formatCount(travel.point)} of ${total}`;
	const fork =
		travel.forks === 0
			? ''
			: ` · fork ${travel.forks} from message ${formatCount(travel.forkedAt ?? 0)}`;
	return `${where}${fork}${travel.full ? ' · timeline full' : ''}`;
}

type Cell = {readonly glyph: string; readonly tone: Tone | undefined};

/** The cell of a point: the start at the left end, the present at the right. */
function cellOf(point: number, points: number, cells: number): number {
	return points <= 1 ? cells - 1 : Math.round((point * (cells - 1)) / (points - 1));
}

/**
The tape: the run's points (0 to `length` messages) over `width` cells, each cell the first mark
of its points (a crash, a new view, a cut, its heal, a restart; a mark whose cell is another's
takes the next one when it is free) or a plain stretch.
*/
export function tapeCells(travel: TravelSlice, width: number): Cell[] {
	const points = travel.length + 1;
	const cells = Math.max(1, width);
	const rank = (kind: MarkKind): number => markGlyphs.findIndex(([each]) => each === kind);
	const found: Array<MarkKind | undefined> = Array.from({length: cells});
	for (const mark of travel.marks) {
		let cell = cellOf(mark.point, points, cells);
		const taken = found[cell];
		// Two marks close together (a crash, then the new view): the second takes the next cell.
		if (
			taken !== undefined &&
			taken !== mark.kind &&
			cell + 1 < cells &&
			found[cell + 1] === undefined
		) {
			cell++;
		}

		const there = found[cell];
		if (there === undefined || rank(mark.kind) < rank(there)) {
			found[cell] = mark.kind;
		}
	}

	return found.map((kind) => {
		const mark = markGlyphs.find(([each]) => each === kind);
		return mark === undefined ? {glyph: tapeGlyph, tone: 'muted'} : {glyph: mark[1], tone: mark[2]};
	});
}

/** The cell of the point shown (the last at the present). */
export function cursorCell(travel: TravelSlice, cells: number): number {
	return cellOf(travel.point ?? travel.length, travel.length + 1, cells);
}

/**
The timeline of a seeded session, under the header: a tape of the run's delivered messages with
its view changes, crashes, restarts and cuts marked, the point shown in inverse, and where that
is (`past: message 12 of 40` while travelling, in yellow).
*/
export const TimelineBar = memo((props: {readonly width: number}) => {
	const travel = useSlice('travel');
	const theme = useTheme();
	if (!travel.shown) {
		return null;
	}

	const text = travelText(travel);
	// Room for the text as it grows, so that the tape does not shift as the numbers do.
	const tapeWidth = Math.max(4, props.width - label.length - Math.max(text.length, 34) - 2);
	const cells = tapeCells(travel, tapeWidth);
	const cursor = cursorCell(travel, cells.length);
	const past = travel.point !== undefined || travel.forking;
	// Runs of cells of one colour, and the cursor's cell on its own.
	const runs: Array<{text: string; tone: Tone | undefined; cursor: boolean}> = [];
	for (const [index, cell] of cells.entries()) {
		const isCursor = index === cursor;
		const glyph = isCursor && cell.glyph === tapeGlyph ? '│' : cell.glyph;
		const last = runs.at(-1);
		if (last !== undefined && !isCursor && !last.cursor && last.tone === cell.tone) {
			last.text += glyph;
		} else {
			runs.push({text: glyph, tone: cell.tone, cursor: isCursor});
		}
	}

	return (
		<Text wrap="truncate">
			<Text color={theme.color('muted')}>{label}</Text>
			{runs.map((run, index) => (
				<Text
					// eslint-disable-next-line react/no-array-index-key -- runs are positions on the tape
					key={index}
					inverse={run.cursor}
					bold={run.cursor}
					color={run.tone === undefined ? undefined : theme.color(run.tone)}
				>
					{run.text}
				</Text>
			))}
			{'  '}
			<Text bold={past} color={past ? theme.color('warn') : undefined}>
				{text}
			</Text>
		</Text>
	);
});
