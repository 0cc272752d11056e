/**
The lesson list (`g`): while it is open, its own keys choose a lesson (↑ ↓ j k, or its number),
enter starts it in the cluster's place, esc or `g` closes it; `q` still quits, and any other key
says what the list's keys are.
*/
import {scenarios} from '../lessons/catalogue.js';
import type {CommandContext} from './command-context.js';
import type {KeyName} from './keymap.js';
import {errorText} from './session.js';

/** The list's keys, as its title says them. */
export const lessonListKeys = `↑/↓ or 1–${scenarios.length} choose, enter starts, esc closes`;

export function openLessonList({session}: CommandContext): void {
	if (session.lessonList === undefined) {
		session.lessonList = 0;
		session.touch('ui');
	}

	session.say(`lessons: ${lessonListKeys}`);
}

function closeLessonList({session}: CommandContext, words: string): void {
	session.lessonList = undefined;
	session.touch('ui');
	session.say(words);
}

/** A key while the list is open. */
export function lessonListKey(context: CommandContext, key: KeyName): void {
	const {session} = context;
	const chosen = session.lessonList ?? 0;
	const choose = (row: number): void => {
		session.lessonList = Math.max(0, Math.min(scenarios.length - 1, row));
		session.touch('ui');
	};

	switch (key) {
		case 'up':
		case 'k': {
			choose(chosen - 1);
			break;
		}

		case 'down':
		case 'j': {
			choose(chosen + 1);
			break;
		}

		case 'enter': {
			startLesson(context, scenarios[chosen]!.name);
			break;
		}

		case 'escape':
		case 'g': {
			closeLessonList(context, 'lesson list closed');
			break;
		}

		default: {
			const row = Number(key);
			if (/^[1-9]$/v.test(key) && row <= scenarios.length) {
				choose(row - 1);
			} else {
				session.say(`lessons: ${lessonListKeys}`, 'warn');
			}
		}
	}

	context.flush();
}

/** Replaces the cluster with the lesson's (seeded, as `vsr-tui learn NAME` starts it) and follows it. */
export function startLesson(context: CommandContext, name: string): void {
	const {session, tallies, launchLesson} = context;
	session.lessonList = undefined;
	session.touch('ui');
	if (launchLesson === undefined) {
		session.say('no lesson can start here', 'warn');
		return;
	}

	const scenario = scenarios.find((each) => each.name === name)!;
	session.say(
		`lesson ${name}: ${scenario.replicas} replicas with seed ${scenario.seed} are starting in the cluster's place`,
	);
	session.marked.clear();
	session.links.clear();
	session.caption = undefined;
	session.touch('caption');
	tallies.clear();
	tallies.spans.newCluster();
	tallies.narration.restart(scenario.replicas);
	launchLesson(name).then(
		(source) => {
			tallies.diagram.note(`lesson ${name}`);
			context.followLesson(source);
			session.say(`lesson ${name}: ${scenario.summary}`);
			context.flush();
		},
		(error: unknown) => {
			session.say(`lesson ${name} did not start: ${errorText(error)}`, 'error');
			context.flush();
		},
	);
}
