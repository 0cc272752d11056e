import type {DeliveryReport} from './operator-api.js';
import type {ProcessCluster} from './process-cluster.js';

/** The longest wall-clock wait between two rounds, whatever the speed (a quiet run still moves). */
const maxWaitMs = 2000;

/**
A seeded cluster played on the screen round by round by a driver (a lesson, a replay), the
cluster's own clock stopped: each round waits its virtual time over the cluster's speed in wall
time (`<` `>` change it), or, held (paused, or a lesson's pause point), until released or until
a step (`n`) asks for one round. The driver calls `round()` where a headless run calls
`advanceRound()`, so the run is the same round for round.
*/
export class Playback {
	#held: boolean;
	#stopped = false;
	#wake: (() => void) | undefined;
	readonly #steps: Array<(reports: readonly DeliveryReport[]) => void> = [];
	readonly #releases: Array<() => void> = [];
	/** Answers the last step once the driver has read its round (at its next round, or a pause point). */
	#answer: (() => void) | undefined;
	#pausePoints = 0;

	constructor(
		private readonly cluster: ProcessCluster,
		held = false,
	) {
		this.#held = held;
	}

	get held(): boolean {
		return this.#held;
	}

	/** Stops before the next round (pause). */
	hold(): void {
		this.#held = true;
		this.#wakeUp();
	}

	/**
	The driver stops at a pause point (a lesson's): held, and a step that led here ends here, so
	that `n` and `t` never run past a pause point.
	*/
	pausePoint(): void {
		this.#pausePoints++;
		this.hold();
		this.#settle();
	}

	/** Something changed (the speed): the wait for the next round is measured again now. */
	nudge(): void {
		this.#wakeUp();
	}

	/** How many pause points the driver reached so far. */
	get pausePoints(): number {
		return this.#pausePoints;
	}

	/** Goes on from where it stands (resume, or on from a pause point). */
	release(): void {
		this.#held = false;
		for (const resolve of this.#releases.splice(0)) {
			resolve();
		}

		this.#wakeUp();
	}

	/** Resolves when released, or when a step asks for a round (at once if it is not held). */
	async released(): Promise<void> {
		if (!this.#held || this.#stopped || this.#steps.length > 0) {
			return;
		}

		await new Promise<void>((resolve) => {
			this.#releases.push(resolve);
		});
	}

	/** Held: plays one round of the driver's; resolves with what it delivered. */
	async step(): Promise<readonly DeliveryReport[]> {
		return new Promise((resolve) => {
			this.#steps.push(resolve);
			for (const proceed of this.#releases.splice(0)) {
				proceed();
			}

			this.#wakeUp();
		});
	}

	/** Whether a step waits for the driver's next round. */
	get stepping(): boolean {
		return this.#steps.length > 0;
	}

	/** No more rounds: the driver's waits end, steps asked for resolve with nothing. */
	stop(): void {
		this.#stopped = true;
		this.release();
		this.#settle();
		for (const resolve of this.#steps.splice(0)) {
			resolve([]);
		}
	}

	/** The driver's next round, once its time has come on the screen (or a step asked for it). */
	async round(): Promise<readonly DeliveryReport[]> {
		// The driver read the round before: the step that played it is done.
		this.#settle();
		const fromWall = performance.now();
		const fromNs = this.cluster.snapshot().virtualTimeMs * 1e6;
		let step: ((reports: readonly DeliveryReport[]) => void) | undefined;
		for (;;) {
			if (this.#stopped) {
				return [];
			}

			if (this.#held) {
				step = this.#steps.shift();
				if (step !== undefined) {
					break;
				}

				await this.#sleep(maxWaitMs);
				continue;
			}

			const {speed} = this.cluster.snapshot();
			const dueMs = (this.cluster.nextRoundAt() - fromNs) / 1e6 / speed;
			const waitMs = Math.min(maxWaitMs, dueMs) - (performance.now() - fromWall);
			if (waitMs < 1) {
				break;
			}

			await this.#sleep(waitMs);
		}

		step ??= this.#steps.shift();
		const reports = await this.cluster.advanceRound();
		if (step !== undefined) {
			this.#answer = () => {
				step(reports);
			};
		}

		return reports;
	}

	#settle(): void {
		const answer = this.#answer;
		this.#answer = undefined;
		answer?.();
	}

	#wakeUp(): void {
		this.#wake?.();
	}

	async #sleep(ms: number): Promise<void> {
		await new Promise<void>((resolve) => {
			const timer = setTimeout(done, ms);
			function done(): void {
				clearTimeout(timer);
				resolve();
			}

			this.#wake = done;
		});
		this.#wake = undefined;
	}
}
