import test from 'ava';
import {clusterEvents} from '../source/cluster/events.js';
import {additionEvents, events, operatorEvents, seedEvents} from '../source/telemetry/catalogue.js';

/**
The event names are API: dashboards, alerts, `diagnostics_channel` subscribers and the NDJSON
readers of `--events` match on them, and the constants that spell them are imported by name.
This list is written out by hand on purpose. Renaming or removing an event is a breaking change
(a new major version, and a line in CHANGELOG.md); adding one adds a line here.
*/
const catalogue = {
	clientRequest: 'protocol.client_request',
	clientRequestStart: 'protocol.client_request.start',
	clientRequestStop: 'protocol.client_request.stop',
	clientRequestException: 'protocol.client_request.exception',
	prepareSent: 'protocol.prepare.sent',
	prepareReceived: 'protocol.prepare.received',
	prepareOkSent: 'protocol.prepare_ok.sent',
	prepareOkReceived: 'protocol.prepare_ok.received',
	commitSent: 'protocol.commit.sent',
	commitReceived: 'protocol.commit.received',
	stateMachineOperation: 'state_machine.operation',
	operationStart: 'state_machine.operation.start',
	operationStop: 'state_machine.operation.stop',
	operationException: 'state_machine.operation.exception',
	viewChangeStart: 'view_change.start',
	voteReceived: 'view_change.vote_received',
	doViewChangeSent: 'view_change.do_view_change.sent',
	doViewChangeReceived: 'view_change.do_view_change.received',
	viewChangeComplete: 'view_change.complete',
	statusChange: 'state.status_change',
	stateViewChange: 'state.view_change',
	roleChange: 'state.role_change',
	commitAdvance: 'state.commit_advance',
	stateTransferRequestSent: 'state_transfer.request_sent',
	stateTransferRequestReceived: 'state_transfer.request_received',
	snapshotSent: 'state_transfer.snapshot_sent',
	snapshotReceived: 'state_transfer.snapshot_received',
	logAppend: 'replication.log_append',
	logConflict: 'replication.log_conflict',
	quorumReached: 'replication.quorum_reached',
	heartbeatSent: 'timer.heartbeat_sent',
	heartbeatReceived: 'timer.heartbeat_received',
	primaryTimeout: 'timer.primary_timeout',
	recoveryStart: 'recovery.start',
	recoveryResponseReceived: 'recovery.response_received',
	recoveryComplete: 'recovery.complete',
	leadership: 'leadership',
	leadershipStart: 'leadership.start',
	leadershipStop: 'leadership.stop',
	checkpoint: 'checkpoint.taken',
	clientRetry: 'client.retry',
	storageRestored: 'storage.restored',
	storageLost: 'storage.lost',
};

const operator = {
	operatorCrash: 'vsr_tui.operator.crash',
	operatorRestart: 'vsr_tui.operator.restart',
	operatorIsolate: 'vsr_tui.operator.isolate',
	operatorHeal: 'vsr_tui.operator.heal',
	operatorDrop: 'vsr_tui.operator.drop',
	operatorDelay: 'vsr_tui.operator.delay',
	operatorPartition: 'vsr_tui.operator.partition',
};

const cluster = {
	messageRejected: 'vsr_tui.replica.message_rejected',
	invariantViolation: 'vsr_tui.replica.invariant_violation',
	replicaExit: 'vsr_tui.operator.replica_exit',
	forgedMessage: 'vsr_tui.operator.forged_message',
	freeze: 'vsr_tui.operator.freeze',
	network: 'vsr_tui.operator.network',
	pause: 'vsr_tui.operator.pause',
	speed: 'vsr_tui.operator.speed',
	timeout: 'vsr_tui.operator.timeout',
	message: 'vsr_tui.operator.message',
	noQuorum: 'vsr_tui.operator.no_quorum',
	dataLost: 'vsr_tui.operator.data_lost',
	reset: 'vsr_tui.operator.reset',
};

const dotted = (table: Readonly<Record<string, readonly string[]>>) =>
	Object.fromEntries(Object.entries(table).map(([key, name]) => [key, name.join('.')]));

test('the catalogue constants spell the names they always spelt (names are API)', (t) => {
	t.deepEqual(dotted(events), catalogue);
	t.deepEqual(dotted(operatorEvents), operator);
	t.deepEqual(dotted(clusterEvents), cluster);
});

test('the full names, as handlers, channels and NDJSON see them, are the same set', (t) => {
	const spans = new Set(['protocol.client_request', 'state_machine.operation', 'leadership']);
	const emitted = [
		...Object.values(catalogue)
			.filter((name) => !spans.has(name))
			.map((name) => `vsr.${name}`),
		...Object.values(operator),
	];
	t.deepEqual(
		[...seedEvents, ...additionEvents].map((name) => name.join('.')).toSorted(),
		emitted.toSorted(),
	);
});
