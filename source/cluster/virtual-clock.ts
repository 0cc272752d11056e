import {performance} from 'node:perf_hooks';

/** The speeds time can run at, against wall time. */
export const speeds = [1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01] as const;

const nsPerMs = 1_000_000;

/**
The process cluster's virtual time, in ns since the cluster started: it runs at `speed` × wall
time, and stands still while paused. A live cluster's ticks and delays are measured on it; a
seeded one paces its rounds by it (and may fall behind it, never run ahead).
*/
export class VirtualClock {
	private speedValue = 1;
	private stopped = true;
	private baseVirtual = 0;
	private baseWall = performance.now();

	get speed(): number {
		return this.speedValue;
	}

	get paused(): boolean {
		return this.stopped;
	}

	now(): number {
		return this.stopped
			? this.baseVirtual
			: this.baseVirtual + (performance.now() - this.baseWall) * nsPerMs * this.speedValue;
	}

	/** Throws a RangeError for a speed not in `speeds`. */
	setSpeed(speed: number): void {
		if (!(speeds as readonly number[]).includes(speed)) {
			throw new RangeError(`speed must be one of ${speeds.join(', ')} (got ${speed})`);
		}

		this.set(this.now());
		this.speedValue = speed;
	}

	pause(): void {
		this.baseVirtual = this.now();
		this.stopped = true;
	}

	resume(): void {
		this.baseWall = performance.now();
		this.stopped = false;
	}

	/** Virtual time is `time` now (and runs on from it unless paused). */
	set(time: number): void {
		this.baseVirtual = time;
		this.baseWall = performance.now();
	}

	/** Wall ms until virtual time reaches `time` (infinity while paused). */
	wallMsUntil(time: number): number {
		if (this.stopped) {
			return Number.POSITIVE_INFINITY;
		}

		return Math.max(0, (time - this.now()) / nsPerMs / this.speedValue);
	}
}
