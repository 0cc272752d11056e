import type {LinkFaults} from '../net/network-model.js';
import type {MessageType} from '../vsr/messages.js';
import type {Prng} from '../vsr/prng.js';
import type {DiskFault} from './simulated-storage.js';

/**
The simulator's fault mixes, from none to heavy, and the swarm: faults of every kind, whose
kinds and rates each seed draws (see the readme for what each injects).
*/
export const faultMixes = ['none', 'light', 'heavy', 'swarm'] as const;
/** One of `faultMixes`. */
export type FaultMix = (typeof faultMixes)[number];

/** Messages of some types on some directed links: from any of `from` to any of `to`. */
export type MessageSelector = {
	readonly from: readonly number[];
	readonly to: readonly number[];
	readonly messages: readonly MessageType[];
};

/** One scheduled fault; `at` is virtual ns. A run records the faults it injected so that a failing run can be replayed and shrunk. */
export type Fault =
	/** `power`: with storage, its machine lost power, and its disk what was not synced. */
	| {readonly at: number; readonly kind: 'crash'; readonly replica: number; readonly power?: true}
	| {readonly at: number; readonly kind: 'restart'; readonly replica: number}
	/** A side label per replica (any shape); replicas on different sides cannot talk; -1: on no side, reaches all. */
	| {readonly at: number; readonly kind: 'partition'; readonly groups: readonly number[]}
	/** Ends partitions, isolations and one-way cuts. */
	| {readonly at: number; readonly kind: 'heal'}
	/** One way: what `from` sends to `to` is lost, the other way still works. */
	| {readonly at: number; readonly kind: 'cut'; readonly from: number; readonly to: number}
	/** An asymmetric link fault: one directed link drops or delays more than the rest. */
	| {
			readonly at: number;
			readonly kind: 'link';
			readonly from: number;
			readonly to: number;
			readonly faults: Partial<LinkFaults>;
	  }
	/**
	A cut of some message types only (the adversary of a campaign that knows the protocol: the
	network may lose any message); counted with the cuts, healed with them.
	*/
	| {readonly at: number; readonly kind: 'filter'; readonly select: MessageSelector}
	/** The replica takes no input and no tick until `until` (a GC pause, SIGSTOP), then goes on with its state. */
	| {readonly at: number; readonly kind: 'freeze'; readonly replica: number; readonly until: number}
	/**
	Until `until`, this share of the messages sent is held by the network, and released at `until`.
	With `select`, every message it selects is held instead, and a later hold of the same
	selection replaces this one (one ending at once releases them).
	*/
	| {
			readonly at: number;
			readonly kind: 'hold';
			readonly share: number;
			readonly until: number;
			readonly select?: MessageSelector;
	  }
	/** With storage: every replica loses power at once. */
	| {readonly at: number; readonly kind: 'power_cut'}
	/** With storage: every crashed replica restarts. */
	| {readonly at: number; readonly kind: 'power_on'}
	/** With storage: a fault on a crashed replica's disk. */
	| {
			readonly at: number;
			readonly kind: 'disk_fault';
			readonly replica: number;
			readonly fault: DiskFault;
	  };

/**
Every kind of fault but storage's, in the order the summaries print them (storage's are counted
apart, with `--storage`, so that a run without storage reports what it always did).
*/
export const faultKinds = [
	'crash',
	'restart',
	'partition',
	'heal',
	'cut',
	'link',
	'freeze',
	'hold',
] as const satisfies ReadonlyArray<Fault['kind']>;

/** One of `faultKinds`. */
export type FaultKind = (typeof faultKinds)[number];

/** How many faults of each kind a run injected. */
export type FaultCounts = Record<FaultKind, number>;

const counted = new Set<string>(faultKinds);
const isCounted = (kind: Fault['kind']): kind is FaultKind => counted.has(kind);

/** A count of zero for every kind. */
export function noFaultCounts(): FaultCounts {
	return {crash: 0, restart: 0, partition: 0, heal: 0, cut: 0, link: 0, freeze: 0, hold: 0};
}

/** How many faults of each kind are in the list. */
export function countFaults(faults: readonly Fault[]): FaultCounts {
	const counts = noFaultCounts();
	for (const fault of faults) {
		if (isCounted(fault.kind)) {
			counts[fault.kind]++;
		} else if (fault.kind === 'filter') {
			counts.cut++;
		}
	}

	return counts;
}

/** A millisecond of virtual time, in nanoseconds. */
export const millisecond = 1_000_000;
/** A second of virtual time, in nanoseconds. */
export const second = 1000 * millisecond;

