import {type Address, isClient} from './address.js';

/**
The network model both drivers use (the simulator and the process cluster): it decides the fate
of each message from its settings and an injected `random()`, and does nothing else (no I/O, no
clock, no queue: the scheduler keeps the messages in flight).

- **Cut**: replica-to-replica traffic is lost when either end is isolated, the two sit on
  different sides of a partition (a side label per replica: any shape), the receiver is deaf
  (hears nothing from replicas), the sender is mute (what it sends to replicas is lost), or the
  directed link is cut. Clients reach every replica, and every replica its clients.
- **Dropped** with the drop rate; **duplicated** with the duplicate rate (the copy takes its own
  delay); **delayed** by the delay plus a uniform jitter in [0, jitter]; **reordered** with the
  reorder rate (the message waits up to `reorderWindowMs` more, so later ones overtake it).

Settings exist globally, per node (everything a node sends and receives) and per directed link;
they add up: delays and jitters sum, rates combine as independent chances (1 - Π(1 - rate)).
Draws happen only for the settings that are on, in a fixed order (drop, delay, duplicate, the
copy's delay), so a clean network draws nothing.

Room to grow: a fate is a small record that a later kind (a message held for a while, then
released) can join, and a node's state (a frozen replica) belongs to the driver, not here.
*/

/** Fault settings of the whole network, a node or a link; they add up (see above). */
export type LinkFaults = {
	/** Share of messages dropped, 0 to 1. */
	readonly dropRate: number;
	/** Delay of every message, in ms of virtual time. */
	readonly delayMs: number;
	/** Up to this much more delay, uniformly drawn, in ms. */
	readonly jitterMs: number;
	/** Share of messages delivered twice, 0 to 1. */
	readonly duplicateRate: number;
	/** Share of messages that wait a little more, so that later ones overtake them, 0 to 1. */
	readonly reorderRate: number;
};

/** No fault at all: the settings of a clean network. */
export const noFaults: LinkFaults = Object.freeze({
	dropRate: 0,
	delayMs: 0,
	jitterMs: 0,
	duplicateRate: 0,
	reorderRate: 0,
});

/** How much later, at most, a reordered message arrives. */
export const reorderWindowMs = 20;

/** Why a message was lost. */
export type DropReason = 'isolated' | 'partition' | 'deaf' | 'mute' | 'cut' | 'drop rate';

/**
The fate of one message: lost (and why), or delivered `copies` times (1, or 2 when duplicated),
each after its delay in virtual ns. `route` returns the model's one instance, valid until the
next call (the simulator routes millions of messages: nothing is allocated per message).
*/
export type Fate = {
	dropped: DropReason | undefined;
	copies: number;
	readonly delays: [number, number];
};

/** What the network did to the messages so far. */
export type NetworkStats = {
	dropped: number;
	blocked: number;
	duplicated: number;
	delayed: number;
};

const nsPerMs = 1_000_000;

const isNone = (faults: LinkFaults): boolean =>
	faults.dropRate === 0 &&
	faults.delayMs === 0 &&
	faults.jitterMs === 0 &&
	faults.duplicateRate === 0 &&
	faults.reorderRate === 0;

/** Throws a RangeError naming a setting out of range. */
export function checkFaults(faults: Partial<LinkFaults>): void {
	for (const key of ['dropRate', 'duplicateRate', 'reorderRate'] as const) {
		const value = faults[key];
		if (value !== undefined && !(value >= 0 && value <= 1)) {
			throw new RangeError(`${key} must be from 0 to 1 (got ${value})`);
		}
	}

	for (const key of ['delayMs', 'jitterMs'] as const) {
		const value = faults[key];
		if (value !== undefined && !(value >= 0 && Number.isFinite(value))) {
			throw new RangeError(`${key} must be a non-negative number (got ${value})`);
		}
	}
}

const noSide = -1;

export class NetworkModel {
	readonly stats: NetworkStats = {dropped: 0, blocked: 0, duplicated: 0, delayed: 0};
	/** The draws: uniform in [0, 1). Set it anew for a fresh run (the simulator's shrinking does). */
	random: () => number;
	private global: LinkFaults = noFaults;
	private readonly nodes: LinkFaults[];
	private readonly links = new Map<number, LinkFaults>();
	private readonly isolatedNodes: boolean[];
	private readonly deafNodes: boolean[];
	private readonly muteNodes: boolean[];
	private readonly cuts = new Set<number>();
	/** Partition side of each replica, or `noSide`. */
	private readonly sides: number[];
	private readonly fate: Fate = {dropped: undefined, copies: 1, delays: [0, 0]};
	/** Effective faults by (from + 1) * (n + 1) + (to + 1), every client as -1. */
	private readonly table: LinkFaults[] = [];
	/** Any replica traffic is cut (isolation, partition, deaf, mute, a cut link). */
	private anyCut = false;
	private isClean = true;

