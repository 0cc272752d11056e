/**
The screens of `vsr-tui learn NAME` and `vsr-tui replay FILE` on a terminal: the operator's
screen, its cluster the lesson's (with the caption pane) or the recording's (the verdict in the
status line at the end). The commands check their input first and print, headless, without a
terminal.
*/
import type {Session} from '../cluster/session-file.js';
import type {SessionRecorder} from '../cluster/session-recorder.js';
import type {Scenario} from '../lessons/scenario.js';
import {type Terminal, runScreen} from './main.js';

/** Whether both ends are a terminal (the screen needs one; without it, the headless printout). */
export const isTerminal = (terminal: Terminal = process): boolean =>
	terminal.stdin.isTTY && terminal.stdout.isTTY;

/** `vsr-tui learn NAME` on a terminal; `--record` is written when the user quits (a fork's: the new timeline). */
export async function runLessonScreen(
	scenario: Scenario,
	recorder: SessionRecorder | undefined,
	stderr: NodeJS.WritableStream,
	terminal: Terminal = process,
): Promise<number> {
	return runScreen(
		{
			replicas: scenario.replicas,
			seed: scenario.seed,
			stderr,
			async start(telemetry) {
				const {LessonShow} = await import('../lessons/lesson-show.js');
				const show = await LessonShow.start(scenario, {telemetry, recorder});
				void show.play();
				return {operator: show.operator, lesson: show};
			},
		},
		terminal,
	);
}

/** `vsr-tui replay FILE` on a terminal. */
export async function runReplayScreen(
	session: Session,
	options: {readonly paused: boolean},
	stderr: NodeJS.WritableStream,
	terminal: Terminal = process,
): Promise<number> {
	return runScreen(
		{
			replicas: session.header.settings.replicas,
			seed: session.header.seed,
			stderr,
			async start(telemetry) {
				const {ReplayShow} = await import('../cluster/replay-show.js');
				const show = await ReplayShow.start(session, {telemetry, paused: options.paused});
				return {operator: show.operator, replay: show.play()};
			},
		},
		terminal,
	);
}
