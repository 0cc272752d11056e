import {performance} from 'node:perf_hooks';
import {Heap} from '../net/heap.js';

/**
The operator as the network. Every message between replicas, and between the
operator's clients and replicas, passes through `route`, which decides its fate
from the fault settings:

- **blocked** when a replica is isolated or the two replicas sit on opposite
  sides of a partition (replica traffic only: clients reach every replica);
- **dropped** with the drop rate;
- **duplicated** with the duplicate rate (the copy takes its own delay);
- **delayed** by the delay plus a uniform jitter in [0, jitter];
- **reordered** with the reorder rate: the message waits an extra uniform
  [0, reorder window] so that later ones overtake it.

Settings exist globally, per node (applying to everything a node sends and
receives) and per directed link; they add up: delays and jitters sum, and
rates combine as independent chances (1 - Π(1 - rate)). While paused, messages
that survive the faults are held in arrival order; `step()` delivers the oldest
one, `resume()` all of them. With no fault set and not paused the network is
`clean` and the operator skips it entirely (the fast path).
*/

/** The operator's clients, as an endpoint. */
export const clientEndpoint = -1;

/** Fault settings of the whole network, a node or a link; they add up (see the readme). */
export type LinkFaults = {
	/** Share of messages dropped, 0 to 1. */
	readonly dropRate: number;
	/** Delay of every message, in ms. */
	readonly delayMs: number;
	/** Up to this much more delay, uniformly drawn, in ms. */
	readonly jitterMs: number;
	/** Share of messages delivered twice, 0 to 1. */
	readonly duplicateRate: number;
	/** Share of messages that wait a little more, so that later ones overtake them, 0 to 1. */
	readonly reorderRate: number;
};

export const noFaults: LinkFaults = Object.freeze({
	dropRate: 0,
	delayMs: 0,
	jitterMs: 0,
	duplicateRate: 0,
	reorderRate: 0,
});

/** How much later, at most, a reordered message arrives. */
export const reorderWindowMs = 20;
/** Held messages beyond this are dropped, oldest first (replicas keep talking while paused). */
export const maxHeld = 100_000;

/** What the network did to the messages so far. */
export type NetworkStats = {
	delivered: number;
	dropped: number;
	blocked: number;
	duplicated: number;
	delayed: number;
	/** Held messages dropped because too many were held. */
	overflowed: number;
};

type Packet<M> = {from: number; to: number; message: M};
type Timed<M> = Packet<M> & {due: number; seq: number};

const isNone = (faults: LinkFaults): boolean =>
	faults.dropRate === 0 &&
	faults.delayMs === 0 &&
	faults.jitterMs === 0 &&
	faults.duplicateRate === 0 &&
	faults.reorderRate === 0;

