/** Frames of each pane, the layout at 80×24 and other sizes, and resizes. */
import {EventEmitter} from 'node:events';
import {PassThrough} from 'node:stream';
import test from 'ava';
import {render as inkRender} from 'ink';
import {render} from 'ink-testing-library';
import React from 'react';
import {App, layoutFor} from '../source/ui/app.js';
import {StoreProvider} from '../source/ui/context.js';
import {EventFeed} from '../source/ui/event-feed.js';
import {Header, formatBig, formatBigRate} from '../source/ui/header.js';
import {HelpLine, HelpOverlay, attachedNote, helpLineBindings} from '../source/ui/help.js';
import {groups, keymap, overlayPages} from '../source/ui/keymap.js';
import {legend} from '../source/ui/legend.js';
import {LastRequest} from '../source/ui/last-request.js';
import {NodeTable} from '../source/ui/node-table.js';
import {SpanTimingsPane} from '../source/ui/span-timings-pane.js';
import {Telemetry} from '../source/telemetry/telemetry.js';
import {UiStore} from '../source/ui/store.js';
import {createTheme} from '../source/ui/theme.js';
import {type FakeOperator, createFakeOperator, fakeNode} from './ui-fake-operator.js';
import {renderApp} from './ui-harness.js';

const theme = createTheme({});

function renderPane(element: React.ReactElement, store: UiStore) {
	const instance = render(
		<StoreProvider store={store} theme={theme}>
			{element}
		</StoreProvider>,
	);
	const frame = () => instance.lastFrame() ?? '';
	return {
		frame,
		/** The frame once React has rendered what the store published. */
		async settled() {
			await new Promise<void>((resolve) => {
				setTimeout(resolve, 20);
			});
			return frame();
		},
		dispose() {
			instance.unmount();
			store.dispose();
		},
	};
}

function storeWith(setup: (operator: FakeOperator) => void = () => undefined) {
	let now = 0;
	// The store's clock and the bus's (feed times) move together, when the test says so.
	const bus = new Telemetry({
		clock: {monotonicTime: () => BigInt(now) * 1_000_000n, systemTime: () => 0n},
	});
	const operator = createFakeOperator(3, bus);
	setup(operator);
	const store = new UiStore({operator, now: () => now});
	store.start();
	return {
		operator,
		store,
		advance(ms: number) {
			now += ms;
		},
	};
}

const lines = (frame: string) => frame.split('\n');

test('header: size, view, primary, commit, requests/s; running, speed, live, virtual time, network settings and counts', (t) => {
	const {operator, store, advance} = storeWith((operator) => {
		operator.state.virtualTimeMs = 63_456;
		operator.state.view = 4;
		operator.state.primary = 1;
		operator.state.commit = 1234;
		operator.state.dropRate = 0.05;
		operator.state.delayMs = 20;
		operator.state.load = true;
	});
	for (let step = 0; step < 10; step++) {
		operator.state.acked += 10;
		advance(100);
		store.frame();
	}

	advance(62_000);
	store.frame();
	const pane = renderPane(<Header width={100} />, store);
	t.teardown(pane.dispose);
	const [first, second] = lines(pane.frame());
	t.is(
		first,
		'vsr-tui  3 replicas · f=1 · quorum 2  view 4  primary 1  commit 1,234  0 req/s',
		'the rate window has moved past the requests',
	);
	t.is(second, 'RUNNING 1×  live  01:03  load on  drop 5%  delay 20ms  events 0 (0/s)');
});

test('header: paused in a seeded session, slowed, no primary, outside the failure model', (t) => {
	const {store} = storeWith((operator) => {
		operator.state.paused = true;
		operator.state.seed = 42;
		operator.state.speed = 0.1;
		operator.state.virtualTimeMs = 1234.5;
		operator.state.primary = undefined;
		operator.state.outsideFailureModel = true;
	});
	const pane = renderPane(<Header width={100} />, store);
	t.teardown(pane.dispose);
	const [first, second] = lines(pane.frame());
	t.is(
		first,
		'vsr-tui  3 replicas · f=1 · quorum 2  view 0  primary none  commit 10  0 req/s  more than f down',
	);
	t.is(second, 'PAUSED 0.1×  seed 42  00:01.234  load off  drop 0%  delay 0ms  events 0 (0/s)');
});

