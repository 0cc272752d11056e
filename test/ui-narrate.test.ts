/** Narration: every message type's sentence, and the protocol steps told from telemetry. */
import test from 'ava';
import type {Endpoint, MessageEvent} from '../source/cluster/operator-api.js';
import {Narrator, clientRequest, messageSentence} from '../source/ui/narrate.js';
import {type MessageType, messageTypes} from '../source/vsr/messages.js';

const delivered = (
	type: MessageType,
	from: Endpoint,
	to: Endpoint,
	label: string,
	fields: {view?: number; op?: number; heartbeat?: boolean} = {},
): MessageEvent => ({
	kind: 'delivered',
	at: 12,
	message: {
		id: 41,
		from,
		to,
		type,
		view: fields.view,
		op: fields.op,
		label,
		dueInMs: 0,
		heartbeat: fields.heartbeat ?? false,
	},
});

// One example of every message type, and the sentence it reads as.
const examples: Readonly<Record<MessageType, readonly [MessageEvent, string]>> = {
	request: [delivered('request', 'client', 0, 'Request c1#4'), "n0 got client 1's request 4"],
	reply: [
		delivered('reply', 0, 'client', 'Reply c1#4', {view: 0}),
		'client 1 got the reply to request 4 from n0 (view 0)',
	],
	prepare: [
		delivered('prepare', 0, 2, 'Prepare v0 op 3', {view: 0, op: 3}),
		'n2 got Prepare op 3 from n0 (view 0): it appends the op and acks',
	],
	prepare_ok: [
		delivered('prepare_ok', 2, 0, 'PrepareOk v0 op 3', {view: 0, op: 3}),
		'n0 got PrepareOk op 3 from n2: n2 holds every op up to 3',
	],
	commit: [
		delivered('commit', 0, 1, 'Commit v0 commit 3', {view: 0, op: 3}),
		'n1 got Commit from n0: ops up to 3 are committed, it executes them',
	],
	start_view_change: [
		delivered('start_view_change', 1, 2, 'StartViewChange v1', {view: 1}),
		'n2 got StartViewChange from n1: n1 asks to move to view 1',
	],
	do_view_change: [
		delivered('do_view_change', 2, 1, 'DoViewChange v1 op 3', {view: 1, op: 3}),
		"n1 got DoViewChange from n2: n2's log up to op 3, for n1 to lead view 1",
	],
	start_view: [
		delivered('start_view', 1, 2, 'StartView v1 op 3', {view: 1, op: 3}),
		'n2 got StartView from n1: view 1 begins, with the log up to op 3',
	],
	recovery: [
		delivered('recovery', 0, 1, 'Recovery nonce 7'),
		'n1 got Recovery from n0: n0 lost its state and asks for it',
	],
	recovery_response: [
		delivered('recovery_response', 1, 0, 'RecoveryResponse v1 op 5', {view: 1, op: 5}),
		'n0 got RecoveryResponse from n1, the primary of view 1: its log up to op 5',
	],
	get_state: [
		delivered('get_state', 2, 1, 'GetState v1 op 3', {view: 1, op: 3}),
		'n1 got GetState from n2: n2 is behind and asks for the ops after op 3',
	],
	new_state: [
		delivered('new_state', 1, 2, 'NewState v1 op 5', {view: 1, op: 5}),
		'n2 got NewState from n1: the log up to op 5 (view 1)',
	],
};

for (const type of messageTypes) {
	test(`a delivered ${type} has its sentence`, (t) => {
		const [event, sentence] = examples[type];
		t.is(messageSentence(event), sentence);
		t.is(new Narrator(3).message(event).text, sentence);
	});
}

test('every message type of the protocol has an example here', (t) => {
	t.deepEqual(Object.keys(examples).toSorted(), [...messageTypes].toSorted());
});

test('a backup that answers a RecoveryResponse names its view only', (t) => {
	const event = delivered('recovery_response', 2, 0, 'RecoveryResponse v1', {view: 1});
	t.is(messageSentence(event), 'n0 got RecoveryResponse from n2: n2 is in view 1');
});

test('a heartbeat reads as one', (t) => {
	const event = delivered('commit', 0, 2, 'Commit v0 commit 3', {view: 0, op: 3, heartbeat: true});
	t.is(messageSentence(event), "n2 got n0's heartbeat (commit 3): the primary is alive");
});

test('a lost message says why', (t) => {
	const [event] = examples.prepare;
	const lost: MessageEvent = {...event, kind: 'dropped', reason: 'partition'};
	t.is(messageSentence(lost), 'Prepare v0 op 3 from n0 to n2 was lost (partition)');
	t.is(new Narrator(3).message(lost).tone, 'lost');
	const [request] = examples.request;
	t.is(
		messageSentence({...request, kind: 'dropped', reason: 'by operator'}),
		'Request c1#4 from client 1 to n0 was lost (by operator)',
	);
});

test('a label names the client and its request', (t) => {
	t.deepEqual(clientRequest('Request c12#400'), {client: 12, request: 400});
	t.is(clientRequest('Prepare v0 op 3'), undefined);
});

