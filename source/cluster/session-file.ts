import {type ActionName, type LoggedAction, actionNames} from './action-log.js';

/**
A recorded session, as NDJSON: a header line (the format, the version of vsr-tui that wrote it,
the seed and the settings), one line per operator action with its virtual time (ns since the
start), and an end line (when it ended, and the digest of its event stream up to then). The seed
and the actions make the run; the end line proves a replay identical, or names where it is not.
*/

/** The format this version writes and reads. */
export const sessionFormat = 1;

/** What a session was started with, besides its seed. */
export type SessionSettings = {
	readonly replicas: number;
	readonly clients: number;
	readonly checkpointInterval?: number;
	/** The lesson it was, if it was one. */
	readonly lesson?: string;
};

export type SessionHeader = {
	readonly vsr_tui_session: number;
	readonly version: string;
	readonly seed: number;
	readonly settings: SessionSettings;
};

export type SessionEnd = {
	/** Virtual ns when the session ended. */
	readonly end: number;
	/** Events in the stream up to then. */
	readonly events: number;
	/** SHA-256 of the event stream (every line and a newline), hex. */
	readonly digest: string;
	/** Each event's FNV-1a hash, 4 bytes each, base64. */
	readonly hashes: string;
};

export type Session = {
	readonly header: SessionHeader;
	readonly actions: readonly LoggedAction[];
	readonly end: SessionEnd;
};

/** The lines of a session file (each ends with a newline). */
export function sessionLines(session: Session): string {
	return [session.header, ...session.actions, session.end]
		.map((line) => JSON.stringify(line))
		.join('\n')
		.concat('\n');
}

/** A file that is not a session this version can replay: the message names the problem. */
export class SessionError extends Error {}

const isRecord = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

const isActionName = (value: unknown): value is ActionName =>
	(actionNames as readonly unknown[]).includes(value);

const isCount = (value: unknown, min = 0): value is number =>
	typeof value === 'number' && Number.isSafeInteger(value) && value >= min;

/** Reads a session file's text; throws a SessionError naming the first problem. */
export function parseSession(text: string, name: string): Session {
	const lines = text.split('\n');
	if (lines.at(-1) === '') {
		lines.pop();
	}

	if (lines.length === 0) {
		throw new SessionError(`${name} is empty, not a recorded session`);
	}

	const values = lines.map((line, index) => {
		try {
			return JSON.parse(line) as unknown;
		} catch {
			throw new SessionError(
				index === lines.length - 1 && !text.endsWith('\n')
					? `${name} is truncated: its last line (${index + 1}) is cut off`
					: `${name} is not a recorded session: line ${index + 1} is not JSON`,
			);
		}
	});
	const header = readHeader(values[0], name);
	const last = values.at(-1);
	if (values.length < 2 || !isRecord(last) || !('end' in last)) {
		throw new SessionError(`${name} is truncated: it has no end line (the session's last line)`);
	}

	const end = readEnd(last, name, lines.length);
	const actions = values.slice(1, -1).map((value, index) => readAction(value, name, index + 2));
	let previous = 0;
	for (const [index, action] of actions.entries()) {
		if (action.at < previous || action.at > end.end) {
			throw new SessionError(`${name}: line ${index + 2} has an action out of time order`);
		}

		previous = action.at;
	}

	return {header, actions, end};
}

function readHeader(value: unknown, name: string): SessionHeader {
	if (!isRecord(value) || !('vsr_tui_session' in value)) {
		throw new SessionError(
			`${name} is not a recorded session (its first line is not a vsr-tui session header)`,
		);
	}

	const {vsr_tui_session: format, version, seed, settings} = value;
	if (format !== sessionFormat) {
		throw new SessionError(
			`${name} was recorded by vsr-tui ${typeof version === 'string' ? version : '(unknown)'} in session format ${String(format)}; this vsr-tui reads format ${sessionFormat}`,
		);
	}

	if (
		typeof version !== 'string' ||
		!isCount(seed) ||
		seed > 0xff_ff_ff_ff ||
		!isRecord(settings)
	) {
		throw new SessionError(`${name}: the header's version, seed or settings are missing or wrong`);
	}

	const {replicas, clients, checkpointInterval, lesson} = settings;
	if (
		!isCount(replicas, 1) ||
		replicas > 9 ||
		!isCount(clients, 1) ||
		(checkpointInterval !== undefined && !isCount(checkpointInterval, 1)) ||
		(lesson !== undefined && typeof lesson !== 'string')
	) {
		throw new SessionError(`${name}: the header's settings are out of range`);
	}

	return {
		vsr_tui_session: format,
		version,
		seed,
		settings: {
			replicas,
			clients,
			...(checkpointInterval === undefined ? {} : {checkpointInterval}),
			...(lesson === undefined ? {} : {lesson}),
		},
	};
}

function readAction(value: unknown, name: string, line: number): LoggedAction {
	if (
		!isRecord(value) ||
		!isCount(value.at) ||
		!isActionName(value.action) ||
		!Array.isArray(value.args)
	) {
		throw new SessionError(`${name}: line ${line} is not an operator action ({at, action, args})`);
	}

	const {at, action, args} = value;
	return {at, action, args: args as unknown[]};
}

function readEnd(value: Record<string, unknown>, name: string, line: number): SessionEnd {
	const {end, events, digest, hashes} = value;
	if (
		!isCount(end) ||
		!isCount(events) ||
		typeof digest !== 'string' ||
		!/^[\da-f]{64}$/v.test(digest) ||
		typeof hashes !== 'string'
	) {
		throw new SessionError(`${name}: line ${line}, the end line, is malformed`);
	}

	return {end, events, digest, hashes};
}
