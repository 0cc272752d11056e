import {channel, subscribe, unsubscribe} from 'node:diagnostics_channel';
import test from 'ava';
import {events, operatorEvents, vsrEventName} from '../source/telemetry/catalogue.js';
import {type ChannelMessage, channelName} from '../source/telemetry/channels.js';
import {Telemetry} from '../source/telemetry/telemetry.js';
import {type VsrStateView, VsrTelemetry} from '../source/telemetry/vsr-telemetry.js';
import {Replica} from '../source/vsr/replica.js';

/**
Every event is also published on the `diagnostics_channel` named after it, when (and only when)
that channel has a subscriber. Channels are process-wide, so each test subscribes to its own
events and unsubscribes at the end.
*/

type Received = {name: string; message: ChannelMessage};

function listen(t: {teardown(fn: () => void): void}, names: readonly string[]): Received[] {
	const received: Received[] = [];
	const listener = (message: unknown, name: string | symbol) => {
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- what the bus publishes
		received.push({name: String(name), message: message as ChannelMessage});
	};

	for (const name of names) {
		subscribe(name, listener);
	}

	t.teardown(() => {
		for (const name of names) {
			unsubscribe(name, listener);
		}
	});
	return received;
}

const request = (requestNumber: number) =>
	({
		type: 'request',
		clientId: 7,
		requestNumber,
		operation: {op: 'put', key: 'x', value: String(requestNumber)},
	}) as const;

test('channel names are the event names joined with dots', (t) => {
	t.is(channelName(vsrEventName(events.prepareSent)), 'vsr.protocol.prepare.sent');
	t.is(channelName(operatorEvents.operatorCrash), 'vsr_tui.operator.crash');
});

test("a replica's events reach a diagnostics_channel subscriber with no handler on any bus", (t) => {
	const received = listen(t, [
		'vsr.protocol.client_request.start',
		'vsr.protocol.client_request.stop',
		'vsr.state_machine.operation.start',
		'vsr.state_machine.operation.stop',
		'vsr.state.commit_advance',
	]);
	const bus = new Telemetry();
	t.false(bus.hasAnyHandlers());
	const replica = new Replica({id: 0, replicaCount: 1, telemetry: new VsrTelemetry(bus)});
	const sends = replica.onMessage(request(1));
	t.like(sends[0]?.message, {type: 'reply', result: {ok: true, value: 'ok'}});

	t.deepEqual(
		received.map(({name}) => name),
		[
			'vsr.protocol.client_request.start',
			'vsr.state_machine.operation.start',
			'vsr.state_machine.operation.stop',
			'vsr.protocol.client_request.stop',
			'vsr.state.commit_advance',
		],
	);
	const [start, , operationStop, stop, advance] = received.map(({message}) => message);
	t.deepEqual(start?.event, ['vsr', 'protocol', 'client_request', 'start']);
	t.like(start?.metadata, {
		node_id: 0,
		view_number: 0,
		status: 'normal',
		is_primary: true,
		client_id: 7,
		request_number: 1,
	});
	t.is(typeof start?.measurements.system_time, 'bigint');
	t.like(advance?.metadata, {from: 0, to: 1});
	t.like(operationStop?.metadata, {op: 1, operation: 'put'});
	// Start and stop of one span share its context; the stop carries the duration.
	t.is(stop?.metadata.telemetry_span_context, start?.metadata.telemetry_span_context);
	t.like(stop?.metadata, {client_id: 7, request_number: 1, commit_number: 1});
	t.is(typeof stop?.measurements.duration, 'bigint');
});

test('nothing is published, and no metadata built, while no channel has a subscriber', (t) => {
	let reads = 0;
	const state: VsrStateView = {
		get nodeId() {
			reads++;
			return 1;
		},
		view: 2,
		status: 'normal',
		isPrimary: false,
		opNumber: 3,
		commitNumber: 3,
	};
	const vsr = new VsrTelemetry(new Telemetry());
	vsr.execute(events.prepareReceived, state, undefined, {op: 3});
	vsr.executeFields(events.prepareOkSent, state, 'op', 3);
	t.is(reads, 0, 'the common metadata was not built');
	t.false(vsr.enabled(events.prepareReceived));
	t.is(vsr.counts().get('vsr.protocol.prepare.received'), 1, 'the event is still counted');

	const received = listen(t, ['vsr.protocol.prepare.received']);
	t.true(vsr.enabled(events.prepareReceived));
	t.false(vsr.enabled(events.prepareOkSent), 'only the subscribed channel is listened to');
	vsr.execute(events.prepareReceived, state, undefined, {op: 4});
	vsr.executeFields(events.prepareOkSent, state, 'op', 4);
	t.is(reads, 1, 'metadata built once, for the subscribed event');
	t.is(received.length, 1);
	t.like(received[0]?.message.metadata, {node_id: 1, view_number: 2, op: 4});
	t.is(vsr.counts().get('vsr.protocol.prepare.received'), 2);
});

test('unsubscribing stops the publishing', (t) => {
	const name = 'vsr.timer.heartbeat_sent';
	const received: unknown[] = [];
	const listener = (message: unknown) => {
		received.push(message);
	};

	const vsr = new VsrTelemetry(new Telemetry());
	const state: VsrStateView = {
		nodeId: 0,
		view: 0,
		status: 'normal',
		isPrimary: true,
		opNumber: 0,
		commitNumber: 0,
	};
	subscribe(name, listener);
	vsr.execute(events.heartbeatSent, state);
	unsubscribe(name, listener);
	vsr.execute(events.heartbeatSent, state);
	t.is(received.length, 1);
	t.false(channel(name).hasSubscribers);
	t.is(vsr.counts().get(name), 2);
});

test('events executed on a bus directly are published too, after its handlers', (t) => {
	const order: string[] = [];
	const bus = new Telemetry();
	bus.attach('first', operatorEvents.operatorCrash, () => {
		order.push('handler');
	});
	const listener = () => {
		order.push('channel');
	};

	subscribe('vsr_tui.operator.crash', listener);
	t.teardown(() => {
		unsubscribe('vsr_tui.operator.crash', listener);
	});
	bus.execute(operatorEvents.operatorCrash, {}, {node: 2});
	// A fresh array of the same name reaches the same channel.
	new Telemetry().execute(['vsr_tui', 'operator', 'crash'], {}, {node: 1});
	t.deepEqual(order, ['handler', 'channel', 'channel']);
});

test('a span a subscriber joins halfway is published from its next start, never half', (t) => {
	const vsr = new VsrTelemetry(new Telemetry());
	const state: VsrStateView = {
		nodeId: 0,
		view: 0,
		status: 'normal',
		isPrimary: true,
		opNumber: 0,
		commitNumber: 0,
	};
	const early = vsr.spanStart(events.leadership, state, {});
	const received = listen(t, ['vsr.leadership.start', 'vsr.leadership.stop']);
	vsr.spanStop(early, state, {reason: 'test'});
	t.deepEqual(received, [], 'the stop of a span nobody saw start is not published');
	const late = vsr.spanStart(events.leadership, state, {});
	vsr.spanStop(late, state, {reason: 'test'});
	t.deepEqual(
		received.map(({name}) => name),
		['vsr.leadership.start', 'vsr.leadership.stop'],
	);
	t.is(vsr.counts().get('vsr.leadership.stop'), 2, 'both stops are counted');
});