	constructor(
		readonly replicaCount: number,
		random: () => number,
	) {
		this.random = random;
		this.nodes = Array.from({length: replicaCount}, () => noFaults);
		this.isolatedNodes = Array.from({length: replicaCount}, () => false);
		this.deafNodes = Array.from({length: replicaCount}, () => false);
		this.muteNodes = Array.from({length: replicaCount}, () => false);
		this.sides = Array.from({length: replicaCount}, () => noSide);
		this.update();
	}

	/** No setting is on: every message arrives at once, exactly once, and nothing is drawn. */
	get clean(): boolean {
		return this.isClean;
	}

	get globalFaults(): LinkFaults {
		return this.global;
	}

	nodeFaults(node: number): LinkFaults {
		return this.nodes[node] ?? noFaults;
	}

	linkFaults(from: number, to: number): LinkFaults {
		return this.links.get(this.linkKey(from, to)) ?? noFaults;
	}

	isIsolated(node: number): boolean {
		return this.isolatedNodes[node] ?? false;
	}

	isDeaf(node: number): boolean {
		return this.deafNodes[node] ?? false;
	}

	isMute(node: number): boolean {
		return this.muteNodes[node] ?? false;
	}

	isCut(from: number, to: number): boolean {
		return this.cuts.has(this.linkKey(from, to));
	}

	/** The partition side label of a replica, or undefined when there is no partition. */
	side(node: number): number | undefined {
		const side = this.sides[node] ?? noSide;
		return side === noSide ? undefined : side;
	}

	/** Some replicas sit on different sides. */
	get partitioned(): boolean {
		return this.sides.some((side) => side !== noSide);
	}

	/** The replicas of each side, by label in ascending order, or undefined without a partition. */
	partitionSides(): number[][] | undefined {
		const labels = [...new Set(this.sides.filter((side) => side !== noSide))].toSorted(
			(a, b) => a - b,
		);
		if (labels.length === 0) {
			return undefined;
		}

		return labels.map((label) =>
			this.sides.flatMap((side, node) => (side === label ? [node] : [])),
		);
	}

	setGlobal(faults: Partial<LinkFaults>): void {
		checkFaults(faults);
		this.global = {...this.global, ...faults};
		this.update();
	}

	setNode(node: number, faults: Partial<LinkFaults>): void {
		this.checkNode(node);
		checkFaults(faults);
		this.nodes[node] = {...this.nodes[node]!, ...faults};
		this.update();
	}

	setLink(from: number, to: number, faults: Partial<LinkFaults>): void {
		this.checkNode(from);
		this.checkNode(to);
		checkFaults(faults);
		const key = this.linkKey(from, to);
		const next = {...this.linkFaults(from, to), ...faults};
		if (isNone(next)) {
			this.links.delete(key);
		} else {
			this.links.set(key, next);
		}

		this.update();
	}

	/** Cuts a replica off from every other replica, both ways. */
	isolate(node: number): void {
		this.checkNode(node);
		this.isolatedNodes[node] = true;
		this.update();
	}

	/** A deaf replica hears nothing from the other replicas (clients still reach it). */
	setDeaf(node: number, on: boolean): void {
		this.checkNode(node);
		this.deafNodes[node] = on;
		this.update();
	}

	/** What a mute replica sends to the other replicas is lost (its replies still reach clients). */
	setMute(node: number, on: boolean): void {
		this.checkNode(node);
		this.muteNodes[node] = on;
		this.update();
	}

	/** Cuts (or mends) the directed link from one replica to another. */
	setCut(from: number, to: number, on: boolean): void {
		this.checkNode(from);
		this.checkNode(to);
		if (on) {
			this.cuts.add(this.linkKey(from, to));
		} else {
			this.cuts.delete(this.linkKey(from, to));
		}

		this.update();
	}

	/** Replicas in `a` and in `b` cannot reach each other (any earlier partition is replaced). */
	partition(a: readonly number[], b: readonly number[]): void {
		const overlap = a.find((node) => b.includes(node));
		if (overlap !== undefined) {
			throw new RangeError(`replica ${overlap} cannot be on both sides of a partition`);
		}

		const labels = Array.from({length: this.replicaCount}, (): number | undefined => undefined);
		for (const node of a) {
			this.checkNode(node);
			labels[node] = 1;
		}

		for (const node of b) {
			this.checkNode(node);
			labels[node] = 2;
		}

		this.setSides(labels);
	}

	/**
	A partition of any shape: a side label per replica; replicas with different labels cannot
	reach each other, and one without a label (undefined) reaches everyone.
	*/
	setSides(labels: ReadonlyArray<number | undefined>): void {
		for (let node = 0; node < this.replicaCount; node++) {
			this.sides[node] = labels[node] ?? noSide;
		}

		this.update();
	}

	/**
	Ends the cuts of one node (its isolation, deafness, muteness), or, with no node, every cut:
	isolations, the partition, deaf and mute nodes, cut links.
	*/
	heal(node?: number): void {
		if (node === undefined) {
			this.isolatedNodes.fill(false);
			this.deafNodes.fill(false);
			this.muteNodes.fill(false);
			this.sides.fill(noSide);
			this.cuts.clear();
		} else {
			this.checkNode(node);
			this.isolatedNodes[node] = false;
			this.deafNodes[node] = false;
			this.muteNodes[node] = false;
		}

		this.update();
	}

