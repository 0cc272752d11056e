import {at} from './array-reads.js';

/** 2^25 int32 words (128 MiB); past that the memo cache is dropped, which is sound. */
const maxCacheWords = 1 << 25;

/**
 * The configurations seen: (completed ops linearized, pending ops used, state), as a
 * hash table over one Int32Array arena, entry = [next entry offset, hash, state, failed,
 * ...completed bits, ...pending bits]. Flat storage keeps millions of configurations
 * cheap for the garbage collector.
 *
 * Besides exact repeats (Lowe's memoization) it prunes dominated configurations: using
 * fewer pending ops never hurts, since any of them may still be applied later or left out,
 * so if (done, used, state) failed then (done, used', state) fails for every used' ⊇ used.
 * Only entries already known to have failed are used that way, never ones still on the
 * search path.
 */
export class ConfigurationCache {
	readonly #doneWords: number;
	readonly #pendingWords: number;
	readonly #stride: number;
	#arena = new Int32Array(1 << 16);
	#used = 0;
	#buckets = new Int32Array(1 << 10).fill(-1);
	#count = 0;
	/** Bumped when the cache is dropped, which invalidates every offset handed out. */
	#epoch = 0;

	constructor(doneWords: number, pendingWords: number) {
		this.#doneWords = doneWords;
		this.#pendingWords = pendingWords;
		this.#stride = 4 + doneWords + pendingWords;
	}

	/**
	 * Records the configuration and returns its entry, or -1 if it was seen before or is
	 * dominated by one that failed (either way there is nothing new to find from it).
	 */
	enter(hash: number, state: number, done: Int32Array, pending: Int32Array): number {
		const arena = this.#arena;
		for (let offset = at(this.#buckets, hash & (this.#buckets.length - 1)); offset !== -1;) {
			if (
				arena[offset + 1] === hash &&
				arena[offset + 2] === state &&
				this.#sameDone(offset, done)
			) {
				const used = this.#compareUsed(offset, pending);
				if (used === 0 || (used === 1 && arena[offset + 3] === 1)) {
					return -1;
				}
			}

			offset = at(arena, offset);
		}

		this.#reserve();
		const offset = this.#used;
		this.#used += this.#stride;
		this.#arena[offset + 1] = hash;
		this.#arena[offset + 2] = state;
		this.#arena[offset + 3] = 0;
		this.#arena.set(done, offset + 4);
		this.#arena.set(pending, offset + 4 + this.#doneWords);
		this.#link(offset);
		this.#count++;
		return offset;
	}

	get epoch(): number {
		return this.#epoch;
	}

	/** Marks an entry `enter` returned during `epoch` as explored without success. */
	markFailed(offset: number, epoch: number): void {
		// Entries from before a drop no longer exist (and their offsets were reused).
		if (epoch === this.#epoch) {
			this.#arena[offset + 3] = 1;
		}
	}

	#sameDone(offset: number, done: Int32Array): boolean {
		const arena = this.#arena;
		for (let w = 0; w < this.#doneWords; w++) {
			if (arena[offset + 4 + w] !== done[w]) {
				return false;
			}
		}

		return true;
	}

	/** 0: same pending ops used; 1: the entry used a strict subset; 2: neither. */
	#compareUsed(offset: number, pending: Int32Array): number {
		const arena = this.#arena;
		const base = offset + 4 + this.#doneWords;
		let same = true;
		for (let w = 0; w < this.#pendingWords; w++) {
			const theirs = at(arena, base + w);
			const ours = at(pending, w);
			if ((theirs & ~ours) !== 0) {
				return 2;
			}

			same &&= theirs === ours;
		}

		return same ? 0 : 1;
	}

	#reserve(): void {
		if (this.#used + this.#stride <= this.#arena.length) {
			return;
		}

		if (this.#arena.length * 2 > maxCacheWords) {
			// Forgetting configurations only costs repeated work; the search stays exact.
			this.#used = 0;
			this.#count = 0;
			this.#epoch++;
			this.#buckets.fill(-1);
			return;
		}

		const arena = new Int32Array(this.#arena.length * 2);
		arena.set(this.#arena.subarray(0, this.#used));
		this.#arena = arena;
		// Keep the load factor at most one per bucket.
		if (this.#count * 2 > this.#buckets.length) {
			this.#buckets = new Int32Array(this.#buckets.length * 4).fill(-1);
			for (let offset = 0; offset < this.#used; offset += this.#stride) {
				this.#link(offset);
			}
		}
	}

	#link(offset: number): void {
		const bucket = at(this.#arena, offset + 1) & (this.#buckets.length - 1);
		this.#arena[offset] = at(this.#buckets, bucket);
		this.#buckets[bucket] = offset;
	}
}

/** 32-bit finalizer (murmur3 fmix32). */
export function mix(value: number): number {
	let x = value;
	x = Math.imul(x ^ (x >>> 16), 0x85_eb_ca_6b);
	x = Math.imul(x ^ (x >>> 13), 0xc2_b2_ae_35);
	return x ^ (x >>> 16);
}
