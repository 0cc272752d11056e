import type {Result} from './state-machine.js';

/** The client table inside a checkpoint: per client, its latest request number and result. */
export type ClientTableSnapshot = ReadonlyArray<
	readonly [clientId: number, requestNumber: number, result: Result]
>;

/**
 * Per client, the number of its latest executed request and that request's
 * result. It is replicated state: it changes only when an op is executed, so
 * every replica holds the same table at the same commit number, and it
 * travels inside checkpoints.
 */
export class ClientTable {
	private readonly latest = new Map<number, {requestNumber: number; result: Result}>();

	get size(): number {
		return this.latest.size;
	}

	get(clientId: number): {readonly requestNumber: number; readonly result: Result} | undefined {
		return this.latest.get(clientId);
	}

	record(clientId: number, requestNumber: number, result: Result): void {
		const entry = this.latest.get(clientId);
		if (entry) {
			entry.requestNumber = requestNumber;
			entry.result = result;
		} else {
			this.latest.set(clientId, {requestNumber, result});
		}
	}

	snapshot(): ClientTableSnapshot {
		return [...this.latest].map(
			([clientId, {requestNumber, result}]) => [clientId, requestNumber, result] as const,
		);
	}

	restore(snapshot: ClientTableSnapshot): void {
		this.latest.clear();
		for (const [clientId, requestNumber, result] of snapshot) {
			this.latest.set(clientId, {requestNumber, result});
		}
	}
}
