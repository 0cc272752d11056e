import type {LinkFaults} from '../net/network-model.js';
import {type MessageType, replicaMessageTypes} from '../vsr/messages.js';
import type {Prng} from '../vsr/prng.js';
import type {Replica} from '../vsr/replica.js';
import {
	type ClusterView,
	type Fault,
	type MessageSelector,
	millisecond,
	range,
	second,
} from './faults.js';

/**
Swarm testing (Groce et al.): each seed draws which kinds of fault it makes and how often, so
that seeds differ in kind and not only in luck. One seed loses 25 % of its messages and never
partitions; the next holds messages for seconds across view changes and freezes replicas; a
third cuts links one way. Every kind stays within VR's failure model: at most f replicas crashed
or recovering at once (a frozen replica is only slow).
*/
export type SwarmProfile = {
	/** The network while faults last. */
	readonly network: LinkFaults;
	/** Share of messages that take a long detour, and how long it may be (ms). */
	readonly tailRate: number;
	readonly tailMs: number;
	/** Chances per tick of each kind of fault (0: this seed never makes it). */
	readonly crash: number;
	/** Of crashes, the share that hits the primary. */
	readonly primaryBias: number;
	readonly restart: number;
	readonly partition: number;
	readonly cut: number;
	readonly link: number;
	readonly heal: number;
	readonly freeze: number;
	readonly hold: number;
	/**
	Chance per tick of a campaign: a composed fault, as Jepsen's nemeses compose them (see
	`SwarmGenerator.depose` and `staleView`), aimed at the primary and the moments a view change
	is fragile.
	*/
	readonly depose: number;
	/**
	Chance per tick of a campaign that plays one of the losing schedules of the paper's own
	rules (`SwarmGenerator.leadAgain` and `staleAck`): its cuts and holds pick messages by type,
	and its steps wait for the moment they aim at. 0 for half the seeds.
	*/
	readonly replay: number;
	/** How long freezes and holds last, at most (virtual ns). */
	readonly freezeFor: number;
	readonly holdFor: number;
	/** Virtual ns from the start during which faults happen; then they stop. */
	readonly window: number;
};

const off = (prng: Prng, chance: number, value: () => number): number =>
	prng.chance(chance) ? value() : 0;

const between = (prng: Prng, low: number, high: number): number => low + prng.next() * (high - low);

/** Draws a seed's profile: each kind of fault on or off, and its rate when on. */
export function drawProfile(prng: Prng): SwarmProfile {
	const jitters = [2, 10, 40, 150] as const;
	return {
		network: {
			delayMs: 1,
			jitterMs: prng.pick(jitters),
			dropRate: off(prng, 0.6, () => between(prng, 0, 0.3)),
			duplicateRate: off(prng, 0.5, () => between(prng, 0, 0.3)),
			reorderRate: off(prng, 0.3, () => between(prng, 0, 0.3)),
		},
		tailRate: off(prng, 0.5, () => between(prng, 0.002, 0.05)),
		tailMs: between(prng, 200, 3000),
		crash: off(prng, 0.75, () => between(prng, 0.002, 0.03)),
		primaryBias: between(prng, 0.4, 1),
		restart: between(prng, 0.005, 0.05),
		partition: off(prng, 0.5, () => between(prng, 0.002, 0.02)),
		cut: off(prng, 0.5, () => between(prng, 0.002, 0.02)),
		link: off(prng, 0.3, () => between(prng, 0.002, 0.01)),
		heal: between(prng, 0.005, 0.05),
		freeze: off(prng, 0.4, () => between(prng, 0.001, 0.01)),
		hold: off(prng, 0.5, () => between(prng, 0.001, 0.01)),
		depose: off(prng, 0.5, () => between(prng, 0.001, 0.005)),
		freezeFor: Math.floor(between(prng, 300, 5000) * millisecond),
		holdFor: Math.floor(between(prng, 1000, 6000) * millisecond),
		window: Math.floor(between(prng, 2, 30) * second),
		// Drawn last, so that every other rate of a seed is what it was before it existed.
		replay: off(prng, 0.5, () => between(prng, 0.0005, 0.003)),
	};
}

