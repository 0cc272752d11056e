/** A binary min-heap ordered by `before`; ties keep no particular order, so give keys a sequence number. */
export class Heap<T> {
	private readonly items: T[] = [];

	constructor(private readonly before: (a: T, b: T) => boolean) {}

	get size(): number {
		return this.items.length;
	}

	peek(): T | undefined {
		return this.items[0];
	}

	push(item: T): void {
		const {items} = this;
		items.push(item);
		let index = items.length - 1;
		while (index > 0) {
			const parent = (index - 1) >> 1;
			if (!this.before(item, items[parent]!)) {
				break;
			}

			items[index] = items[parent]!;
			index = parent;
		}

		items[index] = item;
	}

	pop(): T | undefined {
		const {items} = this;
		const top = items[0];
		const last = items.pop();
		if (items.length === 0 || last === undefined) {
			return top;
		}

		let index = 0;
		for (;;) {
			const left = index * 2 + 1;
			if (left >= items.length) {
				break;
			}

			const right = left + 1;
			const child = right < items.length && this.before(items[right]!, items[left]!) ? right : left;
			if (!this.before(items[child]!, last)) {
				break;
			}

			items[index] = items[child]!;
			index = child;
		}

		items[index] = last;
		return top;
	}

	/** Every item, in no particular order. */
	values(): readonly T[] {
		return this.items;
	}

	clear(): void {
		this.items.length = 0;
	}
}
