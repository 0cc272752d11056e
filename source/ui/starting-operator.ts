/**
The operator while the cluster starts: the screen opens at once and shows every
node as `starting`; the telemetry bus is the cluster's own from the first moment.
Actions wait for nothing: until the cluster is up they fail with a message the
status line shows (a request waits for the cluster instead). Once the cluster is
up, everything goes to it.
*/
import {
	type ClusterSnapshot,
	type DeliveryReport,
	type Forkable,
	type InFlightMessage,
	type LinkFaults,
	type MessageEvent,
	type OperatorControls,
	type RequestOutcome,
	startingSnapshot,
	type TelemetrySummary,
} from '../cluster/operator-api.js';
import type {Telemetry} from '../telemetry/telemetry.js';
import type {KvOperation} from '../vsr/kv-store.js';

export class StartingOperator implements OperatorControls {
	readonly telemetry: Telemetry;
	/** Settles when the cluster is up (or failed to start). */
	readonly ready: Promise<OperatorControls>;
	#operator: OperatorControls | undefined;
	#failure: unknown;
	/** Subscribes to the cluster's messages while someone here listens (set once the cluster is up). */
	#listenToMessages: (() => void) | undefined;
	#placeholder: ClusterSnapshot;
	/** The cluster up now, or being replaced (undefined: none up). */
	#current: Promise<OperatorControls | undefined>;
	#unsubscribeReports: (() => void) | undefined;
	#unsubscribeMessages: (() => void) | undefined;
	readonly #reportListeners = new Set<(summary: TelemetrySummary) => void>();
	readonly #messageListeners = new Set<(event: MessageEvent) => void>();

	constructor(
		replicas: number,
		telemetry: Telemetry,
		starting: Promise<OperatorControls>,
		seed?: number,
	) {
		this.telemetry = telemetry;
		this.#placeholder = startingSnapshot(replicas, seed);

		this.ready = starting.then(
			(operator) => this.#attach(operator),
			(error: unknown) => {
				this.#failure = error;
				throw error;
			},
		);
		// The failure is read through `ready` by whoever waits for it.
		this.ready.catch(() => undefined);
		this.#current = this.ready.catch(() => undefined);
	}

	/** The cluster's, once it is up (a seeded session's forks). */
	forkable(): Forkable | undefined {
		return this.#operator?.forkable?.();
	}

	snapshot(): ClusterSnapshot {
		return this.#operator?.snapshot() ?? this.#placeholder;
	}

	/** Listeners wait for the cluster; the real operator is expected to report (the process cluster does). */
	onTelemetryReport(listener: (summary: TelemetrySummary) => void): () => void {
		this.#reportListeners.add(listener);
		return () => {
			this.#reportListeners.delete(listener);
		};
	}

	/** Listeners wait for the cluster, and the cluster reports only while one listens. */
	onMessage(listener: (event: MessageEvent) => void): () => void {
		this.#messageListeners.add(listener);
		this.#listenToMessages?.();
		return () => {
			this.#messageListeners.delete(listener);
			this.#listenToMessages?.();
		};
	}

	async submit(operation?: KvOperation): Promise<RequestOutcome> {
		const operator = await this.ready;
		return operator.submit(operation);
	}

	burst(count: number): void {
		this.#up().burst(count);
	}

	setLoad(on: boolean): void {
		this.#up().setLoad(on);
	}

	crash(node: number): void {
		this.#up().crash(node);
	}

	restart(node: number): void {
		this.#up().restart(node);
	}

	crashAll(): void {
		this.#up().crashAll();
	}

	restartAll(): void {
		this.#up().restartAll();
	}

	isolate(node: number): void {
		this.#up().isolate(node);
	}

	partition(sideA: readonly number[], sideB: readonly number[]): void {
		this.#up().partition(sideA, sideB);
	}

	heal(): void {
		this.#up().heal();
	}

	setDropRate(rate: number): void {
		this.#up().setDropRate(rate);
	}

	setDelay(ms: number): void {
		this.#up().setDelay(ms);
	}

	pause(): void {
		this.#up().pause();
	}

	resume(): void {
		this.#up().resume();
	}

	step(): boolean {
		return this.#up().step();
	}