test('node table: id, role, status, view, op, commit, lag, pid, network; the selected row marked', (t) => {
	const {store} = storeWith((operator) => {
		operator.state.nodes = [
			fakeNode(0, {isPrimary: false, status: 'view_change', view: 2, op: 40, commit: 39}),
			fakeNode(1, {isPrimary: true, view: 1, op: 42, commit: 41}),
			fakeNode(2, {status: 'crashed', pid: undefined, isPrimary: false}),
			fakeNode(3, {status: 'recovering', isPrimary: false, view: 0, op: 0, commit: 0}),
			fakeNode(4, {
				isPrimary: false,
				view: 1,
				op: 42,
				commit: 41,
				network: {
					isolated: true,
					partitioned: false,
					deaf: false,
					mute: false,
					frozen: false,
					side: undefined,
					dropRate: 0,
					delayMs: 0,
					jitterMs: 0,
				},
			}),
			fakeNode(5, {
				isPrimary: false,
				view: 1,
				op: 41,
				commit: 41,
				network: {
					isolated: false,
					partitioned: true,
					deaf: false,
					mute: false,
					frozen: false,
					side: 'A',
					dropRate: 0.1,
					delayMs: 50,
					jitterMs: 0,
				},
			}),
		];
		operator.state.view = 1;
		operator.state.primary = 1;
	});
	store.perform({action: 'selectNode', digit: 2});
	const pane = renderPane(<NodeTable width={100} />, store);
	t.teardown(pane.dispose);
	t.deepEqual(lines(pane.frame()), [
		'     id role     status       view      op  commit   lag      pid network',
		' 1    0 backup   view_change     2      40      39     2     4000 ok',
		'>2    1 primary  normal          1      42      41     0     4001 ok',
		' 3    2 -        crashed         -       -       -     -        - ok',
		' 4    3 backup   recovering      0       0       0    42     4003 ok',
		' 5    4 backup   normal          1      42      41     0     4004 isolated',
		' 6    5 backup   normal          1      41      41     1     4005 side A drop 10% delay 50ms',
	]);
});

test('node table with --data-dir: each replica’s op on disk, kept while it is down', (t) => {
	const {store} = storeWith((operator) => {
		operator.state.dataDir = '/data';
		operator.state.nodes = [
			fakeNode(0, {isPrimary: true, op: 42, commit: 41, durableOp: 42}),
			fakeNode(1, {isPrimary: false, op: 42, commit: 41, durableOp: 40}),
			fakeNode(2, {status: 'crashed', pid: undefined, isPrimary: false, durableOp: 17}),
		];
	});
	const pane = renderPane(<NodeTable width={80} />, store);
	t.teardown(pane.dispose);
	t.deepEqual(lines(pane.frame()), [
		'     id role     status       view      op  commit    disk   lag     pid network',
		'>1    0 primary  normal          0      42      41      42     0    4000 ok',
		' 2    1 backup   normal          0      42      41      40     0    4001 ok',
		' 3    2 -        crashed         -       -       -      17     -       - ok',
	]);
});

test('header: one replica is a replica, with f=0 and a quorum of 1', (t) => {
	const operator = createFakeOperator(1);
	const store = new UiStore({operator});
	const pane = renderPane(<Header width={100} />, store);
	t.teardown(pane.dispose);
	t.regex(lines(pane.frame())[0]!, /^vsr-tui {2}1 replica · f=0 · quorum 1 {2}view 0 /v);
});

test('node table: an old view’s primary that was cut off is stale, not a second primary', (t) => {
	const {store} = storeWith((operator) => {
		operator.state.nodes = [
			// Isolated while primary of view 0: it has not heard of view 1.
			fakeNode(0, {
				isPrimary: true,
				view: 0,
				op: 12,
				commit: 12,
				network: {
					isolated: true,
					partitioned: false,
					deaf: false,
					mute: false,
					frozen: false,
					side: undefined,
					dropRate: 0,
					delayMs: 0,
					jitterMs: 0,
				},
			}),
			fakeNode(1, {isPrimary: true, view: 1, op: 14, commit: 14}),
			fakeNode(2, {isPrimary: false, view: 1, op: 14, commit: 14}),
		];
		operator.state.view = 1;
		operator.state.primary = 1;
	});
	const pane = renderPane(<NodeTable width={80} />, store);
	t.teardown(pane.dispose);
	const frame = lines(pane.frame());
	t.regex(frame[1]!, /^>1 +0 primary \(stale, v0\) +normal +0 +12 +12 +2 /v);
	t.regex(frame[2]!, /^ 2 +1 primary +normal +1 +14 +14 +0 /v);
	t.is(frame.filter((line) => / primary +normal /v.test(line)).length, 1, 'one primary');
	t.true(frame.every((line) => line.length <= 80));
	t.true(store.getView().nodes.nodes[0]?.stalePrimary);
});

