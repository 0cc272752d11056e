import type {Address} from './address.js';
import {Heap} from './heap.js';

/** One message on its way: a number that names it while it is in flight (`#41`), and when it is due. */
export type InFlightEntry<M> = {
	readonly id: number;
	readonly from: Address;
	readonly to: Address;
	readonly message: M;
	/** When it is due, in virtual ns. */
	readonly due: number;
};

const before = <M>(a: InFlightEntry<M>, b: InFlightEntry<M>): boolean =>
	a.due < b.due || (a.due === b.due && a.id < b.id);

/**
The messages in flight, in delivery order: by due time, then by number (the order they were
sent). Any of them can be taken out of order (delivered early, or dropped by the operator).
*/
export class InFlight<M> {
	private heap = new Heap<InFlightEntry<M>>(before);
	/** Taken out of order: skipped when they come up. */
	private readonly removed = new Set<number>();
	private nextId = 1;

	get size(): number {
		return this.heap.size - this.removed.size;
	}

	/** A number for a message that never waits here (dropped, or delivered at once): numbers stay unique. */
	takeId(): number {
		return this.nextId++;
	}

	add(from: Address, to: Address, message: M, due: number): InFlightEntry<M> {
		const entry = {id: this.nextId++, from, to, message, due};
		this.heap.push(entry);
		return entry;
	}

	/** The next message to deliver. */
	peek(): InFlightEntry<M> | undefined {
		this.skipRemoved();
		return this.heap.peek();
	}

	/** When the next message is due (infinity when none is in flight). */
	nextDue(): number {
		return this.peek()?.due ?? Number.POSITIVE_INFINITY;
	}

	pop(): InFlightEntry<M> | undefined {
		this.skipRemoved();
		return this.heap.pop();
	}

	/** The next message if it is due before `end` (virtual ns), taken out; else undefined. */
	popBefore(end: number): InFlightEntry<M> | undefined {
		if (this.removed.size > 0) {
			this.skipRemoved();
		}

		const next = this.heap.peek();
		return next !== undefined && next.due < end ? this.heap.pop() : undefined;
	}

	/** Takes the message numbered `id` out, wherever it is in the order; undefined when it is not in flight. */
	remove(id: number): InFlightEntry<M> | undefined {
		if (this.removed.has(id)) {
			return undefined;
		}

		const entry = this.heap.values().find((each) => each.id === id);
		if (entry !== undefined) {
			this.removed.add(id);
		}

		return entry;
	}

	/** The first `limit` messages, in delivery order. */
	list(limit = Number.POSITIVE_INFINITY): Array<InFlightEntry<M>> {
		const entries = this.heap.values().filter((entry) => !this.removed.has(entry.id));
		entries.sort((a, b) => (before(a, b) ? -1 : 1));
		return entries.length > limit ? entries.slice(0, limit) : entries;
	}

	/** Forgets every message (numbers go on, so none is reused). */
	clear(): void {
		this.heap = new Heap<InFlightEntry<M>>(before);
		this.removed.clear();
	}

	private skipRemoved(): void {
		if (this.removed.size === 0) {
			return;
		}

		for (let top = this.heap.peek(); top !== undefined && this.removed.delete(top.id);) {
			this.heap.pop();
			top = this.heap.peek();
		}
	}
}
