import type {KvOperation} from '../vsr/kv-store.js';
import type {
	ClusterSnapshot,
	DeliveryReport,
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
*/
export class PlaybackOperator implements OperatorControls {
	#playing = true;

	constructor(
		readonly cluster: ProcessCluster,
		readonly playback: Playback,
	) {}

	get telemetry(): ProcessCluster['telemetry'] {
		return this.cluster.telemetry;
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

	snapshot(): ClusterSnapshot {
		const snapshot = this.cluster.snapshot();
		if (!this.#playing) {
			return snapshot;
		}

		const paused = this.playback.held;
		return {...snapshot, paused, held: paused ? snapshot.inFlight : 0, played: true};
	}

	onTelemetryReport(listener: (summary: TelemetrySummary) => void): () => void {
		return this.cluster.onTelemetryReport(listener);
	}

	onMessage(listener: (event: MessageEvent) => void): () => void {
		return this.cluster.onMessage(listener);
	}

	pause(): void {
		if (this.#playing) {
			this.playback.hold();
		} else {
			this.cluster.pause();
		}
	}

	resume(): void {
		if (this.#playing) {
			this.playback.release();
		} else {
			this.cluster.resume();
		}
	}

	/** Playing: the driver's rounds up to the next one that delivers a message (ticks before it pass), or to a pause point. */
	async deliverNext(): Promise<DeliveryReport | undefined> {
		if (!this.#playing) {
			return this.cluster.deliverNext();
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

	step(): boolean {
		const any = this.cluster.inFlight(1).length > 0;
		void this.deliverNext().catch(() => undefined);
		return any;
	}

	async submit(operation?: KvOperation): Promise<RequestOutcome> {
		return this.cluster.submit(operation);
	}

	burst(count: number): void {
		this.cluster.burst(count);
	}

	setLoad(on: boolean): void {
		this.cluster.setLoad(on);
	}

	crash(node: number): void {
		this.cluster.crash(node);
	}

	restart(node: number): void {
		this.cluster.restart(node);
	}

	crashAll(): void {
		this.cluster.crashAll();
	}

	restartAll(): void {
		this.cluster.restartAll();
	}

	isolate(node: number): void {
		this.cluster.isolate(node);
	}

	partition(sideA: readonly number[], sideB: readonly number[]): void {
		this.cluster.partition(sideA, sideB);
	}

	heal(): void {
		this.cluster.heal();
	}

	setDropRate(rate: number): void {
		this.cluster.setDropRate(rate);
	}

	setDelay(ms: number): void {
		this.cluster.setDelay(ms);
	}

	setSpeed(speed: number): void {
		this.cluster.setSpeed(speed);
		this.playback.nudge();
	}

	inFlight(limit?: number): InFlightMessage[] {
		return this.cluster.inFlight(limit);
	}

	async deliver(id: number): Promise<DeliveryReport | undefined> {
		return this.cluster.deliver(id);
	}

	drop(id: number): boolean {
		return this.cluster.drop(id);
	}

	/** Playing: the driver's rounds until a tick's worth of virtual time has passed (or a pause point comes). */
	async advanceTick(): Promise<readonly DeliveryReport[]> {
		if (!this.#playing) {
			return this.cluster.advanceTick();
		}

		const until = this.cluster.snapshot().virtualTimeMs + tickMs;
		const reports: DeliveryReport[] = [];
		const {pausePoints} = this.playback;
		while (
			this.#playing &&
			this.cluster.snapshot().virtualTimeMs < until &&
			this.playback.pausePoints === pausePoints
		) {
			reports.push(...(await this.playback.step()));
		}

		return reports;
	}

	forceTimeout(node: number): void {
		this.cluster.forceTimeout(node);
	}

	setDeaf(node: number, on: boolean): void {
		this.cluster.setDeaf(node, on);
	}

	setMute(node: number, on: boolean): void {
		this.cluster.setMute(node, on);
	}

	freeze(node: number, on: boolean): void {
		this.cluster.freeze(node, on);
	}

	setCut(from: number, to: number, on: boolean): void {
		this.cluster.setCut(from, to, on);
	}

	setNodeFaults(node: number, faults: Partial<LinkFaults>): void {
		this.cluster.setNodeFaults(node, faults);
	}

	setLinkFaults(from: number, to: number, faults: Partial<LinkFaults>): void {
		this.cluster.setLinkFaults(from, to, faults);
	}

	linkFaults(from: number, to: number): LinkFaults {
		return this.cluster.linkFaults(from, to);
	}

	async reset(): Promise<void> {
		return this.cluster.reset();
	}

	async stop(): Promise<void> {
		this.finish();
		await this.cluster.stop();
	}
}
