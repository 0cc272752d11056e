import {UsageError} from '../cli/flags.js';
import {SessionRecorder} from '../cluster/session-recorder.js';
import {scenarioNamed, scenarios} from './catalogue.js';
import {LessonPlayer} from './lesson-player.js';
import type {Scenario} from './scenario.js';

type Io = {readonly stdout: NodeJS.WritableStream; readonly stderr: NodeJS.WritableStream};

/** Plays the lesson on the operator's screen (on a terminal); resolves with the exit code. */
export type LessonScreen = (
	scenario: Scenario,
	recorder: SessionRecorder | undefined,
) => Promise<number>;

/** The list `vsr-tui learn` prints: each lesson's name and what it shows, in class order. */
export function lessonList(): string {
	const width = Math.max(...scenarios.map((scenario) => scenario.name.length));
	return [
		'Lessons (vsr-tui learn NAME), in class order:',
		...scenarios.map(
			(scenario, index) => `  ${index + 1}. ${scenario.name.padEnd(width)}  ${scenario.summary}`,
		),
		'',
	].join('\n');
}

/**
`vsr-tui learn [NAME]`: without a name, the list; with one, the lesson played to its end on real
replicas, each step's caption printed as it happens (with what to watch for before it), or, given
a `screen` (stdout is a terminal), played on the operator's screen; `--record FILE` writes the
session for `vsr-tui replay`.
*/
export async function learnCommand(
	input: readonly string[],
	flags: {readonly record?: string | undefined},
	io: Io,
	screen?: LessonScreen,
): Promise<number> {
	if (input.length > 1) {
		throw new UsageError(`learn takes one lesson name (got ${input.length} arguments)`);
	}

	const name = input[0];
	if (name === undefined) {
		if (flags.record !== undefined) {
			throw new UsageError('--record needs a lesson: vsr-tui learn NAME --record FILE');
		}

		io.stdout.write(lessonList());
		return 0;
	}

	const scenario = scenarioNamed(name);
	if (scenario === undefined) {
		throw new UsageError(
			`no lesson "${name}" (expected one of: ${scenarios.map((each) => each.name).join(', ')})`,
		);
	}

	const recorder =
		flags.record === undefined
			? undefined
			: new SessionRecorder(flags.record, scenario.seed, {
					replicas: scenario.replicas,
					clients: scenario.clients ?? 1,
					...(scenario.checkpointInterval === undefined
						? {}
						: {checkpointInterval: scenario.checkpointInterval}),
					lesson: scenario.name,
				});
	recorder?.checkWritable();
	if (screen !== undefined) {
		return screen(scenario, recorder);
	}

	io.stdout.write(
		`Lesson ${scenario.name}: ${scenario.summary}\n(${scenario.replicas} replicas, seed ${scenario.seed}; times are virtual)\n\n`,
	);
	const player = await LessonPlayer.start(scenario, {events: recorder?.take});
	try {
		while (!player.done) {
			const step = scenario.steps[player.next]!;
			if (step.watch !== undefined) {
				io.stdout.write(`  watch: ${step.watch}\n`);
			}

			const outcome = (await player.playStep())!;
			io.stdout.write(`${outcome.atMs.toFixed(2).padStart(9)} ms  ${outcome.caption}\n`);
		}

		await recorder?.finish(player.cluster);
	} finally {
		await player.stop();
	}

	if (recorder !== undefined) {
		io.stdout.write(
			`\nrecorded to ${recorder.file}: replay it with vsr-tui replay ${recorder.file}\n`,
		);
	}

	return 0;
}
