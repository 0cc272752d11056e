/**
Every key in the keymap, pressed in the real app (ink-testing-library, a fake
operator that records calls): the call it makes, what changes in the store, and
what the frame shows. A key added to the keymap without a case here fails the
first test.
*/
import test, {type ExecutionContext} from 'ava';
import {type Action, type KeyName, burstSize, keymap} from '../source/ui/keymap.js';
import {fakeNode} from './ui-fake-operator.js';
import {type Harness, arrowDown, arrowUp, ctrlC, escape, renderApp} from './ui-harness.js';

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

		default: {
			return key;
		}
	}
};

/** The table row of the node in `row` (1-based) is marked selected. */
const selectedRow = (frame: string): string | undefined => /^>(\d)/mv.exec(frame)?.[1];

const calls = (h: Harness, method: string) =>
	h.operator.calls.filter((call) => call.method === method).map((call) => call.args);

const nodeLine = (frame: string, row: number): string =>
	frame.split('\n').find((line) => line.startsWith(`>${row} `) || line.startsWith(` ${row} `)) ??
	'';

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
		await h.waitFor((frame) => frame.includes('PAUSED 3 held'));
		h.press(key);
		await h.waitFor((frame) => frame.includes('LIVE') && frame.includes('delivery resumed'));
		t.deepEqual(
			h.operator.calls.map((call) => call.method),
			['pause', 'resume'],
		);
	},
	async step(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('delivery is not paused'));
		h.press(' ');
		await h.waitFor((frame) => frame.includes('PAUSED 3 held'));
		h.press(key);
		await h.waitFor((frame) => frame.includes('delivered one message (2 held)'));
		t.is(calls(h, 'step').length, 2);
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
	async toggleTimers(h, key, t) {
		h.operator.telemetry.execute(['vsr', 'timer', 'heartbeat_sent'], {}, {node_id: 0});
		h.operator.telemetry.execute(['vsr', 'protocol', 'prepare', 'sent'], {count: 2}, {node_id: 0});
		h.store.flush();
		// Hidden at first: heartbeats alone would fill an idle feed.
		let frame = await h.waitFor((current) => current.includes('prepare.sent'));
		t.notRegex(frame, /timer\.heartbeat_sent/v);
		t.regex(frame, /feed: all events but timers \(t shows them\) · 1 counted/v);
		t.true(h.store.getView().feed.timersHidden);
		h.press(key);
		frame = await h.waitFor((current) => current.includes('timer events shown'));
		t.regex(frame, /timer\.heartbeat_sent/v);
		t.regex(frame, /feed: all events · 2 counted/v);
		h.press(key);
		frame = await h.waitFor((current) =>
			current.includes('heartbeats and other timer events hidden'),
		);
		t.notRegex(frame, /timer\.heartbeat_sent/v);
		t.regex(frame, /prepare\.sent/v);
	},
	async clearFeed(h, key, t) {
		h.operator.telemetry.execute(['vsr', 'protocol', 'prepare', 'sent'], {count: 2}, {node_id: 0});
		h.store.flush();
		await h.waitFor((frame) => frame.includes('prepare.sent'));
		h.press(key);
		const frame = await h.waitFor((current) => current.includes('feed cleared'));
		t.notRegex(frame, /prepare\.sent/v);
		t.is(h.store.getView().feed.entries.length, 0);
		t.is(h.store.events, 1, 'the count stays');
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
	async confirm(h, key, t) {
		h.press(key);
		await h.waitFor((frame) => frame.includes('nothing to confirm'));
		t.deepEqual(calls(h, 'reset'), []);
		h.press('R');
		await h.waitFor((frame) => frame.includes('y resets the cluster'));
		h.press(key);
		await h.waitFor((frame) => frame.includes('the cluster was reset'));
		t.deepEqual(calls(h, 'reset'), [[]]);
	},
	async help(h, key, t) {
		h.press(key);
		const frame = await h.waitFor((current) => current.includes('Keys ('));
		for (const binding of keymap) {
			t.true(frame.includes(binding.description), `overlay lists: ${binding.description}`);
		}

		t.true(h.store.getView().ui.help);
		h.press(key);
		await h.waitFor((current) => !current.includes('Keys ('));
		h.press(key);
		await h.waitFor((current) => current.includes('Keys ('));
		h.press('s');
		await h.waitFor((current) => !current.includes('Keys (') && current.includes('reply ok'));
		t.deepEqual(calls(h, 'submit'), [[undefined]], 'another key acts and closes the overlay');
	},
	async closeHelp(h, key, t) {
		h.press('?');
		await h.waitFor((frame) => frame.includes('Keys ('));
		h.press(key);
		await h.waitFor((frame) => !frame.includes('Keys (') && frame.includes('span timings'));
		t.false(h.store.getView().ui.help);
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
	h.press('z');
	await h.waitFor((frame) => frame.includes('z: no such key (? shows the keys)'));
	h.press('\r');
	await h.waitFor((frame) => frame.includes('enter: no such key (? shows the keys)'));
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