/** What the swarm's generator may look at besides the cluster: what is frozen, what is cut. */
export type SwarmView = ClusterView & {
	isFrozen(replica: number): boolean;
	frozenCount(): number;
	/** Any partition or one-way cut is on. */
	cut(): boolean;
	holding(): boolean;
	/** A live replica, to read (undefined: crashed). */
	state(replica: number): Readonly<Replica> | undefined;
	/** The highest op among the messages a campaign's hold keeps from `from` to `to`. */
	heldOp(from: number, to: number): number;
};

/**
One step of a composed fault: due at `at`, made then (it may look at who leads by then). A step
with `when` waits from `at` until the cluster is in the state it aims at, for `patience` at
most, and the later steps wait as long; a step whose moment never comes ends the campaign.
*/
type CampaignStep = {
	readonly at: number;
	readonly fault: (now: number, cluster: SwarmView) => Fault | readonly Fault[] | undefined;
	readonly when?: (cluster: SwarmView) => boolean;
	readonly patience?: number;
};

const everyMessage: readonly MessageType[] = replicaMessageTypes;
/** What carries a commit number or a log from the primary of a view. */
const fromPrimary: readonly MessageType[] = ['prepare', 'commit', 'start_view', 'new_state'];

const filter = (
	at: number,
	from: number[],
	to: number[],
	messages: readonly MessageType[],
): Fault => ({
	at,
	kind: 'filter',
	select: {from, to, messages},
});

/** The replica leads a view it is normal in. */
function leads(cluster: SwarmView, replica: number, after = -1): boolean {
	const state = cluster.state(replica);
	return state !== undefined && state.isPrimary && state.status === 'normal' && state.view > after;
}

/** The replica has committed an op that no other live replica knows is committed. */
function aheadInCommits(cluster: SwarmView, replica: number): boolean {
	const own = cluster.state(replica)?.commitNumber ?? 0;
	return (
		own > 0 &&
		range(cluster.replicaCount).every(
			(other) => other === replica || (cluster.state(other)?.commitNumber ?? 0) < own,
		)
	);
}

/** Crashes of these replicas, in order, as far as the failure model allows. */
function crashes(now: number, cluster: SwarmView, replicas: readonly number[]): Fault[] {
	let down = cluster.downCount();
	const faults: Fault[] = [];
	for (const replica of replicas) {
		if (!cluster.isCrashed(replica) && (cluster.isDown(replica) || down < cluster.f)) {
			down += cluster.isDown(replica) ? 0 : 1;
			faults.push({at: now, kind: 'crash', replica});
		}
	}

	return faults;
}

/** Side labels with one replica alone. */
function alone(replica: number, n: number): number[] {
	return range(n).map((each) => (each === replica ? 0 : 1));
}

/** Crashes whoever leads now, unless it is `spared` or the crash would leave the failure model. */
function crashPrimary(now: number, cluster: SwarmView, spared: number): Fault | undefined {
	const primary = cluster.primary();
	return primary !== undefined &&
		primary !== spared &&
		!cluster.isCrashed(primary) &&
		(cluster.isDown(primary) || cluster.downCount() < cluster.f)
		? {at: now, kind: 'crash', replica: primary}
		: undefined;
}

/** Draws the faults of one seed's profile, tick by tick. */
export class SwarmGenerator {
	/** The steps left of the campaign under way, in time order. */
	private campaign: CampaignStep[] = [];
	/** Faults of a campaign's step due now, after the one `next` returned. */
	private readonly due: Fault[] = [];
	/** What the campaign under way holds by type, released if it ends early. */
	private holds: MessageSelector | undefined;

	constructor(
		private readonly prng: Prng,
		readonly profile: SwarmProfile,
	) {}

	/** The next fault due now, after the one `next` returned (a campaign's step makes several). */
	queued(): Fault | undefined {
		return this.due.shift();
	}

