/** A fixed-capacity buffer that keeps the newest items: pushing past the capacity drops the oldest. */
export class Ring<T> {
	readonly capacity: number;
	readonly #items: Array<T | undefined>;
	#next = 0;
	#size = 0;

	constructor(capacity: number) {
		if (!Number.isSafeInteger(capacity) || capacity < 1) {
			throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
		}

		this.capacity = capacity;
		this.#items = Array.from({length: capacity});
	}

	get size(): number {
		return this.#size;
	}

	push(item: T): void {
		this.#items[this.#next] = item;
		this.#next = (this.#next + 1) % this.capacity;
		if (this.#size < this.capacity) {
			this.#size++;
		}
	}

	clear(): void {
		this.#items.fill(undefined);
		this.#next = 0;
		this.#size = 0;
	}

	/** Up to `limit` items, newest first. */
	newest(limit = this.#size): T[] {
		const count = Math.min(limit, this.#size);
		const result: T[] = [];
		for (let index = 1; index <= count; index++) {
			const item = this.#items[(this.#next - index + this.capacity) % this.capacity];
			if (item !== undefined) {
				result.push(item);
			}
		}

		return result;
	}
}
