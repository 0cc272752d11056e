import test from 'ava';
import {additionEvents, events, seedEvents} from '../source/telemetry/catalogue.js';
import {
	type EventName,
	type Measurements,
	type Metadata,
	Telemetry,
	telemetry,
} from '../source/telemetry/telemetry.js';
import {
	type VsrStateView,
	VsrTelemetry,
	commonMetadata,
} from '../source/telemetry/vsr-telemetry.js';
import {Replica} from '../source/vsr/replica.js';

type Seen = {event: EventName; measurements: Measurements; metadata: Metadata};

function setup() {
	const bus = new Telemetry();
	const seen: Seen[] = [];
	const handler = (event: EventName, measurements: Measurements, metadata: Metadata) => {
		seen.push({event, measurements, metadata});
	};

	return {bus, vsr: new VsrTelemetry(bus), seen, handler};
}

const state: VsrStateView = {
	nodeId: 2,
	view: 5,
	status: 'normal',
	isPrimary: false,
	opNumber: 17,
	commitNumber: 16,
};

const common = {
	node_id: 2,
	view_number: 5,
	status: 'normal',
	is_primary: false,
	op_number: 17,
	commit_number: 16,
};

// A state whose fields count how often they are read.
function countingState() {
	let reads = 0;
	const read = <T>(value: T): T => {
		reads++;
		return value;
	};

	const view: VsrStateView = {
		get nodeId() {
			return read(state.nodeId);
		},
		get view() {
			return read(state.view);
		},
		get status() {
			return read(state.status);
		},
		get isPrimary() {
			return read(state.isPrimary);
		},
		get opNumber() {
			return read(state.opNumber);
		},
		get commitNumber() {
			return read(state.commitNumber);
		},
	};

	return {
		view,
		reads: () => reads,
	};
}

test("commonMetadata spells the seed's field names exactly", (t) => {
	t.deepEqual(commonMetadata(state), common);
	t.deepEqual(Object.keys(commonMetadata(state)), [
		'node_id',
		'view_number',
		'status',
		'is_primary',
		'op_number',
		'commit_number',
	]);
});

test('execute prepends vsr and merges common metadata, extra metadata last', (t) => {
	const {bus, vsr, seen, handler} = setup();
	bus.attach('h', ['vsr', 'protocol', 'prepare', 'sent'], handler);
	vsr.execute(events.prepareSent, state, {count: 3}, {custom_field: 'value', view_number: 99});
	t.is(seen.length, 1);
	t.deepEqual(seen[0]!.event, ['vsr', 'protocol', 'prepare', 'sent']);
	t.deepEqual(seen[0]!.measurements, {count: 3});
	t.deepEqual(seen[0]!.metadata, {...common, custom_field: 'value', view_number: 99});
	t.deepEqual(Object.keys(seen[0]!.metadata).slice(0, 6), Object.keys(common));
});

test('execute reuses one prefixed array per constant and defaults measurements to {}', (t) => {
	const {bus, vsr, seen, handler} = setup();
	bus.attach('h', ['vsr', 'state', 'commit_advance'], handler);
	vsr.execute(events.commitAdvance, state);
	vsr.execute(events.commitAdvance, state);
	t.is(seen.length, 2);
	t.is(seen[0]!.event, seen[1]!.event);
	t.deepEqual(seen[0]!.measurements, {});
	t.deepEqual(seen[0]!.metadata, common);
	t.true(Object.isFrozen(seen[0]!.measurements));
});

test('execute builds no metadata when no handler listens', (t) => {
	const {bus, vsr, seen, handler} = setup();
	bus.attach('other', ['vsr', 'protocol', 'commit', 'sent'], handler);
	const counting = countingState();
	vsr.execute(events.prepareSent, counting.view, {count: 1});
	t.is(counting.reads(), 0);
	t.false(vsr.enabled(events.prepareSent));
	t.true(vsr.enabled(events.commitSent));
	vsr.execute(events.commitSent, counting.view);
	t.true(counting.reads() > 0);
	t.is(seen.length, 1);
});

test('span prepends vsr, carries common metadata and a shared context', (t) => {
	const {bus, vsr, seen, handler} = setup();
	bus.attachMany(
		'h',
		[
			['vsr', 'state_machine', 'operation', 'start'],
			['vsr', 'state_machine', 'operation', 'stop'],
		],
		handler,
	);
	const result = vsr.span(events.stateMachineOperation, state, {kind: 'put'}, () => 'applied');
	t.is(result, 'applied');
	t.deepEqual(
		seen.map((item) => item.event.join('.')),
		['vsr.state_machine.operation.start', 'vsr.state_machine.operation.stop'],
	);
	const context = seen[0]!.metadata.telemetry_span_context;
	t.is(typeof context, 'number');
	t.deepEqual(seen[0]!.metadata, {...common, kind: 'put', telemetry_span_context: context});
	t.is(seen[1]!.metadata.telemetry_span_context, context);
	t.is(typeof seen[1]!.measurements.duration, 'bigint');
});