	next(now: number, cluster: SwarmView): Fault | undefined {
		const {prng, profile} = this;
		const n = cluster.replicaCount;
		const replicas = range(n);
		// A campaign under way has the stage: other faults would undo its steps.
		const campaign = this.campaignStep(now, cluster);
		if (campaign !== undefined || this.campaign.length > 0) {
			return campaign;
		}

		const crashed = replicas.filter((replica) => cluster.isCrashed(replica));
		if (crashed.length > 0 && prng.chance(profile.restart)) {
			return {at: now, kind: 'restart', replica: prng.pick(crashed)};
		}

		if (prng.chance(profile.crash)) {
			// A recovering replica may crash again at any time: it is down already.
			const candidates = replicas.filter(
				(replica) =>
					!cluster.isCrashed(replica) &&
					(cluster.isDown(replica) || cluster.downCount() < cluster.f),
			);
			if (candidates.length > 0) {
				const primary = cluster.primary();
				const replica =
					primary !== undefined && candidates.includes(primary) && prng.chance(profile.primaryBias)
						? primary
						: prng.pick(candidates);
				return {at: now, kind: 'crash', replica};
			}
		}

		if (cluster.cut() && prng.chance(profile.heal)) {
			return {at: now, kind: 'heal'};
		}

		if (n > 1 && prng.chance(profile.partition)) {
			return {at: now, kind: 'partition', groups: this.sides(n, cluster)};
		}

		if (n > 1 && prng.chance(profile.cut)) {
			return this.oneWay(now, n, cluster, 'cut');
		}

		if (n > 1 && prng.chance(profile.link)) {
			return this.oneWay(now, n, cluster, 'link');
		}

		if (prng.chance(profile.freeze) && cluster.frozenCount() < cluster.f) {
			const awake = replicas.filter(
				(replica) => !cluster.isCrashed(replica) && !cluster.isFrozen(replica),
			);
			if (awake.length > 0) {
				const until = now + Math.ceil(prng.next() * profile.freezeFor);
				const primary = cluster.primary();
				const replica =
					primary !== undefined && awake.includes(primary) && prng.chance(profile.primaryBias)
						? primary
						: prng.pick(awake);
				return {at: now, kind: 'freeze', replica, until};
			}
		}

		if (prng.chance(profile.hold) && !cluster.holding()) {
			const until = now + Math.ceil(between(prng, 0.3, 1) * profile.holdFor);
			return {at: now, kind: 'hold', share: between(prng, 0.05, 0.5), until};
		}

		return undefined;
	}

	/** The next step of the campaign under way, or the first of a new one. */
	private campaignStep(now: number, cluster: SwarmView): Fault | undefined {
		const {prng, profile, campaign} = this;
		if (campaign.length === 0) {
			const primary = cluster.primary();
			// From a healthy cluster only: a campaign's steps assume every replica takes part.
			if (
				primary !== undefined &&
				cluster.replicaCount >= 3 &&
				cluster.downCount() === 0 &&
				cluster.frozenCount() === 0 &&
				prng.chance(profile.depose)
			) {
				const steps = prng.chance(0.5)
					? this.depose(now, primary, cluster.replicaCount)
					: this.staleView(now, primary, cluster);
				this.campaign = steps.toSorted((a, b) => a.at - b.at); // Stable: ties keep their order.
			} else if (primary !== undefined) {
				this.maybeReplay(now, primary, cluster);
			}
		}

		const step = this.campaign[0];
		if (step === undefined || now < step.at) {
			return undefined;
		}

		if (step.when && !step.when(cluster)) {
			if (now < step.at + (step.patience ?? 0)) {
				return undefined;
			}

			// Its moment never came: it ends, and lets go of what it cut and held.
			this.campaign = [];
			const {holds} = this;
			this.holds = undefined;
			return this.some([
				{at: now, kind: 'heal'},
				...(holds ? [{at: now, kind: 'hold', share: 1, until: now, select: holds} as const] : []),
			]);
		}

		this.campaign.shift();
		const late = now - step.at;
		if (step.when && late > 0) {
			this.campaign = this.campaign.map((later) => ({...later, at: later.at + late}));
		}

		const faults = step.fault(now, cluster);
		return faults === undefined || 'kind' in faults ? faults : this.some(faults);
	}

