/**
The faults of `vsr-tui run`, scheduled by progress: `K` is a count of
acknowledged requests, so a fault lands at the same point of the workload
whatever the speed of the machine.

- `--crash primary@K`: at the K-th acknowledgement, SIGKILL the replica that
  is primary at that moment. `--crash NODE@K`: that replica.
- `--restart NODE@K`: start a new process for the replica (it recovers).
- `--partition A,B@K-L`: from the K-th to the L-th acknowledgement, the listed
  replicas are cut off from the others (both ways); healed at L.
- `--cut A>B@K-L`: from K to L, what replica A sends to replica B is lost (one
  way: B still reaches A).
- `--freeze NODE@K-L`: at K the replica's process is stopped (SIGSTOP, as by a
  long GC pause); at L it goes on (SIGCONT) with its state.
- `--power-cut K[:MS]` (with `--data-dir`): at the K-th acknowledgement, SIGKILL
  every replica at once, and start them all again MS milliseconds later (no
  acknowledgement can come while all are down, so the restart goes by time).

K = 0 means before the first request.
*/

export type CrashSpec = {readonly node: number | 'primary'; readonly at: number};
export type RestartSpec = {readonly node: number; readonly at: number};
export type PartitionSpec = {
	readonly side: readonly number[];
	readonly from: number;
	readonly to: number;
};
export type CutSpec = {
	readonly sender: number;
	readonly receiver: number;
	readonly from: number;
	readonly to: number;
};
export type FreezeSpec = {readonly node: number; readonly from: number; readonly to: number};
export type PowerCutSpec = {readonly at: number; readonly ms: number};

/** How long every replica stays down after a power cut, unless `--power-cut K:MS` says. */
export const defaultPowerCutMs = 500;

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

export function parsePowerCut(raw: string): PowerCutSpec | undefined {
	const match = new RegExp(String.raw`^${count}(?::(0|[1-9]\d{0,4}))?$`, 'v').exec(raw);
	if (match === null) {
		return undefined;
	}

	const ms = match[2] === undefined ? defaultPowerCutMs : Number(match[2]);
	return ms > 60_000 ? undefined : {at: Number(match[1]), ms};
}

export function parseCut(raw: string): CutSpec | undefined {
	const match = new RegExp(String.raw`^(\d)>(\d)@${count}-${count}$`, 'v').exec(raw);
	if (match === null) {
		return undefined;
	}

	const [sender, receiver, from, to] = [1, 2, 3, 4].map((group) => Number(match[group]));
	return sender === receiver || to! <= from!
		? undefined
		: {sender: sender!, receiver: receiver!, from: from!, to: to!};
}

export function parseFreeze(raw: string): FreezeSpec | undefined {
	const match = new RegExp(String.raw`^(\d)@${count}-${count}$`, 'v').exec(raw);
	if (match === null) {
		return undefined;
	}

	const [node, from, to] = [1, 2, 3].map((group) => Number(match[group]));
	return to! <= from! ? undefined : {node: node!, from: from!, to: to!};
}

/** A fault as it fires, with the flag that asked for it (`--freeze 0@10-50`), for the messages that name it. */
export type ScheduledFault = {readonly at: number; readonly flag: string} & (
	| {readonly kind: 'crash'; readonly node: number | 'primary'}
	| {readonly kind: 'restart'; readonly node: number}
	| {readonly kind: 'partition'; readonly side: readonly number[]}
	| {readonly kind: 'heal'}
	| {readonly kind: 'cut'; readonly sender: number; readonly receiver: number; readonly on: boolean}
	| {readonly kind: 'freeze'; readonly node: number; readonly on: boolean}
	/** Every replica killed at once, and started again `ms` later (by time: no ack comes meanwhile). */
	| {readonly kind: 'power_cut'; readonly ms: number}
);

/** At the same K, what ends a fault comes before what starts one. */
const rank = (fault: ScheduledFault): number => {
	switch (fault.kind) {
		case 'heal': {
			return 0;
		}

		case 'cut':
		case 'freeze': {
			return fault.on ? 4 : 1;
		}

		case 'restart': {
			return 2;
		}

		case 'partition': {
			return 3;
		}

		case 'crash': {
			return 5;
		}

		case 'power_cut': {
			return 6;
		}
	}
};

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
	readonly cut?: readonly CutSpec[];
	readonly freeze?: readonly FreezeSpec[];
	readonly powerCut?: readonly PowerCutSpec[];
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
		faults.push({at, kind: 'crash', node, flag: `--crash ${node}@${at}`});
	}

	for (const {node, at} of options.restart) {
		checkNode('--restart', node);
		checkAt('--restart', at);
		faults.push({at, kind: 'restart', node, flag: `--restart ${node}@${at}`});
	}

	for (const {at, ms} of options.powerCut ?? []) {
		checkAt('--power-cut', at);
		faults.push({at, kind: 'power_cut', ms, flag: `--power-cut ${at}:${ms}`});
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

		const flag = `--partition ${side.join(',')}@${from}-${to}`;
		faults.push({at: from, kind: 'partition', side, flag}, {at: to, kind: 'heal', flag});
	}

	const cuts = options.cut ?? [];
	for (const [index, {sender, receiver, from, to}] of cuts.entries()) {
		checkNode('--cut', sender);
		checkNode('--cut', receiver);
		checkAt('--cut', to);
		const flag = `--cut ${sender}>${receiver}@${from}-${to}`;
		const overlap = cuts
			.slice(index + 1)
			.find(
				(other) =>
					other.sender === sender &&
					other.receiver === receiver &&
					other.from < to &&
					from < other.to,
			);
		if (overlap !== undefined) {
			throw new RangeError(
				`${flag} overlaps --cut ${sender}>${receiver}@${overlap.from}-${overlap.to}`,
			);
		}

		faults.push(
			{at: from, kind: 'cut', sender, receiver, on: true, flag},
			{at: to, kind: 'cut', sender, receiver, on: false, flag},
		);
	}

	const freezes = options.freeze ?? [];
	for (const [index, {node, from, to}] of freezes.entries()) {
		checkNode('--freeze', node);
		checkAt('--freeze', to);
		const flag = `--freeze ${node}@${from}-${to}`;
		const overlap = freezes
			.slice(index + 1)
			.find((other) => other.node === node && other.from < to && from < other.to);
		if (overlap !== undefined) {
			throw new RangeError(`${flag} overlaps --freeze ${node}@${overlap.from}-${overlap.to}`);
		}

		faults.push(
			{at: from, kind: 'freeze', node, on: true, flag},
			{at: to, kind: 'freeze', node, on: false, flag},
		);
	}

	faults.sort((a, b) => a.at - b.at || rank(a) - rank(b));
	checkProgress(faults, replicas, requests);
	return faults;
}

