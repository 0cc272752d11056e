import type {Telemetry} from '../telemetry/telemetry.js';
import type {LoggedAction} from './action-log.js';
import {Playback} from './playback.js';
import {PlaybackOperator} from './playback-operator.js';
import type {Session} from './session-file.js';
import {ReplayStream, type ReplayVerdict, startReplay} from './session-replay.js';

/**
A recorded session replayed on the screen: the same rounds as the headless replay, each at its
virtual time over the speed (pause, `n` and `<` `>` act on it), up to the recorded end; then the
same verdict (`compare`): identical, or the first event that differs. What the user does meanwhile
is taken like any action, so acting makes the replay differ, and the verdict says where. Acting in
its past forks a new timeline instead: the replay stops there, and gives no verdict (the new
timeline is not the recording's).
*/
export class ReplayShow {
	static async start(
		session: Session,
		options: {
			readonly telemetry?: Telemetry;
			readonly startTimeoutMs?: number;
			/** Start with time stopped (`--paused`): space plays, `n` and `t` step. */
			readonly paused?: boolean;
		} = {},
	): Promise<ReplayShow> {
		const stream = new ReplayStream(session);
		const cluster = await startReplay(session, stream.take, {
			paused: true,
			telemetry: options.telemetry,
			startTimeoutMs: options.startTimeoutMs,
		});
		// A fork replays the recording's actions before the fork point on the recorded settings.
		const fork = async (actions: readonly LoggedAction[], telemetry: Telemetry) =>
			startReplay({...session, actions}, () => undefined, {
				paused: true,
				telemetry,
				startTimeoutMs: options.startTimeoutMs,
			});
		const operator = new PlaybackOperator(cluster, new Playback(cluster, options.paused), fork);
		return new ReplayShow(session, operator, stream);
	}

	private constructor(
		readonly session: Session,
		readonly operator: PlaybackOperator,
		private readonly stream: ReplayStream,
	) {}

	/** Plays the recording to its end; resolves with the verdict (undefined when stopped or forked before the end). */
	async play(): Promise<ReplayVerdict | undefined> {
		const {cluster, playback} = this.operator;
		// The actions at 0 first: what they queue moves the next round (as each round's last do).
		await cluster.applyDueActions();
		while (cluster.nextRoundAt() < this.session.end.end) {
			if (!this.operator.playing) {
				return undefined;
			}

			await playback.round();
		}

		await cluster.applyDueActions();
		await cluster.halt();
		const verdict = this.stream.verdict();
		this.operator.finish();
		return verdict;
	}
}
