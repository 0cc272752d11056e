import test from 'ava';
import fc from 'fast-check';
import {Client} from '../source/vsr/client.js';
import {type Message, type MessageType, messageTypes, type Send} from '../source/vsr/messages.js';
import {Prng} from '../source/vsr/prng.js';
import {Replica} from '../source/vsr/replica.js';
import {checkKvSnapshot, isMessage, messageProblem} from '../source/vsr/validate.js';

const options = {replicaCount: 3};

/**
Every message the core sends, from a small seeded in-memory run with message
loss, a partitioned primary (view changes), a crashed and restarted replica
(recovery) and a replica left behind (state transfer), with checkpoints every 4
ops so that logs travel with checkpoints.
*/
function messagesFromTheCore(seed: number): Message[] {
	const prng = new Prng(seed);
	const random = () => prng.next();
	const n = 3;
	const incarnations = [0, 0, 0];
	const make = (id: number, recovering: boolean) =>
		new Replica({
			id,
			replicaCount: n,
			random,
			checkpointInterval: 4,
			incarnation: incarnations[id],
			recovering,
		});
	const replicas = [make(0, false), make(1, false), make(2, false)];
	const client = new Client({clientId: 7, replicaCount: n, requestTimeout: 20});
	const queue: Send[] = [];
	const seen: Message[] = [];
	let cutOff: number | undefined;
	let sleeping: number | undefined;
	let requests = 0;
	/** A partitioned primary (views 0 and 1 in turn), a replica left behind, a restart. */
	const schedule = (step: number) => {
		if (step % 1500 === 300) {
			cutOff = step % 3000 === 300 ? 0 : 1; // The primary of views 0 and 1 in turn.
		}

		if (step % 1500 === 700) {
			cutOff = undefined;
		}

		if (step === 2000) {
			sleeping = 2; // Falls behind: it hears nothing for a while.
		}

		if (step === 2600) {
			sleeping = undefined;
		}

		if (step === 4200) {
			incarnations[1]!++;
			replicas[1] = make(1, true);
		}
	};

	for (let step = 0; step < 6000; step++) {
		schedule(step);

		if (!client.busy && requests < 120) {
			requests++;
			queue.push(
				...client.submit({
					op: requests % 3 === 0 ? 'get' : 'put',
					key: `k${requests % 5}`,
					value: `v${requests}`,
				}),
			);
		}

		if (step % 5 === 0) {
			for (const replica of replicas) {
				queue.push(...replica.tick());
			}

			queue.push(...client.tick());
		}

		for (let deliveries = 0; deliveries < 4 && queue.length > 0; deliveries++) {
			const index = prng.next() < 0.2 ? Math.floor(prng.next() * queue.length) : 0;
			const [send] = queue.splice(index, 1);
			seen.push(send!.message);
			if (prng.next() < 0.03) {
				continue; // Lost.
			}

			if (send!.to === 'client') {
				client.onReply(send!.message);
				continue;
			}

			const from = 'from' in send!.message ? send!.message.from : -1;
			if ([cutOff, sleeping].includes(send!.replica) || [cutOff, sleeping].includes(from)) {
				continue;
			}

			queue.push(...replicas[send!.replica]!.onMessage(send!.message));
		}
	}

	return seen;
}

test('every message the core sends passes, after a JSON round trip, and every type is seen', (t) => {
	const seen = messagesFromTheCore(42);
	const types = new Set<MessageType>();
	for (const message of seen) {
		const received = structuredClone(message) as unknown;
		const problem = messageProblem(received, options);
		t.is(problem, undefined, `${JSON.stringify(received)?.slice(0, 300)}`);
		t.true(isMessage(received, options));
		types.add(message.type);
	}

	t.deepEqual([...types].toSorted(), [
		'commit',
		'do_view_change',
		'get_state',
		'new_state',
		'prepare',
		'prepare_ok',
		'recovery',
		'recovery_response',
		'reply',
		'request',
		'start_view',
		'start_view_change',
	]);
	t.true(
		seen.some((message) => 'log' in message && message.log.checkpoint !== undefined),
		'some log travels with its checkpoint',
	);
});

