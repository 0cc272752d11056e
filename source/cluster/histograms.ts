import * as hdr from 'hdr-histogram-js';

/** Nanosecond durations: 2 significant digits (1 %), growing as needed. */
export function newDurationHistogram(): hdr.Histogram {
	return hdr.build({bitBucketSize: 64, numberOfSignificantValueDigits: 2, autoResize: true});
}

export type LatencySummary = {readonly p50: number; readonly p99: number; readonly max: number};

/** p50, p99 and max of a nanosecond histogram, in milliseconds rounded to the microsecond. */
export function latencyMs(histogram: hdr.Histogram): LatencySummary {
	const ms = (ns: number) => Math.round(ns / 1000) / 1000;
	if (histogram.totalCount === 0) {
		return {p50: 0, p99: 0, max: 0};
	}

	// A percentile is the top of its bucket (1 % wide), which can pass the largest value recorded.
	const max = histogram.maxValue;
	return {
		p50: ms(Math.min(histogram.getValueAtPercentile(50), max)),
		p99: ms(Math.min(histogram.getValueAtPercentile(99), max)),
		max: ms(max),
	};
}
