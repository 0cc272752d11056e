import {readFileSync} from 'node:fs';
import {parseEvent} from '../telemetry/serialize.js';
import type {Telemetry} from '../telemetry/telemetry.js';
import {EventDigest, unpackHashes} from './event-digest.js';
import {ProcessCluster} from './process-cluster.js';
import {type Session, SessionError, parseSession} from './session-file.js';

/** What a replay found: the same event stream, or where it first differs. */
export type ReplayVerdict = {
	readonly identical: boolean;
	/** One line for the person who asked: `identical: …` or where it differs. */
	readonly summary: string;
	readonly events: number;
	readonly digest: string;
};

/** Reads a session file; throws a SessionError whose message is the one line to show. */
export function readSession(file: string): Session {
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		const code = error instanceof Error && 'code' in error ? String(error.code) : String(error);
		throw new SessionError(
			code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file} (${code})`,
		);
	}

	return parseSession(text, file);
}

/** Starts a cluster that replays the session (time stopped: the caller drives it, or lets it run). */
export async function startReplay(
	session: Session,
	events: (line: string) => void,
	options: {paused?: boolean; startTimeoutMs?: number; telemetry?: Telemetry} = {},
): Promise<ProcessCluster> {
	const {settings, seed} = session.header;
	return ProcessCluster.start({
		replicas: settings.replicas,
		clients: settings.clients,
		checkpointInterval: settings.checkpointInterval,
		seed,
		paused: options.paused ?? true,
		actions: session.actions,
		startTimeoutMs: options.startTimeoutMs,
		telemetry: options.telemetry,
		events,
	});
}

/**
Plays a session back as fast as the replicas answer, round by round up to its end, and compares
the event stream with the recording's digest: identical, or the first event that differs.
*/
export async function replayHeadless(
	session: Session,
	options: {startTimeoutMs?: number} = {},
): Promise<ReplayVerdict> {
	const stream = new ReplayStream(session);
	const cluster = await startReplay(session, stream.take, {
		paused: true,
		startTimeoutMs: options.startTimeoutMs,
	});
	try {
		// The actions at 0 first: what they queue moves the next round (as each round's last do).
		await cluster.applyDueActions();
		while (cluster.nextRoundAt() < session.end.end) {
			await cluster.advanceRound();
		}

		await cluster.applyDueActions();
		await cluster.halt();
		return stream.verdict();
	} finally {
		await cluster.stop();
	}
}

/** A replay's event stream, taken until its verdict, which compares it with the recording's. */
export class ReplayStream {
	readonly #digest = new EventDigest();
	readonly #lines: string[] = [];
	#open = true;

	constructor(readonly session: Session) {}

	/** Takes one event line of the replay (none after the verdict: the run goes on, the recording ended). */
	readonly take = (line: string): void => {
		if (this.#open) {
			this.#digest.add(line);
			this.#lines.push(line);
		}
	};

	/** Ends the stream and compares it with the recording. */
	verdict(): ReplayVerdict {
		this.#open = false;
		return compare(this.session, this.#digest, this.#lines);
	}
}

/** The verdict of a replay's event stream against the recording's end line. */
function compare(session: Session, digest: EventDigest, lines: readonly string[]): ReplayVerdict {
	const recorded = session.end;
	const sha = digest.digest();
	if (sha === recorded.digest && digest.count === recorded.events) {
		return {
			identical: true,
			summary: `identical: ${digest.count} events up to ${formatMs(recorded.end)}, digest ${sha.slice(0, 16)}`,
			events: digest.count,
			digest: sha,
		};
	}

	const hashes = unpackHashes(recorded.hashes) ?? [];
	const count = Math.min(digest.count, hashes.length);
	let index = 0;
	while (index < count && digest.hashAt(index) === hashes[index]) {
		index++;
	}

	let where: string;
	if (index < count) {
		where = `event ${index + 1} differs: the replay has ${describe(lines[index]!)}`;
	} else if (digest.count < recorded.events) {
		where = `the replay ends after ${digest.count} events; the recording has ${recorded.events}`;
	} else if (digest.count > recorded.events) {
		where = `the replay has more events (${digest.count}) than the recording (${recorded.events}); the first extra is ${describe(lines[recorded.events]!)}`;
	} else {
		where = "the events differ, though each event's hash matches";
	}

	return {identical: false, summary: `differs: ${where}`, events: digest.count, digest: sha};
}

function describe(line: string): string {
	const {event, metadata, measurements} = parseEvent(line);
	const id = metadata.node_id ?? metadata.node;
	const node = typeof id === 'number' ? ` on n${id}` : '';
	const time = Number(measurements.monotonic_time ?? 0);
	return `${event.join('.')}${node} at ${formatMs(time)}`;
}

function formatMs(ns: number): string {
	return `${(ns / 1e6).toFixed(2)} ms`;
}
