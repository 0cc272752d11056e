/**
Every key in the keymap, pressed in the real app (ink-testing-library, a fake
operator that records calls): the call it makes, what changes in the store, and
what the frame shows. A key added to the keymap without a case here fails the
first test.
*/
import test, {type ExecutionContext} from 'ava';
import {
	type Action,
	type KeyName,
	burstSize,
	commandFor,
	descriptionWidth,
	keymap,
} from '../source/ui/keymap.js';
import {type FakeMessage, fakeNode} from './ui-fake-operator.js';
import {
	type Harness,
	arrowDown,
	arrowUp,
	ctrlC,
	escape,
	pageDown,
	pageUp,
	renderApp,
} from './ui-harness.js';

const typed = (key: KeyName): string => {
	switch (key) {
		case 'up': {
			return arrowUp;
		}

		case 'down': {
			return arrowDown;
		}

		case 'escape': {
			return escape;
		}

		case 'ctrl-c': {
			return ctrlC;
		}

		case 'enter': {
			return '\r';
		}

		case 'tab': {
			return '\t';
		}

		case 'page-up': {
			return pageUp;
		}

		case 'page-down': {
			return pageDown;
		}

		default: {
			return key;
		}
	}
};

const prepare = (op: number, to: number, delayMs = 1): FakeMessage => ({
	from: 0,
	to,
	type: 'prepare',
	view: 0,
	op,
	delayMs,
});

const request: FakeMessage = {from: 'client', to: 0, type: 'request', label: 'Request c1#11'};

const heartbeat = (to: number): FakeMessage => ({
	from: 0,
	to,
	type: 'commit',
	view: 0,
	op: 10,
	heartbeat: true,
	delayMs: 0.5,
});

/** The line of the message pane that lists message `id`. */
const messageLine = (frame: string, id: number): string =>
	frame.split('\n').find((line) => new RegExp(String.raw`^[ >]#${id} `, 'v').test(line)) ?? '';

/** The selected message's number in the pane. */
const selectedMessage = (frame: string): string | undefined => /^>#(\d+) /mv.exec(frame)?.[1];

/** Delivers `count` messages, as the cluster reports them, for the diagram and the narration. */
async function deliverMany(h: Harness, count: number): Promise<void> {
	for (let index = 0; index < count; index++) {
		h.operator.send(prepare(index + 1, 1 + (index % 2)));
	}

	h.operator.pause();
	for (let index = 0; index < count; index++) {
		await h.operator.deliverNext();
	}

	h.store.flush();
}

/** The table row of the node in `row` (1-based) is marked selected. */
const selectedRow = (frame: string): string | undefined => /^>(\d)/mv.exec(frame)?.[1];

const calls = (h: Harness, method: string) =>
	h.operator.calls.filter((call) => call.method === method).map((call) => call.args);

const nodeLine = (frame: string, row: number): string =>
	frame.split('\n').find((line) => new RegExp(String.raw`^[ >]${row}[* ]`, 'v').test(line)) ?? '';

type Case = (h: Harness, key: string, t: ExecutionContext) => Promise<void>;

