import test from 'ava';
import {type Probe, offsetFrom} from '../source/cluster/clock-sync.js';

/** A probe as a child sees it when the operator's clock reads `offset` more than its own. */
const probe = (
	sent: bigint,
	roundTrip: bigint,
	offset: bigint,
	operatorAt = roundTrip / 2n,
): Probe => ({
	sent,
	answer: sent + operatorAt + offset,
	received: sent + roundTrip,
});

test('one system-wide clock: the offset is exactly zero', (t) => {
	t.is(
		offsetFrom([probe(1000n, 80n, 0n), probe(2000n, 50n, 0n, 10n), probe(3000n, 120n, 0n, 119n)]),
		0n,
	);
});

test('clocks apart: within every probe’s bounds, so within half the tightest round trip', (t) => {
	const offset = 5_000_000n;
	const probes = [
		probe(1000n, 80n, offset, 70n),
		probe(2000n, 40n, offset, 5n),
		probe(3000n, 60n, offset, 30n),
	];
	const measured = offsetFrom(probes);
	for (const each of probes) {
		t.true(measured >= each.answer - each.received && measured <= each.answer - each.sent);
	}

	t.true(measured - offset <= 40n && offset - measured <= 40n, `${measured}`);
	t.true(offsetFrom([probe(1000n, 80n, -offset)]) < 0n);
});

test('no probe: no offset; bounds that disagree (a clock stepped): the middle of the tightest', (t) => {
	t.is(offsetFrom([]), 0n);
	const stepped: Probe[] = [
		{sent: 0n, answer: 1000n, received: 10n},
		{sent: 100n, answer: 5000n, received: 104n},
	];
	t.is(offsetFrom(stepped), 5000n - 102n);
});
