import type * as hdr from 'hdr-histogram-js';
import {parseEvent, serializeEvent} from '../telemetry/serialize.js';
import type {EventName, Measurements, Metadata, Telemetry} from '../telemetry/telemetry.js';
import {decodeHistogram, newDurationHistogram} from './histograms.js';
import type {TelemetryReport} from './ipc.js';
import type {TelemetrySummary} from './operator-api.js';

/**
The operator's side of telemetry forwarding. Children report, per batch of
ticks, how many of each event they raised, hdr histograms of the durations, and
some events in full (all of them in full mode). Here the counts add up (in all
and per source), the histograms merge, and each full event is executed on the
operator's bus with its original measurements and metadata, so the UI and any
user handler see it as if it were raised here. The operator's own events go
through `emitLocal`: counted, executed on the bus, and written to the sink.
With a sink (`--events`), every full event is written to it as one NDJSON line,
exactly as the child serialized it.
*/

/** Where an event came from: a replica id, or `operatorSource`. */
export const operatorSource = -1;

/** Count and percentiles of one timed event (a span's stop or exception, a view change's end). */
export type SpanTiming = {
	/** Dotted event name, e.g. `vsr.protocol.client_request.stop`. */
	readonly event: string;
	readonly count: number;
	readonly p50Ms: number;
	readonly p99Ms: number;
	readonly maxMs: number;
};

export type ForwardingStats = {
	/** Events received in full. */
	fullEvents: number;
	/** Events counted by the children but not sent in full (sampled out). */
	sampledOut: number;
	/** Reports or lines that did not parse. */
	malformed: number;
};

const nsPerMs = 1_000_000;

export class TelemetryForwarding {
	readonly stats: ForwardingStats = {fullEvents: 0, sampledOut: 0, malformed: 0};
	private readonly totals = new Map<string, number>();
	private readonly bySource = new Map<number, Map<string, number>>();
	private readonly histograms = new Map<string, hdr.Histogram>();
	private readonly names = new Map<string, EventName>();
	private readonly listeners = new Set<(summary: TelemetrySummary) => void>();

	constructor(
		readonly bus: Telemetry,
		private readonly sink?: (line: string) => void,
	) {}

	/** Calls `listener` with each replica's counts and histograms as they arrive; returns the unsubscribe. */
	onReport(listener: (summary: TelemetrySummary) => void): () => void {
		this.listeners.add(listener);
		return () => {
			this.listeners.delete(listener);
		};
	}

	/** Takes one child's report. */
	ingest(source: number, report: TelemetryReport): void {
		const {counts, spans, events, sampledOut} = report;
		if (this.listeners.size > 0 && (counts !== undefined || spans !== undefined)) {
			const summary: TelemetrySummary = {node: source, counts, spans};
			for (const listener of this.listeners) {
				try {
					listener(summary);
				} catch {
					// A listener's failure is its own; forwarding goes on.
				}
			}
		}

		if (counts !== undefined) {
			for (const key of Object.keys(counts)) {
				const value = counts[key];
				if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) {
					this.count(source, key, value);
				} else {
					this.stats.malformed++;
				}
			}
		}

		if (spans !== undefined) {
			for (const key of Object.keys(spans)) {
				this.mergeHistogram(key, spans[key]);
			}
		}

		if (typeof sampledOut === 'number') {
			this.stats.sampledOut += sampledOut;
		}

		if (Array.isArray(events)) {
			for (const line of events) {
				this.ingestLine(line);
			}
		}
	}

	/** An event of the operator itself: counted, on the bus, and (unless `written` is false) in the sink. */
	emitLocal(
		event: EventName,
		measurements: Measurements,
		metadata: Metadata,
		written = true,
	): void {
		this.count(operatorSource, event.join('.'), 1);
		const {duration} = measurements;
		if (duration !== undefined) {
			this.histogram(event.join('.')).recordValue(Math.max(0, Number(duration)));
		}

		this.bus.execute(event, measurements, metadata);
		if (written) {
			this.sink?.(serializeEvent(event, measurements, metadata));
		}
	}

	/** Events counted so far, by dotted name, from every source. */
	counts(): ReadonlyMap<string, number> {
		return this.totals;
	}

	count(source: number, key: string, value: number): void {
		this.totals.set(key, (this.totals.get(key) ?? 0) + value);
		let mine = this.bySource.get(source);
		if (mine === undefined) {
			mine = new Map();
			this.bySource.set(source, mine);
		}

		mine.set(key, (mine.get(key) ?? 0) + value);
	}

	/** Events counted from one source (a replica id, across its restarts, or `operatorSource`). */
	countsOf(source: number): ReadonlyMap<string, number> {
		return this.bySource.get(source) ?? new Map();
	}

	total(key: string): number {
		return this.totals.get(key) ?? 0;
	}

	/** Count, p50, p99 and max of every event that carried a duration, merged over all sources. */
	spanTimings(): SpanTiming[] {
		return [...this.histograms]
			.filter(([, histogram]) => histogram.totalCount > 0)
			.map(([event, histogram]) => ({
				event,
				count: histogram.totalCount,
				p50Ms: histogram.getValueAtPercentile(50) / nsPerMs,
				p99Ms: histogram.getValueAtPercentile(99) / nsPerMs,
				maxMs: histogram.maxValue / nsPerMs,
			}))
			.toSorted((a, b) => (a.event < b.event ? -1 : 1));
	}

	private ingestLine(line: unknown): void {
		if (typeof line !== 'string') {
			this.stats.malformed++;
			return;
		}

		this.stats.fullEvents++;
		this.sink?.(line);
		let parsed;
		try {
			parsed = parseEvent(line);
		} catch {
			this.stats.malformed++;
			return;
		}

		this.bus.execute(this.nameOf(parsed.event), parsed.measurements, parsed.metadata);
	}

	/** The same frozen array for the same name, so the bus's per-array caches work. */
	private nameOf(event: EventName): EventName {
		const key = event.join('.');
		let name = this.names.get(key);
		if (name === undefined) {
			name = Object.freeze([...event]);
			this.names.set(key, name);
		}

		return name;
	}

	private histogram(key: string): hdr.Histogram {
		let histogram = this.histograms.get(key);
		if (histogram === undefined) {
			histogram = newDurationHistogram();
			this.histograms.set(key, histogram);
		}

		return histogram;
	}

	private mergeHistogram(key: string, encoded: unknown): void {
		if (typeof encoded !== 'string') {
			this.stats.malformed++;
			return;
		}

		try {
			const decoded = decodeHistogram(encoded);
			this.histogram(key).add(decoded);
			decoded.destroy();
		} catch {
			this.stats.malformed++;
		}
	}
}