test('node table: op and commit numbers of a long run stay readable in their column', (t) => {
	const {store} = storeWith((operator) => {
		operator.state.nodes = [
			fakeNode(0, {isPrimary: true, view: 0, op: 10_299_791, commit: 10_299_784}),
			fakeNode(1, {isPrimary: false, view: 0, op: 9_999_999, commit: 9_999_999}),
		];
	});
	const pane = renderPane(<NodeTable width={80} />, store);
	t.teardown(pane.dispose);
	t.deepEqual(lines(pane.frame()).slice(1), [
		'>1    0 primary  normal          0   10.3M   10.3M     0     4000 ok',
		' 2    1 backup   normal          0     10M     10M  300K     4001 ok',
	]);
});

test('node table: numbers read as in the header (1,234), and the network column is never cut for padding', (t) => {
	const {store} = storeWith((operator) => {
		operator.state.nodes = [
			fakeNode(0, {isPrimary: true, view: 3, op: 1016, commit: 1015}),
			fakeNode(1, {
				isPrimary: false,
				view: 3,
				op: 1016,
				commit: 1015,
				network: {
					isolated: true,
					partitioned: false,
					deaf: false,
					mute: false,
					frozen: false,
					side: undefined,
					dropRate: 0,
					delayMs: 0,
					jitterMs: 0,
				},
			}),
			fakeNode(2, {
				isPrimary: false,
				view: 3,
				op: 1016,
				commit: 1015,
				network: {
					isolated: false,
					partitioned: true,
					deaf: false,
					mute: false,
					frozen: false,
					side: 'A',
					dropRate: 0,
					delayMs: 0,
					jitterMs: 0,
				},
			}),
		];
		operator.state.view = 3;
		operator.state.commit = 1015;
	});
	const header = renderPane(<Header width={100} />, store);
	t.teardown(header.dispose);
	t.regex(lines(header.frame())[0]!, /commit 1,015 /v);
	for (const width of [80, 70, 60]) {
		const table = renderPane(<NodeTable width={width} />, store);
		t.teardown(table.dispose);
		const frame = lines(table.frame());
		t.true(
			frame.every((line) => line.length <= width),
			`at ${width}: ${frame.join('\n')}`,
		);
		t.regex(frame[1]!, / 1,016 +1,015 /v, `at ${width}`);
		t.true(frame[2]!.endsWith(' isolated'), `at ${width}: ${frame[2]}`);
		t.true(frame[3]!.endsWith(' side A'), `at ${width}: ${frame[3]}`);
	}
});

test('event feed: newest first, one line per event with time, node, event and its numbers', (t) => {
	let now = 0;
	// Feed times are the bus clock's (ns) since the store started.
	const bus = new Telemetry({
		clock: {monotonicTime: () => BigInt(now) * 1_000_000n, systemTime: () => 0n},
	});
	const operator = createFakeOperator(3, bus);
	const store = new UiStore({operator});
	store.start();
	const common = {
		node_id: 1,
		view_number: 2,
		status: 'normal',
		is_primary: false,
		op_number: 17,
		commit_number: 16,
	};
	now = 1234;
	operator.telemetry.execute(['vsr', 'protocol', 'prepare_ok', 'sent'], {}, {...common, op: 17});
	now = 65_432;
	operator.telemetry.execute(['vsr', 'view_change', 'complete'], {duration: 3_400_000n}, common);
	operator.telemetry.execute(['vsr_tui', 'operator', 'crash'], {}, {node: 0});
	store.flush();
	const pane = renderPane(<EventFeed lines={4} width={80} />, store);
	t.teardown(pane.dispose);
	t.deepEqual(lines(pane.frame()), [
		'feed: all events but timers (H shows them) · 3 counted',
		'01:05.432 -- operator.crash node 0',
		'01:05.432 n1 view_change.complete v2 op 17 c 16 took 3.4ms',
		'00:01.234 n1 protocol.prepare_ok.sent v2 op 17 c 16 acks 17',
	]);
});