const cases: Record<Action, Case> = {
	async selectPrevious(h, key, t) {
		h.press('3');
		await h.waitFor((frame) => selectedRow(frame) === '3');
		h.press(key);
		await h.waitFor((frame) => selectedRow(frame) === '2');
		t.is(h.store.getView().nodes.selected, 1);
		h.press(key);
		h.press(key);
		await h.waitFor((frame) => selectedRow(frame) === '1');
		t.is(h.store.getView().nodes.selected, 0, 'stops at the top');
	},
	async selectNext(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => selectedRow(frame) === '2');
		h.press(key);
		h.press(key);
		await h.waitFor((frame) => selectedRow(frame) === '3');
		t.is(h.store.getView().nodes.selected, 2, 'stops at the bottom');
	},
	async selectNode(h, key, t) {
		const digit = Number(key);
		h.operator.state.nodes = Array.from({length: 9}, (_, id) => fakeNode(id));
		h.operator.state.replicas = 9;
		h.store.flush();
		h.press(key);
		await h.waitFor((frame) => selectedRow(frame) === key);
		t.is(h.store.selectedNode()?.id, digit - 1);
		h.operator.state.nodes = h.operator.state.nodes.slice(0, digit - 1);
		h.store.flush();
		if (digit > 1) {
			h.press('1');
			h.press(key);
			await h.waitFor((frame) => frame.includes(`there is no node in row ${digit}`));
			t.is(selectedRow(h.frame()), '1');
		}
	},
	async submit(h, key, t) {
		h.press(key);
		const frame = await h.waitFor((current) => current.includes('reply ok'));
		t.deepEqual(calls(h, 'submit'), [[undefined]]);
		t.regex(frame, /put\(k1, 'v1'\)/v);
		t.regex(frame, /latency 2\.5ms/v);
		t.is(h.store.getView().lastRequest.state, 'done');
	},
	async burst(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes(`sent a burst of ${burstSize} requests`));
		t.deepEqual(calls(h, 'burst'), [[burstSize]]);
	},
	async toggleLoad(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('load on'));
		h.press(key);
		await h.waitFor((frame) => frame.includes('load off') && frame.includes('steady load off'));
		t.deepEqual(calls(h, 'setLoad'), [[true], [false]]);
	},
	async crash(h, key, t) {
		h.press('2');
		h.press(key);
		const frame = await h.waitFor((current) => nodeLine(current, 2).includes('crashed'));
		t.deepEqual(calls(h, 'crash'), [[1]]);
		t.regex(frame, /crashed node 1 \(SIGKILL\)/v);
		h.press(key);
		await h.waitFor((current) => current.includes('node 1 is already down'));
		t.is(calls(h, 'crash').length, 1, 'a crashed node is not crashed again');
	},
	async restart(h, key, t) {
		h.press('x');
		await h.waitFor((frame) => nodeLine(frame, 1).includes('crashed'));
		h.press(key);
		await h.waitFor((frame) => nodeLine(frame, 1).includes('recovering'));
		t.deepEqual(calls(h, 'restart'), [[0]]);
		h.press('2');
		h.press(key);
		await h.waitFor((frame) => frame.includes('restarting node 1 (killed first)'));
		t.deepEqual(calls(h, 'restart'), [[0], [1]], 'a running node is restarted too');
	},
	async crashAll(h, key, t) {
		h.press(key);
		await h.waitFor((current) =>
			current.includes(
				'y crashes every node: 10 committed ops lost (no --data-dir); other keys cancel',
			),
		);
		h.press('s');
		await h.waitFor((current) =>
			current.includes('crash of every node cancelled: nothing changed'),
		);
		t.deepEqual(calls(h, 'crashAll'), []);
		t.deepEqual(calls(h, 'submit'), [], 'the key that cancels does nothing else');
		h.operator.state.dataDir = '/data';
		h.store.flush();
		h.press(key);
		await h.waitFor((current) =>
			current.includes('y crashes every node at once (logs stay on disk)'),
		);
		h.press('y');
		const frame = await h.waitFor((current) =>
			[1, 2, 3].every((row) => nodeLine(current, row).includes('crashed')),
		);
		t.deepEqual(calls(h, 'crashAll'), [[]]);
		t.regex(
			frame,
			/crashed every node \(SIGKILL\); their logs are on disk \(R restarts them all\)/v,
		);
		h.press(key);
		await h.waitFor((current) => current.includes('every node is down already'));
		t.is(calls(h, 'crashAll').length, 1);
	},
	async restartAll(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('no node is down (X crashes them all)'));
		t.deepEqual(calls(h, 'restartAll'), []);
		h.operator.state.dataDir = '/data';
		h.press('x');
		h.press('3');
		h.press('x');
		await h.waitFor(
			(frame) => nodeLine(frame, 1).includes('crashed') && nodeLine(frame, 3).includes('crashed'),
		);
		h.press(key);
		const frame = await h.waitFor(
			(current) =>
				!nodeLine(current, 1).includes('crashed') && !nodeLine(current, 3).includes('crashed'),
		);
		t.deepEqual(calls(h, 'restartAll'), [[]]);
		t.regex(frame, /restarting 2 nodes from their disks/v);
	},
	async isolate(h, key, t) {
		h.press('3');
		h.press(key);
		await h.waitFor((frame) => nodeLine(frame, 3).includes('isolated'));
		t.deepEqual(calls(h, 'isolate'), [[2]]);
	},
	async heal(h, key, t) {
		h.press('i');
		await h.waitFor((frame) => nodeLine(frame, 1).includes('isolated'));
		h.press(key);
		await h.waitFor(
			(frame) => nodeLine(frame, 1).endsWith('ok') && frame.includes('healed the network'),
		);
		t.deepEqual(calls(h, 'heal'), [[]]);
	},
	async dropUp(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('drop 1%'));
		h.press(key);
		await h.waitFor((frame) => frame.includes('drop 2%'));
		t.deepEqual(calls(h, 'setDropRate'), [[0.01], [0.02]]);
	},
	async dropDown(h, key, t) {
		h.operator.state.dropRate = 0.05;
		h.press(key);
		await h.waitFor((frame) => frame.includes('drop 2%'));
		t.deepEqual(calls(h, 'setDropRate'), [[0.02]]);
	},
	async delayUp(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('delay 5ms'));
		t.deepEqual(calls(h, 'setDelay'), [[5]]);
	},
	async delayDown(h, key, t) {
		h.operator.state.delayMs = 20;
		h.press(key);
		await h.waitFor((frame) => frame.includes('delay 10ms'));
		t.deepEqual(calls(h, 'setDelay'), [[10]]);
	},
	async togglePause(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('PAUSED') && frame.includes('time paused'));
		h.press(key);
		await h.waitFor((frame) => frame.includes('RUNNING') && frame.includes('time runs again'));
		t.deepEqual(
			h.operator.calls.map((call) => call.method),
			['pause', 'resume'],
		);
	},
	async faster(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('time already runs at 1×, the fastest'));
		h.operator.state.speed = 0.1;
		h.press(key);
		const frame = await h.waitFor((current) =>
			current.includes('speed 0.2×: a 10 ms tick takes 50 ms'),
		);
		t.regex(frame, /^RUNNING 0\.2× /mv);
		t.deepEqual(calls(h, 'setSpeed'), [[0.2]]);
	},
	async slower(h, key, t) {
		h.press(key);
		let frame = await h.waitFor((current) =>
			current.includes('speed 0.5×: a 10 ms tick takes 20 ms'),
		);
		t.regex(frame, /^RUNNING 0\.5× /mv);
		h.press(`${key}${key}${key}${key}${key}`);
		frame = await h.waitFor((current) => current.includes('speed 0.01×: a 10 ms tick takes 1 s'));
		h.press(key);
		await h.waitFor((current) => current.includes('0.01× is the slowest'));
		t.deepEqual(calls(h, 'setSpeed'), [[0.5], [0.2], [0.1], [0.05], [0.02], [0.01]]);
		t.regex(frame, /^RUNNING 0\.01× /mv);
	},
	async step(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('n delivers one message while time is paused'));
		h.press(' ');
		h.press(key);
		await h.waitFor((frame) => frame.includes('nothing is in flight'));
		h.operator.send(request);
		h.press(key);
		await h.waitFor((frame) =>
			frame.includes('» delivered Request c1#11 client→0 → 0 appended op 11, sent Prepare to 1, 2'),
		);
		h.press(key);
		await h.waitFor((frame) =>
			frame.includes('» delivered Prepare v0 op 11 0→1 → 1 appended op 11, sent PrepareOk'),
		);
		t.is(calls(h, 'deliverNext').length, 2);
		// Heartbeats hidden (as they are at first): n delivers the next message that is not one.
		h.operator.send(heartbeat(1));
		h.operator.send(heartbeat(2));
		const [first] = h.operator.inFlight(1);
		t.true(first?.heartbeat, 'a heartbeat comes first');
		h.press(key);
		await h.waitFor((frame) => frame.includes('» delivered Prepare v0 op 11 0→2 → 2 appended'));
		t.deepEqual(calls(h, 'deliver'), [[3]]);
		t.is(h.operator.inFlight().filter((message) => message.heartbeat).length, 2);
	},
	async back(h, key, t) {
		// Live (no seed): no timeline to travel; seeded, see the time-travel tests below.
		h.press(key);
		await h.waitFor((frame) =>
			frame.includes(', and . travel in time in a seeded session (--seed); this one is live'),
		);
		t.false(h.frame().includes('timeline '), 'a live session has no timeline bar');
		t.deepEqual(h.operator.calls, []);
	},
	async forward(h, key, t) {
		h.press(key);
		await h.waitFor((frame) =>
			frame.includes(', and . travel in time in a seeded session (--seed); this one is live'),
		);
		t.deepEqual(h.operator.calls, []);
	},
	async tick(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('t lets one tick pass while time is paused'));
		h.press(' ');
		h.operator.send(prepare(11, 2, 5));
		h.operator.send(prepare(12, 2, 45));
		h.press(key);
		await h.waitFor((frame) => frame.includes('» one tick, time 00:00.010: delivered Prepare v0'));
		// The status line is cut at 80 columns; it says all of it.
		t.is(
			h.store.getView().status?.text,
			'one tick, time 00:00.010: delivered Prepare v0 op 11 0→2 → 2 appended op 11, sent PrepareOk',
		);
		t.regex(h.frame(), /^PAUSED 1× {2}live {2}00:00\.010 /mv);
		// The PrepareOk (2 ms) falls due in the next tick, its Reply in the one after; op 12 later.
		h.press(key);
		await h.waitFor((frame) =>
			frame.includes('» one tick, time 00:00.020: delivered PrepareOk v0 op 11 2→0 → 0'),
		);
		h.press(key);
		await h.waitFor((frame) => frame.includes('» one tick, time 00:00.030: delivered Reply c1#11'));
		h.press(key);
		await h.waitFor((frame) =>
			frame.includes('» one tick (10 ms), time 00:00.040: nothing fell due'),
		);
		t.is(calls(h, 'advanceTick').length, 4);
		t.is(h.operator.inFlight().length, 1);
	},
	async toggleMessages(h, key, t) {
		h.press(key);
		let frame = await h.waitFor((current) => current.includes('messages in flight: 0'));
		t.regex(frame, /nothing in flight \(s submits a request\)/v);
		t.notRegex(frame, /span timings/v, 'in the place of the span timings');
		h.operator.send(prepare(3, 2, 4));
		h.operator.send({from: 2, to: 0, type: 'prepare_ok', view: 0, op: 3, delayMs: 7});
		h.operator.send(request);
		h.store.flush();
		frame = await h.waitFor((current) => current.includes('messages in flight: 3'));
		// In delivery order, with its number, route and due time.
		t.regex(messageLine(frame, 3), /^[ >]#3 +Request c1#11 +client→0 +in 1 ms$/v);
		t.regex(messageLine(frame, 1), /^[ >]#1 +Prepare v0 op 3 +0→2 +in 4 ms$/v);
		t.regex(messageLine(frame, 2), /^[ >]#2 +PrepareOk v0 op 3 +2→0 +in 7 ms$/v);
		t.true(
			frame.indexOf('#3 ') < frame.indexOf('#1 ') && frame.indexOf('#1 ') < frame.indexOf('#2 '),
		);
		const dueColumn = (id: number) => messageLine(frame, id).indexOf(' in ');
		t.true(
			dueColumn(1) > 0 && dueColumn(1) === dueColumn(2) && dueColumn(2) === dueColumn(3),
			'columns line up',
		);
		h.press(' ');
		frame = await h.waitFor((current) => current.includes('PAUSED'));
		t.regex(messageLine(frame, 1), /held$/v, 'live and paused: held');
		h.press(key);
		frame = await h.waitFor((current) => current.includes('message pane hidden'));
		t.notRegex(frame, /messages in flight/v);
		t.regex(frame, /span timings/v);
	},
	async focus(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('tab moves the keys to the message pane'));
		h.operator.send(prepare(3, 1));
		h.operator.send(prepare(3, 2));
		h.press('m');
		await h.waitFor((frame) => frame.includes('keys: here (tab: nodes)'));
		h.press('j');
		await h.waitFor((frame) => selectedMessage(frame) === '2');
		t.is(selectedRow(h.frame()), '1', 'the node selection stays');
		h.press(key);
		await h.waitFor((frame) => frame.includes('keys: nodes (tab: here)'));
		h.press('j');
		await h.waitFor((frame) => selectedRow(frame) === '2');
		t.is(selectedMessage(h.frame()), '2', 'the message selection stays');
		h.press(key);
		await h.waitFor((frame) => frame.includes('keys: here (tab: nodes)'));
	},
	async deliverSelected(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('enter delivers the message selected'));
		h.press('m');
		await h.waitFor((frame) => frame.includes('messages in flight: 0'));
		h.press(key);
		await h.waitFor((frame) => frame.includes('no message is selected: nothing is in flight'));
		h.operator.send(prepare(3, 1));
		h.operator.send(prepare(3, 2));
		h.press('j');
		await h.waitFor((frame) => selectedMessage(frame) === '2');
		h.press(key);
		const frame = await h.waitFor((current) =>
			current.includes('» delivered Prepare v0 op 3 0→2 → 2 appended op 3, sent PrepareOk'),
		);
		t.deepEqual(calls(h, 'deliver'), [[2]], 'out of order');
		t.regex(messageLine(frame, 1), /Prepare v0 op 3/v, 'the first is still in flight');
		t.regex(messageLine(frame, 3), /PrepareOk v0 op 3 +2→0/v, 'and what it caused');
	},
	async dropSelected(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('d drops the message selected'));
		h.press('v');
		h.operator.send(prepare(3, 2));
		h.press('m');
		await h.waitFor((frame) => messageLine(frame, 1) !== '');
		h.press(key);
		const frame = await h.waitFor((current) =>
			current.includes('» dropped #1 Prepare v0 op 3 0→2'),
		);
		t.deepEqual(calls(h, 'drop'), [[1]]);
		t.regex(frame, /nothing in flight/v);
		t.regex(
			frame,
			/^ +0\.000 │ {9}├─{16}x {2}│ {2}Prepare v0 op3 \(lost: by operator\)$/mv,
			'the diagram shows the loss: an arrow past n1 that stops in an x short of n2',
		);
	},
	async messageUp(h, key, t) {
		h.operator.send(prepare(3, 1));
		h.operator.send(prepare(3, 2));
		h.operator.send(prepare(4, 1));
		h.press('m');
		h.press(`${arrowDown}`);
		h.press(`${arrowDown}`);
		await h.waitFor((frame) => selectedMessage(frame) === '3');
		h.press(key);
		await h.waitFor((frame) => selectedMessage(frame) === '2');
		h.press(key);
		h.press(key);
		await h.waitFor((frame) => selectedMessage(frame) === '1');
		t.is(selectedRow(h.frame()), '1', 'nodes unmoved');
	},
	async messageDown(h, key, t) {
		h.operator.send(prepare(3, 1));
		h.operator.send(prepare(3, 2));
		h.press('m');
		await h.waitFor((frame) => selectedMessage(frame) === '1');
		h.press(key);
		await h.waitFor((frame) => selectedMessage(frame) === '2');
		h.press(key);
		await h.waitFor(() => true);
		t.is(selectedMessage(h.frame()), '2', 'stops at the last');
		t.is(selectedRow(h.frame()), '1', 'nodes unmoved');
	},
	async messageNumber(h, key, t) {
		for (let op = 1; op <= 20; op++) {
			h.operator.send(prepare(op, 1));
		}

		h.press('m');
		await h.waitFor((frame) => frame.includes('messages in flight: 20'));
		h.press('1');
		h.press(key);
		const frame = await h.waitFor((current) => current.includes(`» #1${key} selected`));
		t.is(h.store.getView().messages.selected, Number(`1${key}`));
		t.regex(messageLine(frame, Number(`1${key}`)), /^>/v, 'scrolled to it and marked');
		t.is(selectedRow(frame), '1', 'the digit did not select a node');
		h.press('s');
		h.press(key);
		await h.waitFor((current) => current.includes(`#${key}`));
		t.is(
			h.store.getView().messages.selected,
			key === '0' ? Number(`1${key}`) : Number(key),
			'another key ends the number',
		);
	},
	async toggleDiagram(h, key, t) {
		h.press(key);
		let frame = await h.waitFor((current) => current.includes('diagram · 0 messages'));
		t.regex(frame, /^ {8}c {3,}n0 {3,}n1 {3,}n2$/mv, 'a lifeline for the clients and each replica');
		h.operator.send(request);
		h.operator.pause();
		await h.operator.deliverNext();
		await h.operator.deliverNext();
		h.store.flush();
		frame = await h.waitFor((current) => current.includes('diagram · 2 messages'));
		t.regex(frame, /^ +0\.000 ├─+▶│ +│ +│ +Request c1#11$/mv);
		t.regex(frame, /^ +0\.000 │ +├─+▶│ +│ +Prepare v0 op11$/mv);
		h.press(key);
		frame = await h.waitFor((current) => current.includes('feed: all events'));
		t.notRegex(frame, /diagram ·/v);
	},
	async scrollBack(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('PgUp scrolls the diagram (v shows it)'));
		h.press('v');
		await deliverMany(h, 60);
		const newest = await h.waitFor((frame) => frame.includes('diagram · 60 messages'));
		t.regex(newest, /Prepare v0 op60$/mv);
		h.press(key);
		const back = await h.waitFor((frame) => frame.includes('rows back'));
		const rows = Number(/diagram: (\d+) rows back/v.exec(back)?.[1]);
		t.true(rows > 0);
		t.notRegex(back, /Prepare v0 op60$/mv, 'the newest is off the screen');
		t.regex(back, new RegExp(String.raw`Prepare v0 op${60 - rows}$`, 'mv'));
		// Rows that arrive meanwhile do not move what is on the screen.
		await deliverMany(h, 1);
		await h.waitFor((frame) => frame.includes('61 messages'));
		t.regex(h.frame(), new RegExp(String.raw`Prepare v0 op${60 - rows}$`, 'mv'));
	},
	async scrollForward(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('PgDn scrolls the diagram (v shows it)'));
		h.press('v');
		await deliverMany(h, 30);
		h.press(pageUp);
		await h.waitFor((frame) => frame.includes('rows back'));
		h.press(key);
		const frame = await h.waitFor((current) => current.includes('diagram: following the run'));
		t.regex(frame, /Prepare v0 op30$/mv);
		t.regex(frame, /following \(PgUp scrolls back\)/v);
	},
	async toggleNarration(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('feed in plain sentences (N shows the events)'));
		h.operator.send(request);
		h.operator.pause();
		h.store.flush();
		await h.operator.deliverNext();
		h.store.flush();
		await h.waitFor((frame) => frame.includes("n0 got client 1's request 11"));
		h.operator.telemetry.execute(
			['vsr', 'protocol', 'prepare', 'sent'],
			{count: 2},
			{node_id: 0, view_number: 0, op_number: 11, is_primary: true},
		);
		h.store.flush();
		await h.waitFor((frame) => frame.includes('n0 (primary, view 0) sent Prepare op 11 to n1, n2'));
		h.press(key);
		const frame = await h.waitFor((current) => current.includes('feed: all events'));
		t.regex(frame, /protocol\.prepare\.sent/v);
	},
	async toggleHeartbeats(h, key, t) {
		h.operator.telemetry.execute(['vsr', 'timer', 'heartbeat_sent'], {}, {node_id: 0});
		h.operator.telemetry.execute(['vsr', 'protocol', 'prepare', 'sent'], {count: 2}, {node_id: 0});
		h.operator.send(heartbeat(1));
		h.operator.send(prepare(3, 1));
		h.press('m');
		// Hidden at first: heartbeats alone would fill an idle feed and the message pane.
		let frame = await h.waitFor((current) => current.includes('prepare.sent'));
		t.notRegex(frame, /timer\.heartbeat_sent/v);
		t.regex(frame, /feed: all events but timers \(H shows them\) · 1 counted/v);
		t.regex(frame, /messages in flight: 2 · 1 heartbeats hidden \(H\)/v);
		t.is(messageLine(frame, 1), '');
		h.press(key);
		frame = await h.waitFor((current) => current.includes('heartbeats and timer events shown'));
		t.regex(frame, /timer\.heartbeat_sent/v);
		t.regex(frame, /feed: all events · 2 counted/v);
		t.regex(messageLine(frame, 1), /Commit v0 commit 10 +0→1/v);
		h.press(key);
		frame = await h.waitFor((current) => current.includes('heartbeats and timer events hidden'));
		t.notRegex(frame, /timer\.heartbeat_sent/v);
		t.is(messageLine(frame, 1), '');
	},
	async filter(h, key, t) {
		h.operator.telemetry.execute(['vsr', 'view_change', 'start'], {}, {node_id: 1, new_view: 1});
		h.operator.telemetry.execute(['vsr', 'protocol', 'prepare', 'sent'], {count: 2}, {node_id: 0});
		h.press(key);
		let frame = await h.waitFor((current) => current.includes('feed: protocol events'));
		t.regex(frame, /prepare\.sent/v);
		t.notRegex(frame, /view_change\.start/v);
		h.press(key);
		frame = await h.waitFor((current) => current.includes('feed: view_change events'));
		t.regex(frame, /view_change\.start/v);
		t.notRegex(frame, /prepare\.sent/v);
		t.is(h.store.getView().feed.filter, 'view_change');
	},
	async filterBack(h, key, t) {
		h.operator.telemetry.execute(['vsr', 'view_change', 'start'], {}, {node_id: 1, new_view: 1});
		h.operator.telemetry.execute(['vsr_tui', 'operator', 'crash'], {}, {node: 0});
		h.press(key);
		let frame = await h.waitFor((current) => current.includes('feed: operator events'));
		t.regex(frame, /operator\.crash/v);
		t.notRegex(frame, /view_change\.start/v);
		h.press('f');
		await h.waitFor((current) => current.includes('feed: all events'));
		h.press(key);
		h.press(key);
		frame = await h.waitFor((current) => current.includes('feed: recovery events'));
		t.is(h.store.getView().feed.filter, 'recovery', 'steps back through the categories');
		t.notRegex(frame, /operator\.crash/v);
	},
	async clearFeed(h, key, t) {
		h.operator.telemetry.execute(['vsr', 'protocol', 'prepare', 'sent'], {count: 2}, {node_id: 0});
		h.store.flush();
		await h.waitFor((frame) => frame.includes('prepare.sent'));
		h.press(key);
		let frame = await h.waitFor((current) => current.includes('feed and diagram cleared'));
		t.notRegex(frame, /prepare\.sent/v);
		t.is(h.store.getView().feed.entries.length, 0);
		t.is(h.store.events, 1, 'the count stays');
		h.press('v');
		await deliverMany(h, 3);
		await h.waitFor((current) => current.includes('diagram · 3 messages'));
		h.press(key);
		frame = await h.waitFor((current) => current.includes('diagram · 0 messages'));
		t.notRegex(frame, /Prepare v0/v);
	},
	async toggleFeed(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('FROZEN'));
		h.operator.telemetry.execute(['vsr', 'protocol', 'prepare', 'sent'], {count: 2}, {node_id: 0});
		h.store.flush();
		const frame = await h.waitFor((current) => current.includes('FROZEN (+1 since, p resumes)'));
		t.notRegex(frame, /prepare\.sent/v);
		h.press(key);
		await h.waitFor((current) => current.includes('feed live') && !current.includes('FROZEN'));
	},
	async reset(h, key, t) {
		h.press(key);
		let frame = await h.waitFor((current) =>
			current.includes(
				'y resets the cluster: its 10 committed ops are lost; any other key cancels',
			),
		);
		h.press('s');
		frame = await h.waitFor((current) => current.includes('reset cancelled: nothing changed'));
		t.deepEqual(calls(h, 'submit'), [], 'the key that cancels does nothing else');
		t.deepEqual(calls(h, 'reset'), []);
		h.press(key);
		await h.waitFor((current) => current.includes('y resets the cluster'));
		h.press('y');
		frame = await h.waitFor((current) =>
			current.includes('the cluster was reset: 3 fresh replicas, nothing committed'),
		);
		t.deepEqual(calls(h, 'reset'), [[]]);
		t.regex(nodeLine(frame, 1), / 6000 /v, 'new processes');
	},
	async lessons(h, key, t) {
		h.press(key);
		let frame = await h.waitFor((current) =>
			current.includes('Lessons (↑/↓ or 1–7 choose, enter starts, esc closes)'),
		);
		t.regex(frame, /▶ 1\. normal/v);
		t.regex(frame, /7\. duplicate-request/v);
		h.press(arrowDown);
		await h.waitFor((current) => current.includes('▶ 2. view-change'));
		h.press('s');
		await h.waitFor((current) => current.includes('» lessons: ↑/↓'));
		t.deepEqual(calls(h, 'submit'), [], 'the list has the keys while it is open');
		h.press(escape);
		frame = await h.waitFor((current) => current.includes('lesson list closed'));
		t.false(frame.includes('Lessons ('));
		t.deepEqual(h.lessons, [], 'esc starts nothing');
		h.press(key);
		await h.waitFor((current) => current.includes('▶ 1. normal'));
		h.press('3');
		await h.waitFor((current) => current.includes('▶ 3. log-choice'));
		h.press('\r');
		frame = await h.waitFor((current) => current.includes('Lesson log-choice · step 1 of 5'));
		t.deepEqual(
			h.lessons.map((each) => each.name),
			['log-choice'],
		);
		t.true(frame.includes('watch for: Three replicas in view 0'));
		t.deepEqual(calls(h, 'deliver'), [], 'enter started the lesson and delivered nothing');
	},
	async confirm(h, key, t) {
		h.press(key);
		await h.waitFor((frame) =>
			frame.includes('nothing to confirm (y answers a question, such as W’s or X’s)'),
		);
		t.deepEqual(calls(h, 'reset'), []);
		h.press('W');
		await h.waitFor((frame) => frame.includes('y resets the cluster'));
		h.press(key);
		await h.waitFor((frame) => frame.includes('the cluster was reset'));
		t.deepEqual(calls(h, 'reset'), [[]]);
	},
	async help(h, key, t) {
		h.press(key);
		const first = await h.waitFor((current) => current.includes('Keys 1/2 ('));
		t.true(h.store.getView().ui.help);
		h.press(key);
		const second = await h.waitFor((current) => current.includes('Keys 2/2 ('));
		for (const binding of keymap) {
			t.true(
				first.includes(binding.description) || second.includes(binding.description),
				`overlay lists: ${binding.description}`,
			);
		}

		h.press(key);
		await h.waitFor((current) => !current.includes('Keys '));
		t.false(h.store.getView().ui.help);
		h.press(key);
		await h.waitFor((current) => current.includes('Keys 1/2 ('));
		h.press('s');
		await h.waitFor((current) => !current.includes('Keys ') && current.includes('reply ok'));
		t.deepEqual(calls(h, 'submit'), [[undefined]], 'another key acts and closes the overlay');
	},
	async closeHelp(h, key, t) {
		h.press('?');
		await h.waitFor((frame) => frame.includes('Keys 1/2 ('));
		h.press(key);
		await h.waitFor((frame) => !frame.includes('Keys ') && frame.includes('span timings'));
		t.false(h.store.getView().ui.help);
		h.press('??');
		await h.waitFor((frame) => frame.includes('Keys 2/2 ('));
		h.press(key);
		await h.waitFor((frame) => !frame.includes('Keys '));
	},
	async mark(h, key, t) {
		h.press('2');
		h.press(key);
		let frame = await h.waitFor((current) => current.includes('marked n1: P cuts them off'));
		t.regex(nodeLine(frame, 2), /^>2\* +1 /v);
		h.press('3');
		h.press(key);
		frame = await h.waitFor((current) => current.includes('marked n1, n2'));
		t.regex(nodeLine(frame, 3), /^>3\* +2 /v);
		h.press(key);
		h.press('2');
		h.press(key);
		frame = await h.waitFor((current) => current.includes('no node is marked'));
		t.regex(nodeLine(frame, 2), /^>2 +1 /v);
	},
	async forceTimeout(h, key, t) {
		h.press('2');
		h.press(key);
		await h.waitFor((frame) =>
			frame.includes('n1 times out waiting for its primary: it asks for a view change'),
		);
		h.press('1');
		h.press(key);
		await h.waitFor((frame) =>
			frame.includes('n0 (primary) times out: it sends its heartbeat now'),
		);
		h.press(' ');
		h.press('3');
		h.press(key);
		await h.waitFor((frame) => frame.includes('» n2 times out waiting for its primary'));
		t.is(
			h.store.getView().status?.text,
			'n2 times out waiting for its primary: it asks for a view change (its messages wait in flight: n delivers them)',
		);
		h.press('x');
		h.press(key);
		await h.waitFor((frame) => frame.includes('node 2 is crashed: it has no timeout to run out'));
		t.deepEqual(calls(h, 'forceTimeout'), [[1], [0], [2]]);
	},
	async partition(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('mark the nodes of one side with a, then P'));
		h.press('3a');
		h.press(key);
		const frame = await h.waitFor((current) =>
			current.includes('partitioned n2 | n0, n1 (h heals)'),
		);
		t.deepEqual(calls(h, 'partition'), [[[2], [0, 1]]]);
		t.true(nodeLine(frame, 3).endsWith(' side A'), nodeLine(frame, 3));
		t.true(nodeLine(frame, 1).endsWith(' side B'));
		t.notRegex(frame, /^.\d\*/mv, 'the marks are cleared');
		h.press('1a2a3a');
		h.press(key);
		await h.waitFor((current) => current.includes('every node is marked'));
	},
	async deaf(h, key, t) {
		h.press('2');
		h.press(key);
		let frame = await h.waitFor((current) => current.includes('n1 is deaf: it hears no replica'));
		t.true(nodeLine(frame, 2).endsWith(' deaf'));
		h.press(key);
		frame = await h.waitFor((current) => current.includes('n1 hears again'));
		t.true(nodeLine(frame, 2).endsWith(' ok'));
		t.deepEqual(calls(h, 'setDeaf'), [
			[1, true],
			[1, false],
		]);
	},
	async freeze(h, key, t) {
		h.press('2');
		h.press(key);
		let frame = await h.waitFor((current) =>
			current.includes('n1 is frozen: it takes no input and its clock stops'),
		);
		t.true(nodeLine(frame, 2).endsWith(' frozen'));
		h.press(key);
		frame = await h.waitFor((current) => current.includes('n1 thawed: it goes on with its state'));
		t.true(nodeLine(frame, 2).endsWith(' ok'));
		t.deepEqual(calls(h, 'freeze'), [
			[1, true],
			[1, false],
		]);
	},
	async mute(h, key, t) {
		h.press('3');
		h.press(key);
		let frame = await h.waitFor((current) =>
			current.includes('n2 is mute: what it sends to replicas is lost'),
		);
		t.true(nodeLine(frame, 3).endsWith(' mute'));
		h.press(key);
		frame = await h.waitFor((current) => current.includes('n2 speaks again'));
		t.deepEqual(calls(h, 'setMute'), [
			[2, true],
			[2, false],
		]);
	},
	async faultTarget(h, key, t) {
		h.press('2');
		h.press(key);
		let frame = await h.waitFor((current) => current.includes('act on the selected node (n1)'));
		t.regex(frame, /load off {2}n1: drop 0% {2}delay 0ms/v);
		h.press('+]');
		frame = await h.waitFor((current) => nodeLine(current, 2).endsWith(' drop 1% delay 5ms'));
		t.deepEqual(calls(h, 'setNodeFaults'), [
			[1, {dropRate: 0.01}],
			[1, {delayMs: 5}],
		]);
		t.deepEqual(calls(h, 'setDropRate'), [], 'the whole network is untouched');
		t.regex(frame, /n1: drop 1% {2}delay 5ms/v);
		h.press(key);
		frame = await h.waitFor((current) => current.includes('mark the other end with a'));
		h.press('3a2+');
		frame = await h.waitFor((current) => current.includes('link 1→2: drop 1% (one way)'));
		t.deepEqual(calls(h, 'setLinkFaults'), [[1, 2, {dropRate: 0.01}]]);
		t.true(nodeLine(frame, 2).endsWith(' →2 drop 1%'), nodeLine(frame, 2));
		t.regex(frame, /1→2: drop 1% {2}delay 0ms/v);
		h.press(key);
		frame = await h.waitFor((current) => current.includes('act on the whole network'));
		h.press('+');
		await h.waitFor((current) => /load off {2}drop 1% {2}delay 0ms/v.test(current));
		t.deepEqual(calls(h, 'setDropRate'), [[0.01]]);
	},
	async jitterUp(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('jitter is set per node or per link: o chooses'));
		h.press('o');
		h.press(key);
		const frame = await h.waitFor((current) => current.includes('n0: jitter 1 ms'));
		t.deepEqual(calls(h, 'setNodeFaults'), [[0, {jitterMs: 1}]]);
		t.true(nodeLine(frame, 1).endsWith(' delay 0±1ms'));
		t.regex(frame, /n0: drop 0% {2}delay 0±1ms/v);
	},
	async jitterDown(h, key, t) {
		h.operator.setNode(1, {network: {...h.operator.state.nodes[1]!.network, jitterMs: 5}});
		h.press('2o');
		h.press(key);
		await h.waitFor((frame) => frame.includes('n1: jitter 2 ms'));
		t.deepEqual(calls(h, 'setNodeFaults'), [[1, {jitterMs: 2}]]);
	},
	async quit(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('stopping the cluster'));
		t.is(h.quits.length, 1);
		t.true(h.store.getView().ui.quitting);
		h.press('s');
		h.press(key);
		await h.waitFor(() => true);
		t.is(h.quits.length, 1, 'quits once');
		t.deepEqual(calls(h, 'submit'), [], 'keys do nothing once quitting');
	},
};

