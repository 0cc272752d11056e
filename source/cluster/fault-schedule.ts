/**
The faults of `vsr-tui run`, scheduled by progress: `K` is a count of
acknowledged requests, so a fault lands at the same point of the workload
whatever the speed of the machine.

- `--crash primary@K`: at the K-th acknowledgement, SIGKILL the replica that
  is primary at that moment. `--crash NODE@K`: that replica.
- `--restart NODE@K`: start a new process for the replica (it recovers).
- `--partition A,B@K-L`: from the K-th to the L-th acknowledgement, the listed
  replicas are cut off from the others (both ways); healed at L.

K = 0 means before the first request.
*/

export type CrashSpec = {readonly node: number | 'primary'; readonly at: number};
export type RestartSpec = {readonly node: number; readonly at: number};
export type PartitionSpec = {
	readonly side: readonly number[];
	readonly from: number;
	readonly to: number;
};

const count = String.raw`(0|[1-9]\d{0,8})`;

export function parseCrash(raw: string): CrashSpec | undefined {
	const match = new RegExp(String.raw`^(primary|\d)@${count}$`, 'v').exec(raw);
	if (match === null) {
		return undefined;
	}

	return {node: match[1] === 'primary' ? 'primary' : Number(match[1]), at: Number(match[2])};
}

export function parseRestart(raw: string): RestartSpec | undefined {
	const match = new RegExp(String.raw`^(\d)@${count}$`, 'v').exec(raw);
	return match === null ? undefined : {node: Number(match[1]), at: Number(match[2])};
}

export function parsePartition(raw: string): PartitionSpec | undefined {
	const match = new RegExp(String.raw`^(\d(?:,\d)*)@${count}-${count}$`, 'v').exec(raw);
	if (match === null) {
		return undefined;
	}

	const side = match[1]!.split(',').map(Number);
	const from = Number(match[2]);
	const to = Number(match[3]);
	if (new Set(side).size !== side.length || to <= from) {
		return undefined;
	}

	return {side, from, to};
}

export type ScheduledFault =
	| {readonly at: number; readonly kind: 'crash'; readonly node: number | 'primary'}
	| {readonly at: number; readonly kind: 'restart'; readonly node: number}
	| {readonly at: number; readonly kind: 'partition'; readonly side: readonly number[]}
	| {readonly at: number; readonly kind: 'heal'};

const order = {heal: 0, restart: 1, partition: 2, crash: 3} as const;

/**
The faults in the order they fire (by K; at the same K heals and restarts come
first). Throws a RangeError naming the flag when a replica or K is out of range
or the schedule can never finish.
*/
export function scheduleFaults(options: {
	readonly replicas: number;
	readonly requests: number;
	readonly crash: readonly CrashSpec[];
	readonly restart: readonly RestartSpec[];
	readonly partition: readonly PartitionSpec[];
}): ScheduledFault[] {
	const {replicas, requests} = options;
	const checkNode = (flag: string, node: number) => {
		if (node >= replicas) {
			throw new RangeError(`${flag} names replica ${node}, but replicas are 0 to ${replicas - 1}`);
		}
	};

	const checkAt = (flag: string, at: number) => {
		if (at > requests) {
			throw new RangeError(
				`${flag} at ${at} acknowledgements, but the run has ${requests} requests`,
			);
		}
	};

	const faults: ScheduledFault[] = [];
	for (const {node, at} of options.crash) {
		if (node !== 'primary') {
			checkNode('--crash', node);
		}

		checkAt('--crash', at);
		faults.push({at, kind: 'crash', node});
	}

	for (const {node, at} of options.restart) {
		checkNode('--restart', node);
		checkAt('--restart', at);
		faults.push({at, kind: 'restart', node});
	}

	const partitions = options.partition.toSorted((a, b) => a.from - b.from);
	for (const [index, {side, from, to}] of partitions.entries()) {
		for (const node of side) {
			checkNode('--partition', node);
		}

		checkAt('--partition', to);
		if (side.length >= replicas) {
			throw new RangeError('--partition needs replicas on both sides (list fewer than all)');
		}

		const quorum = Math.floor(replicas / 2) + 1;
		if (side.length < quorum && replicas - side.length < quorum) {
			throw new RangeError(
				`--partition ${side.join(',')} leaves no side with a quorum of ${quorum}: the run could not progress to heal it`,
			);
		}

		const next = partitions[index + 1];
		if (next !== undefined && next.from < to) {
			throw new RangeError(
				`--partition ${from}-${to} overlaps --partition ${next.from}-${next.to}`,
			);
		}

		faults.push({at: from, kind: 'partition', side}, {at: to, kind: 'heal'});
	}

	faults.sort((a, b) => a.at - b.at || order[a.kind] - order[b.kind]);
	checkProgress(faults, replicas);
	return faults;
}

/** Crashes that leave more than f replicas down at once stop all progress: later faults would never fire. */
function checkProgress(faults: readonly ScheduledFault[], replicas: number): void {
	const f = replicas - (Math.floor(replicas / 2) + 1);
	const down = new Set<number | string>();
	let unknownPrimaries = 0;
	for (const fault of faults) {
		if (fault.kind === 'crash') {
			if (fault.node === 'primary') {
				down.add(`primary${unknownPrimaries++}`);
			} else {
				down.add(fault.node);
			}
		} else if (
			fault.kind === 'restart' && // A restart of a replica crashed as "primary" cannot be matched here: assume it is that one.
			!down.delete(fault.node)
		) {
			const guess = [...down].find((node) => typeof node === 'string');
			if (guess !== undefined) {
				down.delete(guess);
			}
		}

		if (down.size > f) {
			throw new RangeError(
				`the faults leave ${down.size} of ${replicas} replicas down at ${fault.at} acknowledgements; at most ${f} may be down for the cluster to progress`,
			);
		}
	}
}
