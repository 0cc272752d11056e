/**
Every lesson, run headless to the end on real replica processes: every caption is filled from the
run (no hole), and every claim a caption makes holds of the replicas' state at that step. A
caption that lies fails here.
*/
import test from 'ava';
import {scenarios} from '../source/lessons/catalogue.js';
import {LessonPlayer} from '../source/lessons/lesson-player.js';

test('the lessons the issue names, in class order, each with a seed and steps', (t) => {
	t.deepEqual(
		scenarios.map((scenario) => scenario.name),
		[
			'normal',
			'view-change',
			'log-choice',
			'recovery',
			'state-transfer',
			'minority',
			'duplicate-request',
		],
	);
	for (const scenario of scenarios) {
		t.true(scenario.steps.length >= 3, `${scenario.name} has steps`);
		t.true(
			scenario.steps.some((step) => step.pause === true),
			`${scenario.name} has a pause point`,
		);
	}
});

for (const scenario of scenarios) {
	test(`lesson ${scenario.name}: every caption's claims hold of the run`, async (t) => {
		t.timeout(180_000);
		const player = await LessonPlayer.start(scenario, {startTimeoutMs: 60_000});
		t.teardown(async () => {
			await player.stop();
		});
		let claims = 0;
		while (!player.done) {
			const outcome = (await player.playStep())!;
			t.notRegex(outcome.caption, /[\{\}]/v, `step ${outcome.index + 1} has no hole`);
			for (const claim of outcome.claims) {
				claims++;
				t.true(
					claim.holds,
					`step ${outcome.index + 1} at ${outcome.atMs} ms says "${claim.says}": ${outcome.caption}`,
				);
			}
		}

		t.true(claims >= 3, `${claims} claims checked`);
	});
}