	/** Now and then, from a healthy cluster, one of the campaigns that replay the paper's rules. */
	private maybeReplay(now: number, primary: number, cluster: SwarmView): void {
		const {prng, profile} = this;
		if (
			profile.replay > 0 &&
			cluster.downCount() === 0 &&
			cluster.frozenCount() === 0 &&
			prng.chance(profile.replay)
		) {
			this.holds = undefined;
			// The same replica leading views v and v + n can hurt only at 5 replicas or more.
			this.campaign =
				cluster.f >= 2 && prng.chance(0.5)
					? this.staleAck(now, primary, cluster)
					: this.leadAgain(now, primary, cluster);
		}
	}

	/** The first of several faults due now; the rest wait in `due`. */
	private some(faults: readonly Fault[]): Fault | undefined {
		this.due.push(...faults.slice(1));
		return faults[0];
	}

	/**
	The losing schedule of the paper's state-transfer rule with one replica leading views v and
	v + n (the old primary knows the commit, but it is the one that then fails). The primary
	commits an op that no backup knows is committed; from then on what it sends that carries a
	commit number or a log is lost, one backup (the laggard) hears of no view change, and only the
	primary of v + n gets DoViewChanges, so the others change view until it leads again. Its
	StartView and Prepares are lost; its Commits reach the laggard, which asks it for the state in
	vain; it crashes (with f - 1 of the others, so that the laggard is needed) and everything heals.
	The correct laggard keeps its log; the paper's rule cuts it to its commit number, and its
	short log, now of the newest normal view, wins the next view change.
	*/
	private leadAgain(now: number, primary: number, cluster: SwarmView): CampaignStep[] {
		const {prng} = this;
		const all = range(cluster.replicaCount);
		const others = all.filter((replica) => replica !== primary);
		const laggard = prng.pick(others);
		const rest = others.filter((replica) => replica !== laggard);
		// Crashed with the primary, so that the laggard is in every quorum left.
		const withIt = rest
			.map((replica) => ({replica, key: prng.next()}))
			.toSorted((a, b) => a.key - b.key)
			.slice(0, cluster.f - 1)
			.map(({replica}) => replica);
		const view = cluster.state(primary)?.view ?? 0;
		const fromOthers = all.filter((replica) => replica !== laggard);
		// No view change reaches the laggard; only the primary of v + n completes one.
		const aside = (at: number): Fault[] => [
			filter(
				at,
				fromOthers,
				[laggard],
				['start_view_change', 'do_view_change', 'start_view', 'new_state'],
			),
			filter(at, all, others, ['do_view_change']),
		];
		const settle = Math.floor(between(prng, 0.15, 0.5) * second);
		return [
			{
				at: now,
				when: (cluster) => leads(cluster, primary) && aheadInCommits(cluster, primary),
				patience: 3 * second,
				fault: (at) => [
					{at, kind: 'heal'},
					filter(at, [primary], others, fromPrimary),
					...aside(at),
				],
			},
			{
				at: now + 500 * millisecond,
				when: (cluster) => leads(cluster, primary, view),
				patience: 10 * second,
				fault: (at) => [
					{at, kind: 'heal'},
					// Its Commits reach the laggard; its Prepares (it resends its whole log) would mend it.
					filter(at, [primary], [laggard], ['prepare', 'start_view', 'new_state']),
					filter(at, [primary], rest, fromPrimary),
					...aside(at),
				],
			},
			{
				at: now + 500 * millisecond + settle,
				fault: (at, cluster) => [...crashes(at, cluster, [primary, ...withIt]), {at, kind: 'heal'}],
			},
		];
	}

