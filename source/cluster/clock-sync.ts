/**
One clock for the whole cluster: the operator's monotonic clock. A replica process measures,
when it starts and before it raises any event, the offset to add to its own monotonic clock to
read the operator's, and stamps its events with that sum; so events raised in different
processes can be put in the order they happened.

The measurement is a few round trips: the child reads its clock (`sent`), asks the operator,
which answers with its own reading (`answer`), and reads its clock again (`received`). The
operator read its clock between the child's two readings, so each probe bounds the offset to
[answer − received, answer − sent]. The offset taken is the value within every probe's bounds
closest to zero: exactly zero when both processes read one system-wide clock (Node's
monotonic clock is, on Linux, macOS and Windows), else within half a round trip of the truth.
*/

export type Probe = {readonly sent: bigint; readonly answer: bigint; readonly received: bigint};

/** Round trips a replica makes to measure its offset. */
export const clockProbes = 5;

/** How long a replica waits for one answer before it goes on with what it measured (ms). */
export const clockProbeTimeoutMs = 1000;

export function offsetFrom(probes: readonly Probe[]): bigint {
	if (probes.length === 0) {
		return 0n;
	}

	let low = probes[0]!.answer - probes[0]!.received;
	let high = probes[0]!.answer - probes[0]!.sent;
	for (const probe of probes) {
		const probeLow = probe.answer - probe.received;
		const probeHigh = probe.answer - probe.sent;
		// Bigints: Math.max and Math.min take numbers only.
		if (probeLow > low) {
			low = probeLow;
		}

		if (probeHigh < high) {
			high = probeHigh;
		}
	}

	if (low > high) {
		// The bounds disagree (a clock stepped): the middle of the tightest probe.
		const tightest = probes.reduce((best, probe) =>
			probe.received - probe.sent < best.received - best.sent ? probe : best,
		);
		return tightest.answer - (tightest.sent + tightest.received) / 2n;
	}

	if (low > 0n) {
		return low;
	}

	return high < 0n ? high : 0n;
}
