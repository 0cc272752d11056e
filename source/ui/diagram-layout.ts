/**
How the sequence diagram is drawn in a terminal, as text: one column per replica and one for the
clients (left), time downward, each message a row with an arrow from its sender's column to its
receiver's (`├──────▶`), a dropped one stopping half-way in an `x`, marks on a replica's column,
and the labels in a column of their own on the right, where they always fit whole. Pure: rows in,
lines out.
*/
import type {Endpoint} from '../cluster/operator-api.js';
import type {MessageType} from '../vsr/messages.js';
import type {DiagramRow, MarkKind} from './diagram.js';

/** What a part of a line is, for its colour. */
export type DiagramTone =
	| 'time'
	| 'lifeline'
	| 'request'
	| 'normal'
	| 'heartbeat'
	| 'view'
	| 'recovery'
	| 'lost'
	| 'crash'
	| 'commit'
	| 'note';

export type Segment = {readonly text: string; readonly tone: DiagramTone};

export type DiagramColumns = {
	/** Width of the time at the left, its space included. */
	readonly gutter: number;
	/** Columns between two lifelines. */
	readonly spacing: number;
	/** Where each lifeline is: the clients', then replica 0's, 1's … */
	readonly lifelines: readonly number[];
	/** Where the labels start, and how wide they may be. */
	readonly labelAt: number;
	readonly labelWidth: number;
};

const gutter = 8;
const widestSpacing = 10;
const narrowestSpacing = 3;
/** The labels keep at least this much room while the lifelines can give it. */
const labelRoom = 24;

/** Where the lifelines of `replicas` replicas (and the clients) go in `width` columns. */
export function diagramColumns(replicas: number, width: number): DiagramColumns {
	const lifelineCount = replicas + 1;
	const spare = width - gutter - 3 - labelRoom;
	const spacing = Math.max(
		narrowestSpacing,
		Math.min(widestSpacing, Math.floor(spare / Math.max(1, replicas))),
	);
	const lifelines = Array.from({length: lifelineCount}, (_, index) => gutter + index * spacing);
	const labelAt = (lifelines.at(-1) ?? gutter) + 3;
	return {gutter, spacing, lifelines, labelAt, labelWidth: Math.max(0, width - labelAt)};
}

/** The lifeline of an endpoint: the clients' first, then the replicas'. */
export const lifelineOf = (endpoint: Endpoint): number =>
	endpoint === 'client' ? 0 : endpoint + 1;

const fitTo = (text: string, width: number): string =>
	text.length <= width ? text : width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;

/** The names above the lifelines: `c`, `n0`, `n1` … */
export function diagramHeader(replicas: number, columns: DiagramColumns): string {
	const cells = [...' '.repeat(columns.labelAt)];
	for (const [index, x] of columns.lifelines.entries()) {
		const name = index === 0 ? 'c' : `n${index - 1}`;
		for (const [offset, character] of [...name].entries()) {
			if (x + offset < cells.length) {
				cells[x + offset] = character;
			}
		}
	}

	return cells.join('').trimEnd();
}

const markGlyphs: Readonly<Record<MarkKind, string>> = {
	crash: '✖',
	restart: '↻',
	viewChange: '◇',
	view: '◆',
	commit: '✓',
	cut: '╳',
};

const markTones: Readonly<Record<MarkKind, DiagramTone>> = {
	crash: 'crash',
	restart: 'recovery',
	viewChange: 'view',
	view: 'view',
	commit: 'commit',
	cut: 'lost',
};

/** A message's colour by what it is for: requests, the normal case, view changes, recovery; heartbeats quiet, losses loud. */
export function messageTone(row: {
	readonly type: MessageType;
	readonly heartbeat: boolean;
	readonly dropped?: boolean;
}): DiagramTone {
	if (row.dropped === true) {
		return 'lost';
	}

	if (row.heartbeat) {
		return 'heartbeat';
	}

	switch (row.type) {
		case 'request':
		case 'reply': {
			return 'request';
		}

		case 'prepare':
		case 'prepare_ok':
		case 'commit': {
			return 'normal';
		}

		case 'start_view_change':
		case 'do_view_change':
		case 'start_view': {
			return 'view';
		}

		case 'recovery':
		case 'recovery_response':
		case 'get_state':
		case 'new_state': {
			return 'recovery';
		}
	}
}

/** `12.345`: virtual seconds, right-aligned in the gutter. */
export function diagramTime(ms: number): string {
	return (ms / 1000).toFixed(3).padStart(gutter - 1);
}

function lifelines(columns: DiagramColumns): string[] {
	const cells = [...' '.repeat(columns.labelAt)];
	for (const x of columns.lifelines) {
		cells[x] = '│';
	}

	return cells;
}

/** One row of the diagram as coloured parts: the time, the lifelines with the arrow or mark, the label. */
export function diagramLine(row: DiagramRow, columns: DiagramColumns): Segment[] {
	const cells = lifelines(columns);
	const blank = ' '.repeat(columns.gutter);
	switch (row.kind) {
		case 'message': {
			const from = columns.lifelines[lifelineOf(row.from)] ?? columns.gutter;
			const to = columns.lifelines[lifelineOf(row.to)] ?? columns.gutter;
			const step = to > from ? 1 : -1;
			// A lost message stops in an x just short of its receiver (never on a lifeline between).
			const end = row.dropped
				? to - step * Math.max(1, Math.min(3, Math.abs(to - from) - 1))
				: to - step;
			cells[from] = step > 0 ? '├' : '┤';
			for (let x = from + step; x !== end; x += step) {
				cells[x] = '─';
			}

			cells[end] = row.dropped ? 'x' : step > 0 ? '▶' : '◀';
			const lost = row.dropped ? ` (lost${row.reason === undefined ? '' : `: ${row.reason}`})` : '';
			const tone = messageTone(row);
			return [
				{text: `${diagramTime(row.at)} `, tone: 'time'},
				{text: cells.slice(columns.gutter).join(''), tone},
				{text: fitTo(`${row.label}${lost}`, columns.labelWidth), tone},
			];
		}

		case 'mark': {
			const x = columns.lifelines[row.node + 1];
			if (x !== undefined) {
				cells[x] = markGlyphs[row.mark];
			}

			const tone = markTones[row.mark];
			return [
				{text: blank, tone: 'time'},
				{text: cells.slice(columns.gutter).join(''), tone},
				{text: fitTo(row.text, columns.labelWidth), tone},
			];
		}

		case 'note': {
			const first = columns.lifelines[0] ?? columns.gutter;
			const last = columns.lifelines.at(-1) ?? first;
			for (let x = first; x <= last; x++) {
				cells[x] = '┄';
			}

			return [
				{text: blank, tone: 'time'},
				{text: cells.slice(columns.gutter).join(''), tone: 'note'},
				{text: fitTo(row.text, columns.labelWidth), tone: 'note'},
			];
		}
	}
}

/** The rows a window of `lines` shows, `scroll` rows back from the newest. */
export function visibleRows<T>(rows: readonly T[], lines: number, scroll: number): readonly T[] {
	const end = Math.max(0, rows.length - Math.max(0, scroll));
	return rows.slice(Math.max(0, end - Math.max(0, lines)), end);
}