test('event feed: an event’s own op is named for what the event does with it, never a second op', (t) => {
	const {operator, store} = storeWith();
	const node = {
		node_id: 1,
		view_number: 38,
		status: 'normal',
		is_primary: false,
		op_number: 76,
		commit_number: 74,
	};
	operator.telemetry.execute(
		['vsr', 'state_machine', 'operation', 'stop'],
		{duration: 40_000},
		{...node, op: 75, operation: 'put'},
	);
	operator.telemetry.execute(['vsr', 'protocol', 'prepare_ok', 'sent'], {}, {...node, op: 76});
	operator.telemetry.execute(['vsr', 'protocol', 'prepare', 'received'], {}, {...node, op: 1234});
	store.flush();
	const pane = renderPane(<EventFeed lines={4} width={100} />, store);
	t.teardown(pane.dispose);
	const [, received, acked, applied] = lines(pane.frame());
	t.true(
		applied!.endsWith('state_machine.operation.stop v38 op 76 c 74 applies 75 (put) took 40µs'),
	);
	t.true(acked!.endsWith('protocol.prepare_ok.sent v38 op 76 c 74 acks 76'));
	t.true(received!.endsWith('protocol.prepare.received v38 op 76 c 74 prepare 1,234'));
	for (const line of [received, acked, applied]) {
		t.is(line!.match(/\bop\b/gv)?.length, 1, `one op: ${line}`);
	}
});

test('event feed: only as many lines as it is given, each cut to the width', (t) => {
	const {operator, store} = storeWith();
	for (let op = 0; op < 30; op++) {
		operator.telemetry.execute(
			['vsr', 'protocol', 'client_request', 'stop'],
			{duration: 1_500_000},
			{
				node_id: 0,
				view_number: 0,
				op_number: op,
				commit_number: op,
				client_id: 12,
				request_number: op,
			},
		);
	}

	store.flush();
	const pane = renderPane(<EventFeed lines={6} width={40} />, store);
	t.teardown(pane.dispose);
	const frame = lines(pane.frame());
	t.is(frame.length, 6);
	for (const line of frame) {
		t.true(line.length <= 40, `too wide: ${line}`);
	}

	t.is(frame[1], '00:00.000 n0 protocol.client_request.st…');
});

test('span timings: count, exceptions, p50, p99, max per kind', (t) => {
	const {operator, store} = storeWith();
	for (let ms = 1; ms <= 100; ms++) {
		operator.telemetry.execute(
			['vsr', 'protocol', 'client_request', 'stop'],
			{duration: ms * 1_000_000},
			{node_id: 0},
		);
	}

	operator.telemetry.execute(
		['vsr', 'state_machine', 'operation', 'stop'],
		{duration: 800_000},
		{node_id: 0},
	);
	operator.telemetry.execute(
		['vsr', 'state_machine', 'operation', 'exception'],
		{duration: 900_000},
		{node_id: 0},
	);
	// One view change: the new primary and a backup each complete it, each in its own time.
	for (const node of [1, 2]) {
		operator.telemetry.execute(
			['vsr', 'view_change', 'complete'],
			{duration: 1_250_000_000n},
			{node_id: node, view_number: 1},
		);
	}

	store.flush();
	const pane = renderPane(<SpanTimingsPane width={80} />, store);
	t.teardown(pane.dispose);
	t.deepEqual(lines(pane.frame()), [
		'span timings        count  exc     p50     p99     max',
		'client requests       100         50ms    99ms   100ms',
		'state-machine ops       1    1   800µs   800µs   800µs',
		'views established       1        1.25s   1.25s   1.25s',
		'state transfers         0            -       -       -',
	]);
});

