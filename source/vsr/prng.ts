/**
 * A small, fast, seedable generator (SplitMix32 seeding a xoshiro128**):
 * the same seed gives the same sequence on every machine, which is what
 * makes a simulator run reproducible.
 */
export class Prng {
	private a: number;
	private b: number;
	private c: number;
	private d: number;

	constructor(seed: number) {
		let s = seed >>> 0;
		const next = () => {
			s = (s + 0x9e_37_79_b9) | 0;
			let z = s;
			z = Math.imul(z ^ (z >>> 16), 0x85_eb_ca_6b);
			z = Math.imul(z ^ (z >>> 13), 0xc2_b2_ae_35);
			return (z ^ (z >>> 16)) >>> 0;
		};

		this.a = next();
		this.b = next();
		this.c = next();
		this.d = next();
	}

	/** A uniform 32-bit unsigned integer. */
	nextUint32(): number {
		const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
		const t = this.b << 9;
		this.c ^= this.a;
		this.d ^= this.b;
		this.b ^= this.c;
		this.a ^= this.d;
		this.c ^= t;
		this.d = rotl(this.d, 11);
		return result;
	}

	/** A uniform float in [0, 1). */
	next(): number {
		return this.nextUint32() / 4_294_967_296;
	}

	/** A uniform integer in [0, n). */
	int(n: number): number {
		return Math.floor(this.next() * n);
	}

	/** True with this probability. */
	chance(probability: number): boolean {
		return probability > 0 && this.next() < probability;
	}

	/** One of the items, uniformly; throws on an empty list. */
	pick<T>(items: readonly T[]): T {
		const item = items[this.int(items.length)];
		if (item === undefined) {
			throw new RangeError('pick from an empty list');
		}

		return item;
	}
}

/**
 * One seed from several numbers (a session's seed, a replica's id, its incarnation …): each
 * combination gets its own stream, the same on every machine.
 */
export function mixSeed(...parts: readonly number[]): number {
	let hash = 0x81_1c_9d_c5;
	for (const part of parts) {
		hash = Math.imul(hash ^ (part >>> 0), 0x01_00_01_93);
		hash = Math.imul(hash ^ Math.floor(part / 4_294_967_296), 0x01_00_01_93);
		hash ^= hash >>> 15;
	}

	return hash >>> 0;
}

function rotl(x: number, k: number): number {
	return (x << k) | (x >>> (32 - k));
}