/**
Faults fire at counts of acknowledged requests, so a schedule whose faults leave no quorum of
replicas that are up, not frozen, on one side of the partition and not cut from each other can
never reach the count that would end them: it is refused up front, naming the faults that do it.
Crashes may leave at most f replicas down at once (without stable storage, more is never
survived). A `primary` crash may hit any replica: it counts against every quorum.
*/
function checkProgress(
	faults: readonly ScheduledFault[],
	replicas: number,
	requests: number,
): void {
	const quorum = Math.floor(replicas / 2) + 1;
	const f = replicas - quorum;
	const crashed = new Set<number>();
	let primaries = 0;
	const frozen = new Set<number>();
	const cuts = new Set<string>();
	let side: readonly number[] | undefined;
	const active = new Map<string, ScheduledFault>();
	for (const [index, fault] of faults.entries()) {
		switch (fault.kind) {
			case 'power_cut': {
				// Every replica starts again, from its disk, the crashed ones too.
				crashed.clear();
				primaries = 0;
				for (const [flag, started] of active) {
					if (started.kind === 'crash') {
						active.delete(flag);
					}
				}

				break;
			}

			case 'crash': {
				if (fault.node === 'primary') {
					primaries++;
				} else {
					crashed.add(fault.node);
				}

				active.set(fault.flag, fault);
				break;
			}

			case 'restart': {
				// A restart of a replica crashed as "primary" cannot be matched here: assume it is that one.
				const known = crashed.delete(fault.node);
				if (!known && primaries > 0) {
					primaries--;
				}

				const crash = [...active.values()].find(
					(each) => each.kind === 'crash' && each.node === (known ? fault.node : 'primary'),
				);
				if (crash !== undefined) {
					active.delete(crash.flag);
				}

				break;
			}

			case 'partition': {
				side = fault.side;
				active.set(fault.flag, fault);
				break;
			}

			case 'heal': {
				side = undefined;
				active.delete(fault.flag);
				break;
			}

			case 'cut': {
				const link = `${fault.sender}>${fault.receiver}`;
				if (fault.on) {
					cuts.add(link);
					active.set(fault.flag, fault);
				} else {
					cuts.delete(link);
					active.delete(fault.flag);
				}

				break;
			}

			case 'freeze': {
				if (fault.on) {
					frozen.add(fault.node);
					active.set(fault.flag, fault);
				} else {
					frozen.delete(fault.node);
					active.delete(fault.flag);
				}

				break;
			}
		}

		if (crashed.size + primaries > f) {
			throw new RangeError(
				`the faults leave ${crashed.size + primaries} of ${replicas} replicas down at ${fault.at} acknowledgements; at most ${f} may be down for the cluster to progress`,
			);
		}

		const next = faults[index + 1];
		if ((next === undefined || next.at > fault.at) && (next !== undefined || fault.at < requests)) {
			const live = liveQuorum(replicas, {crashed, frozen, cuts, side}) - primaries;
			if (live < quorum) {
				const names = [...active.keys()].join(', ');
				throw new RangeError(
					`${names} leave${active.size === 1 ? 's' : ''} no quorum of ${quorum} replicas up and reaching each other at ${fault.at} acknowledgements: ${next === undefined ? 'the rest of the requests' : `the faults at ${next.at}`} could never come`,
				);
			}
		}
	}
}

/** The largest set of replicas that are up, not frozen, on one side and not cut from each other. */
function liveQuorum(
	replicas: number,
	state: {
		readonly crashed: ReadonlySet<number>;
		readonly frozen: ReadonlySet<number>;
		readonly cuts: ReadonlySet<string>;
		readonly side: readonly number[] | undefined;
	},
): number {
	const up = Array.from({length: replicas}, (_, id) => id).filter(
		(id) => !state.crashed.has(id) && !state.frozen.has(id),
	);
	let best = 0;
	for (let mask = 1; mask < 1 << up.length; mask++) {
		const members = up.filter((_, bit) => (mask & (1 << bit)) !== 0);
		const sides = new Set(members.map((id) => state.side?.includes(id) ?? false));
		const cut = members.some((a) => members.some((b) => state.cuts.has(`${a}>${b}`)));
		if (sides.size === 1 && !cut) {
			best = Math.max(best, members.length);
		}
	}

	return best;
}
