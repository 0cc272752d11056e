/**
Time travel on real replica processes, through the operator's store and its keys: going back to
message k shows the node table the run showed at message k, and acting in the past forks a new
timeline whose recording (the actions before the fork point, then the new one) replays
identically in fresh processes.
*/
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import type {LoggedAction} from '../source/cluster/action-log.js';
import {ForkingCluster, type StartSeeded} from '../source/cluster/forking-cluster.js';
import {ProcessCluster} from '../source/cluster/process-cluster.js';
import {SessionRecorder} from '../source/cluster/session-recorder.js';
import {readSession, replayHeadless} from '../source/cluster/session-replay.js';
import {Telemetry} from '../source/telemetry/telemetry.js';
import {UiStore, type View} from '../source/ui/store.js';
import {temporaryDirectory} from './helpers/files.js';

const seed = 7;
const settings = {replicas: 3, clients: 8} as const;

/** A seeded session like the operator's (paused), each timeline recorded to `file`. */
async function startSession(
	t: ExecutionContext,
	file: string,
): Promise<{forking: ForkingCluster; store: UiStore}> {
	const start: StartSeeded = async (actions, bus) => {
		const recorder = new SessionRecorder(file, seed, settings);
		const cluster: ProcessCluster = await ProcessCluster.start({
			...settings,
			seed,
			paused: true,
			telemetry: bus,
			actions,
			startTimeoutMs: 60_000,
			events: recorder.take,
			beforeStop: async () => recorder.finish(cluster),
		});
		return cluster;
	};

	const forking = new ForkingCluster(await start([], new Telemetry()), start);
	const store = new UiStore({operator: forking, maxFps: 10});
	store.start();
	t.teardown(async () => {
		store.dispose();
		await forking.stop();
	});
	return {forking, store};
}

/** What the node table and the header show of the cluster: each node's role, status and numbers. */
const table = (view: View) => ({
	nodes: view.nodes.nodes.map((node) => ({
		id: node.id,
		status: node.status,
		primary: node.isPrimary,
		view: node.view,
		op: node.op,
		commit: node.commit,
	})),
	view: view.header.view,
	primary: view.header.primary,
	commit: view.header.commit,
});

async function press(store: UiStore, ...keys: string[]): Promise<View> {
	for (const key of keys) {
		store.press(key);

		await store.settled();
	}

	store.flush();
	return store.getView();
}

async function until(check: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) {
			throw new Error(`timed out waiting for ${what}`);
		}

		await new Promise((resolve) => {
			setTimeout(resolve, 20);
		});
	}
}

test('going back to message k shows the node table the run showed at message k', async (t) => {
	t.timeout(240_000);
	const directory = temporaryDirectory(t, 'vsr-tui-travel-');
	const {store} = await startSession(t, path.join(directory, 'session.ndjson'));
	// What the screen showed after each step, by the number of messages delivered then.
	const shown = new Map<number, ReturnType<typeof table>>();
	const look = (view: View) => {
		shown.set(view.travel.length, table(view));
	};

	look(await press(store, 's'));
	for (let step = 0; step < 6; step++) {
		look(await press(store, 'n'));
	}

	t.is(store.getView().travel.length, 6, 'the request went through in six messages');
	// The primary crashes; time passes a tick at a time until a backup times out, and the view
	// changes a message at a time (a tick is played only when nothing is in flight, so that each
	// message is a round of its own).
	look(await press(store, '1', 'x'));
	for (let step = 0; step < 2000 && store.getView().header.view === 0; step++) {
		look(await press(store, store.operator.inFlight(1).length === 0 ? 't' : 'n'));
	}

	const present = store.getView();
	t.is(present.header.view, 1, 'view 1 was established, a message at a time');
	t.is(present.travel.point, undefined);
	const total = present.travel.length;
	t.true(total > 6);
	let view = present;
	for (let point = total - 1; point >= 0; point--) {
		view = await press(store, ',');
		t.is(view.travel.point, point);
		t.deepEqual(table(view), shown.get(point), `the table at message ${point}`);
	}

	view = await press(store, ',');
	t.is(view.travel.point, 0, 'nothing before the start');
	t.regex(view.status?.text ?? '', /this is the start/v);
	for (let point = 1; point < total; point++) {
		view = await press(store, '.');
		t.deepEqual(table(view), shown.get(point), `forward again, the table at message ${point}`);
	}

	view = await press(store, '.');
	t.is(view.travel.point, undefined, 'back at the present');
	t.deepEqual(table(view), table(present));
});