test('last request: none, waiting, the reply with its latency, a failure', async (t) => {
	const {operator, store} = storeWith();
	const pane = renderPane(<LastRequest />, store);
	t.teardown(pane.dispose);
	t.deepEqual(lines(await pane.settled()), ['last request (s)', 'none yet: s submits one']);
	operator.nextSubmit = 'hang';
	store.perform({action: 'submit'});
	t.deepEqual(lines(await pane.settled()), ['last request (s)', 'waiting for the reply…']);
	operator.nextSubmit = 'reply';
	store.perform({action: 'submit'});
	t.deepEqual(lines(await pane.settled()), [
		'last request (s)',
		"put(k2, 'v2')",
		'reply ok',
		'latency 2.5ms',
		'client 1 req 2',
	]);
	operator.nextSubmit = 'reject';
	store.perform({action: 'submit'});
	t.deepEqual(lines(await pane.settled()), ['last request (s)', 'failed: no primary answered']);
});

test('help line: the main keys that fit, always ending with help and quit', (t) => {
	const {store} = storeWith();
	const pane = renderPane(<HelpLine width={80} />, store);
	t.teardown(pane.dispose);
	t.is(
		pane.frame(),
		's submit  x crash  space pause  n next  m messages  v diagram  ? help  q quit',
	);
	const narrow = helpLineBindings(30).map((binding) => binding.action);
	t.deepEqual(narrow, ['submit', 'help', 'quit']);
	const wide = helpLineBindings(100).map((binding) => binding.action);
	t.deepEqual(wide, [
		'submit',
		'crash',
		'restart',
		'isolate',
		'togglePause',
		'step',
		'toggleMessages',
		'toggleDiagram',
		'help',
		'quit',
	]);
});

test('help overlay: every key of the keymap with its description, by group, over two pages, then the legend; more columns when short of rows', (t) => {
	const pages = [0, 1].map((page) => {
		const pane = renderPane(
			<HelpOverlay width={80} lines={23} page={page} attached={false} />,
			storeWith().store,
		);
		t.teardown(pane.dispose);
		return lines(pane.frame());
	});
	for (const [page, frame] of pages.entries()) {
		t.true(frame.length <= 23, `page ${page + 1}: ${frame.length} lines`);
		t.true(frame.every((line) => line.length <= 80));
		t.true(frame[0]!.startsWith(`Keys ${page + 1}/2 (`));
	}

	const both = pages.flat();
	for (const binding of keymap) {
		t.true(
			both.some((line) => line.includes(`${binding.label.padEnd(6)}${binding.description}`)),
			`the overlay lists ${binding.label} with its whole description`,
		);
	}

	for (const title of Object.values(groups)) {
		t.true(
			both.some((line) => line.includes(title)),
			`the overlay has the group ${title}`,
		);
	}

	t.true(pages[1]!.includes('What the numbers mean'));
	for (const line of legend) {
		t.true(
			pages[1]!.includes(`${line.term.padEnd(8)}${line.meaning}`),
			`the legend explains ${line.term}`,
		);
	}

	for (const page of [0, 1]) {
		const short = renderPane(
			<HelpOverlay width={80} lines={13} page={page} attached={false} />,
			storeWith().store,
		);
		t.teardown(short.dispose);
		const shortFrame = lines(short.frame());
		t.true(shortFrame.length <= 13, `${shortFrame.length} lines`);
		for (const binding of keymap.filter((each) => overlayPages[page]!.includes(each.group))) {
			t.true(
				shortFrame.some((line) => line.includes(binding.label)),
				`the overlay lists ${binding.label}`,
			);
		}
	}
});

test('help overlay, attached to replica servers: a line says that x stops a replica and which keys are refused, and the keys still fit', (t) => {
	const pane = renderPane(
		<HelpOverlay attached width={80} lines={23} page={0} />,
		storeWith().store,
	);
	t.teardown(pane.dispose);
	const frame = lines(pane.frame());
	t.true(frame.length <= 23, `${frame.length} lines`);
	const text = frame.join(' ').replaceAll(/\s+/gv, ' ');
	t.true(text.includes(attachedNote), `the overlay says: ${text}`);
	const plain = renderPane(
		<HelpOverlay width={80} lines={23} page={0} attached={false} />,
		storeWith().store,
	);
	t.teardown(plain.dispose);
	t.false(lines(plain.frame()).join(' ').includes('attached:'));
});

