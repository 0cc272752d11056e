import test from 'ava';
import {encodeHistogram, newDurationHistogram} from '../source/cluster/histograms.js';
import type {OperatorControls, TelemetrySummary} from '../source/cluster/operator-api.js';
import {operatorEvents} from '../source/telemetry/catalogue.js';
import {type EventName, type Measurements, Telemetry} from '../source/telemetry/telemetry.js';
import {commandFor} from '../source/ui/keymap.js';
import {spanLine} from '../source/ui/span-timings-pane.js';
import {UiStore} from '../source/ui/store.js';
import {createFakeOperator, fakeNode} from './ui-fake-operator.js';

const common = (node: number, op = 1) => ({
	node_id: node,
	view_number: 0,
	status: 'normal',
	is_primary: node === 0,
	op_number: op,
	commit_number: op - 1,
});

const prepareSent: EventName = ['vsr', 'protocol', 'prepare', 'sent'];
const requestStop: EventName = ['vsr', 'protocol', 'client_request', 'stop'];
const requestException: EventName = ['vsr', 'protocol', 'client_request', 'exception'];
const viewChangeComplete: EventName = ['vsr', 'view_change', 'complete'];
const viewChangeStart: EventName = ['vsr', 'view_change', 'start'];

function manualClock(start = 1000) {
	let now = start;
	return {
		now: () => now,
		advance(ms: number) {
			now += ms;
		},
	};
}

test('counts every event on the bus, by category, and keeps the newest in a bounded feed', (t) => {
	const operator = createFakeOperator();
	const store = new UiStore({operator, feedCapacity: 50});
	store.start();
	t.teardown(() => {
		store.dispose();
	});
	for (let op = 1; op <= 1000; op++) {
		operator.telemetry.execute(prepareSent, {count: 2}, common(0, op));
	}

	operator.telemetry.execute(viewChangeStart, {}, {...common(1), new_view: 1});
	operator.telemetry.execute(operatorEvents.operatorCrash, {}, {node: 0});
	store.flush();
	const {header, feed} = store.getView();
	t.is(store.events, 1002);
	t.is(header.events, 1002);
	t.is(feed.counts.protocol, 1000);
	t.is(feed.counts.view_change, 1);
	t.is(feed.counts.operator, 1);
	t.is(feed.entries.length, 50);
	t.is(feed.entries[0]?.kind.name, 'operator.crash');
	t.is(feed.entries[1]?.kind.name, 'view_change.start');
	t.is(feed.entries[2]?.metadata.op_number, 1000);
});

test('the feed lists events in the order they were raised (their monotonic_time), not as they arrived', (t) => {
	let clock = 5_000_000_000n;
	const bus = new Telemetry({clock: {monotonicTime: () => clock, systemTime: () => clock}});
	const operator = createFakeOperator(3, bus);
	const store = new UiStore({operator});
	store.start();
	t.teardown(() => {
		store.dispose();
	});
	const at = (ms: number) => ({monotonic_time: 5_000_000_000n + BigInt(ms * 1_000_000)});
	// Replica 0's report, then replica 1's: its prepare_ok.sent happened before the primary heard it.
	operator.telemetry.execute(prepareSent, {count: 2, ...at(10)}, common(0, 1));
	operator.telemetry.execute(['vsr', 'protocol', 'prepare_ok', 'received'], at(14), {
		...common(0, 1),
		from: 1,
		op: 1,
	});
	operator.telemetry.execute(['vsr', 'protocol', 'prepare', 'received'], at(11), {
		...common(1, 1),
		op: 1,
	});
	operator.telemetry.execute(['vsr', 'protocol', 'prepare_ok', 'sent'], at(12), {
		...common(1, 1),
		op: 1,
	});
	// The operator's own event, stamped by its clock, and one with no time (stamped when it arrives).
	clock += 13_000_000n;
	operator.telemetry.execute(operatorEvents.operatorCrash, {monotonic_time: clock}, {node: 2});
	clock += 7_000_000n;
	operator.telemetry.execute(
		['vsr', 'client', 'retry'],
		{attempt: 1},
		{client_id: 1, request_number: 1},
	);
	store.flush();
	const {entries} = store.getView().feed;
	t.deepEqual(
		entries.map((entry) => `${entry.at} ${entry.kind.name}`),
		[
			'20 client.retry',
			'14 protocol.prepare_ok.received',
			'13 operator.crash',
			'12 protocol.prepare_ok.sent',
			'11 protocol.prepare.received',
			'10 protocol.prepare.sent',
		],
	);
});

