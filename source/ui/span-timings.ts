/**
Span timings with HdrHistogram (hdr-histogram-js): every duration is recorded
in nanoseconds with the precision of `cluster/histograms.ts` (3 significant
digits: p50/p99/max within 0.1 % of the truth whatever the range), in constant
memory. Histograms that replicas summarised (compressed base64, also ns, the
same precision) are merged in.
*/
import type * as hdr from 'hdr-histogram-js';
import {decodeHistogram, newDurationHistogram} from '../cluster/histograms.js';
import {type SpanKind, spanKinds} from './event-kinds.js';

export type SpanRow = {
	readonly kind: SpanKind;
	readonly label: string;
	/**
	Completed spans (stop events), every one counted even when only a sample was timed; for view
	changes, the views established.
	*/
	readonly count: number;
	/** Spans that ended in an exception. */
	readonly errors: number;
	/** Nanoseconds; undefined until something was recorded. */
	readonly p50: number | undefined;
	readonly p99: number | undefined;
	readonly max: number | undefined;
};

export const spanLabels: Readonly<Record<SpanKind, string>> = {
	client_request: 'client requests',
	operation: 'state-machine ops',
	// Counted once per view; timed per replica (each one's change to the new view).
	view_change: 'views established',
	state_transfer: 'state transfers',
};

// The count is kept apart from the histogram: replicas may time only a sample of their spans.
type Timing = {histogram: hdr.Histogram; count: number; errors: number};

const createHistogram = newDurationHistogram;

export class SpanTimings {
	readonly #timings: Record<SpanKind, Timing>;
	/** Views established in this cluster, and in the clusters before a reset. */
	readonly #views = new Set<number>();
	#viewsBefore = 0;

	constructor() {
		this.#timings = {
			client_request: {histogram: createHistogram(), count: 0, errors: 0},
			operation: {histogram: createHistogram(), count: 0, errors: 0},
			view_change: {histogram: createHistogram(), count: 0, errors: 0},
			state_transfer: {histogram: createHistogram(), count: 0, errors: 0},
		};
	}

	/** One completed span and its duration. */
	record(kind: SpanKind, nanos: number): void {
		const timing = this.#timings[kind];
		timing.histogram.recordValue(Math.max(0, Math.round(nanos)));
		timing.count++;
	}

	/** Completed spans counted elsewhere (a replica's report), timed or not. */
	addCount(kind: SpanKind, count: number): void {
		this.#timings[kind].count += count;
	}

	/** Merge a histogram of durations in ns (hdr-histogram-js, compressed base64); counts come with `addCount`. */
	merge(kind: SpanKind, encoded: string): void {
		const histogram = decodeHistogram(encoded);
		try {
			this.#timings[kind].histogram.add(histogram);
		} finally {
			histogram.destroy();
		}
	}

	/**
	A view some replica completed a change to (`view_change.complete`, raised by each replica
	that joins it): the view changes row counts views, not replicas.
	*/
	viewEstablished(view: number): void {
		this.#views.add(view);
	}

	/** A reset: the views of the fresh cluster are new ones. */
	newCluster(): void {
		this.#viewsBefore += this.#views.size;
		this.#views.clear();
	}

	recordError(kind: SpanKind, count = 1): void {
		this.#timings[kind].errors += count;
	}

	count(kind: SpanKind): number {
		return this.#timings[kind].count;
	}

	rows(): SpanRow[] {
		return spanKinds.map((kind) => {
			const {histogram, count, errors} = this.#timings[kind];
			const timed = histogram.totalCount > 0;
			// A percentile is the top of its bucket, which can pass the largest value recorded
			// (merged replica histograms have wider buckets): a percentile never shows above max.
			const max = histogram.maxValue;
			return {
				kind,
				label: spanLabels[kind],
				count: kind === 'view_change' ? this.#viewsBefore + this.#views.size : count,
				errors,
				p50: timed ? Math.min(histogram.getValueAtPercentile(50), max) : undefined,
				p99: timed ? Math.min(histogram.getValueAtPercentile(99), max) : undefined,
				max: timed ? max : undefined,
			};
		});
	}

	reset(): void {
		for (const timing of Object.values(this.#timings)) {
			timing.histogram.reset();
			timing.count = 0;
			timing.errors = 0;
		}
	}
}
