/**
Forking a lesson or a replay on real replica processes, through the operator's store and its keys: acting in
the lesson's past forks a new timeline (the lesson's actions before the point replayed into fresh
processes), the lesson leaves its script there and says so, time is the operator's, and the
recording (`--record`) is the new timeline, which replays identically. A replay forked in its past
stops there and gives no verdict: the new timeline is not the recording's.
*/
import {readFileSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {ReplayShow} from '../source/cluster/replay-show.js';
import {parseSession} from '../source/cluster/session-file.js';
import {SessionRecorder} from '../source/cluster/session-recorder.js';
import {readSession, replayHeadless} from '../source/cluster/session-replay.js';
import {type CaptionState, LessonShow} from '../source/lessons/lesson-show.js';
import {normal} from '../source/lessons/scenarios/normal.js';
import {UiStore, type View} from '../source/ui/store.js';
import {temporaryDirectory} from './helpers/files.js';
import {repoRoot} from './helpers/paths.js';

async function press(store: UiStore, ...keys: string[]): Promise<View> {
	for (const key of keys) {
		store.press(key);

		await store.settled();
	}

	store.flush();
	return store.getView();
}

/** Resolves once the show's state satisfies `check`. */
async function until(
	show: LessonShow,
	check: (state: CaptionState) => boolean,
): Promise<CaptionState> {
	if (check(show.state)) {
		return show.state;
	}

	return new Promise((resolve) => {
		const stop = show.onChange(() => {
			if (check(show.state)) {
				stop();
				resolve(show.state);
			}
		});
	});
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
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

test('acting in a lesson’s past forks it: the lesson stops, and its recording is the new timeline, replayed identically', async (t) => {
	t.timeout(300_000);
	const directory = temporaryDirectory(t, 'vsr-tui-lesson-fork-');
	const file = path.join(directory, 'lesson.ndjson');
	const recorder = new SessionRecorder(file, normal.seed, {
		replicas: normal.replicas,
		clients: normal.clients ?? 1,
		lesson: normal.name,
	});
	const show = await LessonShow.start(normal, {startTimeoutMs: 60_000, recorder});
	const {operator} = show;
	const store = new UiStore({operator, maxFps: 10});
	store.start();
	store.followLesson(show);
	t.teardown(async () => {
		store.dispose();
		await operator.stop();
	});
	t.truthy(operator.forkable(), 'a lesson can fork');
	operator.setSpeed(1);
	const playing = show.play();

	// The lesson's second pause point (space goes on from the first): its request went through n0
	// to the backups.
	await until(show, (state) => state.phase === 'pause' && state.step === 1);
	await press(store, ' ');
	await until(show, (state) => state.phase === 'pause' && state.step === 2);
	const lessonActions = operator.forkable()!.actions();
	t.is(lessonActions[0]?.action, 'submit', 'the lesson’s own request is an action');
	const present = await press(store);
	t.true(present.travel.length >= 3, `messages delivered (${present.travel.length})`);
	const point = present.travel.length - 2;
	let view = await press(store, ',', ',');
	t.is(view.travel.point, point);
	t.is(show.state.phase, 'pause', 'travelling alone leaves the lesson where it was');

	// Crash node 2 there: a new timeline.
	store.press('3');
	store.press('x');
	await waitFor(() => store.getView().travel.forks === 1, 'the fork');
	view = await press(store);
	t.is(view.travel.forkedAt, point);
	t.is(view.travel.point, undefined, 'the fork is the present');
	t.regex(
		view.status?.text ?? '',
		new RegExp(`^fork 1 from message ${point}: crashed node 2`, 'v'),
	);
	t.like(show.state, {phase: 'forked', forkedAt: point});
	await playing;
	t.false(operator.playing, 'the lesson no longer drives: time is the operator’s');
	t.deepEqual(
		view.nodes.nodes.map((node) => node.status),
		['normal', 'normal', 'crashed'],
	);

	// The new timeline goes on at the operator's keys: its messages, a tick at a time.
	for (let step = 0; step < 30; step++) {
		await press(store, store.operator.inFlight(1).length === 0 ? 't' : 'n');
	}

	const actions = operator.forkable()!.actions();
	await operator.stop();
	const session = readSession(file);
	t.is(session.header.settings.lesson, 'normal');
	t.deepEqual(session.actions, actions, 'the recording is the new timeline');
	t.deepEqual(
		session.actions.find((action) => action.action === 'crash')?.args,
		[2],
		'with the crash',
	);
	t.is(session.actions[0]?.action, 'submit', 'and the lesson’s actions before the fork point');
	const verdict = await replayHeadless(session, {startTimeoutMs: 60_000});
	t.true(verdict.identical, `the replay: ${verdict.summary}`);
});

test('acting in a replay’s past forks it: the replay stops there and gives no verdict', async (t) => {
	t.timeout(300_000);
	const fixture = path.join(repoRoot, 'test', 'fixtures', 'lesson-normal.ndjson');
	const recording = parseSession(readFileSync(fixture, 'utf8'), fixture);
	const show = await ReplayShow.start(recording, {paused: true, startTimeoutMs: 60_000});
	const {operator} = show;
	const store = new UiStore({operator, maxFps: 10});
	store.start();
	t.teardown(async () => {
		store.dispose();
		await operator.stop();
	});
	const verdict = show.play();
	store.followReplay(verdict);
	let view = await press(store, 'n', 'n', 'n', 'n');
	// A round's messages come together: at least one each.
	const {length} = view.travel;
	t.true(length >= 4, `messages delivered (${length})`);
	const point = length - 2;
	view = await press(store, ',', ',');
	t.is(view.travel.point, point);
	store.press('3');
	store.press('x');
	await waitFor(() => store.getView().travel.forks === 1, 'the fork');
	t.is(await verdict, undefined, 'no verdict on a new timeline');
	view = await press(store);
	t.is(view.travel.forkedAt, point);
	t.is(
		view.status?.text,
		`fork 1 from message ${point} (the replay left its recording: no verdict): crashed node 2 (SIGKILL)`,
	);
	t.false(operator.playing, 'time is the operator’s');
	const actions = operator.forkable()!.actions();
	t.deepEqual(actions.at(-1), {...actions.at(-1)!, action: 'crash', args: [2]});
	t.deepEqual(
		actions.slice(0, -1),
		recording.actions.slice(0, actions.length - 1),
		'the recording’s actions before the fork point',
	);
	// The new timeline runs at the operator's keys.
	const before = operator.snapshot().virtualTimeMs;
	await press(store, 't');
	t.true(operator.snapshot().virtualTimeMs > before, 'a tick passed on the new timeline');
});
