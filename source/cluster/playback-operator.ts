import type {KvOperation} from '../vsr/kv-store.js';
import {DelegatingControls} from './delegating-controls.js';
import {ForkingCluster, type StartSeeded} from './forking-cluster.js';
import type {
	ClusterSnapshot,
	DeliveryReport,
	Forkable,
	ForkPoint,
	ForkWatcher,
	InFlightMessage,
	LinkFaults,
	MessageEvent,
	OperatorControls,
	RequestOutcome,
	TelemetrySummary,
} from './operator-api.js';
import type {Playback} from './playback.js';
import type {ProcessCluster} from './process-cluster.js';

/** A tick of the replicas' clocks (ms of virtual time), as `t` lets it pass. */
const tickMs = 10;

/**
The operator's controls on a cluster that a driver plays (a lesson, a replay): every action goes
to the cluster as the operator's would, but time is the playback's while it plays. Pause and
resume hold and release it, and `n` plays the driver's rounds on to the next delivered message,
so stepping keeps the run the driver's. Once the driver is done (`finish`), time is the cluster's
own again: space lets it run on, seeded, from where the driver left it.

Given a way to start the run's cluster again (`start`), it can fork (time travel: acting in the
past): the driver's actions before the fork point are replayed into fresh processes, and the
driver stops there (its script is the old timeline's), so time is the operator's from then on.
*/
export class PlaybackOperator extends DelegatingControls {
	#playing = true;
	/** Where every action goes: the current timeline's cluster (the driver's until a fork). */
	readonly #controls: ProcessCluster | ForkingCluster;
	readonly #forking: ForkingCluster | undefined;
	readonly #forkListeners = new Set<(point: ForkPoint) => void>();
	#forkable: Forkable | undefined;

	/** `cluster` is the driver's; `start` (a seeded cluster like it, replaying actions) makes forks. */
	constructor(
		readonly cluster: ProcessCluster,
		readonly playback: Playback,
		start?: StartSeeded,
	) {
		super();
		this.#forking = start === undefined ? undefined : new ForkingCluster(cluster, start);
		this.#controls = this.#forking ?? cluster;
	}

	get telemetry(): ProcessCluster['telemetry'] {
		return this.cluster.telemetry;
	}

	/**
	The run can fork when it was given a `start`. A fork stops the driver once the new timeline is
	up (until then it stays held where it is, and stays the driver's if the fork fails).
	*/
	forkable(): Forkable | undefined {
		const forking = this.#forking;
		if (forking === undefined) {
			return undefined;
		}

		this.#forkable ??= {
			get forks() {
				return forking.forks;
			},
			actions: () => forking.actions(),
			fork: async (point: ForkPoint, watch?: ForkWatcher) => {
				const {speed} = forking.snapshot();
				await forking.fork(point, watch);
				this.finish();
				// The new timeline keeps the pace the run was shown at.
				forking.setSpeed(speed);
				for (const listener of this.#forkListeners) {
					listener(point);
				}
			},
		};
		return this.#forkable;
	}

	/** Calls `listener` after each fork (the driver has stopped); returns the unsubscribe. */
	onFork(listener: (point: ForkPoint) => void): () => void {
		this.#forkListeners.add(listener);
		return () => {
			this.#forkListeners.delete(listener);
		};
	}

	/** Whether the driver still plays the run. */
	get playing(): boolean {
		return this.#playing;
	}

	/** The driver is done: time is the cluster's own from here (still stopped). */
	finish(): void {
		this.#playing = false;
		this.playback.stop();
	}

	override snapshot(): ClusterSnapshot {
		const snapshot = this.#controls.snapshot();
		if (!this.#playing) {
			return snapshot;
		}

		const paused = this.playback.held;
		return {...snapshot, paused, held: paused ? snapshot.inFlight : 0, played: true};
	}

	onTelemetryReport(listener: (summary: TelemetrySummary) => void): () => void {
		return this.#controls.onTelemetryReport(listener);
	}

	override onMessage(listener: (event: MessageEvent) => void): () => void {
		return this.#controls.onMessage(listener);
	}

	override pause(): void {
		if (this.#playing) {
			this.playback.hold();
		} else {
			this.#controls.pause();
		}
	}

	override resume(): void {
		if (this.#playing) {
			this.playback.release();
		} else {
			this.#controls.resume();
		}
	}

	/** Playing: the driver's rounds up to the next one that delivers a message (ticks before it pass), or to a pause point. */
	override async deliverNext(): Promise<DeliveryReport | undefined> {
		if (!this.#playing) {
			return this.#controls.deliverNext();
		}

		const {pausePoints} = this.playback;
		for (let rounds = 0; rounds < 10_000 && this.#playing; rounds++) {
			const reports = await this.playback.step();
			if (reports.length > 0 || this.playback.pausePoints !== pausePoints) {
				return reports[0];
			}
		}

		return undefined;
	}

	override step(): boolean {
		const any = this.#controls.inFlight(1).length > 0;
		void this.deliverNext().catch(() => undefined);
		return any;
	}

	override setSpeed(speed: number): void {
		this.#controls.setSpeed(speed);
		this.playback.nudge();
	}

	/** Playing: the driver's rounds until a tick's worth of virtual time has passed (or a pause point comes). */
	override async advanceTick(): Promise<readonly DeliveryReport[]> {
		if (!this.#playing) {
			return this.#controls.advanceTick();
		}

		const until = this.#controls.snapshot().virtualTimeMs + tickMs;
		const reports: DeliveryReport[] = [];
		const {pausePoints} = this.playback;
		while (
			this.#playing &&
			this.#controls.snapshot().virtualTimeMs < until &&
			this.playback.pausePoints === pausePoints
		) {
			reports.push(...(await this.playback.step()));
		}

		return reports;
	}

	protected get inner(): ProcessCluster | ForkingCluster {
		return this.#controls;
	}

	/** Stops the current timeline's cluster (and a fork under way). */
	override async stop(): Promise<void> {
		this.finish();
		await this.#controls.stop();
	}
}
