/** Renders the operator app against a fake operator with ink-testing-library. */
import React from 'react';
import {render} from 'ink-testing-library';
import {App} from '../source/ui/app.js';
import type {TerminalSize} from '../source/ui/use-terminal-size.js';
import {StoreProvider} from '../source/ui/context.js';
import {UiStore} from '../source/ui/store.js';
import {createTheme} from '../source/ui/theme.js';
import {type FakeOperator, createFakeOperator} from './ui-fake-operator.js';
import {FakeLesson} from './ui-fake-lesson.js';

export type Harness = {
	readonly operator: FakeOperator;
	readonly store: UiStore;
	readonly quits: number[];
	/** The lessons `g` started, by name, each with its (fake) lesson. */
	readonly lessons: Array<{readonly name: string; readonly lesson: FakeLesson}>;
	/** The last frame written. */
	frame(): string;
	/** Type keys as a terminal sends them. */
	press(keys: string): void;
	/** Wait until the frame satisfies `check` (or fail after `timeoutMs`). */
	waitFor(check: (frame: string) => boolean, timeoutMs?: number): Promise<string>;
	dispose(): void;
};

export const arrowUp = '\u001B[A';
export const arrowDown = '\u001B[B';
export const escape = '\u001B';
export const ctrlC = '\u0003';
export const pageUp = '\u001B[5~';
export const pageDown = '\u001B[6~';

const pause = async (ms: number) =>
	new Promise<void>((resolve) => {
		setTimeout(resolve, ms);
	});

export async function renderApp(
	options: {
		readonly operator?: FakeOperator;
		readonly size?: TerminalSize;
		readonly env?: Record<string, string>;
		readonly now?: () => number;
	} = {},
): Promise<Harness> {
	const operator = options.operator ?? createFakeOperator();
	const quits: number[] = [];
	const lessons: Array<{readonly name: string; readonly lesson: FakeLesson}> = [];
	const store = new UiStore({
		operator,
		now: options.now,
		onQuit() {
			quits.push(Date.now());
		},
		async launchLesson(name) {
			const lesson = new FakeLesson(name);
			lessons.push({name, lesson});
			return lesson;
		},
	});
	store.start();
	const instance = render(
		<StoreProvider store={store} theme={createTheme(options.env ?? {})}>
			<App size={options.size ?? {columns: 80, rows: 24}} />
		</StoreProvider>,
	);
	// useInput subscribes in an effect: let it run before the first key.
	await pause(20);
	const frame = () => instance.lastFrame() ?? '';
	return {
		operator,
		store,
		quits,
		lessons,
		frame,
		press(keys) {
			instance.stdin.write(keys);
		},
		async waitFor(check, timeoutMs = 5000) {
			const deadline = Date.now() + timeoutMs;
			for (;;) {
				const current = frame();
				if (check(current)) {
					return current;
				}

				if (Date.now() > deadline) {
					throw new Error(`timed out waiting for the frame; last frame:\n${current}`);
				}

				await pause(5);
			}
		},
		dispose() {
			instance.unmount();
			instance.cleanup();
			store.dispose();
		},
	};
}
