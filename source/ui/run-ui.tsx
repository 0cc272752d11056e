/**
Runs the operator screen on a terminal until the user quits: renders the app with
Ink on the alternate screen, and on every way out (q, Ctrl-C, SIGINT, SIGTERM, SIGHUP
when the terminal closes, a failing stdout) stops the cluster and gives the terminal
back as it was.
*/
import {writeSync} from 'node:fs';
import React from 'react';
import {render} from 'ink';
import type {OperatorControls} from '../cluster/operator-api.js';
import {App} from './app.js';
import {StoreProvider} from './context.js';
import {enterScreen, leaveScreen} from './screen.js';
import type {CaptionSource, LessonLauncher} from './command-context.js';
import {type ReplayEnd, UiStore} from './store.js';
import {createTheme} from './theme.js';

export {enterScreen, leaveScreen} from './screen.js';

export type RunUiOptions = {
	readonly operator: OperatorControls;
	readonly stdin: NodeJS.ReadStream;
	readonly stdout: NodeJS.WriteStream;
	readonly stderr: NodeJS.WriteStream;
	readonly env: Readonly<Record<string, string | undefined>>;
	/** Listen to SIGINT, SIGTERM and SIGHUP (true for the real CLI). */
	readonly signals?: boolean;
	/** Use the terminal's alternate screen (true for the real CLI). */
	readonly alternateScreen?: boolean;
	/** How long `operator.stop()` may take before the UI exits anyway. */
	readonly stopTimeoutMs?: number;
	/** Settles when the UI must end on its own (the cluster could not start): exit code 1. */
	readonly failed?: Promise<unknown>;
	/** Starts a lesson in the cluster's place (`g`). */
	readonly launchLesson?: LessonLauncher;
	/** The lesson the screen opens on (`learn NAME`): the caption pane follows it. */
	readonly lesson?: Promise<CaptionSource | undefined>;
	/**
	The replay the screen plays (`replay FILE`; undefined: the screen plays none): the status line
	says how it ended (its `end`: undefined when it stopped or forked before the end).
	*/
	readonly replay?: Promise<{readonly end: Promise<ReplayEnd | undefined>} | undefined>;
};

const signalCodes = {SIGINT: 130, SIGTERM: 143, SIGHUP: 129} as const;

/** Resolves with the exit code once the cluster is stopped and the terminal restored. */
export async function runOperatorUi(options: RunUiOptions): Promise<number> {
	const {operator, stdin, stdout, stderr} = options;
	const stopTimeoutMs = options.stopTimeoutMs ?? 5000;
	let screenEntered = false;
	const fd: unknown = Reflect.get(stdout, 'fd');
	const safeWrite = (text: string, sync = false): void => {
		try {
			if (sync && typeof fd === 'number') {
				// From an 'exit' handler, where only synchronous writes happen.
				writeSync(fd, text);
			} else {
				stdout.write(text);
			}
		} catch {
			// The terminal is gone (SIGHUP): nothing left to restore.
		}
	};

	const restoreScreen = (sync = false): void => {
		if (screenEntered) {
			screenEntered = false;
			safeWrite(leaveScreen, sync);
		}
	};

	if (options.alternateScreen) {
		screenEntered = true;
		safeWrite(enterScreen);
	}

	let finish: (code: number) => void = () => undefined;
	const finished = new Promise<number>((resolve) => {
		finish = resolve;
	});
	let stopping = false;

	const listeners: Array<[NodeJS.Signals, () => void]> = [];
	const onStdoutError = (): void => {
		void shutdown(signalCodes.SIGHUP);
	};

	const onExit = (): void => {
		restoreScreen(true);
	};

	async function shutdown(code: number): Promise<void> {
		if (stopping) {
			return;
		}

		stopping = true;
		let timer: NodeJS.Timeout | undefined;
		try {
			await Promise.race([
				operator.stop(),
				new Promise<void>((resolve) => {
					timer = setTimeout(resolve, stopTimeoutMs);
				}),
			]);
		} catch {
			// Stopping failed half-way: the replicas also exit when the operator's IPC channel closes.
		} finally {
			clearTimeout(timer);
		}

		store.dispose();
		try {
			instance.unmount();
		} catch {
			// Unmounting writes to a terminal that may be gone.
		}

		restoreScreen();
		for (const [signal, listener] of listeners) {
			process.off(signal, listener);
		}

		stdout.off('error', onStdoutError);
		process.off('exit', onExit);
		finish(code);
	}

	const store = new UiStore({
		operator,
		maxFps: 10,
		onQuit() {
			void shutdown(0);
		},
		launchLesson: options.launchLesson,
	});
	store.start();
	options.lesson?.then(
		(lesson) => {
			if (lesson !== undefined) {
				store.followLesson(lesson);
			}
		},
		() => undefined,
	);
	options.replay?.then(
		(replay) => {
			if (replay !== undefined) {
				store.followReplay(replay.end.catch(() => undefined));
			}
		},
		() => undefined,
	);

	const instance = render(
		<StoreProvider store={store} theme={createTheme(options.env)}>
			<App />
		</StoreProvider>,
		{
			stdin,
			stdout,
			stderr,
			exitOnCtrlC: false,
			patchConsole: true,
			maxFps: 30,
		},
	);

	if (options.signals) {
		for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
			const listener = (): void => {
				void shutdown(signalCodes[signal]);
			};

			listeners.push([signal, listener]);
			process.on(signal, listener);
		}
	}

	stdout.on('error', onStdoutError);
	process.on('exit', onExit);
	void options.failed?.then(async () => shutdown(1));
	return finished;
}
