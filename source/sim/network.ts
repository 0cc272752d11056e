import {Heap} from '../check/heap.js';
import type {Message} from '../vsr/messages.js';
import type {Prng} from '../vsr/prng.js';

/** A replica (id ≥ 0) or a client (id = -clientId - 1). */
export type Address = number;

export const clientAddress = (clientId: number): Address => -clientId - 1;
export const clientOf = (address: Address): number => -address - 1;

export type LinkFaults = {
	/** One-way latency in virtual ns, uniform in [min, max]: unequal latencies reorder messages. */
	readonly minLatency: number;
	readonly maxLatency: number;
	readonly dropRate: number;
	readonly duplicateRate: number;
};

export type Packet = {
	readonly at: number;
	readonly seq: number;
	readonly from: Address;
	readonly to: Address;
	readonly message: Message;
};

/**
 * The simulated network: every message is a packet with a delivery time
 * drawn from the seeded generator. It can drop, duplicate, reorder, and cut
 * replicas off from each other (clients always reach every replica). (The
 * process cluster's network, which relays real messages, is cluster/network.ts.)
 */
export class SimNetwork {
	faults: LinkFaults;
	private readonly inFlight = new Heap<Packet>(
		(a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq),
	);

	private seq = 0;
	/** Replicas in different groups cannot talk; undefined = one group. */
	private groups: readonly number[] | undefined;

	constructor(
		private readonly prng: Prng,
		faults: LinkFaults,
	) {
		this.faults = faults;
	}

	get size(): number {
		return this.inFlight.size;
	}

	get partitioned(): boolean {
		return this.groups !== undefined;
	}

	/** `groups[replica]` names the side each replica is on. */
	partition(groups: readonly number[]): void {
		this.groups = groups;
	}

	heal(): void {
		this.groups = undefined;
	}

	connected(a: Address, b: Address): boolean {
		if (a < 0 || b < 0 || !this.groups) {
			return true;
		}

		return this.groups[a] === this.groups[b];
	}

	send(now: number, from: Address, to: Address, message: Message): void {
		if (!this.connected(from, to) || this.prng.chance(this.faults.dropRate)) {
			return;
		}

		this.enqueue(now, from, to, message);
		if (this.prng.chance(this.faults.duplicateRate)) {
			this.enqueue(now, from, to, message);
		}
	}

	nextAt(): number {
		return this.inFlight.peek()?.at ?? Number.POSITIVE_INFINITY;
	}

	pop(): Packet | undefined {
		return this.inFlight.pop();
	}

	private enqueue(now: number, from: Address, to: Address, message: Message): void {
		const {minLatency, maxLatency} = this.faults;
		const at = now + minLatency + Math.floor(this.prng.next() * (maxLatency - minLatency + 1));
		this.inFlight.push({at, seq: this.seq++, from, to, message});
	}
}