const prepare = {
	type: 'prepare',
	view: 1,
	op: 5,
	commit: 4,
	entry: {
		op: 5,
		view: 1,
		clientId: 3,
		requestNumber: 9,
		operation: {op: 'put', key: 'a', value: 'b'},
	},
	from: 1,
	incarnation: 0,
};
const startView = {
	type: 'start_view',
	view: 2,
	log: {
		base: 2,
		checkpoint: {
			op: 2,
			digest: 12_345,
			stateMachine: [['a', 'b']],
			clientTable: [[3, 8, {ok: true, value: 'ok'}]],
		},
		entries: [
			{op: 3, view: 1, clientId: 3, requestNumber: 9, operation: null},
			{op: 4, view: 2, clientId: 4, requestNumber: 1, operation: 'x'},
		],
	},
	opNumber: 4,
	commitNumber: 3,
	from: 2,
	incarnation: 1,
};

test('hand-written valid messages pass', (t) => {
	for (const message of [
		prepare,
		startView,
		{type: 'request', clientId: 1, requestNumber: 1, operation: {anything: [1, 2]}},
		{type: 'reply', view: 0, clientId: 1, requestNumber: 1, result: {ok: false, error: 'no'}},
		{type: 'reply', view: 0, clientId: 1, requestNumber: 1, result: {ok: true}},
		{type: 'recovery_response', view: 3, nonce: 99, from: 0, incarnation: 2},
		{type: 'prepare_ok', view: 0, op: 0, from: 2, incarnation: 0, extra: 'ignored'},
	]) {
		t.is(messageProblem(message, options), undefined, `${message.type}`);
	}
});

test('malformed messages are rejected with a reason that names the field', (t) => {
	const cases: Array<[unknown, RegExp]> = [
		[null, /must be an object/v],
		[[prepare], /must be an object/v],
		['prepare', /must be an object/v],
		[{...prepare, type: 'prepared'}, /unknown message type "prepared"/v],
		[{...prepare, type: 7}, /string type/v],
		[{...prepare, from: 3}, /from must be a replica id from 0 to 2 \(got 3\)/v],
		[{...prepare, from: -1}, /from must be a replica id/v],
		[{...prepare, incarnation: 1.5}, /incarnation must be a non-negative integer/v],
		[{...prepare, view: '1'}, /prepare\.view must be a non-negative integer \(got "1"\)/v],
		[{...prepare, op: 2 ** 60}, /prepare\.op/v],
		[{...prepare, entry: {...prepare.entry, op: 6}}, /entry\.op 6 must equal prepare\.op 5/v],
		[{...prepare, entry: {...prepare.entry, view: 2}}, /entry\.view 2 is after prepare\.view 1/v],
		[{...prepare, entry: {...prepare.entry, operation: undefined}}, /operation is missing/v],
		[{...prepare, entry: 'x'}, /prepare\.entry must be an object/v],
		[{...startView, opNumber: 5}, /opNumber 5 must be where its log ends \(4\)/v],
		[{...startView, commitNumber: 5, opNumber: 4}, /commitNumber 5 is above its op number 4/v],
		[
			{...startView, log: {...startView.log, checkpoint: {...startView.log.checkpoint, op: 1}}},
			/checkpoint\.op must equal the base 2 \(got 1\)/v,
		],
		[
			{...startView, log: {...startView.log, entries: [startView.log.entries[1]]}},
			/entries\[0\]\.op must be 3/v,
		],
		[
			{
				...startView,
				log: {...startView.log, checkpoint: {...startView.log.checkpoint, stateMachine: {a: 1}}},
			},
			/stateMachine must be an array/v,
		],
		[
			{
				...startView,
				log: {...startView.log, checkpoint: {...startView.log.checkpoint, clientTable: [[1, 2]]}},
			},
			/clientTable must hold/v,
		],
		[
			{...startView, log: {...startView.log, checkpoint: null}},
			/checkpoint must be an object or absent/v,
		],
		[
			{type: 'reply', view: 0, clientId: 1, requestNumber: 1, result: {ok: 'yes'}},
			/result\.ok must be true or false/v,
		],
		[{type: 'request', clientId: 1, requestNumber: 1}, /request\.operation is missing/v],
		[
			{type: 'recovery_response', view: 3, nonce: 99, from: 0, incarnation: 2, primaryState: 5},
			/primaryState/v,
		],
		[
			{...startView, type: 'do_view_change', lastNormalView: 3},
			/lastNormalView 3 is after its view 2/v,
		],
	];
	for (const [message, reason] of cases) {
		const problem = messageProblem(message, options);
		t.regex(problem ?? 'accepted', reason, `${JSON.stringify(message)?.slice(0, 200)}`);
		t.false(isMessage(message, options));
	}
});