	/** Clears every setting: faults and cuts. */
	clear(): void {
		this.global = noFaults;
		this.nodes.fill(noFaults);
		this.links.clear();
		this.heal();
	}

	/** The fate of a message from `from` to `to` (see `Fate`: the same object every call). */
	route(from: Address, to: Address): Fate {
		const {fate} = this;
		fate.dropped = undefined;
		fate.copies = 1;
		fate.delays[0] = 0;
		if (this.isClean) {
			return fate;
		}

		if (this.anyCut) {
			const reason = this.cutReason(from, to);
			if (reason !== undefined) {
				this.stats.blocked++;
				fate.dropped = reason;
				fate.copies = 0;
				return fate;
			}
		}

		const faults = this.effective(from, to);
		if (faults === noFaults) {
			return fate;
		}

		if (faults.dropRate > 0 && this.random() < faults.dropRate) {
			this.stats.dropped++;
			fate.dropped = 'drop rate';
			fate.copies = 0;
			return fate;
		}

		fate.delays[0] = this.delayOf(faults);
		if (faults.duplicateRate > 0 && this.random() < faults.duplicateRate) {
			this.stats.duplicated++;
			fate.copies = 2;
			fate.delays[1] = this.delayOf(faults);
		}

		return fate;
	}

	private cutReason(from: Address, to: Address): DropReason | undefined {
		if (isClient(from) || isClient(to)) {
			return undefined;
		}

		if (this.isolatedNodes[from] === true || this.isolatedNodes[to] === true) {
			return 'isolated';
		}

		const a = this.sides[from]!;
		const b = this.sides[to]!;
		if (a !== noSide && b !== noSide && a !== b) {
			return 'partition';
		}

		if (this.deafNodes[to] === true) {
			return 'deaf';
		}

		if (this.muteNodes[from] === true) {
			return 'mute';
		}

		return this.cuts.size > 0 && this.cuts.has(this.linkKey(from, to)) ? 'cut' : undefined;
	}

	/** In virtual ns, whole. */
	private delayOf(faults: LinkFaults): number {
		let delay = faults.delayMs;
		if (faults.jitterMs > 0) {
			delay += this.random() * faults.jitterMs;
		}

		if (faults.reorderRate > 0 && this.random() < faults.reorderRate) {
			delay += this.random() * reorderWindowMs;
		}

		if (delay > 0) {
			this.stats.delayed++;
		}

		return Math.floor(delay * nsPerMs);
	}

	/** From the table that `update` fills, so routing allocates nothing. */
	private effective(from: Address, to: Address): LinkFaults {
		const n = this.replicaCount;
		return this.table[(from < 0 ? 0 : from + 1) * (n + 1) + (to < 0 ? 0 : to + 1)]!;
	}

	/** The settings that apply from `from` to `to`; `noFaults` itself when none does. */
	private combine(from: number, to: number): LinkFaults {
		const parts: LinkFaults[] = [];
		for (const faults of [
			this.global,
			from >= 0 ? this.nodes[from]! : noFaults,
			to >= 0 ? this.nodes[to]! : noFaults,
			from >= 0 && to >= 0 ? this.linkFaults(from, to) : noFaults,
		]) {
			if (faults !== noFaults && !isNone(faults)) {
				parts.push(faults);
			}
		}

		if (parts.length === 0) {
			return noFaults;
		}

		if (parts.length === 1) {
			return parts[0]!;
		}

		const chance = (key: 'dropRate' | 'duplicateRate' | 'reorderRate') =>
			1 - parts.reduce((keep, faults) => keep * (1 - faults[key]), 1);
		const sum = (key: 'delayMs' | 'jitterMs') =>
			parts.reduce((total, faults) => total + faults[key], 0);
		return {
			dropRate: chance('dropRate'),
			delayMs: sum('delayMs'),
			jitterMs: sum('jitterMs'),
			duplicateRate: chance('duplicateRate'),
			reorderRate: chance('reorderRate'),
		};
	}

	private update(): void {
		const n = this.replicaCount;
		for (let from = -1; from < n; from++) {
			for (let to = -1; to < n; to++) {
				this.table[(from + 1) * (n + 1) + to + 1] = this.combine(from, to);
			}
		}

		this.anyCut =
			this.isolatedNodes.includes(true) ||
			this.deafNodes.includes(true) ||
			this.muteNodes.includes(true) ||
			this.cuts.size > 0 ||
			new Set(this.sides.filter((side) => side !== noSide)).size > 1;
		this.isClean =
			!this.anyCut &&
			isNone(this.global) &&
			this.nodes.every((faults) => isNone(faults)) &&
			this.links.size === 0;
	}

	private linkKey(from: number, to: number): number {
		return from * 16 + to;
	}

	private checkNode(node: number): void {
		if (!Number.isInteger(node) || node < 0 || node >= this.replicaCount) {
			throw new RangeError(`no replica ${node} (replicas are 0 to ${this.replicaCount - 1})`);
		}
	}
}