	/**
	The losing schedule of a primary that counts a PrepareOk of any view (5 replicas or more). In
	view v one backup (the acker, which leads v + n - 1) acks the primary's last ops and its
	PrepareOks are held; the primary is cut off from the others, which form view v + 1. Its
	primary is cut off as it starts, and only the primary of v + n gets DoViewChanges: it leads
	again, with the log of v + 1, and prepares new ops at the numbers the acker acked in view v,
	reaching one backup only. The held PrepareOks arrive; the primary and that backup crash;
	everything heals.
	*/
	private staleAck(now: number, primary: number, cluster: SwarmView): CampaignStep[] {
		const {prng} = this;
		const n = cluster.replicaCount;
		const all = range(n);
		const others = all.filter((replica) => replica !== primary);
		const next = (primary + 1) % n;
		const acker = (primary + n - 1) % n;
		const witness = (primary + 2) % n;
		const view = cluster.state(primary)?.view ?? 0;
		const acks: MessageSelector = {from: [acker], to: [primary], messages: ['prepare_ok']};
		const hold = (at: number, until: number): Fault => ({
			at,
			kind: 'hold',
			share: 1,
			until,
			select: acks,
		});
		this.holds = acks;
		const settle = Math.floor(between(prng, 0.03, 0.3) * second);
		return [
			{
				at: now,
				when: (cluster) => leads(cluster, primary),
				patience: second,
				fault: (at) => [
					{at, kind: 'heal'},
					hold(at, at + 60 * second),
					filter(
						at,
						[primary],
						others.filter((replica) => replica !== acker),
						everyMessage,
					),
					filter(
						at,
						[acker],
						others.filter((replica) => replica !== acker),
						['do_view_change'],
					),
				],
			},
			{
				at: now,
				when: (cluster) => leads(cluster, next, view),
				patience: 6 * second,
				fault: (at) => [
					{at, kind: 'heal'},
					filter(
						at,
						[next],
						all.filter((replica) => replica !== next),
						everyMessage,
					),
					filter(at, all, others, ['do_view_change']),
					filter(
						at,
						[primary],
						others.filter((replica) => replica !== witness),
						fromPrimary,
					),
				],
			},
			{
				at: now,
				when(cluster) {
					const state = cluster.state(primary);
					return (
						state !== undefined &&
						leads(cluster, primary, view + 1) &&
						state.opNumber > state.commitNumber &&
						state.opNumber >= cluster.heldOp(acker, primary)
					);
				},
				patience: 10 * second,
				fault: (at) => {
					this.holds = undefined;
					return hold(at, at);
				},
			},
			{
				at: now + settle,
				fault: (at, cluster) => [...crashes(at, cluster, [primary, witness]), {at, kind: 'heal'}],
			},
		];
	}

	/**
	The primary cut off from the other replicas (clients still reach it, and it appends what they
	send); half the time messages held across the new view's start; whoever leads the rest
	crashes; everything heals: the old primary's log meets a newer view's.
	*/
	private depose(now: number, primary: number, n: number): CampaignStep[] {
		const {prng} = this;
		const crashAt = now + Math.floor(between(prng, 0.8, 3) * second);
		const steps: CampaignStep[] = [
			{at: now, fault: () => ({at: now, kind: 'partition', groups: alone(primary, n)})},
		];
		if (prng.chance(0.5)) {
			const holdAt = now + Math.floor(between(prng, 0.2, 1) * second);
			steps.push(this.holdStep(holdAt, crashAt + Math.floor(between(prng, 0.2, 2) * second)));
		}

		steps.push(
			{at: crashAt, fault: (at, cluster) => crashPrimary(at, cluster, primary)},
			{
				at: crashAt + Math.floor(between(prng, 0.05, 1) * second),
				fault: (at) => ({at, kind: 'heal'}),
			},
		);
		return steps;
	}

