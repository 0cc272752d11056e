import {scenarioNamed} from '../lessons/catalogue.js';
import {LessonShow} from '../lessons/lesson-show.js';
import type {LessonLauncher} from './command-context.js';
import type {StartingOperator} from './starting-operator.js';

/**
What `g` starts a lesson with: the cluster on the screen stops, the lesson's seeded cluster starts
on the same bus in its place (as `vsr-tui learn NAME` starts it), and the lesson plays.
*/
export function lessonLauncher(operator: StartingOperator): LessonLauncher {
	return async (name) => {
		const scenario = scenarioNamed(name);
		if (scenario === undefined) {
			throw new Error(`no lesson "${name}"`);
		}

		let show: LessonShow | undefined;
		await operator.replace(
			async () => {
				show = await LessonShow.start(scenario, {telemetry: operator.telemetry});
				return show.operator;
			},
			scenario.replicas,
			scenario.seed,
		);
		void show!.play();
		return show!;
	};
}
