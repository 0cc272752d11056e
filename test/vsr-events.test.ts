import test from 'ava';
import {events, seedEvents, vsrEventName} from '../source/telemetry/catalogue.js';
import {
	type Cluster,
	type RecordedEvent,
	among,
	put,
	staleSuffix,
} from './helpers/cluster-harness.js';

const statuses = new Set(['normal', 'view_change', 'recovering', 'state_transfer']);

/**
One scripted history that provokes every seed event: normal operation,
a primary timeout, a view change, a state transfer that replaces a stale
suffix, an operation that throws, and an idle primary's heartbeat.
*/
function provokeEverything(): Cluster {
	const cluster = staleSuffix({stale: 4, freshOps: 2});
	cluster.request(5, 1, put('w', '1'), 1);
	cluster.run(among(1, 2, 3, 4));
	cluster.commit(5, 2, {op: 'explode'});
	cluster.tick([1, 2, 3, 4], 30);
	cluster.run(among(1, 2, 3, 4));
	return cluster;
}

/** What is wrong with an event's common metadata (nothing, ideally). */
function commonProblems(recorded: RecordedEvent, replicaCount: number): string[] {
	const m = recorded.metadata;
	const problems: string[] = [];
	const nodeId = Number(m.node_id);
	if (!Number.isInteger(m.node_id) || nodeId < 0 || nodeId >= replicaCount) {
		problems.push(`node_id ${String(m.node_id)}`);
	}

	for (const key of ['view_number', 'op_number', 'commit_number'] as const) {
		if (!Number.isInteger(m[key]) || Number(m[key]) < 0) {
			problems.push(`${key} ${String(m[key])}`);
		}
	}

	if (typeof m.status !== 'string' || !statuses.has(m.status)) {
		problems.push(`status ${String(m.status)}`);
	}

	if (typeof m.is_primary !== 'boolean') {
		problems.push(`is_primary ${String(m.is_primary)}`);
	} else if (m.is_primary && m.status !== 'normal') {
		problems.push('a primary outside normal status');
	}

	if (Number(m.commit_number) > Number(m.op_number)) {
		problems.push(`commit ${String(m.commit_number)} above op ${String(m.op_number)}`);
	}

	return problems.map((problem) => `${recorded.name}: ${problem}`);
}

test('every seed event fires in a scripted run, each with the common metadata', (t) => {
	const cluster = provokeEverything();
	const seen = new Set(cluster.events.map((recorded) => recorded.name));
	const missing = seedEvents.map((event) => event.join('.')).filter((name) => !seen.has(name));
	t.deepEqual(missing, [], 'seed events never emitted');
	t.is(seedEvents.length, 31);

	const replicaEvents = cluster.events.filter(
		(recorded) => recorded.event[0] === 'vsr' && recorded.event[1] !== 'client',
	);
	t.true(replicaEvents.length > 100);
	t.deepEqual(
		replicaEvents.flatMap((recorded) => commonProblems(recorded, cluster.replicaCount)),
		[],
	);
});

test('event metadata tells the truth about the replica at the moment of the event', (t) => {
	const cluster = provokeEverything();
	const of = (event: Parameters<Cluster['eventsOf']>[0]) => cluster.eventsOf(event);
	for (const {metadata} of of(events.commitAdvance)) {
		t.is(metadata.commit_number, metadata.to, 'commit_advance carries the new commit number');
		t.true(Number(metadata.from) < Number(metadata.to));
	}

	for (const {metadata} of of(events.logAppend)) {
		t.is(metadata.op_number, metadata.op, 'log_append: the op is the new op number');
	}

	for (const {metadata} of of(events.stateViewChange)) {
		t.is(metadata.view_number, metadata.to);
	}

	for (const {metadata} of of(events.statusChange)) {
		t.is(metadata.status, metadata.to);
		t.not(metadata.from, metadata.to);
	}

	for (const {metadata} of of(events.roleChange)) {
		t.is(metadata.is_primary, metadata.to === 'primary');
	}

	for (const {metadata} of of(events.prepareSent)) {
		t.true(metadata.is_primary);
	}

	for (const {metadata} of of(events.prepareOkSent)) {
		t.false(metadata.is_primary);
	}

	for (const {metadata} of of(events.quorumReached)) {
		t.true(metadata.is_primary);
		t.true(Number(metadata.op) <= Number(metadata.op_number));
	}

	const [conflict] = of(events.logConflict);
	t.like(conflict?.metadata, {node_id: 4, view_number: 1, from_op: 2, to_op: 3, count: 2});
	const [timeout] = of(events.primaryTimeout);
	t.like(timeout?.metadata, {
		node_id: 1,
		view_number: 0,
		status: 'normal',
		is_primary: false,
		primary: 0,
	});
	const complete = of(events.viewChangeComplete).find((event) => event.metadata.is_primary);
	t.like(complete?.metadata, {node_id: 1, view_number: 1, status: 'normal'});
	t.is(typeof complete?.measurements.duration, 'bigint');
	// The new primary says whose log it chose: that log is now its own.
	t.true(Number.isInteger(complete?.metadata.log_from));
	t.is(complete?.metadata.log_op, complete?.metadata.op_number);
	t.true(Number(complete?.metadata.last_normal_view) < Number(complete?.metadata.view_number));
	for (const backup of of(events.viewChangeComplete).filter(
		(event) => !event.metadata.is_primary,
	)) {
		t.is(backup.metadata.log_from, undefined, 'only the new primary chooses a log');
	}

	const operationFailures = of(events.operationException);
	t.true(operationFailures.length > 0);
	t.like(operationFailures[0]?.metadata, {operation: 'invalid', kind: 'error'});
	const requestFailures = of(events.clientRequestException);
	t.like(requestFailures[0]?.metadata, {
		node_id: 1,
		client_id: 5,
		request_number: 2,
		is_primary: true,
	});
	const stops = of(events.clientRequestStop);
	t.true(stops.every((event) => typeof event.measurements.duration === 'bigint'));
	t.like(
		stops.find((event) => event.metadata.client_id === 4),
		{metadata: {node_id: 1, request_number: 1}},
	);

	const transfer = [
		events.stateTransferRequestSent,
		events.stateTransferRequestReceived,
		events.snapshotSent,
		events.snapshotReceived,
	].map((event) => of(event)[0]?.metadata.node_id);
	t.deepEqual(transfer, [4, 1, 1, 4], 'the stale replica asks, the primary answers');
});

test('spans pair up: each client_request.start ends once, in stop or exception, with the same span context', (t) => {
	const cluster = provokeEverything();
	const context = (recorded: RecordedEvent) => recorded.metadata.telemetry_span_context;
	const starts = new Set(
		cluster.eventsOf(events.clientRequestStart).map((event) => context(event)),
	);
	const ends = [
		...cluster.eventsOf(events.clientRequestStop),
		...cluster.eventsOf(events.clientRequestException),
	].map((event) => context(event));
	t.deepEqual(new Set(ends).size, ends.length, 'no span ends twice');
	t.true(ends.every((end) => starts.has(end)));
	const opStarts = cluster.eventsOf(events.operationStart).length;
	const opEnds =
		cluster.eventsOf(events.operationStop).length +
		cluster.eventsOf(events.operationException).length;
	t.is(opEnds, opStarts);
	t.is(vsrEventName(events.operationStart).join('.'), 'vsr.state_machine.operation.start');
});
