import type {LoggedAction} from '../cluster/action-log.js';
import {Playback} from '../cluster/playback.js';
import {PlaybackOperator} from '../cluster/playback-operator.js';
import type {ProcessCluster} from '../cluster/process-cluster.js';
import {SessionRecorder} from '../cluster/session-recorder.js';
import type {Telemetry} from '../telemetry/telemetry.js';
import {LessonPlayer, startLessonCluster} from './lesson-player.js';
import type {Scenario} from './scenario.js';

/** How fast a lesson plays on the screen at first (a 10 ms tick takes 50 ms): `<` `>` change it. */
export const lessonSpeed = 0.2;

/** What the caption pane shows of a lesson on the screen. */
export type CaptionState = {
	readonly lesson: string;
	readonly summary: string;
	/** The step playing or last played, from 1. */
	readonly step: number;
	readonly steps: number;
	/**
	`watch`: the step plays (what to watch for); `pause`: a pause point, waiting for space;
	`done`: every step played; `failed`: a step's wait ran out (the run went elsewhere);
	`forked`: the user acted in the lesson's past, and the lesson left its script there.
	*/
	readonly phase: 'watch' | 'pause' | 'done' | 'failed' | 'forked';
	/** What to watch for in the step that plays. */
	readonly watch: string | undefined;
	/** What the last step played did, in the run's numbers, and when (virtual ms). */
	readonly caption: string | undefined;
	readonly atMs: number | undefined;
	/** Why it failed. */
	readonly error: string | undefined;
	/** Forked: the message of the lesson's timeline the new one starts after. */
	readonly forkedAt: number | undefined;
};

export type LessonShowOptions = {
	/** The operator's bus, for a screen. */
	readonly telemetry?: Telemetry;
	readonly startTimeoutMs?: number;
	/**
	Records the session (`--record`): the lesson's timeline, and after a fork the new one, each
	from the start (the actions before the fork point replayed, then the new ones) to the same
	file, which the last one to stop writes.
	*/
	readonly recorder?: SessionRecorder;
};

/**
A lesson played on the screen: the player's steps, each round paced by the playback (so pause,
`n` and `<` `>` act on it), stopping at each pause point until released (space). The operator's
other keys act on the lesson's cluster at any moment, as they would on any. Acting in its past
forks: the lesson's actions before that point are replayed into fresh processes, and the lesson
stops there (its script is the old timeline's); the caption pane says so.
*/
export class LessonShow {
	static async start(scenario: Scenario, options: LessonShowOptions = {}): Promise<LessonShow> {
		const {recorder} = options;
		const player = await LessonPlayer.start(scenario, {
			telemetry: options.telemetry,
			startTimeoutMs: options.startTimeoutMs,
			...(recorder === undefined
				? {}
				: {
						events: recorder.take,
						beforeStop: async () => recorder.finish(player.cluster),
					}),
		});
		player.cluster.setSpeed(lessonSpeed);
		const fork = async (
			actions: readonly LoggedAction[],
			telemetry: Telemetry,
		): Promise<ProcessCluster> => {
			const forked =
				recorder === undefined
					? undefined
					: new SessionRecorder(recorder.file, recorder.seed, recorder.settings);
			const cluster: ProcessCluster = await startLessonCluster(scenario, {
				telemetry,
				startTimeoutMs: options.startTimeoutMs,
				actions,
				...(forked === undefined
					? {}
					: {
							events: forked.take,
							beforeStop: async () => forked.finish(cluster),
						}),
			});
			return cluster;
		};

		return new LessonShow(player, fork);
	}

	readonly operator: PlaybackOperator;
	#state: CaptionState;
	readonly #listeners = new Set<() => void>();

	private constructor(
		readonly player: LessonPlayer,
		fork: ConstructorParameters<typeof PlaybackOperator>[2],
	) {
		const {scenario, cluster} = player;
		this.operator = new PlaybackOperator(cluster, new Playback(cluster), fork);
		this.operator.onFork((point) => {
			this.#set({phase: 'forked', forkedAt: point.delivered, watch: undefined, error: undefined});
		});
		this.#state = {
			lesson: scenario.name,
			summary: scenario.summary,
			step: 1,
			steps: scenario.steps.length,
			phase: 'watch',
			watch: scenario.steps[0]?.watch,
			caption: undefined,
			atMs: undefined,
			error: undefined,
			forkedAt: undefined,
		};
	}

	get state(): CaptionState {
		return this.#state;
	}

	/** Calls `listener` whenever the state changes; returns the unsubscribe. */
	onChange(listener: () => void): () => void {
		this.#listeners.add(listener);
		return () => {
			this.#listeners.delete(listener);
		};
	}

	/** Plays every step; resolves at the end (or when stopped), never rejects: a failure is the state's. */
	async play(): Promise<void> {
		const {player, operator} = this;
		const {playback} = operator;
		try {
			while (!player.done && operator.playing) {
				const step = player.scenario.steps[player.next]!;
				this.#set({phase: 'watch', step: player.next + 1, watch: step.watch});

				const outcome = await player.playStep(async () => {
					if (!operator.playing) {
						// Stopped (quit, or another lesson): the step's wait ends here.
						throw new Error('the lesson was stopped');
					}

					return playback.round();
				});
				if (outcome === undefined || !operator.playing) {
					return;
				}

				const last = player.done;
				const pausing = step.pause === true && !last;
				// Held (or done) before the pane says so: the screen never shows a pause point running.
				if (pausing) {
					playback.pausePoint();
				} else if (last) {
					operator.finish();
				}

				this.#set({
					phase: last ? 'done' : pausing ? 'pause' : 'watch',
					caption: outcome.caption,
					atMs: outcome.atMs,
					watch: undefined,
				});
				if (pausing) {
					await playback.released();
				}
			}
		} catch (error) {
			if (operator.playing) {
				this.#set({phase: 'failed', error: error instanceof Error ? error.message : String(error)});
			}
		} finally {
			operator.finish();
		}
	}

	#set(change: Partial<CaptionState>): void {
		this.#state = {...this.#state, ...change};
		for (const listener of this.#listeners) {
			listener();
		}
	}
}
