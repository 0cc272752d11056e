import {existsSync, readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {
	additionEvents,
	events,
	operatorEvents,
	seedEvents,
	vsrEventName,
	type VsrEventName,
} from '../source/telemetry/catalogue.js';
import {Telemetry} from '../source/telemetry/telemetry.js';
import {VsrTelemetry} from '../source/telemetry/vsr-telemetry.js';

// The seed's catalogue, written out as the seed lists it (client_request.exception comes from
// the seed's span section).
const seedNames = [
	'vsr.protocol.client_request.start',
	'vsr.protocol.client_request.stop',
	'vsr.protocol.client_request.exception',
	'vsr.protocol.prepare.sent',
	'vsr.protocol.prepare.received',
	'vsr.protocol.prepare_ok.sent',
	'vsr.protocol.prepare_ok.received',
	'vsr.protocol.commit.sent',
	'vsr.protocol.commit.received',
	'vsr.state_machine.operation.start',
	'vsr.state_machine.operation.stop',
	'vsr.state_machine.operation.exception',
	'vsr.view_change.start',
	'vsr.view_change.vote_received',
	'vsr.view_change.do_view_change.sent',
	'vsr.view_change.do_view_change.received',
	'vsr.view_change.complete',
	'vsr.state.status_change',
	'vsr.state.view_change',
	'vsr.state.role_change',
	'vsr.state.commit_advance',
	'vsr.state_transfer.request_sent',
	'vsr.state_transfer.request_received',
	'vsr.state_transfer.snapshot_sent',
	'vsr.state_transfer.snapshot_received',
	'vsr.replication.log_append',
	'vsr.replication.log_conflict',
	'vsr.replication.quorum_reached',
	'vsr.timer.heartbeat_sent',
	'vsr.timer.heartbeat_received',
	'vsr.timer.primary_timeout',
];

const dotted = (list: ReadonlyArray<readonly string[]>) => list.map((name) => name.join('.'));

test("seedEvents are the seed's 31 names, in order", (t) => {
	t.is(seedNames.length, 31);
	t.deepEqual(dotted(seedEvents), seedNames);
	t.is(new Set(dotted(seedEvents)).size, 31);
});

// The seed document (the Vsr.Telemetry docs of the Elixir vsr 0.1.0 package), kept beside the tests.
const seedText = readFileSync(
	fileURLToPath(new URL('../../test/fixtures/vsr-telemetry-seed.txt', import.meta.url)),
	'utf8',
);

test('seedEvents match the [:vsr, ...] names found in the seed document', (t) => {
	const found = new Set<string>();
	// Names look like `[:vsr, :protocol, :prepare, :sent]`; the bare `[:vsr]` is skipped.
	for (const chunk of seedText.split('[:vsr').slice(1)) {
		const parts = chunk
			.slice(0, chunk.indexOf(']'))
			.split(',')
			.slice(1)
			.map((part) => part.trim());
		if (parts.length > 0 && parts.every((part) => part.startsWith(':'))) {
			found.add(['vsr', ...parts.map((part) => part.slice(1))].join('.'));
		}
	}

	t.is(found.size, 31);
	t.deepEqual([...found].toSorted(), seedNames.toSorted());
});

test('span prefixes and their start/stop/exception constants agree', (t) => {
	t.deepEqual(events.clientRequestStart, [...events.clientRequest, 'start']);
	t.deepEqual(events.clientRequestStop, [...events.clientRequest, 'stop']);
	t.deepEqual(events.clientRequestException, [...events.clientRequest, 'exception']);
	t.deepEqual(events.operationStart, [...events.stateMachineOperation, 'start']);
	t.deepEqual(events.operationStop, [...events.stateMachineOperation, 'stop']);
	t.deepEqual(events.operationException, [...events.stateMachineOperation, 'exception']);
	t.deepEqual(events.leadershipStart, [...events.leadership, 'start']);
	t.deepEqual(events.leadershipStop, [...events.leadership, 'stop']);
});

test('every catalogue constant is a seed event, an addition or a span prefix', (t) => {
	const prefixes = new Set<readonly string[]>([
		events.clientRequest,
		events.stateMachineOperation,
		events.leadership,
	]);
	const known = new Set([...dotted(seedEvents), ...dotted(additionEvents)]);
	const unlisted = Object.entries(events)
		.filter(([, event]) => !prefixes.has(event) && !known.has(vsrEventName(event).join('.')))
		.map(([key]) => key);
	t.deepEqual(unlisted, []);

	t.is(Object.keys(events).length, 31 + 3 + 9, '31 seed events, 3 span prefixes, 9 additions');
});

test('additions are outside the seed, operator faults under vsr_tui.operator', (t) => {
	const seed = new Set(dotted(seedEvents));
	t.deepEqual(
		dotted(additionEvents).filter((name) => seed.has(name)),
		[],
	);

	t.deepEqual(
		dotted(additionEvents).filter((name) => name.startsWith('vsr.')),
		[
			'vsr.recovery.start',
			'vsr.recovery.response_received',
			'vsr.recovery.complete',
			'vsr.leadership.start',
			'vsr.leadership.stop',
			'vsr.checkpoint.taken',
			'vsr.client.retry',
			'vsr.storage.restored',
			'vsr.storage.lost',
		],
	);
	t.deepEqual(
		dotted(Object.values(operatorEvents)),
		['crash', 'restart', 'isolate', 'heal', 'drop', 'delay', 'partition'].map(
			(fault) => `vsr_tui.operator.${fault}`,
		),
	);
	for (const operatorEvent of Object.values(operatorEvents)) {
		t.true(additionEvents.includes(operatorEvent));
	}
});

test('constants are frozen and vsrEventName reuses one array per constant', (t) => {
	t.true(Object.isFrozen(events));
	t.true(Object.isFrozen(events.prepareSent));
	t.false(Reflect.set(events.prepareSent, 0, 'x'));
	t.is(events.prepareSent[0], 'protocol');
	const full = vsrEventName(events.prepareSent);
	t.is(vsrEventName(events.prepareSent), full);
	t.true(Object.isFrozen(full));
	t.deepEqual(full, ['vsr', 'protocol', 'prepare', 'sent']);
	t.is(seedEvents[3], full);
});

test('a misspelt event name does not compile', (t) => {
	const vsr = new VsrTelemetry(new Telemetry());
	const state = {
		nodeId: 0,
		view: 0,
		status: 'normal',
		isPrimary: true,
		opNumber: 0,
		commitNumber: 0,
	} as const;
	// Checked by tsc: an unused @ts-expect-error would fail the build.
	// @ts-expect-error 'snet' is not an event
	const misspelt: VsrEventName = ['protocol', 'prepare', 'snet'];
	// @ts-expect-error the seed has no such event
	vsr.execute(['protocol', 'prepare_ok', 'dropped'], state);
	const correct: VsrEventName = ['protocol', 'prepare', 'sent'];
	t.deepEqual(correct, events.prepareSent);
	t.deepEqual(misspelt, ['protocol', 'prepare', 'snet']);
});