test('no key means two things in one mode', (t) => {
	for (const binding of keymap) {
		t.true(
			binding.description.length <= descriptionWidth,
			`${binding.label}: "${binding.description}" fits ${descriptionWidth} columns`,
		);
		const focus = binding.focus ?? 'nodes';
		for (const key of binding.keys) {
			t.is(commandFor(key, focus)?.action, binding.action, `${key} in ${focus}`);
		}
	}

	// The message pane's own keys take over only the node selection while it has the keys.
	const shadowed = keymap.filter(
		(binding) =>
			binding.focus === undefined &&
			binding.keys.some((key) => commandFor(key, 'messages')?.action !== binding.action),
	);
	t.deepEqual(
		shadowed.map((binding) => binding.action),
		['selectPrevious', 'selectNext', 'selectNode'],
	);
});

test('every action in the keymap has a key test', (t) => {
	t.deepEqual(keymap.map((binding) => binding.action).toSorted(), Object.keys(cases).toSorted());
});

for (const binding of keymap) {
	for (const key of binding.keys) {
		test(`key ${JSON.stringify(key)}: ${binding.description}`, async (t) => {
			const h = await renderApp();
			t.teardown(() => {
				h.dispose();
			});
			await cases[binding.action](h, typed(key), t);
		});
	}
}