const common = (node: number, fields: Record<string, unknown> = {}) => ({
	node_id: node,
	view_number: 0,
	status: 'normal',
	is_primary: node === 0,
	op_number: 3,
	commit_number: 2,
	...fields,
});

test('the primary sends a Prepare to its backups', (t) => {
	const narrator = new Narrator(3);
	t.is(
		narrator.event('protocol.prepare.sent', {count: 2}, common(0))?.text,
		'n0 (primary, view 0) sent Prepare op 3 to n1, n2',
	);
	t.is(
		new Narrator(5).event('protocol.prepare.sent', {count: 3}, common(0))?.text,
		'n0 (primary, view 0) sent Prepare op 3 to its 3 backups',
	);
});

test('PrepareOks count towards the quorum, and the op commits when it is reached', (t) => {
	const narrator = new Narrator(5);
	const ack = (from: number, op: number, commit = 2) =>
		narrator.event(
			'protocol.prepare_ok.received',
			{},
			common(0, {from, op, op_number: 4, commit_number: commit}),
		)?.text;
	t.is(ack(1, 3), 'n0 has PrepareOk for op 3 from n1: 2 of quorum 3');
	t.is(ack(2, 3), 'n0 has PrepareOk for op 3 from n2: 3 of quorum 3, op 3 commits');
	t.is(ack(3, 3, 3), 'n0 has PrepareOk for op 3 from n3: op 3 was already committed');
	// Acks are cumulative: an ack for op 4 from n1 holds op 3 as well.
	t.is(ack(1, 4, 3), 'n0 has PrepareOk for op 4 from n1: 2 of quorum 3');
	t.is(ack(4, 4, 3), 'n0 has PrepareOk for op 4 from n4: 3 of quorum 3, op 4 commits');
	const three = new Narrator(3);
	t.is(
		three.event('protocol.prepare_ok.received', {}, common(0, {from: 1, op: 3}))?.text,
		'n0 has PrepareOk for op 3 from n1: 2 of quorum 2, op 3 commits',
	);
	t.is(
		three.event('protocol.prepare_ok.received', {}, common(0, {from: 1, op: 5, op_number: 5}))
			?.text,
		'n0 has PrepareOk for op 5 from n1: 2 of quorum 2, ops 3–5 commit',
	);
});

test('a new view starts the count again', (t) => {
	const narrator = new Narrator(5);
	narrator.event('protocol.prepare_ok.received', {}, common(0, {from: 1, op: 3}));
	t.is(
		narrator.event('protocol.prepare_ok.received', {}, common(0, {from: 2, op: 3, view_number: 5}))
			?.text,
		'n0 has PrepareOk for op 3 from n2: 2 of quorum 3',
	);
});

test('timeouts and view changes', (t) => {
	const narrator = new Narrator(3);
	t.is(
		narrator.event('timer.primary_timeout', {}, common(2, {primary: 0}))?.text,
		'n2 timed out waiting for primary n0 and asks for a view change to view 1',
	);
	t.is(
		narrator.event('timer.primary_timeout', {}, common(0, {primary: 0}))?.text,
		'n0 (primary) heard from no quorum and steps down',
	);
	t.is(
		narrator.event('view_change.start', {}, common(1, {new_view: 1}))?.text,
		'n1 starts the view change to view 1',
	);
	t.is(
		narrator.event(
			'view_change.complete',
			{duration: 5n},
			common(1, {view_number: 1, is_primary: true, log_from: 2, last_normal_view: 0, log_op: 3}),
		)?.text,
		"n1 chose n2's log (last normal view 0, op 3) as the new primary of view 1",
	);
	t.is(
		narrator.event(
			'view_change.complete',
			{duration: 5n},
			common(1, {view_number: 1, is_primary: true, log_from: 1, last_normal_view: 0, log_op: 3}),
		)?.text,
		'n1 kept its own log (last normal view 0, op 3) as the new primary of view 1',
	);
	t.is(
		narrator.event('view_change.complete', {}, common(2, {view_number: 1, is_primary: false}))
			?.text,
		'n2 is in view 1 now, following n1',
	);
});

test('requests, recovery and the operator’s own acts', (t) => {
	const narrator = new Narrator(3);
	t.is(
		narrator.event(
			'protocol.client_request.start',
			{},
			common(0, {client_id: 1, request_number: 4}),
		)?.text,
		'n0 (primary, view 0) took request 4 of client 1',
	);
	t.is(
		narrator.event('protocol.client_request.stop', {}, common(0, {client_id: 1, request_number: 4}))
			?.text,
		"n0 replied to client 1's request 4",
	);
	t.is(
		narrator.event('recovery.start', {}, common(1))?.text,
		'n1 restarted with nothing and asks the others for its state (Recovery)',
	);
	t.is(
		narrator.event('operator.crash', {}, {node: 0})?.text,
		'you crashed n0: it loses its memory',
	);
	t.is(
		narrator.event('operator.partition', {}, {side_a: [0, 1], side_b: [2]})?.text,
		'you split the cluster: n0, n1 | n2',
	);
	t.is(
		narrator.event('protocol.prepare.received', {}, common(1)),
		undefined,
		'told by its message',
	);
});