test('a filter shows the last events of its category even when others flood the feed', (t) => {
	const operator = createFakeOperator();
	const store = new UiStore({operator, feedCapacity: 20});
	store.start();
	t.teardown(() => {
		store.dispose();
	});
	operator.telemetry.execute(viewChangeStart, {}, {...common(1), new_view: 1});
	for (let op = 1; op <= 500; op++) {
		operator.telemetry.execute(prepareSent, {count: 2}, common(0, op));
	}

	store.perform({action: 'filter'});
	t.is(store.getView().feed.filter, 'protocol');
	store.perform({action: 'filter'});
	const {feed} = store.getView();
	t.is(feed.filter, 'view_change');
	t.deepEqual(
		feed.entries.map((entry) => entry.kind.name),
		['view_change.start'],
	);
});

test('a frozen feed keeps its lines, still counts, and says how many it missed', (t) => {
	const operator = createFakeOperator();
	const store = new UiStore({operator});
	store.start();
	t.teardown(() => {
		store.dispose();
	});
	operator.telemetry.execute(prepareSent, {count: 2}, common(0, 1));
	store.perform({action: 'toggleFeed'});
	for (let op = 2; op <= 11; op++) {
		operator.telemetry.execute(prepareSent, {count: 2}, common(0, op));
	}

	store.flush();
	let {feed} = store.getView();
	t.true(feed.frozen);
	t.is(feed.missed, 10);
	t.is(feed.entries.length, 1);
	t.is(store.events, 11);
	store.perform({action: 'toggleFeed'});
	operator.telemetry.execute(prepareSent, {count: 2}, common(0, 12));
	store.flush();
	({feed} = store.getView());
	t.false(feed.frozen);
	t.is(feed.entries[0]?.metadata.op_number, 12);
});

test('span timings: count, exceptions, p50, p99 and max from the durations (bigint, number or string ns)', (t) => {
	const operator = createFakeOperator();
	const store = new UiStore({operator});
	store.start();
	t.teardown(() => {
		store.dispose();
	});
	// 1..100 ms: p50 = 50 ms, p99 = 99 ms, max = 100 ms.
	for (let ms = 1; ms <= 100; ms++) {
		const nanos = ms * 1_000_000;
		const duration = ms % 3 === 0 ? BigInt(nanos) : ms % 3 === 1 ? nanos : String(nanos);
		// A string is how a bigint may arrive after JSON; the bus's types do not know it.
		const measurements: Record<string, unknown> = {monotonic_time: 0n, duration};
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- on purpose, as JSON delivers it
		operator.telemetry.execute(requestStop, measurements as Measurements, common(0));
	}

	operator.telemetry.execute(requestException, {duration: 5n}, {...common(0), kind: 'error'});
	operator.telemetry.execute(viewChangeComplete, {duration: 250_000_000n}, common(1));
	store.flush();
	const {rows} = store.getView().spans;
	const request = rows.find((row) => row.kind === 'client_request');
	t.is(request?.count, 100);
	t.is(request?.errors, 1);
	const within = (actual: number | undefined, expected: number) =>
		actual !== undefined && Math.abs(actual - expected) / expected < 0.002;
	t.true(within(request?.p50, 50_000_000), `${request?.p50}`);
	t.true(within(request?.p99, 99_000_000), `${request?.p99}`);
	t.true(within(request?.max, 100_000_000), `${request?.max}`);
	const viewChange = rows.find((row) => row.kind === 'view_change');
	t.is(viewChange?.count, 1);
	t.true(within(viewChange?.p50, 250_000_000));
	t.is(rows.find((row) => row.kind === 'operation')?.count, 0);
	t.is(rows.find((row) => row.kind === 'operation')?.p50, undefined);
});

