/**
Time travel on the screen (ink-testing-library, a seeded fake operator): the timeline bar, `,` and
`.` through the messages with the node table as it stood, the keys that act differently in the
past, and a fork asked of a session that cannot fork (its driver keeps no action log).
*/
import test from 'ava';
import {Timeline} from '../source/ui/timeline.js';
import {createFakeOperator} from './ui-fake-operator.js';
import {type Harness, renderApp} from './ui-harness.js';

const barLine = (frame: string): string =>
	frame.split('\n').find((line) => line.startsWith('timeline ')) ?? '';

/** The node table's rows. */
const nodeRows = (frame: string): string[] =>
	frame.split('\n').filter((line) => /^[ >]\d[* ] +\d /v.test(line));

async function seeded(): Promise<Harness> {
	const operator = createFakeOperator();
	operator.state.seed = 7;
	operator.state.paused = true;
	return renderApp({operator});
}

test('the bar, , and . through the messages, the node table as it stood at each', async (t) => {
	const h = await seeded();
	t.teardown(() => {
		h.dispose();
	});
	t.regex(barLine(h.frame()), /^timeline ─+│ {2}now: message 0 *$/v);
	h.operator.send({from: 'client', to: 0, type: 'request', label: 'Request c1#11'});
	// After each message: what the node table showed.
	const tables = [nodeRows(h.frame())];
	for (let message = 1; message <= 5; message++) {
		await h.operator.deliverNext();
		h.store.flush();

		const frame = await h.waitFor((current) =>
			barLine(current).includes(`now: message ${message}`),
		);
		tables.push(nodeRows(frame));
	}

	t.not(tables[1]!.join('\n'), tables[5]!.join('\n'), 'the table changed along the way');
	for (let point = 4; point >= 0; point--) {
		h.press(',');

		const frame = await h.waitFor((current) =>
			barLine(current).includes(`past: message ${point} of 5`),
		);
		t.deepEqual(nodeRows(frame), tables[point], `the table at message ${point}`);
	}

	h.press(',');
	await h.waitFor((frame) =>
		frame.includes('this is the start: no message was delivered before it'),
	);
	h.press('..');
	let frame = await h.waitFor((current) => barLine(current).includes('past: message 2 of 5'));
	t.deepEqual(nodeRows(frame), tables[2]);
	// n goes forward in the past, as . does; t is refused; space goes back to the present and runs.
	h.press('n');
	frame = await h.waitFor((current) => barLine(current).includes('past: message 3 of 5'));
	t.deepEqual(nodeRows(frame), tables[3]);
	h.press('t');
	await h.waitFor((current) =>
		current.includes('t acts at the present: . goes forward, space goes back'),
	);
	t.is(
		h.operator.calls.filter((call) => ['deliverNext', 'advanceTick'].includes(call.method)).length,
		5,
		'nothing delivered or ticked from the past',
	);
	h.press(' ');
	await h.waitFor(
		(current) => /^RUNNING /mv.test(current) && barLine(current).includes('now: message'),
	);
	t.true(
		h.operator.calls.some((call) => call.method === 'resume'),
		'time runs again',
	);
});

test('the diagram in the past has the messages up to that point', async (t) => {
	const h = await seeded();
	t.teardown(() => {
		h.dispose();
	});
	h.operator.send({from: 'client', to: 0, type: 'request', label: 'Request c1#11'});
	for (let message = 1; message <= 4; message++) {
		await h.operator.deliverNext();
	}

	h.press('v');
	await h.waitFor((frame) => frame.includes('diagram · 4 messages'));
	h.press(',,');
	let frame = await h.waitFor((current) => barLine(current).includes('past: message 2 of 4'));
	t.true(frame.includes('diagram · 2 messages'), `at message 2:\n${frame}`);
	t.is(frame.match(/Prepare v0 op11/gv)?.length, 1, 'one Prepare delivered by message 2');
	h.press('.');
	frame = await h.waitFor((current) => barLine(current).includes('past: message 3 of 4'));
	t.true(frame.includes('diagram · 3 messages'), `at message 3:\n${frame}`);
	h.press('.');
	frame = await h.waitFor((current) => barLine(current).includes('now: message 4'));
	t.true(frame.includes('diagram · 4 messages'), `at the present:\n${frame}`);
});

test('acting in the past forks; a session that cannot fork says so and acts nowhere', async (t) => {
	const h = await seeded();
	t.teardown(() => {
		h.dispose();
	});
	h.operator.send({from: 'client', to: 0, type: 'request', label: 'Request c1#11'});
	await h.operator.deliverNext();
	await h.operator.deliverNext();
	h.store.flush();
	h.press(',');
	await h.waitFor((frame) => barLine(frame).includes('past: message 1 of 2'));
	h.press('x');
	await h.waitFor((frame) =>
		frame.includes('the fork failed: this session cannot fork: its driver replays no action log'),
	);
	t.false(
		h.operator.calls.some((call) => call.method === 'crash'),
		'nothing crashed',
	);
	// The screen's own keys act on the past without a fork.
	h.press('2');
	const frame = await h.waitFor((current) => /^>2/mv.test(current));
	t.regex(barLine(frame), /past: message 1 of 2/v);
});

test('a full timeline keeps what it has and stops listening', async (t) => {
	const operator = createFakeOperator();
	operator.state.seed = 7;
	const timeline = new Timeline(
		{
			telemetry: operator.telemetry,
			snapshot: () => operator.snapshot(),
			onMessage: (listener) => operator.onMessage(listener),
			inFlight: (limit) => operator.inFlight(limit),
			actions: () => [],
		},
		{entries: 1000, messages: 3},
	);
	timeline.attachBus();
	timeline.attachStreams();
	t.is(operator.messageListeners, 1, 'it listens to the messages');
	operator.send({from: 'client', to: 0, type: 'request', label: 'Request c1#11'});
	for (let message = 0; message < 5; message++) {
		await operator.deliverNext();
	}

	await Promise.resolve();
	t.true(timeline.full);
	t.is(timeline.length, 3, 'the first three messages');
	t.is(operator.messageListeners, 0, 'no longer listening');
	t.is(operator.telemetry.listHandlers([]).length, 0, 'nor on the bus');
});

test('the message pane in the past lists what was in flight there, the next message first', async (t) => {
	const h = await seeded();
	t.teardown(() => {
		h.dispose();
	});
	const ids = (frame: string): number[] =>
		frame
			.split('\n')
			.map((line) => /^[ >]#(\d+) /v.exec(line)?.[1])
			.filter((id) => id !== undefined)
			.map(Number);
	// The request (#1) makes the Prepares #2 and #3; #2 makes the PrepareOk #4, #3 the PrepareOk #5.
	h.operator.send({from: 'client', to: 0, type: 'request', label: 'Request c1#11'});
	for (let message = 1; message <= 3; message++) {
		await h.operator.deliverNext();
	}

	h.press('m');
	let frame = await h.waitFor((current) => current.includes('messages in flight: '));
	t.deepEqual(ids(frame), [4, 5], 'the present: both PrepareOks in flight');
	h.press(',');
	frame = await h.waitFor((current) => barLine(current).includes('past: message 2 of 3'));
	t.deepEqual(ids(frame), [3, 4], 'after message 2: the Prepare to node 2 next, and a PrepareOk');
	t.regex(frame, /^[ >]#3 +Prepare v0 op 11 +0→2/mv);
	h.press('.');
	frame = await h.waitFor((current) => barLine(current).includes('now: message 3'));
	t.deepEqual(ids(frame), [4, 5], 'the present again');
});