/**
The network of a fault mix: every message takes 1 ms plus up to `jitterMs` more (unequal
delays reorder messages), and some are dropped or duplicated. (The swarm draws its own per seed:
`SwarmProfile`; this is its network after the faults stop.)
*/
export function linkFaults(mix: FaultMix): LinkFaults {
	switch (mix) {
		case 'none':
		case 'swarm': {
			return {delayMs: 1, jitterMs: 2, dropRate: 0, duplicateRate: 0, reorderRate: 0};
		}

		case 'light': {
			return {delayMs: 1, jitterMs: 9, dropRate: 0.01, duplicateRate: 0.01, reorderRate: 0};
		}

		case 'heavy': {
			return {delayMs: 1, jitterMs: 39, dropRate: 0.05, duplicateRate: 0.03, reorderRate: 0};
		}
	}
}

/** What the fault generator may look at: who is down, who is primary. */
export type ClusterView = {
	readonly replicaCount: number;
	readonly f: number;
	/** Replicas keep their logs on (simulated) disks. */
	readonly storage: boolean;
	/** Crashed, or restarted and still recovering. */
	isDown(replica: number): boolean;
	isCrashed(replica: number): boolean;
	downCount(): number;
	primary(): number | undefined;
	partitioned(): boolean;
	/** With storage: a power cut has every replica down. */
	powerIsOff(): boolean;
	/**
	 * Replicas that lost their state: recovering, or crashed and bound to recover (without
	 * storage every crashed replica; with storage one whose disk is faulty or was written while
	 * it recovered). More than f at once is outside the fault model.
	 */
	impairedCount(): number;
	/** With storage: a crashed replica whose disk may take a fault (it has none yet). */
	diskFaultable(replica: number): boolean;
};

type Rates = {crash: number; primaryBias: number; partition: number; heal: number; restart: number};

const rates: Record<Exclude<FaultMix, 'swarm'>, Rates> = {
	none: {crash: 0, primaryBias: 0, partition: 0, heal: 1, restart: 1},
	light: {crash: 0.004, primaryBias: 0.5, partition: 0.003, heal: 0.03, restart: 0.02},
	heavy: {crash: 0.015, primaryBias: 0.6, partition: 0.012, heal: 0.02, restart: 0.03},
};

type StorageRates = {powerCut: number; powerOn: number; diskFault: number; corrupt: number};

/** With storage, per tick: power cuts, the power coming back, faults on crashed replicas' disks. */
const storageRates: Record<FaultMix, StorageRates> = {
	none: {powerCut: 0, powerOn: 1, diskFault: 0, corrupt: 0},
	light: {powerCut: 0.001, powerOn: 0.05, diskFault: 0.01, corrupt: 0.75},
	heavy: {powerCut: 0.004, powerOn: 0.05, diskFault: 0.03, corrupt: 0.75},
	// The swarm draws its own faults (`swarm.ts`); with storage it adds none of these yet.
	swarm: {powerCut: 0, powerOn: 1, diskFault: 0, corrupt: 0},
};

/**
 * Draws faults tick by tick, within VR's failure model: at most f replicas
 * crashed or recovering at once (diskless recovery cannot survive more).
 */
export class FaultGenerator {
	private ids: readonly number[] = [];

	constructor(
		private readonly prng: Prng,
		private readonly mix: Exclude<FaultMix, 'swarm'>,
	) {}

	next(now: number, cluster: ClusterView): Fault | undefined {
		const rate = rates[this.mix];
		// Without storage nothing below draws more than it always did: the same seeds, the same runs.
		if (cluster.storage) {
			const fault = this.storageFault(now, cluster);
			if (fault) {
				return fault;
			}
		}

		const crashed = this.replicas(cluster).filter((replica) => cluster.isCrashed(replica));
		if (crashed.length > 0 && this.prng.chance(rate.restart)) {
			return {at: now, kind: 'restart', replica: this.prng.pick(crashed)};
		}

		if (cluster.downCount() < cluster.f && this.prng.chance(rate.crash)) {
			const primary = cluster.primary();
			const up = this.replicas(cluster).filter((replica) => !cluster.isDown(replica));
			const replica =
				primary !== undefined && !cluster.isDown(primary) && this.prng.chance(rate.primaryBias)
					? primary
					: this.prng.pick(up);
			return cluster.storage && this.prng.chance(0.5)
				? {at: now, kind: 'crash', replica, power: true}
				: {at: now, kind: 'crash', replica};
		}

		if (cluster.partitioned()) {
			return this.prng.chance(rate.heal) ? {at: now, kind: 'heal'} : undefined;
		}

		if (cluster.replicaCount > 1 && this.prng.chance(rate.partition)) {
			return {at: now, kind: 'partition', groups: this.split(cluster)};
		}

		return undefined;
	}