test('a key that does nothing says so', async (t) => {
	const h = await renderApp();
	t.teardown(() => {
		h.dispose();
	});
	h.press('Z');
	await h.waitFor((frame) => frame.includes('Z: no such key (? shows the keys)'));
	h.press('\u0018');
	await h.waitFor((frame) => frame.includes('ctrl-x: no such key'));
	t.deepEqual(h.operator.calls, []);
});

test('several keys in one chunk act one after the other', async (t) => {
	const h = await renderApp();
	t.teardown(() => {
		h.dispose();
	});
	h.press('3x+]');
	const frame = await h.waitFor((current) => current.includes('delay 5ms'));
	t.deepEqual(
		h.operator.calls.map((call) => [call.method, ...call.args]),
		[
			['crash', 2],
			['setDropRate', 0.01],
			['setDelay', 5],
		],
	);
	t.regex(nodeLine(frame, 3), /crashed/v);
	t.regex(frame, /drop 1%/v);
});

test('Ctrl-C inside a chunk quits too', async (t) => {
	const h = await renderApp();
	t.teardown(() => {
		h.dispose();
	});
	h.press(`b${ctrlC}`);
	await h.waitFor((frame) => frame.includes('stopping the cluster'));
	t.is(h.quits.length, 1);
	t.deepEqual(calls(h, 'burst'), [[burstSize]]);
});

