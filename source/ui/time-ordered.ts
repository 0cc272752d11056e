/**
The newest `capacity` items by time, kept in time order. Items mostly arrive in order (one
replica's events, one report after another) and are appended; one that arrives late (another
replica's report) takes its place among the others. Equal times keep their arrival order.
*/
export class TimeOrdered<T extends {readonly at: number}> {
	readonly capacity: number;
	// Oldest first; up to twice the capacity before the oldest are dropped, so trimming is rare.
	#items: T[] = [];

	constructor(capacity: number) {
		if (!Number.isSafeInteger(capacity) || capacity < 1) {
			throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
		}

		this.capacity = capacity;
	}

	get size(): number {
		return Math.min(this.#items.length, this.capacity);
	}

	push(item: T): void {
		const items = this.#items;
		const last = items.at(-1);
		if (last === undefined || last.at <= item.at) {
			items.push(item);
		} else {
			// After every item at the same time or earlier.
			let low = 0;
			let high = items.length;
			while (low < high) {
				const middle = (low + high) >>> 1;
				if (items[middle]!.at <= item.at) {
					low = middle + 1;
				} else {
					high = middle;
				}
			}

			items.splice(low, 0, item);
		}

		if (items.length >= this.capacity * 2) {
			this.#items = items.slice(-this.capacity);
		}
	}

	clear(): void {
		this.#items = [];
	}

	/** Up to `limit` items, newest first. */
	newest(limit = this.capacity): T[] {
		const items = this.#items;
		const count = Math.min(limit, this.capacity, items.length);
		const result: T[] = [];
		for (let index = items.length - 1; result.length < count; index--) {
			result.push(items[index]!);
		}

		return result;
	}
}
