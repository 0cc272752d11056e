/**
The `operator` mode of the CLI (no sub-command): checks for a terminal, starts the
cluster, and hands both to the UI. Imports Ink and the cluster lazily, so that
`--help` and the no-terminal message stay fast.
*/
import type {OperatorControls} from '../cluster/operator-api.js';
import type {Telemetry} from '../telemetry/telemetry.js';

export type OperatorSettings = {
	readonly replicas: number;
	/** Starting drop rate, 0 to 1. */
	readonly drop: number;
	/** Starting delay in ms. */
	readonly delay: number;
	/** Export spans and metrics over OTLP/HTTP to this collector URL. */
	readonly otlp?: string | undefined;
};

export type OperatorModeContext = {
	readonly flags: OperatorSettings;
	readonly stdout: NodeJS.WritableStream;
	readonly stderr: NodeJS.WritableStream;
};

/** Starts the cluster on the given bus, so that the UI listens from the first event. */
export type StartCluster = (
	settings: OperatorSettings,
	telemetry: Telemetry,
) => Promise<OperatorControls>;

export const noTerminalMessage =
	'vsr-tui: the operator needs an interactive terminal; without one, use `vsr-tui run`, `vsr-tui sim` or `vsr-tui bench` (see --help)\n';

type Terminal = {
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
	if (!stdin.isTTY || !stdout.isTTY) {
		context.stderr.write(noTerminalMessage);
		return 2;
	}

	let start = startCluster;
	if (start === undefined) {
		const cluster = await import('./start-cluster.js');
		start = cluster.startCluster;
	}

	// Before React and Ink are loaded: React's production build, and no CI mode for Ink (which
	// would draw nothing until exit) now that both ends are known to be a terminal.
	terminal.env.NODE_ENV ??= 'production';
	terminal.env.CI = 'false';
	terminal.env.CONTINUOUS_INTEGRATION = 'false';
	const [{Telemetry}, {StartingOperator}, {runOperatorUi}] = await Promise.all([
		import('../telemetry/telemetry.js'),
		import('./starting-operator.js'),
		import('./run-ui.js'),
	]);
	// The screen opens at once, with the nodes starting; the cluster joins when it is up.
	const telemetry = new Telemetry();
	const operator = new StartingOperator(
		context.flags.replicas,
		telemetry,
		start(context.flags, telemetry),
	);
	let failure: string | undefined;
	const code = await runOperatorUi({
		operator,
		stdin,
		stdout,
		stderr: terminal.stderr,
		env: terminal.env,
		signals: true,
		alternateScreen: true,
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
	if (failure !== undefined) {
		context.stderr.write(`vsr-tui: could not start the cluster: ${failure}\n`);
	}

	const exitCode = failure === undefined ? code : 1;
	// Nothing should keep the process alive now; if something does, do not hang the shell.
	stdin.pause();
	setTimeout(() => {
		process.exit(exitCode);
	}, 2000).unref();
	return exitCode;
}
