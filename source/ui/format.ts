/** Text formatting shared by the panes. Pure functions; widths are in terminal columns. */
import {eventKey, events} from '../telemetry/catalogue.js';
import type {Measurements, Metadata} from '../telemetry/telemetry.js';

const compact = [2, 1, 0].map(
	(digits) => new Intl.NumberFormat('en-US', {notation: 'compact', maximumFractionDigits: digits}),
);

/**
The one number format of the screen: `1,234,567`; given a `width` it does not fit, as short as it
must be (`10.35M`, `300K`), so long runs stay readable in a column.
*/
export function formatCount(value: number, width = Number.POSITIVE_INFINITY): string {
	const whole = Math.round(value).toLocaleString('en-US');
	if (whole.length <= width) {
		return whole;
	}

	for (const format of compact) {
		const short = format.format(value);
		if (short.length <= width) {
			return short;
		}
	}

	return whole;
}

/** A duration given in microseconds: `850µs`, `3.2ms`, `41ms`, `1.25s`. */
export function formatMicros(micros: number): string {
	if (!Number.isFinite(micros)) {
		return '-';
	}

	if (micros < 1000) {
		return `${Math.round(micros)}µs`;
	}

	const ms = micros / 1000;
	if (ms < 10) {
		return `${ms.toFixed(1)}ms`;
	}

	if (ms < 1000) {
		return `${Math.round(ms)}ms`;
	}

	return `${(ms / 1000).toFixed(2)}s`;
}

export function formatMs(ms: number): string {
	return formatMicros(ms * 1000);
}

/** Elapsed time as `mm:ss` (or `h:mm:ss` past an hour). */
export function formatElapsed(ms: number): string {
	const total = Math.max(0, Math.floor(ms / 1000));
	const hours = Math.floor(total / 3600);
	const minutes = Math.floor((total % 3600) / 60);
	const seconds = total % 60;
	const mmss = `${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}`;
	return hours > 0 ? `${hours}:${mmss}` : mmss;
}

/** A feed timestamp: `mm:ss.mmm` since the operator started. */
export function formatClock(ms: number): string {
	const whole = Math.max(0, Math.floor(ms));
	const minutes = Math.floor(whole / 60_000) % 100;
	const seconds = Math.floor(whole / 1000) % 60;
	const millis = whole % 1000;
	return `${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}.${String(millis).padStart(3, '0')}`;
}

export function formatPercent(rate: number): string {
	const percent = rate * 100;
	return `${Number.isInteger(percent) ? percent : percent.toFixed(1)}%`;
}

/** `delay 20ms`, or `delay 20±5ms` with a jitter. */
export function delayText(delayMs: number, jitterMs: number | undefined): string {
	return jitterMs === undefined || jitterMs === 0
		? `delay ${delayMs}ms`
		: `delay ${delayMs}±${jitterMs}ms`;
}

/** Cut `text` to `width` columns, marking the cut with `…`. */
export function fit(text: string, width: number): string {
	if (width <= 0) {
		return '';
	}

	if (text.length <= width) {
		return text;
	}

	return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}

/** Pad or cut to exactly `width` columns. */
export function cell(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	const fitted = fit(text, width);
	return align === 'left' ? fitted.padEnd(width) : fitted.padStart(width);
}

/** A duration measurement in nanoseconds: a bigint, a number, or a decimal string (JSON). */
export function nanosOf(value: unknown): number | undefined {
	if (typeof value === 'bigint') {
		return Number(value);
	}

	if (typeof value === 'number' && Number.isFinite(value)) {
		return value;
	}

	if (typeof value === 'string' && /^\d+$/v.test(value)) {
		return Number(value);
	}

	return undefined;
}

/** A duration in nanoseconds: `850µs`, `3.2ms`, `1.25s`. */
export function formatNanos(nanos: number): string {
	return formatMicros(nanos / 1000);
}

// Metadata every replica event carries; the feed shows them only where they are the point.
const common = new Set([
	'node_id',
	'view_number',
	'status',
	'is_primary',
	'op_number',
	'commit_number',
	'telemetry_span_context',
	'stacktrace',
]);

// Measurements that are clock readings, not facts about the event.
const clockReadings = new Set(['monotonic_time', 'system_time']);

// Short names for the fields the feed shows most.
const aliases: Readonly<Record<string, string>> = {
	client_id: 'client',
	request_number: 'req',
	new_view: 'view',
	from_op: 'from_op',
	to_op: 'to_op',
};

/**
The word for an event's own `op` (which the node's `op` number beside it is not): what the
event does with that op.
*/
const ownOp: ReadonlyMap<string, string> = new Map(
	(
		[
			[events.prepareReceived, 'prepare'],
			[events.prepareOkSent, 'acks'],
			[events.prepareOkReceived, 'acks'],
			[events.logAppend, 'appends'],
			[events.quorumReached, 'commits'],
			[events.operationStart, 'applies'],
			[events.operationStop, 'applies'],
			[events.operationException, 'applies'],
			[events.checkpoint, 'at'],
		] as const
	).map(([event, word]) => [eventKey(event), word]),
);

// Fields that are quantities or op numbers, shown as every number on the screen is (1,234).
const quantities = new Set(['op', 'commit', 'from_op', 'to_op', 'count', 'entries', 'new_view']);

function formatValue(key: string, value: unknown): string | undefined {
	if (key === 'duration') {
		const nanos = nanosOf(value);
		return nanos === undefined ? undefined : formatNanos(nanos);
	}

	if (typeof value === 'number' && quantities.has(key)) {
		return formatCount(value);
	}

	if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
		return String(value);
	}

	if (typeof value === 'string') {
		return value.length > 24 ? `${value.slice(0, 23)}…` : value;
	}

	if (value === null || value === undefined) {
		return undefined;
	}

	if (Array.isArray(value) && value.every((item) => typeof item === 'number')) {
		return value.join(',');
	}

	if (value instanceof Error) {
		return value.message;
	}

	return undefined;
}

/**
The key numbers of one event, as `v2 op 17 c 16 acks 15 from 1 took 3.1ms`: the view, op and
commit numbers of the node that raised it, then the event's own fields (its own op named for
what the event does with it, so it never reads as a second `op`).
*/
export function eventDetails(name: string, measurements: Measurements, metadata: Metadata): string {
	const parts: string[] = [];
	const view = metadata.view_number;
	if (typeof view === 'number') {
		parts.push(`v${formatCount(view)}`);
	}

	const op = metadata.op_number;
	if (typeof op === 'number') {
		parts.push(`op ${formatCount(op)}`);
	}

	const commit = metadata.commit_number;
	if (typeof commit === 'number') {
		parts.push(`c ${formatCount(commit)}`);
	}

	for (const [key, value] of Object.entries(metadata)) {
		// The commit a Commit carries, when it is the node's own, is shown once.
		if (common.has(key) || (key === 'commit' && value === commit)) {
			continue;
		}

		const text = formatValue(key, value);
		if (text === undefined) {
			continue;
		}

		if (key === 'operation') {
			// What the applied op is: `applies 75 (put)`.
			parts.push(`(${text})`);
		} else {
			const label = key === 'op' ? (ownOp.get(name) ?? 'its op') : (aliases[key] ?? key);
			parts.push(`${label} ${text}`);
		}
	}

	for (const [key, value] of Object.entries(measurements)) {
		if (clockReadings.has(key)) {
			continue;
		}

		const text = formatValue(key, value);
		if (text !== undefined) {
			parts.push(`${key === 'duration' ? 'took' : key} ${text}`);
		}
	}

	return parts.join(' ');
}