function checkFaults(faults: Partial<LinkFaults>): void {
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

export type NetworkOptions<M> = {
	readonly replicaCount: number;
	/** Hands a message to its destination (a replica, or `clientEndpoint`). */
	readonly deliver: (from: number, to: number, message: M) => void;
	/** Uniform in [0, 1). */
	readonly random?: () => number;
};

export class Network<M> {
	private static timedHeap<M>(): Heap<Timed<M>> {
		return new Heap<Timed<M>>((a, b) => a.due < b.due || (a.due === b.due && a.seq < b.seq));
	}

	readonly stats: NetworkStats = {
		delivered: 0,
		dropped: 0,
		blocked: 0,
		duplicated: 0,
		delayed: 0,
		overflowed: 0,
	};

	private global: LinkFaults = noFaults;
	private readonly nodes: LinkFaults[];
	private readonly links = new Map<number, LinkFaults>();
	private readonly isolatedNodes: boolean[];
	/** Partition side of each replica: 0 none, 1 or 2. */
	private readonly sides: number[];
	private paused = false;
	private held: Array<Packet<M> | undefined> = [];
	private heldStart = 0;
	private timed = Network.timedHeap<M>();

	private seq = 0;
	private timer: NodeJS.Timeout | undefined;
	private timerDue = Number.POSITIVE_INFINITY;
	private isClean = true;
	/** Effective faults by (from + 1) * (n + 1) + (to + 1); endpoint -1 is the clients. */
	private readonly table: LinkFaults[] = [];
	private readonly random: () => number;
	private readonly deliverTo: NetworkOptions<M>['deliver'];

	constructor(private readonly options: NetworkOptions<M>) {
		const n = options.replicaCount;
		this.nodes = Array.from({length: n}, () => noFaults);
		this.isolatedNodes = Array.from({length: n}, () => false);
		this.sides = Array.from({length: n}, () => 0);
		this.random = options.random ?? Math.random;
		this.deliverTo = options.deliver;
		this.update();
	}

	/** No fault is set and delivery is not paused: messages can bypass `route`. */
	get clean(): boolean {
		return this.isClean && this.timed.size === 0;
	}

	get isPaused(): boolean {
		return this.paused;
	}

	get heldCount(): number {
		return this.held.length - this.heldStart;
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

	isPartitioned(node: number): boolean {
		return (this.sides[node] ?? 0) !== 0;
	}

	/** The two sides of the current partition, or undefined. */
	partitionSides(): [number[], number[]] | undefined {
		const a = [];
		const b = [];
		for (const [node, side] of this.sides.entries()) {
			if (side === 1) {
				a.push(node);
			} else if (side === 2) {
				b.push(node);
			}
		}

		return a.length > 0 || b.length > 0 ? [a, b] : undefined;
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

	/** Replicas in `a` and in `b` cannot reach each other (any earlier partition is replaced). */
	partition(a: readonly number[], b: readonly number[]): void {
		for (const node of [...a, ...b]) {
			this.checkNode(node);
		}

		const overlap = a.find((node) => b.includes(node));
		if (overlap !== undefined) {
			throw new RangeError(`replica ${overlap} cannot be on both sides of a partition`);
		}

		this.sides.fill(0);
		for (const node of a) {
			this.sides[node] = 1;
		}

		for (const node of b) {
			this.sides[node] = 2;
		}

		this.update();
	}

	/** Ends the isolation of `node`, or every isolation and the partition when no node is given. */
	heal(node?: number): void {
		if (node === undefined) {
			this.isolatedNodes.fill(false);
			this.sides.fill(0);
		} else {
			this.checkNode(node);
			this.isolatedNodes[node] = false;
		}

		this.update();
	}

	/** Clears every fault setting (not the pause). */
	clearFaults(): void {
		this.global = noFaults;
		this.nodes.fill(noFaults);
		this.links.clear();
		this.heal();
	}

	pause(): void {
		this.paused = true;
		this.update();
	}

	/** Delivers every held message in order, then lets messages flow. */
	resume(): void {
		this.paused = false;
		while (this.heldCount > 0) {
			this.step();
		}

		this.held = [];
		this.heldStart = 0;
		this.update();
		this.releaseDue();
	}

	/** Delivers the oldest held message; false when none is held. */
	step(): boolean {
		if (this.heldStart >= this.held.length) {
			return false;
		}

		const packet = this.shiftHeld();
		this.hand(packet.from, packet.to, packet.message);
		return true;
	}

	/** The held messages, oldest first (for display). */
	peekHeld(limit = 20): ReadonlyArray<Readonly<Packet<M>>> {
		return this.held
			.slice(this.heldStart, this.heldStart + limit)
			.filter((packet) => packet !== undefined);
	}

	route(from: number, to: number, message: M): void {
		if (this.blocked(from, to)) {
			this.stats.blocked++;
			return;
		}

		const faults = this.effective(from, to);
		if (faults === noFaults) {
			this.forward(from, to, message, 0);
			return;
		}

		if (faults.dropRate > 0 && this.random() < faults.dropRate) {
			this.stats.dropped++;
			return;
		}

		this.forward(from, to, message, this.delayOf(faults));
		if (faults.duplicateRate > 0 && this.random() < faults.duplicateRate) {
			this.stats.duplicated++;
			this.forward(from, to, message, this.delayOf(faults));
		}
	}

	/** Forgets every message delayed or held (a fresh cluster must not get the old one's). */
	forgetInFlight(): void {
		this.dispose();
		this.timed = Network.timedHeap<M>();
		this.held = [];
		this.heldStart = 0;
	}

	/** Stops the timer; undelivered messages are forgotten. */
	dispose(): void {
		if (this.timer !== undefined) {
			clearTimeout(this.timer);
			this.timer = undefined;
		}
	}

	private forward(from: number, to: number, message: M, delayMs: number): void {
		if (delayMs > 0) {
			this.stats.delayed++;
			this.timed.push({from, to, message, due: performance.now() + delayMs, seq: this.seq++});
			this.arm();
		} else if (this.paused) {
			this.hold(from, to, message);
		} else {
			this.hand(from, to, message);
		}
	}

	private hand(from: number, to: number, message: M): void {
		this.stats.delivered++;
		this.deliverTo(from, to, message);
	}

	private hold(from: number, to: number, message: M): void {
		if (this.heldCount >= maxHeld) {
			this.shiftHeld(); // Make room: the oldest is dropped.
			this.stats.overflowed++;
		}

		this.held.push({from, to, message});
	}

	private shiftHeld(): Packet<M> {
		const packet = this.held[this.heldStart]!;
		this.held[this.heldStart++] = undefined;
		if (this.heldStart > 1024 && this.heldStart * 2 > this.held.length) {
			this.held = this.held.slice(this.heldStart);
			this.heldStart = 0;
		}

		return packet;
	}

	private delayOf(faults: LinkFaults): number {
		let delay = faults.delayMs;
		if (faults.jitterMs > 0) {
			delay += this.random() * faults.jitterMs;
		}

		if (faults.reorderRate > 0 && this.random() < faults.reorderRate) {
			delay += this.random() * reorderWindowMs;
		}

		return delay;
	}

	private blocked(from: number, to: number): boolean {
		if (from < 0 || to < 0) {
			return false;
		}

		if (this.isolatedNodes[from] === true || this.isolatedNodes[to] === true) {
			return true;
		}

		const a = this.sides[from]!;
		const b = this.sides[to]!;
		return a !== 0 && b !== 0 && a !== b;
	}

	/** From the table that `update` fills, so routing allocates nothing. */
	private effective(from: number, to: number): LinkFaults {
		return this.table[(from + 1) * (this.options.replicaCount + 1) + to + 1]!;
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

	private arm(): void {
		const next = this.timed.peek();
		if (next === undefined || next.due >= this.timerDue) {
			return;
		}

		if (this.timer !== undefined) {
			clearTimeout(this.timer);
		}

		this.timerDue = next.due;
		this.timer = setTimeout(
			() => {
				this.timer = undefined;
				this.timerDue = Number.POSITIVE_INFINITY;
				this.releaseDue();
			},
			Math.max(0, next.due - performance.now()),
		);
	}

	private releaseDue(): void {
		const now = performance.now();
		for (
			let next = this.timed.peek();
			next !== undefined && next.due <= now;
			next = this.timed.peek()
		) {
			this.timed.pop();
			if (this.paused) {
				this.hold(next.from, next.to, next.message);
			} else {
				this.hand(next.from, next.to, next.message);
			}
		}

		this.arm();
	}

	private update(): void {
		const n = this.options.replicaCount;
		for (let from = -1; from < n; from++) {
			for (let to = -1; to < n; to++) {
				this.table[(from + 1) * (n + 1) + to + 1] = this.combine(from, to);
			}
		}

		this.isClean =
			!this.paused &&
			isNone(this.global) &&
			this.nodes.every((faults) => isNone(faults)) &&
			this.links.size === 0 &&
			!this.isolatedNodes.includes(true) &&
			!this.sides.some((side) => side !== 0);
	}

	private linkKey(from: number, to: number): number {
		return from * 16 + to;
	}

	private checkNode(node: number): void {
		if (!Number.isInteger(node) || node < 0 || node >= this.options.replicaCount) {
			throw new RangeError(
				`no replica ${node} (replicas are 0 to ${this.options.replicaCount - 1})`,
			);
		}
	}
}
