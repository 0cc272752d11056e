/**
The one place that makes hdr-histogram-js histograms of durations: the replicas' reports, the
operator's totals, the clients' latencies and the operator screen's span timings all use it, so
every figure shown has the same precision. A replica loads this module in the background
(`import()`): the library takes over 100 ms of CPU to load.
*/
import * as hdr from 'hdr-histogram-js';

/**
Significant digits kept: 3, so a recorded duration is within 0.1 % of the truth (the bucket it
falls in is at most that wide).
*/
export const significantDigits = 3;

/** Nanosecond durations, from 1 ns, growing as needed; 64-bit counts. */
export function newDurationHistogram(): hdr.Histogram {
	return hdr.build({
		bitBucketSize: 64,
		lowestDiscernibleValue: 1,
		numberOfSignificantValueDigits: significantDigits,
		autoResize: true,
	});
}

/** How a histogram travels in a telemetry report: compressed, base64. */
export function encodeHistogram(histogram: hdr.Histogram): string {
	return hdr.encodeIntoCompressedBase64(histogram);
}

/** A histogram from a report; throws on one that does not decode. Destroy it after use. */
export function decodeHistogram(encoded: string): hdr.Histogram {
	return hdr.decodeFromCompressedBase64(encoded, 64);
}

export type LatencySummary = {readonly p50: number; readonly p99: number; readonly max: number};

/** p50, p99 and max of a nanosecond histogram, in milliseconds rounded to the microsecond. */
export function latencyMs(histogram: hdr.Histogram): LatencySummary {
	const ms = (ns: number) => Math.round(ns / 1000) / 1000;
	if (histogram.totalCount === 0) {
		return {p50: 0, p99: 0, max: 0};
	}

	// A percentile is the top of its bucket, which can pass the largest value recorded.
	const max = histogram.maxValue;
	return {
		p50: ms(Math.min(histogram.getValueAtPercentile(50), max)),
		p99: ms(Math.min(histogram.getValueAtPercentile(99), max)),
		max: ms(max),
	};
}
