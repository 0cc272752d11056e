/**
The caption pane and the replay's verdict on the operator's screen (ink-testing-library, a fake
operator, a lesson whose state the test sets as the player would): what to watch for while a step
plays, what happened at a pause point with the prompt to go on, the end, a lesson that stopped,
the verdict of a replay in the status line, and a lesson forked in its past.
*/
import test from 'ava';
import {FakeLesson} from './ui-fake-lesson.js';
import {renderApp} from './ui-harness.js';

const lines = (frame: string): string[] => frame.split('\n');

/** The caption pane's lines, joined with a space: from its title to the span timings or the status line. */
function captionOf(frame: string): string {
	const all = lines(frame);
	const start = all.findIndex((line) => line.startsWith('Lesson '));
	const end = all.findIndex((line, index) => index > start && /^(span timings|» )/v.test(line));
	return start === -1
		? ''
		: all
				.slice(start, end)
				.map((line) => line.trimEnd())
				.join(' ');
}

test('caption pane: what to watch for, then at a pause point what happened and the prompt; the end', async (t) => {
	const h = await renderApp();
	t.teardown(() => {
		h.dispose();
	});
	t.false(h.frame().includes('Lesson '), 'no pane without a lesson');
	const lesson = new FakeLesson('normal');
	h.store.followLesson(lesson);
	let frame = await h.waitFor((current) => current.includes('Lesson normal · step 1 of 5'));
	t.true(frame.includes('watch for: Three replicas in view 0; n0 is its primary.'));
	// Under the node table, before the span timings.
	const at = (text: string) => lines(frame).findIndex((line) => line.includes(text));
	t.true(at(' 2 backup') < at('Lesson normal'));
	t.true(at('Lesson normal') < at('span timings'));

	lesson.set({
		phase: 'pause',
		caption:
			'The client sends put(x, 1) to n0, the primary of view 0: in view v the primary is v mod 3.',
		atMs: 100.25,
		watch: undefined,
	});
	frame = await h.waitFor((current) => current.includes('space: go on to the next step'));
	t.false(frame.includes('watch for:'));
	t.is(
		captionOf(frame),
		'Lesson normal · step 1 of 5 100.25 ms: The client sends put(x, 1) to n0, the primary of view 0: in view v the primary is v mod 3. space: go on to the next step',
	);
	t.is(
		lines(frame).findIndex((line) => line.startsWith('span timings')) -
			lines(frame).findIndex((line) => line.startsWith('Lesson ')),
		4,
		'the title, the caption wrapped onto two lines, the prompt',
	);

	lesson.set({phase: 'watch', step: 2, watch: 'Watch the primary append the request.'});
	frame = await h.waitFor((current) => current.includes('Lesson normal · step 2 of 5'));
	t.true(frame.includes('watch for: Watch the primary append the request.'));
	t.true(frame.includes('100.25 ms: The client sends'), 'the last caption stays above it');
	t.false(frame.includes('space: go on'));

	lesson.set({
		phase: 'done',
		step: 5,
		caption: 'Every replica now has op 1, commit 1.',
		atMs: 110.5,
	});
	frame = await h.waitFor((current) => current.includes('Lesson normal · done (5 steps)'));
	t.true(frame.includes('110.50 ms: Every replica now has op 1, commit 1.'));
	t.true(frame.includes('the lesson is over: space lets the cluster run on, g for another'));
	t.true(lines(frame).length <= 23, 'the screen still fits 80×24');
});

test('caption pane: a lesson that stopped says why', async (t) => {
	const h = await renderApp();
	t.teardown(() => {
		h.dispose();
	});
	const lesson = new FakeLesson('view-change');
	h.store.followLesson(lesson);
	lesson.set({
		phase: 'failed',
		step: 3,
		error: 'lesson view-change, step 3: still waiting after 10000 ms of virtual time',
	});
	const frame = await h.waitFor((current) => current.includes('the lesson stopped:'));
	t.true(frame.includes('Lesson view-change · step 3 of 5'));
	t.is(
		captionOf(frame),
		'Lesson view-change · step 3 of 5 the lesson stopped: lesson view-change, step 3: still waiting after 10000 ms of virtual time',
	);
});

test('a replay’s verdict in the status line: identical, or where it differs', async (t) => {
	const h = await renderApp();
	t.teardown(() => {
		h.dispose();
	});
	h.store.followReplay(
		Promise.resolve({
			identical: true,
			summary: 'identical: 31 events up to 110.50 ms, digest f43d785f60c09898',
		}),
	);
	await h.waitFor((current) =>
		current.includes('» replay identical: 31 events up to 110.50 ms, digest f43d785f60c09898'),
	);
	h.store.followReplay(
		Promise.resolve({
			identical: false,
			summary: 'differs: event 24 differs: the replay has vsr_tui.operator.crash on n2',
		}),
	);
	await h.waitFor((current) =>
		current.includes('» replay differs: event 24 differs: the replay has vsr_tui.operator.crash'),
	);
	t.is(h.store.getView().status?.tone, 'error');
});

test('caption pane: a lesson forked in its past says it left its script', async (t) => {
	const h = await renderApp();
	t.teardown(() => {
		h.dispose();
	});
	const lesson = new FakeLesson('view-change');
	h.store.followLesson(lesson);
	lesson.set({
		phase: 'forked',
		step: 3,
		forkedAt: 12,
		caption: 'n0 crashed.',
		atMs: 120.5,
		watch: undefined,
	});
	const frame = await h.waitFor((current) => current.includes('forked at message 12'));
	t.is(
		captionOf(frame),
		'Lesson view-change · forked at message 12 you forked the lesson at message 12: you are on your own timeline now, and the lesson plays no more. space lets it run, g starts a lesson again',
	);
	t.false(frame.includes('space: go on to the next step'));
});
