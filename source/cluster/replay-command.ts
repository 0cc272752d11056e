import {UsageError} from '../cli/flags.js';
import {type Session, SessionError} from './session-file.js';
import {readSession, replayHeadless} from './session-replay.js';

type Io = {readonly stdout: NodeJS.WritableStream; readonly stderr: NodeJS.WritableStream};

/** Plays the session on the operator's screen (on a terminal); resolves with the exit code. */
export type ReplayScreen = (session: Session, file: string) => Promise<number>;

/**
`vsr-tui replay FILE`: plays a recorded session back on fresh replicas and says whether the run is
identical (the digest of its event stream) or names the first event that differs. Exit 0 when
identical; 2, with one line, when it differs (a recording edited by hand) or the file is not a
session this version can replay. Given a `screen` (a terminal, without `--check`), the session
plays there instead, after the same checks of the file.
*/
export async function replayCommand(
	input: readonly string[],
	io: Io,
	screen?: ReplayScreen,
): Promise<number> {
	const [file, ...rest] = input;
	if (file === undefined || rest.length > 0) {
		throw new UsageError('replay takes one file: vsr-tui replay FILE');
	}

	let session;
	try {
		session = readSession(file);
	} catch (error) {
		if (error instanceof SessionError) {
			throw new UsageError(error.message);
		}

		throw error;
	}

	if (screen !== undefined) {
		return screen(session, file);
	}

	const verdict = await replayHeadless(session);
	if (!verdict.identical) {
		// A recording that does not replay is bad input, like a truncated one.
		throw new UsageError(
			`${file} does not replay identically: ${verdict.summary.replace(/^differs: /v, '')}`,
		);
	}

	const {header, actions} = session;
	const lesson = header.settings.lesson === undefined ? '' : `, lesson ${header.settings.lesson}`;
	io.stdout.write(
		`${verdict.summary} (seed ${header.seed}, ${header.settings.replicas} replicas${lesson}, ${actions.length} actions; recorded by vsr-tui ${header.version})\n`,
	);
	return 0;
}