test('a submit that fails shows the reason', async (t) => {
	const h = await renderApp();
	t.teardown(() => {
		h.dispose();
	});
	h.operator.nextSubmit = 'reject';
	h.press('s');
	const frame = await h.waitFor((current) =>
		current.includes('request failed: no primary answered'),
	);
	t.regex(frame, /failed: no primary answered/v);
});

test('a submit in flight shows that it waits', async (t) => {
	const h = await renderApp();
	t.teardown(() => {
		h.dispose();
	});
	h.operator.nextSubmit = 'hang';
	h.press('s');
	await h.waitFor((current) => current.includes('waiting for the reply'));
	t.is(h.store.getView().lastRequest.state, 'pending');
});

test.serial('a key shows its effect within 100 ms', async (t) => {
	const h = await renderApp();
	t.teardown(() => {
		h.dispose();
	});
	// The best of several presses: a busy machine only adds to the app's own latency.
	const latencies: number[] = [];
	for (let press = 0; press < 6; press++) {
		const expected = press % 2 === 0 ? 'load on' : 'load off';
		const started = performance.now();
		h.press('l');
		// No timers here: they fire late on a busy machine, and this measures the app, not them.
		while (!h.frame().includes(expected) && performance.now() - started < 2000) {
			await new Promise<void>((resolve) => {
				setImmediate(resolve);
			});
		}

		latencies.push(performance.now() - started);
	}

	const best = Math.min(...latencies);
	t.true(best < 100, `latencies: ${latencies.map((ms) => ms.toFixed(1)).join(', ')} ms`);
});
