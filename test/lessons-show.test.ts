/**
A lesson and a replay as the screen plays them, on real replica processes: round by round at the
speed, held at each pause point until released, stepped with `n` and `t` while paused; the run is
the headless one all the same (the same captions, the same verdict), and acting in it changes it.
*/
import {readFileSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {LessonPlayer} from '../source/lessons/lesson-player.js';
import {type CaptionState, LessonShow, lessonSpeed} from '../source/lessons/lesson-show.js';
import {normal} from '../source/lessons/scenarios/normal.js';
import {ReplayShow} from '../source/cluster/replay-show.js';
import {parseSession} from '../source/cluster/session-file.js';
import {repoRoot} from './helpers/paths.js';

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

async function headlessCaptions(): Promise<string[]> {
	const player = await LessonPlayer.start(normal, {startTimeoutMs: 60_000});
	try {
		const captions: string[] = [];
		while (!player.done) {
			captions.push((await player.playStep())!.caption);
		}

		return captions;
	} finally {
		await player.stop();
	}
}

test('a lesson on the screen stops at each pause point until released, stepped or not, and says what the headless run says', async (t) => {
	t.timeout(180_000);
	const expected = await headlessCaptions();
	const show = await LessonShow.start(normal, {startTimeoutMs: 60_000});
	t.teardown(async () => {
		await show.operator.stop();
	});
	const {operator} = show;
	t.is(operator.snapshot().speed, lessonSpeed, 'a lesson plays slowed down');
	operator.setSpeed(1);
	t.like(show.state, {lesson: 'normal', step: 1, steps: 5, phase: 'watch'});
	t.true(show.state.watch?.startsWith('Three replicas in view 0'));
	const playing = show.play();

	let state = await until(show, (each) => each.phase === 'pause');
	t.like(state, {step: 1, caption: expected[0], atMs: 100.25});
	t.like(operator.snapshot(), {paused: true, played: true, virtualTimeMs: 100.25});

	// Paused at the pause point, n plays the lesson's rounds on to the next delivered message.
	const report = await operator.deliverNext();
	t.is(report?.message.type, 'request', 'the client’s request reaches n0 first');
	state = await until(show, (each) => each.step === 2);
	t.true(operator.snapshot().paused, 'still paused after a step');
	operator.resume();
	state = await until(show, (each) => each.phase === 'pause' && each.step === 2);
	t.is(state.caption, expected[1]);

	// t and n play on from a pause point, but never past the next one.
	await operator.advanceTick();
	t.like(show.state, {phase: 'pause', step: 3, caption: expected[2]});
	t.true(operator.snapshot().paused);
	// The reply delivered is what step 4 waits for: n stops at its pause point.
	const reply = await operator.deliverNext();
	t.is(reply?.message.type, 'reply');
	t.like(show.state, {phase: 'pause', step: 4, caption: expected[3]});

	operator.resume();
	state = await until(show, (each) => each.phase === 'done');
	t.like(state, {step: 5, caption: expected[4]});
	await playing;
	t.false(operator.playing, 'the cluster’s own time from here');
	t.deepEqual(
		operator.snapshot().nodes.map((node) => [node.op, node.commit]),
		[
			[1, 1],
			[1, 1],
			[1, 1],
		],
	);
});

const fixture = path.join(repoRoot, 'test', 'fixtures', 'lesson-normal.ndjson');
const recording = parseSession(readFileSync(fixture, 'utf8'), fixture);

test('a replay on the screen, paused, stepped and sped up, is identical to the recording', async (t) => {
	t.timeout(180_000);
	const show = await ReplayShow.start(recording, {paused: true, startTimeoutMs: 60_000});
	t.teardown(async () => {
		await show.operator.stop();
	});
	const {operator} = show;
	const verdict = show.play();
	t.like(operator.snapshot(), {paused: true, virtualTimeMs: 0});
	await operator.advanceTick();
	t.true(operator.snapshot().virtualTimeMs >= 10);
	const first = await operator.deliverNext();
	t.truthy(first, 'a message delivered');
	operator.setSpeed(0.5);
	operator.setSpeed(1);
	operator.resume();
	const end = await verdict;
	t.true(end?.identical, `${end?.summary}`);
	t.regex(end?.summary ?? '', /^identical: 31 events up to 110\.50 ms, digest f43d785f60c09898$/v);
});

test('a replay in which the user acts differs, and the verdict says where', async (t) => {
	t.timeout(180_000);
	const show = await ReplayShow.start(recording, {paused: true, startTimeoutMs: 60_000});
	t.teardown(async () => {
		await show.operator.stop();
	});
	const {operator} = show;
	const verdict = show.play();
	await operator.advanceTick();
	operator.crash(2);
	operator.resume();
	const end = await verdict;
	t.false(end?.identical);
	t.regex(
		end?.summary ?? '',
		/^differs: event \d+ differs: the replay has vsr_tui\.operator\.crash on n2 at 10\.\d+ ms$/v,
	);
});