for (const [columns, rows, replicas] of [
	[80, 24, 3],
	[80, 24, 9],
	[80, 24, 1],
	[120, 40, 5],
	[60, 16, 3],
	[60, 24, 3],
	[40, 24, 3],
	[40, 10, 3],
] as const) {
	test(`at ${columns}×${rows} with ${replicas} replicas the screen fits in rows - 1 lines`, async (t) => {
		const operator = createFakeOperator(replicas);
		for (let op = 0; op < 100; op++) {
			operator.telemetry.execute(
				['vsr', 'protocol', 'prepare', 'sent'],
				{count: 2},
				{node_id: 0, op_number: op},
			);
		}

		const h = await renderApp({operator, size: {columns, rows}});
		t.teardown(() => {
			h.dispose();
		});
		h.store.flush();
		const frame = await h.waitFor((current) => current.includes(' · f='));
		const frameLines = lines(frame);
		t.true(frameLines.length <= rows - 1, `${frameLines.length} lines`);
		for (const line of frameLines) {
			t.true(line.length <= columns, `${line.length} columns: ${line}`);
		}

		t.is(
			frameLines.filter((line) => /^[ >]\d /v.test(line)).length,
			replicas,
			'every node has its row',
		);
		h.press('?');
		const help = await h.waitFor((current) => current.includes('Keys 1/2 ('));
		t.true(lines(help).length <= rows - 1, 'the overlay fits too');
		h.press('?');
		const second = await h.waitFor((current) => current.includes('Keys 2/2 ('));
		t.true(lines(second).length <= rows - 1, 'its second page too');
		// The message pane and the diagram fit as well (or give way on a short terminal).
		h.press('?mv');
		const teaching = await h.waitFor((current) =>
			rows < 16 ? current.includes('sequence diagram') : current.includes('diagram ·'),
		);
		t.true(lines(teaching).length <= rows - 1, `with the messages and the diagram:\n${teaching}`);
		for (const line of lines(teaching)) {
			t.true(line.length <= columns, `${line.length} columns: ${line}`);
		}
	});
}

test('a cluster below a quorum: the screen says which nodes cannot recover, why, and the way out', async (t) => {
	const operator = createFakeOperator(3);
	operator.state.nodes = [
		fakeNode(0, {isPrimary: false, status: 'view_change', view: 7}),
		fakeNode(1, {isPrimary: false, status: 'recovering', view: 0, op: 0, commit: 0}),
		fakeNode(2, {isPrimary: false, status: 'recovering', view: 0, op: 0, commit: 0}),
	];
	operator.state.primary = undefined;
	operator.state.outsideFailureModel = true;
	const h = await renderApp({operator, size: {columns: 80, rows: 24}});
	t.teardown(() => {
		h.dispose();
	});
	const frame = await h.waitFor((current) => current.includes('! Nodes 1 and 2 cannot recover'));
	const text = lines(frame)
		.filter((line) => !/^[ >]\d /v.test(line))
		.join(' ');
	t.regex(
		text,
		/! Nodes 1 and 2 cannot recover: Recovery needs answers from a quorum \(2\) of normal replicas, and only node 0 has its state\. Replicas keep no stable storage: nothing can bring the lost state back\. W resets the cluster to a fresh one\./v,
	);
	t.true(lines(frame).length <= 23);
	t.true(lines(frame).every((line) => line.length <= 80));
	// Restarting one says it will not help.
	h.press('2r');
	await h.waitFor((current) =>
		current.includes('restarting node 1 (killed first): it cannot recover, fewer than a quorum'),
	);
});

test('layout: the feed gets the rows left; panes give way on a short terminal', (t) => {
	// 24 rows: 23 for the screen; header 2, table 1 + nodes, help 1, status 1, spans 5.
	const layout = (spans: boolean, feed: number, alert = 0, messages = 0, caption = 0) => ({
		help: true,
		status: true,
		alert,
		spans,
		messages,
		feed,
		caption,
	});
	t.deepEqual(layoutFor(24, 3), layout(true, 10));
	t.deepEqual(layoutFor(24, 9), layout(true, 4));
	t.deepEqual(layoutFor(12, 3), layout(false, 3));
	t.deepEqual(layoutFor(8, 3), {...layout(false, 0), status: false});
	// A stuck cluster's alert comes before the span timings and the feed.
	t.deepEqual(layoutFor(24, 3, 3), layout(true, 7, 3));
	t.deepEqual(layoutFor(24, 9, 3), layout(true, 0, 3));
	// The message pane takes the span timings' place and a share of the rest.
	t.deepEqual(layoutFor(24, 3, 0, true), layout(false, 9, 0, 6));
	t.deepEqual(layoutFor(30, 3, 0, true), layout(false, 13, 0, 8));
	t.deepEqual(layoutFor(24, 9, 0, true), layout(false, 6, 0, 3));
	// A lesson's caption comes right after the status line: the span timings and the feed give way.
	t.deepEqual(layoutFor(24, 3, 0, false, 4), layout(true, 6, 0, 0, 4));
	t.deepEqual(layoutFor(24, 9, 0, false, 4), layout(true, 0, 0, 0, 4));
});

