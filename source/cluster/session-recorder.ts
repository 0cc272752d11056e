import {closeSync, openSync, writeFileSync} from 'node:fs';
import {UsageError} from '../cli/flags.js';
import {EventDigest} from './event-digest.js';
import {packageVersion} from './package-version.js';
import type {ProcessCluster} from './process-cluster.js';
import {type SessionSettings, sessionFormat, sessionLines} from './session-file.js';

/**
Records a seeded session (`--record FILE`): it digests the event stream as it goes (`take`, given
to the cluster as its `events`), and when the session ends (`finish`, before the cluster stops)
stops time, waits for the round in flight, and writes the header, every operator action with its
virtual time, and the end line with the digest.
*/
export class SessionRecorder {
	readonly digest = new EventDigest();
	private finished = false;

	constructor(
		readonly file: string,
		readonly seed: number,
		readonly settings: SessionSettings,
	) {}

	/** Throws a UsageError now when the file cannot be written (before anything starts). */
	checkWritable(): void {
		try {
			closeSync(openSync(this.file, 'w'));
		} catch (error) {
			const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
			throw new UsageError(`--record cannot write ${JSON.stringify(this.file)} (${reason})`);
		}
	}

	readonly take = (line: string): void => {
		if (!this.finished) {
			this.digest.add(line);
		}
	};

	/** Writes the session; the events after this are not part of it. */
	async finish(cluster: ProcessCluster): Promise<void> {
		if (this.finished) {
			return;
		}

		const end = await cluster.halt();
		this.finished = true;
		writeFileSync(
			this.file,
			sessionLines({
				header: {
					vsr_tui_session: sessionFormat,
					version: packageVersion(),
					seed: this.seed,
					settings: this.settings,
				},
				actions: cluster.actions(),
				end: {
					end,
					events: this.digest.count,
					digest: this.digest.digest(),
					hashes: this.digest.packedHashes(),
				},
			}),
		);
	}
}