test('acting in the past forks, twice: the recording of the last timeline replays identically', async (t) => {
	t.timeout(300_000);
	const directory = temporaryDirectory(t, 'vsr-tui-fork-');
	const file = path.join(directory, 'fork.ndjson');
	const {forking, store} = await startSession(t, file);
	await press(store, 's', 'n', 'n', 'n', 'n', 'n', 'n');
	// Time runs a little: heartbeats, rounds of the scheduler.
	for (let round = 0; round < 40; round++) {
		await forking.cluster.advanceRound();
	}

	const original: readonly LoggedAction[] = [...forking.actions()];
	t.deepEqual(
		original.map((action) => action.action),
		['submit', 'deliver', 'deliver', 'deliver', 'deliver', 'deliver', 'deliver'],
	);
	const now = await press(store);
	const before = now.travel.length;
	t.true(before >= 6);
	// Back to message 4 (the first PrepareOk is about to reach the primary), then crash node 2.
	let view = await press(store, ...Array.from({length: before - 4}, () => ','));
	t.is(view.travel.point, 4);
	const atFour = table(view);
	store.press('3');
	store.press('x');
	await until(() => store.getView().travel.forks === 1, 'the fork');
	view = await press(store);
	t.is(view.travel.point, undefined, 'the fork is the present');
	t.is(view.travel.forkedAt, 4);
	t.is(view.travel.length, 4, 'the new timeline has the first four messages');
	t.regex(view.status?.text ?? '', /^fork 1 from message 4: crashed node 2/v);
	t.deepEqual(
		table(view).nodes.map((node) => node.status),
		['normal', 'normal', 'crashed'],
	);
	t.deepEqual(
		table(view).nodes.filter((node) => node.id !== 2),
		atFour.nodes.filter((node) => node.id !== 2),
		'the other nodes as they were at message 4',
	);
	t.deepEqual(
		forking.actions().map((action) => [action.action, ...action.args]),
		[...original.slice(0, 5).map((action) => [action.action, ...action.args]), ['crash', 2]],
		'the actions before message 5, then the crash',
	);
	// The new timeline goes on: the rest of the request, without node 2.
	for (let round = 0; round < 40; round++) {
		await forking.cluster.advanceRound();
	}

	// A fork of the fork: two messages back, a request.
	const fork1 = [...forking.actions()];
	view = await press(store);
	const {length} = view.travel;
	t.true(length >= 6, `the first fork went on (${length} messages)`);
	view = await press(store, ',', ',');
	t.is(view.travel.point, length - 2);
	store.press('s');
	await until(() => store.getView().travel.forks === 2, 'the second fork');
	view = await press(store);
	t.is(view.travel.forkedAt, length - 2);
	t.regex(
		view.status?.text ?? '',
		new RegExp(String.raw`^fork 2 from message ${length - 2}: `, 'v'),
	);
	t.deepEqual(
		forking
			.actions()
			.map((action) => action.action)
			.slice(0, -1),
		fork1.slice(0, forking.actions().length - 1).map((action) => action.action),
		'the first fork’s actions before the point',
	);
	t.is(forking.actions().at(-1)?.action, 'submit');
	for (let round = 0; round < 40; round++) {
		await forking.cluster.advanceRound();
	}

	await forking.stop();
	const session = readSession(file);
	t.deepEqual(session.actions, forking.actions(), 'the recording is the new timeline');
	const verdict = await replayHeadless(session, {startTimeoutMs: 60_000});
	t.true(verdict.identical, `the replay: ${verdict.summary}`);
	t.is(verdict.digest, session.end.digest);
});

test('a fork replays a crash, a forced timeout and a restart before its point', async (t) => {
	t.timeout(300_000);
	const directory = temporaryDirectory(t, 'vsr-tui-fork-');
	const file = path.join(directory, 'fork.ndjson');
	const {forking, store} = await startSession(t, file);
	await press(store, 's', 'n', 'n', 'n', 'n', 'n', 'n', '1', 'x', '2', 'T');
	// Time passes a tick at a time (the messages in flight first, one by one) until node 1 leads.
	for (let step = 0; step < 2000 && store.getView().header.primary !== 1; step++) {
		await press(store, store.operator.inFlight(1).length === 0 ? 't' : 'n');
	}

	t.is(store.getView().header.primary, 1, 'node 1 leads view 1');
	await press(store, '1', 'r');
	for (let step = 0; step < 300; step++) {
		await press(store, store.operator.inFlight(1).length === 0 ? 't' : 'n');
	}

	const original = forking.actions().map((action) => action.action);
	t.deepEqual(
		original.filter((action) => action !== 'deliver'),
		['submit', 'crash', 'forceTimeout', 'restart'],
	);
	const view = await press(store);
	const point = view.travel.length - 3;
	await press(store, ',', ',', ',');
	const atPoint = table(store.getView());
	store.press('s');
	await until(
		() =>
			store.getView().travel.forks === 1 ||
			(store.getView().status?.text ?? '').includes('fork failed'),
		'the fork',
	);
	const forked = await press(store);
	t.regex(forked.status?.text ?? '', /^fork 1 from message /v, 'the fork was made');
	t.is(forked.travel.forkedAt, point);
	t.deepEqual(table(forked).nodes, atPoint.nodes, 'the fork stands where the past was shown');
	for (let round = 0; round < 40; round++) {
		await forking.cluster.advanceRound();
	}

	await forking.stop();
	const session = readSession(file);
	t.deepEqual(
		session.actions.map((action) => action.action).filter((action) => action !== 'deliver'),
		['submit', 'crash', 'forceTimeout', 'restart', 'submit'],
	);
	const verdict = await replayHeadless(session, {startTimeoutMs: 60_000});
	t.true(verdict.identical, `the replay: ${verdict.summary}`);
});