test("given its receiver, a PrepareOk beyond the primary's op is refused, not asserted on", (t) => {
	const primary = new Replica({id: 0, replicaCount: 3});
	const ack = (view: number, op: number): Message => ({
		type: 'prepare_ok',
		view,
		op,
		from: 1,
		incarnation: 0,
	});
	const withReceiver = {...options, receiver: primary};
	t.is(messageProblem(ack(0, 0), withReceiver), undefined);
	t.is(messageProblem(ack(0, 1), withReceiver), "prepare_ok acks op 1 beyond this primary's op 0");
	t.is(messageProblem(ack(0, 1), options), undefined, 'without a receiver: well formed');
	t.is(messageProblem(ack(1, 1), withReceiver), undefined, 'another view: the core ignores it');
	const backup = new Replica({id: 1, replicaCount: 3});
	t.is(messageProblem(ack(0, 1), {...options, receiver: backup}), undefined, 'a backup ignores it');
	t.throws(() => primary.onMessage(ack(0, 1)), {message: /acked op 1 beyond/v});
});

test('the key-value snapshot check', (t) => {
	t.is(checkKvSnapshot([['a', 'b']]), undefined);
	t.regex(checkKvSnapshot([['a', 1]]) ?? '', /string pairs/v);
	t.regex(checkKvSnapshot('x') ?? '', /array/v);
});

/** Replaces one field (not a free-form one) of a valid message with something of the wrong kind. */
const brokenField = fc.oneof(
	fc.constant(undefined),
	fc.constant(null),
	fc.constant(-1),
	fc.constant(0.5),
	fc.constant(Number.NaN),
	fc.constant(2 ** 53),
	fc.string(),
	fc.boolean(),
	fc.array(fc.integer()),
	fc.dictionary(fc.string(), fc.integer()),
);

test('any valid message with one structural field broken is rejected (property)', (t) => {
	const valid = messagesFromTheCore(7).filter(
		(message) => message.type !== 'request' && message.type !== 'reply',
	);
	const free = new Set(['operation', 'value', 'stateMachine', 'digest', 'error']);
	fc.assert(
		fc.property(
			fc.integer({min: 0, max: valid.length - 1}),
			brokenField,
			fc.nat(),
			(index, broken, pick) => {
				const message: Record<string, unknown> = {...valid[index]};
				const keys = Object.keys(message).filter((key) => !free.has(key) && key !== 'primaryState');
				const key = keys[pick % keys.length]!;
				if (key === 'type' && typeof broken === 'string' && isTypeName(broken)) {
					return;
				}

				message[key] = broken;
				const problem = messageProblem(JSON.parse(JSON.stringify(message) ?? 'null'), options);
				t.not(problem, undefined, `${key} broken in ${JSON.stringify(message)?.slice(0, 200)}`);
			},
		),
		{seed: 5, numRuns: 2000},
	);
});

test('arbitrary JSON is never taken for a message (property)', (t) => {
	fc.assert(
		fc.property(fc.jsonValue(), (value) => {
			t.not(messageProblem(value, options), undefined);
		}),
		{seed: 11, numRuns: 2000},
	);
});

function isTypeName(text: string): boolean {
	return (messageTypes as readonly string[]).includes(text);
}
