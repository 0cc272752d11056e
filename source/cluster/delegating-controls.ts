import type {Telemetry} from '../telemetry/telemetry.js';
import type {KvOperation} from '../vsr/kv-store.js';
import type {
	ClusterSnapshot,
	DeliveryReport,
	InFlightMessage,
	LinkFaults,
	MessageEvent,
	OperatorControls,
	RequestOutcome,
} from './operator-api.js';

/**
Operator controls that pass every call on to another's (`inner`): a face over a cluster that a
subclass may change behind it (a fork) or intercept in part (a playback's time). A subclass
overrides only what it does differently.
*/
export abstract class DelegatingControls implements OperatorControls {
	abstract readonly telemetry: Telemetry;

	snapshot(): ClusterSnapshot {
		return this.inner.snapshot();
	}

	onMessage(listener: (event: MessageEvent) => void): () => void {
		return this.inner.onMessage(listener);
	}

	async submit(operation?: KvOperation): Promise<RequestOutcome> {
		return this.inner.submit(operation);
	}

	burst(count: number): void {
		this.inner.burst(count);
	}

	setLoad(on: boolean): void {
		this.inner.setLoad(on);
	}

	crash(node: number): void {
		this.inner.crash(node);
	}

	restart(node: number): void {
		this.inner.restart(node);
	}

	crashAll(): void {
		this.inner.crashAll();
	}

	restartAll(): void {
		this.inner.restartAll();
	}

	isolate(node: number): void {
		this.inner.isolate(node);
	}

	partition(sideA: readonly number[], sideB: readonly number[]): void {
		this.inner.partition(sideA, sideB);
	}

	heal(): void {
		this.inner.heal();
	}

	setDropRate(rate: number): void {
		this.inner.setDropRate(rate);
	}

	setDelay(ms: number): void {
		this.inner.setDelay(ms);
	}

	pause(): void {
		this.inner.pause();
	}

	resume(): void {
		this.inner.resume();
	}

	setSpeed(speed: number): void {
		this.inner.setSpeed(speed);
	}

	inFlight(limit?: number): InFlightMessage[] {
		return this.inner.inFlight(limit);
	}

	async deliverNext(): Promise<DeliveryReport | undefined> {
		return this.inner.deliverNext();
	}

	async deliver(id: number): Promise<DeliveryReport | undefined> {
		return this.inner.deliver(id);
	}

	drop(id: number): boolean {
		return this.inner.drop(id);
	}

	async advanceTick(): Promise<readonly DeliveryReport[]> {
		return this.inner.advanceTick();
	}

	forceTimeout(node: number): void {
		this.inner.forceTimeout(node);
	}

	setDeaf(node: number, on: boolean): void {
		this.inner.setDeaf(node, on);
	}

	setMute(node: number, on: boolean): void {
		this.inner.setMute(node, on);
	}

	freeze(node: number, on: boolean): void {
		this.inner.freeze(node, on);
	}

	setCut(from: number, to: number, on: boolean): void {
		this.inner.setCut(from, to, on);
	}

	setNodeFaults(node: number, faults: Partial<LinkFaults>): void {
		this.inner.setNodeFaults(node, faults);
	}

	setLinkFaults(from: number, to: number, faults: Partial<LinkFaults>): void {
		this.inner.setLinkFaults(from, to, faults);
	}

	linkFaults(from: number, to: number): LinkFaults {
		return this.inner.linkFaults(from, to);
	}

	step(): boolean {
		return this.inner.step();
	}

	async reset(): Promise<void> {
		return this.inner.reset();
	}

	async stop(): Promise<void> {
		return this.inner.stop();
	}

	/** Where the calls go now. */
	protected abstract get inner(): OperatorControls;
}