test('p50 and p99 never show above max, from the bus or from merged replica histograms', (t) => {
	const fake = createFakeOperator();
	const listeners: Array<(summary: TelemetrySummary) => void> = [];
	const operator: OperatorControls = {
		...fake,
		onTelemetryReport(listener) {
			listeners.push(listener);
			return () => undefined;
		},
	};
	const store = new UiStore({operator});
	store.start();
	t.teardown(() => {
		store.dispose();
	});
	// What a replica sends: a histogram from the one factory.
	const replica = newDurationHistogram();
	replica.recordValue(1_385_123_456);
	for (const listener of listeners) {
		listener({
			node: 1,
			counts: {'vsr.protocol.client_request.stop': 1},
			spans: {'vsr.protocol.client_request.stop': encodeHistogram(replica)},
		});
	}

	// Without reports, the store times the events on the bus itself.
	const plain = createFakeOperator();
	const timedHere = new UiStore({operator: plain});
	timedHere.start();
	t.teardown(() => {
		timedHere.dispose();
	});
	plain.telemetry.execute(viewChangeComplete, {duration: 1_385_000_000n}, common(1));
	for (const [which, kind] of [
		[store, 'client_request'],
		[timedHere, 'view_change'],
	] as const) {
		which.flush();
		const row = which.getView().spans.rows.find((candidate) => candidate.kind === kind);
		t.true(row?.max !== undefined && row.max > 1_380_000_000, `${kind}: max`);
		t.true((row?.p99 ?? Infinity) <= (row?.max ?? 0), `${kind}: p99 ${row?.p99} max ${row?.max}`);
		t.true((row?.p50 ?? Infinity) <= (row?.p99 ?? 0), `${kind}: p50 ≤ p99`);
		// One value: p50, p99 and max read the same on screen.
		const line = spanLine(row!);
		const [p50, p99, max] = line.trim().split(/ +/v).slice(-3);
		t.true(p50 === max && p99 === max, `one value reads the same: ${line}`);
	}
});

test('a state transfer is timed by the replica, from its request to the installed snapshot', (t) => {
	const fake = createFakeOperator();
	const listeners: Array<(summary: TelemetrySummary) => void> = [];
	const operator: OperatorControls = {
		...fake,
		onTelemetryReport(listener) {
			listeners.push(listener);
			return () => undefined;
		},
	};
	const store = new UiStore({operator});
	store.start();
	t.teardown(() => {
		store.dispose();
	});
	// Both events reach the operator in one report: the time between them here says nothing.
	fake.telemetry.execute(['vsr', 'state_transfer', 'request_sent'], {}, {...common(2), to: 0});
	fake.telemetry.execute(
		['vsr', 'state_transfer', 'snapshot_received'],
		{entries: 3, duration: 42_000_000n},
		common(2),
	);
	const replica = newDurationHistogram();
	replica.recordValue(42_000_000);
	for (const listener of listeners) {
		listener({
			node: 2,
			counts: {
				'vsr.state_transfer.request_sent': 1,
				'vsr.state_transfer.snapshot_received': 1,
			},
			spans: {'vsr.state_transfer.snapshot_received': encodeHistogram(replica)},
		});
	}

	store.flush();
	const row = store.getView().spans.rows.find((candidate) => candidate.kind === 'state_transfer');
	t.is(row?.count, 1);
	for (const value of [row?.p50, row?.max]) {
		t.true(Math.abs((value ?? 0) - 42_000_000) < 500_000, `${value}`);
	}
});

test('with telemetry reports, replica events are counted and timed from the reports, not twice', (t) => {
	const fake = createFakeOperator();
	const listeners: Array<(summary: TelemetrySummary) => void> = [];
	const operator: OperatorControls = {
		...fake,
		onTelemetryReport(listener) {
			listeners.push(listener);
			return () => {
				listeners.splice(listeners.indexOf(listener), 1);
			};
		},
	};
	const store = new UiStore({operator});
	store.start();
	t.is(listeners.length, 1);
	const histogram = newDurationHistogram();
	for (let ms = 1; ms <= 100; ms++) {
		histogram.recordValue(ms * 1_000_000);
	}

	for (const listener of listeners) {
		listener({
			node: 0,
			counts: {
				'vsr.protocol.prepare.sent': 5000,
				'vsr.protocol.client_request.stop': 100,
				'vsr.protocol.client_request.exception': 2,
				'vsr.state_machine.operation.stop': 300,
			},
			spans: {
				'vsr.protocol.client_request.stop': encodeHistogram(histogram),
				// Replicas time only a sample of the operations: 100 of the 300 here.
				'vsr.state_machine.operation.stop': encodeHistogram(histogram),
			},
		});
	}

	// A sample of the same events arrives on the bus for the feed: shown, not counted again.
	operator.telemetry.execute(prepareSent, {count: 2}, common(0, 7));
	operator.telemetry.execute(requestStop, {duration: 1n}, common(0, 7));
	// The operator's own events are only on the bus.
	operator.telemetry.execute(operatorEvents.operatorHeal, {}, {});
	store.flush();
	const {header, feed, spans} = store.getView();
	t.is(header.events, 5403);
	t.is(feed.counts.protocol, 5102);
	t.is(feed.counts.state_machine, 300);
	t.is(feed.counts.operator, 1);
	t.is(feed.entries.length, 3);
	const request = spans.rows.find((row) => row.kind === 'client_request');
	t.is(request?.count, 100);
	t.is(request?.errors, 2);
	t.true(Math.abs((request?.p50 ?? 0) - 50_000_000) / 50_000_000 < 0.01, `${request?.p50}`);
	const operation = spans.rows.find((row) => row.kind === 'operation');
	t.is(operation?.count, 300, 'every operation is counted, though a sample was timed');
	t.true(Math.abs((operation?.p99 ?? 0) - 99_000_000) / 99_000_000 < 0.01, `${operation?.p99}`);
	store.dispose();
	t.is(listeners.length, 0);
});

