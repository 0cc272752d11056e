import {readFileSync, renameSync, writeFileSync} from 'node:fs';

/**
How a replica server without storage knows it is a restart, and which life it is in.

A replica that ran before and stopped has lost its state: it must start `recovering` (the
recovery protocol) and never as a fresh replica, or committed operations could be lost. It knows
in one of two ways: `--recover` (say it on the command line), or a marker file (`--marker FILE`):
the first start in a cluster writes it, and any later start that finds it naming the same cluster
and replica recovers. A process manager that restarts a replica with the same command line gets
the right behaviour from the marker. A marker naming another cluster is from an earlier cluster:
the replica starts fresh and writes it anew.

Its incarnation (the boot counter the core stamps on every message, so that a quorum never counts
a promise from a replica's earlier life) must grow from one life to the next: it is the time of
the start in milliseconds since 1970, and one more than the marker's last when the clock says
less (it went back).
*/

export type StartDecision = {
	readonly recovering: boolean;
	readonly incarnation: number;
	/** Says why, for the log. */
	readonly why: string;
};

type Marker = {readonly cluster_id: string; readonly replica: number; readonly incarnation: number};

export class MarkerError extends Error {
	override name = 'MarkerError';
}

function readMarker(path: string): Marker | undefined {
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch (error) {
		if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
			return undefined;
		}

		const code = error instanceof Error && 'code' in error ? String(error.code) : String(error);
		throw new MarkerError(`cannot read the marker ${path} (${code})`);
	}

	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		value = undefined;
	}

	// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- checked field by field below
	const marker = value as Partial<Marker> | undefined;
	if (
		typeof marker !== 'object' ||
		marker === null ||
		typeof marker.cluster_id !== 'string' ||
		!Number.isSafeInteger(marker.replica) ||
		!Number.isSafeInteger(marker.incarnation) ||
		marker.incarnation! < 0
	) {
		throw new MarkerError(
			`${path} is not a vsr-tui marker (remove it if this replica never ran in this cluster)`,
		);
	}

	// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- checked field by field
	return marker as Marker;
}

export function decideStart(options: {
	readonly recover: boolean;
	readonly marker: string | undefined;
	readonly clusterId: string;
	readonly replica: number;
	readonly now: number;
}): StartDecision {
	const {recover, clusterId, replica, now} = options;
	const marker = options.marker === undefined ? undefined : readMarker(options.marker);
	const ranBefore = marker?.cluster_id === clusterId && marker.replica === replica;
	const incarnation = ranBefore ? Math.max(now, marker.incarnation + 1) : now;
	if (recover) {
		return {recovering: true, incarnation, why: '--recover'};
	}

	if (ranBefore) {
		return {
			recovering: true,
			incarnation,
			why: `the marker ${options.marker!} says it ran in this cluster before (incarnation ${marker.incarnation})`,
		};
	}

	return {
		recovering: false,
		incarnation,
		why:
			options.marker === undefined
				? 'neither --recover nor --marker'
				: `no marker of this cluster at ${options.marker}`,
	};
}

/** Records this life in the marker (atomically: a crash leaves the old one or the new one). */
export function writeMarker(
	path: string,
	clusterId: string,
	replica: number,
	incarnation: number,
): void {
	const marker: Marker = {cluster_id: clusterId, replica, incarnation};
	const temporary = `${path}.${process.pid}.tmp`;
	try {
		writeFileSync(temporary, `${JSON.stringify(marker)}\n`, {mode: 0o600});
		renameSync(temporary, path);
	} catch (error) {
		const code = error instanceof Error && 'code' in error ? String(error.code) : String(error);
		throw new MarkerError(`cannot write the marker ${path} (${code})`);
	}
}