	/**
	Vanlightly's case against the paper's state-transfer rule, made of ordinary faults: f backups
	are cut off and frozen (they fall behind, and do not change view themselves); the next
	primary's messages to the primary are lost until the primary steps down, and the rest change
	view while most messages are held (the StartViews among them); the backups return in the old
	view (the old primary cut off half the time), the new primary crashes, everything heals.
	*/
	private staleView(now: number, primary: number, cluster: SwarmView): CampaignStep[] {
		const {prng} = this;
		const n = cluster.replicaCount;
		const next = (primary + 1) % n;
		const others = range(n).filter((replica) => replica !== primary && replica !== next);
		// f of them (all but one at n = 5), the ones up first.
		const stale = others
			.map((replica) => ({replica, key: (cluster.isDown(replica) ? 1 : 0) + prng.next()}))
			.toSorted((a, b) => a.key - b.key)
			.slice(0, cluster.f)
			.map(({replica}) => replica)
			.toSorted((a, b) => a - b);
		const deposed = now + Math.floor(between(prng, 0.6, 1.2) * second);
		const back = deposed + Math.floor(between(prng, 0.2, 0.9) * second);
		const crashAt = back + Math.floor(between(prng, 0.05, 0.6) * second);
		const healAt = crashAt + Math.floor(between(prng, 0.05, 0.6) * second);
		const link = (at: number, dropRate: number): CampaignStep => ({
			at,
			fault: (time) => ({at: time, kind: 'link', from: next, to: primary, faults: {dropRate}}),
		});
		const apart = range(n).map((replica) => (stale.includes(replica) ? 0 : 1));
		// When they return, the old primary is left out half the time (it knows what was committed).
		const after = prng.chance(0.5) ? alone(primary, n) : range(n).map(() => 0);
		return [
			{at: now, fault: (at) => ({at, kind: 'partition', groups: apart})},
			...stale.map((replica) => ({
				at: now,
				fault: (at: number): Fault => ({at, kind: 'freeze', replica, until: back}),
			})),
			link(now, 1),
			link(deposed, 0),
			this.holdStep(deposed, healAt + Math.floor(between(prng, 0.5, 2) * second)),
			{at: back, fault: (at) => ({at, kind: 'partition', groups: after})},
			{at: crashAt, fault: (at, view) => crashPrimary(at, view, primary)},
			{at: healAt, fault: (at) => ({at, kind: 'heal'})},
		];
	}

	private holdStep(at: number, until: number, least = 0.2): CampaignStep {
		const share = between(this.prng, least, least + 0.5);
		return {at, fault: (now) => ({at: now, kind: 'hold', share, until})};
	}

	/**
	Sides of any shape: two to n sides, and now and then a replica on no side, which reaches every
	side (a bridge: reachability stops being transitive).
	*/
	private sides(n: number, cluster: ClusterView): number[] {
		const {prng} = this;
		const count = 2 + prng.int(n - 1);
		const groups = range(n).map(() => prng.int(count));
		const primary = cluster.primary();
		if (primary !== undefined && prng.chance(0.5)) {
			// The primary alone, with or without a minority around it.
			for (const replica of range(n)) {
				groups[replica] = replica === primary ? 0 : 1;
			}
		}

		if (n > 2 && prng.chance(0.2)) {
			groups[prng.int(n)] = -1;
		}

		return groups;
	}

	/** A directed link, from or to the primary half the time (where one-way faults hurt). */
	private oneWay(now: number, n: number, cluster: ClusterView, kind: 'cut' | 'link'): Fault {
		const {prng} = this;
		const primary = cluster.primary();
		let from = prng.int(n);
		let to = (from + 1 + prng.int(n - 1)) % n;
		if (primary !== undefined && prng.chance(0.5)) {
			const other = (primary + 1 + prng.int(n - 1)) % n;
			[from, to] = prng.chance(0.5) ? [other, primary] : [primary, other];
		}

		if (kind === 'cut') {
			return {at: now, kind, from, to};
		}

		const faults: Partial<LinkFaults> = prng.chance(0.5)
			? {dropRate: between(prng, 0.3, 0.9)}
			: {delayMs: Math.round(between(prng, 50, 800))};
		return {at: now, kind, from, to, faults};
	}
}