test('span exception carries common metadata and rethrows', (t) => {
	const {bus, vsr, seen, handler} = setup();
	bus.attach('h', ['vsr', 'state_machine', 'operation', 'exception'], handler);
	const error = new Error('op failed');
	t.throws(
		() =>
			vsr.span(events.stateMachineOperation, state, {}, () => {
				throw error;
			}),
		{is: error},
	);
	t.is(seen.length, 1);
	t.is(seen[0]!.metadata.node_id, 2);
	t.is(seen[0]!.metadata.kind, 'error');
	t.is(seen[0]!.metadata.reason, error);
});

test('span without handlers runs fn without reading state', (t) => {
	const {vsr} = setup();
	const counting = countingState();
	t.is(
		vsr.span(events.clientRequest, counting.view, {}, () => 7),
		7,
	);
	t.is(counting.reads(), 0);
});

test('manual spans: stop carries the state at stop time, exception its kind', (t) => {
	const {bus, vsr, seen, handler} = setup();
	bus.attachMany(
		'h',
		[
			['vsr', 'protocol', 'client_request', 'start'],
			['vsr', 'protocol', 'client_request', 'stop'],
			['vsr', 'protocol', 'client_request', 'exception'],
		],
		handler,
	);
	const token = vsr.spanStart(events.clientRequest, state, {client_id: 9, request_number: 1});
	vsr.spanStop(token, {...state, commitNumber: 17});
	t.deepEqual(seen[1]!.event, ['vsr', 'protocol', 'client_request', 'stop']);
	t.deepEqual(seen[1]!.metadata, {
		...common,
		commit_number: 17,
		client_id: 9,
		request_number: 1,
		telemetry_span_context: token.context,
	});

	const dropped = vsr.spanStart(events.clientRequest, state, {client_id: 9, request_number: 2});
	vsr.spanException(dropped, {...state, status: 'view_change'}, 'lost_primacy', 'view 6');
	t.deepEqual(seen[3]!.event, ['vsr', 'protocol', 'client_request', 'exception']);
	t.is(seen[3]!.metadata.status, 'view_change');
	t.is(seen[3]!.metadata.request_number, 2);
	t.is(seen[3]!.metadata.kind, 'lost_primacy');
	t.is(seen[3]!.metadata.reason, 'view 6');
	t.is(seen[3]!.metadata.telemetry_span_context, dropped.context);
});

test('manual span stop builds no metadata when nothing listens', (t) => {
	const {vsr} = setup();
	const counting = countingState();
	const token = vsr.spanStart(events.clientRequest, counting.view, {client_id: 1});
	vsr.spanStop(token, counting.view);
	vsr.spanException(token, counting.view, 'error', new Error('x'));
	t.is(counting.reads(), 0);
	t.deepEqual(token.prefix, ['vsr', 'protocol', 'client_request']);
});

test('the wrapper uses the default bus unless given one', (t) => {
	t.is(new VsrTelemetry().bus, telemetry);
	const bus = new Telemetry();
	t.is(new VsrTelemetry(bus).bus, bus);
});

/**
A one-replica cluster executes `requests` requests (every fifth op throws) with ticks between
them, on its own bus; `during(index, bus)` runs before each request (index -1: before the replica
is built). Returns the wrapper's counts.
*/
function runReplica(requests: number, during: (index: number, bus: Telemetry) => void) {
	const bus = new Telemetry();
	during(-1, bus);
	const vsr = new VsrTelemetry(bus);
	const replica = new Replica({id: 0, replicaCount: 1, telemetry: vsr});
	for (let index = 0; index < requests; index++) {
		during(index, bus);
		const operation =
			index % 5 === 4 ? {op: 'explode'} : {op: 'put', key: `k${index % 7}`, value: `v${index}`};
		replica.onMessage({type: 'request', clientId: 1, requestNumber: index + 1, operation});
		replica.tick();
	}

	return {counts: vsr.counts(), total: vsr.total()};
}

test('every count is the number of events raised, while handlers come and go during the run', (t) => {
	const every = [...seedEvents, ...additionEvents];
	// The events raised: a handler on every event, for the whole run.
	const raised = new Map<string, number>();
	const truth = runReplica(60, (index, bus) => {
		if (index === -1) {
			bus.attachMany('all', every, (event) => {
				const name = event.join('.');
				raised.set(name, (raised.get(name) ?? 0) + 1);
			});
		}
	});
	t.true((raised.get('vsr.state_machine.operation.start') ?? 0) >= 60);
	t.deepEqual(Object.fromEntries(truth.counts), Object.fromEntries(raised));

	// The same run, with handlers on the spans attached for a few requests, then detached.
	const spans = [
		['vsr', 'state_machine', 'operation', 'start'],
		['vsr', 'state_machine', 'operation', 'stop'],
		['vsr', 'state_machine', 'operation', 'exception'],
		['vsr', 'protocol', 'client_request', 'start'],
		['vsr', 'protocol', 'client_request', 'stop'],
	] as const;
	const toggled = runReplica(60, (index, bus) => {
		if (index % 6 === 2) {
			bus.attachMany('sometimes', spans, () => undefined);
		} else if (index % 6 === 5) {
			bus.detach('sometimes');
		}
	});
	t.deepEqual(Object.fromEntries(toggled.counts), Object.fromEntries(raised));
	t.is(
		toggled.total,
		[...raised.values()].reduce((sum, count) => sum + count, 0),
	);
});