test('ingesting never notifies: subscribers hear at most one frame per 1/maxFps', async (t) => {
	const operator = createFakeOperator();
	const store = new UiStore({operator, maxFps: 10});
	let notifications = 0;
	store.subscribe(() => {
		notifications++;
	});
	store.start();
	t.teardown(() => {
		store.dispose();
	});
	const started = Date.now();
	let op = 0;
	while (Date.now() - started < 600) {
		for (let index = 0; index < 1000; index++) {
			operator.telemetry.execute(prepareSent, {count: 2}, common(0, ++op));
		}

		t.is(notifications, Math.floor(notifications)); // Keeps the loop observable.
		await new Promise<void>((resolve) => {
			setImmediate(resolve);
		});
	}

	const elapsed = Date.now() - started;
	t.true(notifications >= 2, `${notifications} notifications`);
	t.true(
		notifications <= Math.ceil(elapsed / 100) + 1,
		`${notifications} notifications in ${elapsed} ms`,
	);
	t.is(store.events, op);
});

test('the frame clock publishes nothing when nothing changed', (t) => {
	const operator = createFakeOperator();
	const clock = manualClock();
	const store = new UiStore({operator, now: clock.now});
	let notifications = 0;
	store.subscribe(() => {
		notifications++;
	});
	store.frame();
	const first = notifications;
	const view = store.getView();
	store.frame();
	t.is(notifications, first);
	t.is(store.getView(), view);
	clock.advance(1000);
	store.frame();
	t.is(notifications, first + 1, 'the elapsed time moves on each second');
	t.is(store.getView().nodes, view.nodes, 'an unchanged slice keeps its identity');
});

test('requests per second follow the acknowledged count', (t) => {
	const operator = createFakeOperator();
	const clock = manualClock();
	const store = new UiStore({operator, now: clock.now});
	for (let step = 0; step < 20; step++) {
		operator.state.acked += 5;
		clock.advance(100);
		store.frame();
	}

	t.is(Math.round(store.getView().header.requestsPerSecond), 50);
});

test('the node table: lag behind the primary, none for a crashed node, selection clamped', (t) => {
	const operator = createFakeOperator();
	operator.state.nodes = [
		fakeNode(0, {op: 40}),
		fakeNode(1, {op: 37}),
		fakeNode(2, {status: 'crashed', pid: undefined, op: 0}),
	];
	const store = new UiStore({operator});
	store.flush();
	let {nodes} = store.getView();
	t.deepEqual(
		nodes.nodes.map((node) => node.lag),
		[0, 3, undefined],
	);
	store.perform({action: 'selectNode', digit: 3});
	t.is(store.getView().nodes.selected, 2);
	t.is(store.selectedNode()?.id, 2);
	operator.state.nodes = operator.state.nodes.slice(0, 2);
	store.frame();
	({nodes} = store.getView());
	t.is(nodes.selected, 1);
	operator.setNode(0, {status: 'crashed', isPrimary: false});
	store.frame();
	t.deepEqual(
		store.getView().nodes.nodes.map((node) => node.lag),
		[undefined, undefined],
	);
});

test('an operator action that throws ends in the status line; the UI lives on', (t) => {
	const operator = createFakeOperator();
	operator.crash = () => {
		throw new Error('no such process');
	};

	const store = new UiStore({operator});
	store.perform(commandFor('x')!);
	t.deepEqual(store.getView().status && {...store.getView().status, at: 0}, {
		text: 'crash failed: no such process',
		tone: 'error',
		at: 0,
	});
	operator.snapshot = () => {
		throw new Error('cluster gone');
	};

	store.frame();
	t.is(store.getView().status?.text, 'snapshot failed: cluster gone');
});

test('dispose detaches every handler from the bus', (t) => {
	const operator = createFakeOperator();
	const store = new UiStore({operator});
	store.start();
	t.true(operator.telemetry.listHandlers([]).length > 40);
	store.dispose();
	t.deepEqual(operator.telemetry.listHandlers([]), []);
});