	setSpeed(speed: number): void {
		this.#up().setSpeed(speed);
	}

	/** Nothing is in flight before the cluster is up. */
	inFlight(limit?: number): InFlightMessage[] {
		return this.#operator?.inFlight(limit) ?? [];
	}

	async deliverNext(): Promise<DeliveryReport | undefined> {
		return this.#up().deliverNext();
	}

	async deliver(id: number): Promise<DeliveryReport | undefined> {
		return this.#up().deliver(id);
	}

	drop(id: number): boolean {
		return this.#up().drop(id);
	}

	async advanceTick(): Promise<readonly DeliveryReport[]> {
		return this.#up().advanceTick();
	}

	forceTimeout(node: number): void {
		this.#up().forceTimeout(node);
	}

	setDeaf(node: number, on: boolean): void {
		this.#up().setDeaf(node, on);
	}

	setMute(node: number, on: boolean): void {
		this.#up().setMute(node, on);
	}

	freeze(node: number, on: boolean): void {
		this.#up().freeze(node, on);
	}

	setCut(from: number, to: number, on: boolean): void {
		this.#up().setCut(from, to, on);
	}

	setNodeFaults(node: number, faults: Partial<LinkFaults>): void {
		this.#up().setNodeFaults(node, faults);
	}

	setLinkFaults(from: number, to: number, faults: Partial<LinkFaults>): void {
		this.#up().setLinkFaults(from, to, faults);
	}

	linkFaults(from: number, to: number): LinkFaults {
		return this.#up().linkFaults(from, to);
	}

	async reset(): Promise<void> {
		return this.#up().reset();
	}

	/** Stops the cluster, once it is up (a cluster that failed to start has stopped already). */
	async stop(): Promise<void> {
		try {
			const operator = await this.#current;
			await operator?.stop();
		} catch {
			// It never started.
		}
	}

	/**
	Stops the cluster and starts another on the same bus (a lesson chosen with `g`): until it is up
	the screen shows its `replicas` starting, and actions fail as while the first one started.
	Resolves with the new cluster; rejects (the screen shows none) when it cannot start.
	*/
	async replace(
		next: () => Promise<OperatorControls>,
		replicas: number,
		seed?: number,
	): Promise<OperatorControls> {
		const previous = this.#current;
		const starting = (async () => {
			const old = await previous;
			this.#detach();
			this.#operator = undefined;
			this.#failure = undefined;
			this.#placeholder = startingSnapshot(replicas, seed);
			await old?.stop();
			try {
				return this.#attach(await next());
			} catch (error) {
				this.#failure = error;
				throw error;
			}
		})();
		this.#current = starting.catch(() => undefined);
		return starting;
	}

	#attach(operator: OperatorControls): OperatorControls {
		this.#operator = operator;
		this.#unsubscribeReports = operator.onTelemetryReport?.((summary) => {
			for (const listener of this.#reportListeners) {
				listener(summary);
			}
		});
		// The cluster's own listener costs only while someone here listens.
		let unsubscribe: (() => void) | undefined;
		this.#listenToMessages = () => {
			if (this.#messageListeners.size > 0 && unsubscribe === undefined) {
				unsubscribe = operator.onMessage((event) => {
					for (const listener of this.#messageListeners) {
						listener(event);
					}
				});
			} else if (this.#messageListeners.size === 0 && unsubscribe !== undefined) {
				unsubscribe();
				unsubscribe = undefined;
			}
		};

		this.#unsubscribeMessages = () => {
			unsubscribe?.();
			unsubscribe = undefined;
		};

		this.#listenToMessages();
		return operator;
	}

	/** Stops forwarding the cluster's reports and messages (it is being replaced). */
	#detach(): void {
		this.#unsubscribeReports?.();
		this.#unsubscribeMessages?.();
		this.#unsubscribeReports = undefined;
		this.#unsubscribeMessages = undefined;
		this.#listenToMessages = undefined;
	}

	#up(): OperatorControls {
		if (this.#operator === undefined) {
			throw new Error(
				this.#failure === undefined ? 'the cluster is still starting' : 'the cluster did not start',
			);
		}

		return this.#operator;
	}
}
