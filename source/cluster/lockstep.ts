import type {RoundScheduler} from '../net/scheduler.js';
import type {Message} from '../vsr/messages.js';
import type {VirtualClock} from './virtual-clock.js';

/** A seeded session that cannot keep up with its speed falls behind by at most this, then runs slower. */
const maxLagNs = 50_000_000;

/** What the round loop needs of the process cluster. */
export type LockstepHost = {
	readonly clock: VirtualClock;
	readonly scheduler: RoundScheduler<Message>;
	/** Time may not move: it is paused, a replica is starting, the cluster is being reset. */
	held(): boolean;
	stopped(): boolean;
	/** Takes the replayed actions whose time has come (between rounds); true when it took any. */
	replayDue(): boolean;
	/** Plays the round of the scheduler that starts at `start`. */
	playRound(start: number): Promise<unknown>;
};

/**
A seeded session's loop: round after round, paced by the clock (a round starts once the clock has
reached it, give or take a millisecond of wall time); between rounds, the replayed actions whose
time has come. Every turn, step and action runs after those asked before it (`serially`), so
rounds, steps and actions keep one order. A session that cannot keep up falls behind its clock,
then runs slower: it never rushes to catch up.
*/
export class Lockstep {
	private turns: Promise<unknown> = Promise.resolve();
	private wake: (() => void) | undefined;

	constructor(private readonly host: LockstepHost) {}

	/** Runs `task` after the turns, steps and actions asked before it. */
	async serially<T>(task: () => Promise<T>): Promise<T> {
		const run = this.turns.then(task, task);
		this.turns = run.catch(() => undefined);
		return run;
	}

	/** Something changed (an action, pause, speed, a replica up, stop): look again now. */
	wakeUp(): void {
		this.wake?.();
	}

	async run(): Promise<void> {
		const {host} = this;
		const {clock, scheduler} = host;
		while (!host.stopped()) {
			if (host.held()) {
				await this.sleep(50);
				continue;
			}

			const wait = await this.serially(async () => {
				// What a replayed action queued (a delivery, a forced timeout) comes before the next round.
				if (host.replayDue() || host.held() || host.stopped()) {
					return 0;
				}

				const start = scheduler.nextStart();
				const wait = clock.wallMsUntil(start);
				if (wait >= 1) {
					return wait;
				}

				await host.playRound(start);
				if (clock.now() - scheduler.now > maxLagNs) {
					clock.set(scheduler.now + maxLagNs);
				}

				return 0;
			});
			if (wait > 0) {
				await this.sleep(wait);
			}
		}
	}

	/** Waits `ms` of wall time (a second at most), or until woken. */
	private async sleep(ms: number): Promise<void> {
		await new Promise<void>((resolve) => {
			const timer = setTimeout(done, Math.min(ms, 1000));
			function done(): void {
				clearTimeout(timer);
				resolve();
			}

			this.wake = done;
		});
		this.wake = undefined;
	}
}