	/**
	 * Power cuts and the power back, and faults on the disks of crashed replicas, within the
	 * fault model: at most f replicas lose their state at once (a faulty disk makes its replica
	 * recover from its peers).
	 */
	private storageFault(now: number, cluster: ClusterView): Fault | undefined {
		const rate = storageRates[this.mix];
		const faultable = this.replicas(cluster).filter((replica) => cluster.diskFaultable(replica));
		if (
			faultable.length > 0 &&
			cluster.impairedCount() < cluster.f &&
			this.prng.chance(rate.diskFault)
		) {
			const fault = this.prng.chance(rate.corrupt) ? 'corrupt' : 'lost';
			return {at: now, kind: 'disk_fault', replica: this.prng.pick(faultable), fault};
		}

		if (cluster.powerIsOff()) {
			return this.prng.chance(rate.powerOn) ? {at: now, kind: 'power_on'} : undefined;
		}

		return this.prng.chance(rate.powerCut) ? {at: now, kind: 'power_cut'} : undefined;
	}

	/** 0 .. replicaCount - 1, built once: `next` runs every tick. */
	private replicas(cluster: ClusterView): readonly number[] {
		if (this.ids.length !== cluster.replicaCount) {
			this.ids = range(cluster.replicaCount);
		}

		return this.ids;
	}

	/** Isolates one replica (often the primary) or splits the cluster in two at random. */
	private split(cluster: ClusterView): number[] {
		const n = cluster.replicaCount;
		if (this.prng.chance(0.5)) {
			const primary = cluster.primary();
			const isolated = primary !== undefined && this.prng.chance(0.5) ? primary : this.prng.int(n);
			return range(n).map((replica) => (replica === isolated ? 1 : 0));
		}

		return range(n).map(() => this.prng.int(2));
	}
}

export function range(n: number): number[] {
	return Array.from({length: n}, (_, i) => i);
}

export function describeFault(fault: Fault): string {
	const at = `${(fault.at / millisecond).toFixed(0)}ms`;
	switch (fault.kind) {
		case 'crash': {
			return `${at} crash replica ${fault.replica}${fault.power ? ' (power lost)' : ''}`;
		}

		case 'restart': {
			return `${at} restart replica ${fault.replica}`;
		}

		case 'power_cut': {
			return `${at} power cut: every replica`;
		}

		case 'power_on': {
			return `${at} power on: every crashed replica restarts`;
		}

		case 'disk_fault': {
			return `${at} disk of replica ${fault.replica}: ${fault.fault === 'lost' ? 'lost' : 'a sector reads back corrupted'}`;
		}

		case 'partition': {
			const labels = [...new Set(fault.groups.filter((group) => group >= 0))].toSorted(
				(a, b) => a - b,
			);
			const sides = labels.map(
				(label) =>
					`{${fault.groups.flatMap((group, replica) => (group === label ? [replica] : [])).join(',')}}`,
			);
			const bridges = fault.groups.flatMap((group, replica) => (group < 0 ? [replica] : []));
			return `${at} partition ${sides.join(' | ')}${bridges.length > 0 ? ` (${bridges.join(',')} reach${bridges.length === 1 ? 'es' : ''} every side)` : ''}`;
		}

		case 'heal': {
			return `${at} heal`;
		}

		case 'cut': {
			return `${at} cut ${fault.from}>${fault.to}`;
		}

		case 'link': {
			const {dropRate, delayMs} = fault.faults;
			const parts = [
				dropRate === undefined ? '' : `drop ${Math.round(dropRate * 100)} %`,
				delayMs === undefined ? '' : `delay ${delayMs} ms`,
			].filter(Boolean);
			return `${at} link ${fault.from}>${fault.to} ${parts.join(', ')}`;
		}

		case 'freeze': {
			return `${at} freeze replica ${fault.replica} for ${((fault.until - fault.at) / millisecond).toFixed(0)}ms`;
		}

		case 'filter': {
			return `${at} cut ${describeSelector(fault.select)}`;
		}

		case 'hold': {
			const span = `${((fault.until - fault.at) / millisecond).toFixed(0)}ms`;
			return fault.select
				? `${at} hold ${describeSelector(fault.select)} for ${span}`
				: `${at} hold ${Math.round(fault.share * 100)} % of messages for ${span}`;
		}
	}
}

function describeSelector({from, to, messages}: MessageSelector): string {
	return `${messages.join(',')} ${from.join(',')}>${to.join(',')}`;
}
