/**
The feed on a real cluster lists events in the order they happened, across replicas: each
replica stamps its events on the cluster's clock, and the feed merges them by that time, though
each replica's events reach the operator in its own reports every 50 ms.
*/
import test from 'ava';
import type {FeedEntry} from '../source/ui/feed.js';
import {UiStore} from '../source/ui/store.js';
import {startCluster, waitFor} from './fixtures/cluster.js';

const requests = 60;

type Step = {readonly name: string; readonly index: number; readonly node: number | undefined};

test('for every request of a burst, the feed lists start → prepare → prepare_ok → commit in the order they happened', async (t) => {
	// Every event in full in the reports (a feed budget no burst spends), at the reports' pace.
	const operator = await startCluster(t, {replicas: 3, clients: 8, feedRate: 1_000_000});
	const store = new UiStore({operator, feedCapacity: 100_000});
	store.start();
	t.teardown(() => {
		store.dispose();
	});
	operator.burst(requests);
	await waitFor('the burst', () => operator.snapshot().acked >= requests, 60_000);
	await operator.flushTelemetry();
	store.flush();
	const feed = store.getView().feed.entries.toReversed();
	const primary = operator.snapshot().primary!;
	const number = (value: unknown): number => (typeof value === 'number' ? value : -1);
	const first = (
		name: string,
		matches: (entry: FeedEntry) => boolean,
		after = -1,
	): Step | undefined => {
		const index = feed.findIndex(
			(entry, at) => at > after && entry.kind.name === name && matches(entry),
		);
		return index === -1 ? undefined : {name, index, node: feed[index]!.node};
	};

	const starts = feed.filter(
		(entry) => entry.kind.name === 'protocol.client_request.start' && entry.node === primary,
	);
	t.true(starts.length >= requests, `${starts.length} requests started`);
	let checked = 0;
	for (const start of starts) {
		const op = number(start.metadata.op_number);
		const chain: Array<Step | undefined> = [
			first('protocol.client_request.start', (entry) => entry === start),
			first(
				'protocol.prepare.sent',
				(entry) => entry.node === primary && number(entry.metadata.op_number) === op,
			),
		];
		// The backup whose ack for this op reached the primary first: its side of the chain.
		const ack = first(
			'protocol.prepare_ok.received',
			(entry) => entry.node === primary && number(entry.metadata.op) >= op,
		);
		const backup = ack === undefined ? -1 : number(feed[ack.index]!.metadata.from);
		chain.push(
			first(
				'protocol.prepare.received',
				(entry) => entry.node === backup && number(entry.metadata.op) === op,
			),
			first(
				'protocol.prepare_ok.sent',
				(entry) => entry.node === backup && number(entry.metadata.op) >= op,
			),
			first(
				'protocol.prepare_ok.received',
				(entry) =>
					entry.node === primary &&
					number(entry.metadata.from) === backup &&
					number(entry.metadata.op) >= op,
			),
			first(
				'state.commit_advance',
				(entry) =>
					entry.node === primary &&
					number(entry.metadata.from) < op &&
					number(entry.metadata.to) >= op,
			),
		);
		const listed = chain.map((step) => step?.index ?? -1);
		t.true(
			listed.every((index, at) => index >= 0 && (at === 0 || index > listed[at - 1]!)),
			`op ${op}: ${chain.map((step, at) => `${step?.name ?? `missing step ${at}`} at ${step?.index ?? '-'}`).join(' → ')}`,
		);
		checked++;
	}

	t.true(checked >= requests);
	// And the feed's times only go forward.
	t.true(feed.every((entry, index) => index === 0 || entry.at >= feed[index - 1]!.at));
});
