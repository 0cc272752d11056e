/**
 * One of the replica's timeouts, counted in ticks (TigerBeetle's `Timeout`, src/vsr.zig):
 * the replica ticks the timeouts that its status runs, acts on one that fired, and resets
 * it when what it waits for happens.
 */
export class Timeout {
	private ticks = 0;
	private after: number;

	/** `base`: the duration in ticks, and the lower bound of a `backoff` draw. */
	constructor(private readonly base: number) {
		this.after = base;
	}

	tick(): void {
		this.ticks++;
	}

	fired(): boolean {
		return this.ticks >= this.after;
	}

	/** Time runs out now: it has fired (until reset), whatever its count. */
	expire(): void {
		this.ticks = this.after;
	}

	/** Counts again from zero. */
	reset(): void {
		this.ticks = 0;
	}

	/**
	 * Counts again from zero towards a new random duration in [base, 2·base): replicas
	 * that started waiting together do not all give up at once. (There is no growth from
	 * attempt to attempt, unlike TigerBeetle's: the protocol does not need it.)
	 */
	backoff(random: () => number): void {
		this.ticks = 0;
		this.after = this.base + Math.floor(random() * this.base);
	}
}
