import type {LinkFaults} from '../net/network-model.js';
import type {Prng} from '../vsr/prng.js';

/** The simulator's fault mixes, from none to heavy (see the readme for what each injects). */
export const faultMixes = ['none', 'light', 'heavy'] as const;
/** One of `faultMixes`. */
export type FaultMix = (typeof faultMixes)[number];

/** One scheduled fault; `at` is virtual ns. A run records the faults it injected so that a failing run can be replayed and shrunk. */
export type Fault =
	| {readonly at: number; readonly kind: 'crash'; readonly replica: number}
	| {readonly at: number; readonly kind: 'restart'; readonly replica: number}
	| {readonly at: number; readonly kind: 'partition'; readonly groups: readonly number[]}
	| {readonly at: number; readonly kind: 'heal'};

/** A millisecond of virtual time, in nanoseconds. */
export const millisecond = 1_000_000;
/** A second of virtual time, in nanoseconds. */
export const second = 1000 * millisecond;

/**
The network of a fault mix: every message takes 1 ms plus up to `jitterMs` more (unequal
delays reorder messages), and some are dropped or duplicated.
*/
export function linkFaults(mix: FaultMix): LinkFaults {
	switch (mix) {
		case 'none': {
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
	/** Crashed, or restarted and still recovering. */
	isDown(replica: number): boolean;
	isCrashed(replica: number): boolean;
	downCount(): number;
	primary(): number | undefined;
	partitioned(): boolean;
};

type Rates = {crash: number; primaryBias: number; partition: number; heal: number; restart: number};

const rates: Record<FaultMix, Rates> = {
	none: {crash: 0, primaryBias: 0, partition: 0, heal: 1, restart: 1},
	light: {crash: 0.004, primaryBias: 0.5, partition: 0.003, heal: 0.03, restart: 0.02},
	heavy: {crash: 0.015, primaryBias: 0.6, partition: 0.012, heal: 0.02, restart: 0.03},
};

/**
 * Draws faults tick by tick, within VR's failure model: at most f replicas
 * crashed or recovering at once (diskless recovery cannot survive more).
 */
export class FaultGenerator {
	private ids: readonly number[] = [];

	constructor(
		private readonly prng: Prng,
		private readonly mix: FaultMix,
	) {}

	next(now: number, cluster: ClusterView): Fault | undefined {
		const rate = rates[this.mix];
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
			return {at: now, kind: 'crash', replica};
		}

		if (cluster.partitioned()) {
			return this.prng.chance(rate.heal) ? {at: now, kind: 'heal'} : undefined;
		}

		if (cluster.replicaCount > 1 && this.prng.chance(rate.partition)) {
			return {at: now, kind: 'partition', groups: this.split(cluster)};
		}

		return undefined;
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
		case 'crash':
		case 'restart': {
			return `${at} ${fault.kind} replica ${fault.replica}`;
		}

		case 'partition': {
			const sides = [0, 1].map((side) =>
				fault.groups.flatMap((group, replica) => (group === side ? [replica] : [])).join(','),
			);
			return `${at} partition {${sides[0]}} | {${sides[1]}}`;
		}

		case 'heal': {
			return `${at} heal`;
		}
	}
}
