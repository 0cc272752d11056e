/**
The `operator` mode of the CLI (no sub-command): checks for a terminal, starts the
cluster, and hands both to the UI. Imports Ink and the cluster lazily, so that
`--help` and the no-terminal message stay fast.
*/
import {randomInt} from 'node:crypto';
import {UsageError} from '../cli/flags.js';
import type {OperatorControls} from '../cluster/operator-api.js';
import type {Telemetry} from '../telemetry/telemetry.js';
import type {CaptionSource} from './command-context.js';
import type {OperatorSettings, StartCluster} from './operator-settings.js';
import type {ReplayEnd} from './store.js';

export type OperatorModeContext = {
	readonly flags: OperatorSettings;
	readonly stdout: NodeJS.WritableStream;
	readonly stderr: NodeJS.WritableStream;
};

export const noTerminalMessage =
	'vsr-tui: the operator needs an interactive terminal; without one, use `vsr-tui run`, `vsr-tui sim` or `vsr-tui bench` (see --help)\n';

export type Terminal = {
	readonly stdin: NodeJS.ReadStream;
	readonly stdout: NodeJS.WriteStream;
	readonly stderr: NodeJS.WriteStream;
	readonly env: NodeJS.ProcessEnv;
};

export async function runOperatorMode(
	context: OperatorModeContext,
	startCluster?: StartCluster,
	terminal: Terminal = process,
): Promise<number> {
	const {stdin, stdout} = terminal;
	const {dataDir, seed, replicas} = context.flags;
	if (dataDir !== undefined) {
		if (seed !== undefined) {
			throw new UsageError("--data-dir does not go with --seed: a disk's timing is not seeded");
		}

		if (context.flags.record !== undefined) {
			throw new UsageError(
				"--data-dir does not go with --record: a recording is a seeded session, and a disk's timing is not seeded",
			);
		}

		// A directory that is not this cluster's is refused before anything starts (read only).
		const {checkDataDir} = await import('../cluster/data-dir.js');
		const {StorageRefused} = await import('../storage/read-back.js');
		try {
			checkDataDir(dataDir, replicas);
		} catch (error) {
			throw error instanceof StorageRefused ? new UsageError(error.message) : error;
		}
	}

	if (!stdin.isTTY || !stdout.isTTY) {
		context.stderr.write(noTerminalMessage);
		return 2;
	}

	let settings = context.flags;
	if (settings.record !== undefined) {
		const {SessionRecorder} = await import('../cluster/session-recorder.js');
		try {
			// A recording replays only when seeded: without --seed, a seed is drawn (the header shows it).
			const seed = settings.seed ?? randomInt(0x1_00_00_00_00);
			new SessionRecorder(settings.record, seed, {replicas: 1, clients: 1}).checkWritable();
			settings = {...settings, seed};
		} catch (error) {
			if (error instanceof UsageError) {
				context.stderr.write(`vsr-tui: ${error.message}\n`);
				return 2;
			}

			throw error;
		}
	}

	const flags = settings;
	return runScreen(
		{
			replicas: flags.replicas,
			seed: flags.seed,
			stderr: context.stderr,
			async start(telemetry) {
				if (startCluster !== undefined) {
					return {operator: await startCluster(flags, telemetry)};
				}

				const cluster = await import('./start-cluster.js');
				return {operator: await cluster.startCluster(flags, telemetry)};
			},
		},
		terminal,
	);
}

/** What a screen's start gives the UI: the cluster, and the lesson or the replay it plays, if any. */
export type Started = {
	readonly operator: OperatorControls;
	readonly lesson?: CaptionSource;
	readonly replay?: Promise<ReplayEnd | undefined>;
};

export type ScreenStart = {
	readonly replicas: number;
	readonly seed: number | undefined;
	readonly stderr: NodeJS.WritableStream;
	/** Starts the cluster on the screen's bus, once the first frame is drawn. */
	readonly start: (telemetry: Telemetry) => Promise<Started>;
};

/**
Opens the operator's screen on a terminal (the caller checked it is one) and runs it until the
user quits: the operator, a lesson (`learn NAME`) or a replay (`replay FILE`).
*/
export async function runScreen(
	screen: ScreenStart,
	terminal: Terminal = process,
): Promise<number> {
	const {stdin, stdout} = terminal;
	// From now on every key is the operator's: not echoed, and read by the screen once it is up,
	// so nothing typed while it starts is left on the terminal or for the shell after it.
	stdin.setRawMode(true);
	// The screen opens at once; the libraries that draw it take a moment to load.
	const {eraseEcho, enterScreen, leaveScreen, openingFrame} = await import('./screen.js');
	stdout.write(eraseEcho + enterScreen + openingFrame(screen.replicas));
	try {
		return await runUi(screen, terminal);
	} catch (error) {
		stdout.write(leaveScreen);
		stdin.setRawMode(false);
		throw error;
	}
}

async function runUi(screen: ScreenStart, terminal: Terminal): Promise<number> {
	const {stdin, stdout} = terminal;
	// Before React and Ink are loaded: React's production build, and no CI mode for Ink (which
	// would draw nothing until exit) now that both ends are known to be a terminal. The CI
	// variables are removed, not set to false: chalk turns every colour off when `CI` exists.
	terminal.env.NODE_ENV ??= 'production';
	delete terminal.env.CI;
	delete terminal.env.CONTINUOUS_INTEGRATION;
	const [{Telemetry}, {StartingOperator}, {runOperatorUi}, {lessonLauncher}] = await Promise.all([
		import('../telemetry/telemetry.js'),
		import('./starting-operator.js'),
		import('./run-ui.js'),
		import('./lesson-launcher.js'),
	]);
	// The screen shows the nodes starting; the cluster joins when it is up.
	const telemetry = new Telemetry();
	let startNow: () => void = () => undefined;
	const screenUp = new Promise<void>((resolve) => {
		startNow = resolve;
	});
	const started = screenUp.then(async () => screen.start(telemetry));
	const operator = new StartingOperator(
		screen.replicas,
		telemetry,
		started.then((each) => each.operator),
		screen.seed,
	);
	let failure: string | undefined;
	const running = runOperatorUi({
		operator,
		stdin,
		stdout,
		stderr: terminal.stderr,
		env: terminal.env,
		signals: true,
		alternateScreen: true,
		launchLesson: lessonLauncher(operator),
		lesson: started.then((each) => each.lesson),
		// Wrapped: a promise of the replay's end would be flattened into it.
		replay: started.then((each) => (each.replay === undefined ? undefined : {end: each.replay})),
		// A cluster that cannot start ends the UI, and the reason is printed after it.
		failed: operator.ready.then(
			async () =>
				new Promise<never>(() => {
					// Up: the UI ends when the user quits.
				}),
			(error: unknown) => {
				failure = error instanceof Error ? error.message : String(error);
			},
		),
	});
	// The first frame is drawn: now the cluster (whose modules take a moment to load too).
	startNow();
	const code = await running;
	if (failure !== undefined) {
		screen.stderr.write(`vsr-tui: could not start the cluster: ${failure}\n`);
	}

	const exitCode = failure === undefined ? code : 1;
	// Nothing should keep the process alive now; if something does, do not hang the shell.
	stdin.pause();
	setTimeout(() => {
		process.exit(exitCode);
	}, 2000).unref();
	return exitCode;
}