/** A stdout that reports a size and a resize, as a terminal does (Ink listens with `on`). */
// eslint-disable-next-line unicorn/prefer-event-target -- Ink calls stdout.on('resize')
class FakeTerminal extends EventEmitter {
	columns = 80;
	rows = 24;
	isTTY = true;
	readonly frames: string[] = [];
	write(chunk: string): boolean {
		this.frames.push(chunk);
		return true;
	}
}

test('the screen follows terminal resizes', async (t) => {
	const stdout = new FakeTerminal();
	const operator = createFakeOperator(3);
	const store = new UiStore({operator});
	store.start();
	for (let op = 0; op < 100; op++) {
		operator.telemetry.execute(
			['vsr', 'protocol', 'prepare', 'sent'],
			{count: 2},
			{node_id: 0, op_number: op},
		);
	}

	store.flush();
	const instance = inkRender(
		<StoreProvider store={store} theme={theme}>
			<App />
		</StoreProvider>,
		{
			// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- a stand-in for a terminal
			stdout: stdout as unknown as NodeJS.WriteStream,
			// Not a terminal: no raw mode, no keys (this test is about the size).
			// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- a stand-in for a pipe
			stdin: new PassThrough() as unknown as NodeJS.ReadStream,
			debug: true,
			patchConsole: false,
		},
	);
	t.teardown(() => {
		instance.unmount();
		store.dispose();
	});
	const last = () => stdout.frames.at(-1) ?? '';
	const waitForLines = async (check: (count: number) => boolean) => {
		const deadline = Date.now() + 5000;
		while (!check(lines(last()).length) && Date.now() < deadline) {
			await new Promise<void>((resolve) => {
				setTimeout(resolve, 5);
			});
		}
	};

	await waitForLines((count) => count === 23);
	t.is(lines(last()).length, 23);
	stdout.columns = 60;
	stdout.rows = 14;
	stdout.emit('resize');
	await waitForLines((count) => count <= 13);

	t.true(lines(last()).length <= 13, `${lines(last()).length} lines after the resize`);
	for (const line of lines(last())) {
		t.true(line.length <= 60, `too wide: ${line}`);
	}
});

test('header: big counters stay short enough for 80 columns', (t) => {
	t.is(formatBig(6), '6');
	t.is(formatBigRate(6), '6.0');
	t.is(formatBig(99_999), '99,999');
	t.is(formatBig(302_745), '302.7K');
	t.is(formatBig(22_458_340), '22.5M');
	const {operator, store, advance} = storeWith((operator) => {
		operator.state.commit = 1_336_936;
		operator.state.dropRate = 0.5;
		operator.state.virtualTimeMs = 1000;
		operator.state.delayMs = 1000;
	});
	for (let step = 0; step < 10; step++) {
		operator.state.acked += 1800;
		for (let index = 0; index < 30_000; index++) {
			operator.telemetry.execute(['vsr', 'protocol', 'prepare', 'sent'], {count: 2}, {node_id: 0});
		}

		advance(100);
		store.frame();
	}

	const pane = renderPane(<Header width={80} />, store);
	t.teardown(pane.dispose);
	const [first, second] = lines(pane.frame());
	// The title gives way to the numbers.
	t.is(first, '3 replicas · f=1 · quorum 2  view 0  primary 0  commit 1,336,936  18,000 req/s');
	t.is(second, 'RUNNING 1×  live  00:01  load off  drop 50%  delay 1000ms  events 300K (300K/s)');
	t.true((first?.length ?? 0) <= 80 && (second?.length ?? 0) <= 80);
});
