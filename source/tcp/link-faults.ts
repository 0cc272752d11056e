/**
Faults a replica server applies to its own links to the other replicas, as an operator sets
them (`admin.ts`): a drop rate and a delay on everything it sends to replicas, and one-way cuts:
the replicas it sends nothing to (`cut_to`) and those whose messages it ignores (`cut_from`).
Isolating replica i is `cut_to` and `cut_from` every other replica at i; a partition is cuts at
every replica; a cut in one direction only is a `cut_to` at the sender. Clients are never cut
(as in the process cluster: they reach every replica).
*/

export type LinkFaults = {
	/** Share of the messages to replicas dropped, 0 to 1. */
	readonly drop: number;
	/** Milliseconds every batch to a replica waits before it is written, 0 to 10,000. */
	readonly delay: number;
	readonly cut_to: readonly number[];
	readonly cut_from: readonly number[];
};

export const noFaults: LinkFaults = {drop: 0, delay: 0, cut_to: [], cut_from: []};

/** A JSON object (not an array, not null). */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

/** The faults a message names, checked; undefined with the reason when it does not parse. */
export function parseLinkFaults(
	value: Record<string, unknown>,
	replicaCount: number,
): LinkFaults | string {
	const {drop = 0, delay = 0, cut_to: cutTo = [], cut_from: cutFrom = []} = value;
	if (typeof drop !== 'number' || !(drop >= 0 && drop <= 1)) {
		return 'drop must be a number from 0 to 1';
	}

	if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > 10_000) {
		return 'delay must be an integer from 0 to 10000 (ms)';
	}

	const ids = (list: unknown): list is number[] =>
		Array.isArray(list) &&
		list.every((id) => Number.isInteger(id) && Number(id) >= 0 && Number(id) < replicaCount);
	if (!ids(cutTo) || !ids(cutFrom)) {
		return `cut_to and cut_from must list replica ids from 0 to ${replicaCount - 1}`;
	}

	const extra = Object.keys(value).filter(
		(key) => !['type', 'drop', 'delay', 'cut_to', 'cut_from'].includes(key),
	);
	if (extra.length > 0) {
		return `unknown field ${JSON.stringify(extra[0])}`;
	}

	const byId = (a: number, b: number) => a - b;
	return {
		drop,
		delay,
		cut_to: [...new Set(cutTo)].toSorted(byId),
		cut_from: [...new Set(cutFrom)].toSorted(byId),
	};
}

export function describeLinkFaults(faults: LinkFaults): string {
	const parts = [
		faults.drop > 0 ? `drop ${Math.round(faults.drop * 1000) / 10}%` : '',
		faults.delay > 0 ? `delay ${faults.delay} ms` : '',
		faults.cut_to.length > 0 ? `sends nothing to ${faults.cut_to.join(', ')}` : '',
		faults.cut_from.length > 0 ? `ignores ${faults.cut_from.join(', ')}` : '',
	].filter((part) => part !== '');
	return parts.length === 0 ? 'no faults' : parts.join(', ');
}
