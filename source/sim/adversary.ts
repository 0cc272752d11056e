import type {Message, MessageType} from '../vsr/messages.js';
import type {Prng} from '../vsr/prng.js';
import {type Fault, type MessageSelector, millisecond} from './faults.js';

/** A hold of the messages a selector picks, until `until`. */
type LinkHold = {readonly key: string; readonly select: MessageSelector; until: number};

/** A message the network holds for a `LinkHold`. */
export type Held = {readonly from: number; readonly to: number; readonly message: Message};

const selects = (select: MessageSelector, from: number, to: number, type: MessageType): boolean =>
	select.messages.includes(type) && select.from.includes(from) && select.to.includes(to);

/**
The faults that are about time rather than links, which the network model leaves to the
driver: frozen replicas (they take no input and no tick until they thaw, and what was sent to
them waits, as in a stopped process's socket), messages held for seconds and released together,
and the long tail of delays. Its draws come from a generator of its own, so a run without these
faults draws exactly what it drew before they existed.
*/
export class Adversary {
	/** Virtual ns until which each replica is frozen (0: not frozen). */
	private readonly frozenUntil: number[];
	private holdUntil = 0;
	private holdShare = 0;
	private holds = 0;
	/** Cuts of some message types (`filter` faults), until a heal. */
	private filters: MessageSelector[] = [];
	private linkHolds: LinkHold[] = [];
	private readonly detained: Array<Held & {readonly hold: LinkHold}> = [];

	constructor(
		replicaCount: number,
		private readonly prng: Prng,
		/** Share of messages that take a long detour, and how long it may be (ms). */
		private tail: {readonly rate: number; readonly ms: number} = {rate: 0, ms: 0},
	) {
		this.frozenUntil = Array.from({length: replicaCount}, () => 0);
	}

	apply(fault: Extract<Fault, {kind: 'freeze' | 'hold' | 'filter'}>): void {
		if (fault.kind === 'freeze') {
			this.frozenUntil[fault.replica] = Math.max(this.frozenUntil[fault.replica]!, fault.until);
		} else if (fault.kind === 'filter') {
			this.filters.push(fault.select);
		} else if (fault.select) {
			const key = JSON.stringify(fault.select);
			const held = this.linkHolds.find((hold) => hold.key === key);
			if (held) {
				held.until = fault.until;
			} else {
				this.linkHolds.push({key, select: fault.select, until: fault.until});
			}
		} else {
			this.holdUntil = fault.until;
			this.holdShare = fault.share;
		}
	}

	/** Until when the replica is frozen at `now`, or undefined when it is not. */
	frozen(replica: number, now: number): number | undefined {
		const until = this.frozenUntil[replica]!;
		return until > now ? until : undefined;
	}

	frozenCount(now: number): number {
		return this.frozenUntil.filter((until) => until > now).length;
	}

	/** A crashed replica is not frozen: its process is gone. */
	forget(replica: number): void {
		this.frozenUntil[replica] = 0;
	}

	holding(now: number): boolean {
		return this.holdUntil > now;
	}

	/** Messages held so far. */
	get held(): number {
		return this.holds;
	}

	/** Some message is cut or held by type (a campaign's): `intercept` has something to say. */
	get selective(): boolean {
		return this.filters.length > 0 || this.linkHolds.length > 0;
	}

	/** Lost (a filter's), held (a link hold's: true, kept here until released), or passed (false). */
	intercept(from: number, to: number, message: Message): 'lost' | boolean {
		if (this.filters.some((select) => selects(select, from, to, message.type))) {
			return 'lost';
		}

		const hold = this.linkHolds.find((hold) => selects(hold.select, from, to, message.type));
		if (hold) {
			this.holds++;
			this.detained.push({from, to, message, hold});
		}

		return hold !== undefined;
	}

	/** The highest op among the held messages from `from` to `to` that carry one (0: none). */
	heldOp(from: number, to: number): number {
		let op = 0;
		for (const held of this.detained) {
			if (held.from === from && held.to === to && 'op' in held.message) {
				op = Math.max(op, held.message.op);
			}
		}

		return op;
	}

	/** The held messages whose hold has ended by `now`, in the order they were sent. */
	release(now: number): Held[] {
		if (this.linkHolds.length === 0) {
			return [];
		}

		const released: Held[] = [];
		for (let index = 0; index < this.detained.length;) {
			const held = this.detained[index]!;
			if (held.hold.until <= now) {
				released.push(held);
				this.detained.splice(index, 1);
			} else {
				index++;
			}
		}

		this.linkHolds = this.linkHolds.filter((hold) => hold.until > now);
		return released;
	}

	/** A heal ends the cuts by type too. */
	heal(): void {
		this.filters = [];
	}

	/** Faults stop: every replica thaws, no more messages are held or sent the long way (those on their way arrive when due). */
	end(now: number): void {
		this.frozenUntil.fill(0);
		this.tail = {rate: 0, ms: 0};
		this.holdUntil = Math.min(this.holdUntil, now);
		this.filters = [];
		for (const hold of this.linkHolds) {
			hold.until = Math.min(hold.until, now);
		}
	}

	/** A message that waited for a frozen replica arrives up to `jitterMs` after it thaws. */
	thawDelay(jitterMs: number): number {
		return jitterMs > 0 ? Math.floor(this.prng.next() * jitterMs * millisecond) : 0;
	}

	/**
	How long the network keeps a message sent at `now` before it sets off (virtual ns): until the
	hold's end when it is one of the held share, or a long detour now and then.
	*/
	extraDelay(now: number): number {
		let extra = 0;
		if (this.holdUntil > now && this.prng.next() < this.holdShare) {
			this.holds++;
			extra = this.holdUntil - now;
		}

		if (this.tail.rate > 0 && this.prng.next() < this.tail.rate) {
			extra += Math.floor(this.prng.next() * this.tail.ms * millisecond);
		}

		return extra;
	}
}
