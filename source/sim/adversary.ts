import type {Prng} from '../vsr/prng.js';
import {type Fault, millisecond} from './faults.js';

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

	constructor(
		replicaCount: number,
		private readonly prng: Prng,
		/** Share of messages that take a long detour, and how long it may be (ms). */
		private tail: {readonly rate: number; readonly ms: number} = {rate: 0, ms: 0},
	) {
		this.frozenUntil = Array.from({length: replicaCount}, () => 0);
	}

	apply(fault: Extract<Fault, {kind: 'freeze' | 'hold'}>): void {
		if (fault.kind === 'freeze') {
			this.frozenUntil[fault.replica] = Math.max(this.frozenUntil[fault.replica]!, fault.until);
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

	/** Faults stop: every replica thaws, no more messages are held or sent the long way (those on their way arrive when due). */
	end(now: number): void {
		this.frozenUntil.fill(0);
		this.tail = {rate: 0, ms: 0};
		this.holdUntil = Math.min(this.holdUntil, now);
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
