/** What the first replica to execute an op executed there, and the digest it reached. */
export type Committed = {
	readonly view: number;
	readonly clientId: number;
	readonly requestNumber: number;
	readonly digest: number;
	readonly replica: number;
};

/**
 * The agreement check's memory: a map from op number to what was committed
 * there. Ops are held in a ring of typed arrays (slot = op modulo the window)
 * rather than as one object per op: a long run would otherwise keep thousands
 * of records alive just long enough for the collector to copy them into the old
 * generation. An op whose slot is still held by another op goes into an
 * ordinary map instead, so this behaves exactly like a Map.
 */
export class CommittedOps {
	private readonly window: number;
	/** NaN marks a free slot (it equals no op). */
	private readonly ops: Float64Array;
	private readonly views: Float64Array;
	private readonly clientIds: Float64Array;
	private readonly requestNumbers: Float64Array;
	private readonly digests: Float64Array;
	private readonly replicas: Float64Array;
	private readonly others = new Map<number, Committed>();

	constructor(window: number) {
		this.window = window;
		this.ops = new Float64Array(window).fill(Number.NaN);
		this.views = new Float64Array(window);
		this.clientIds = new Float64Array(window);
		this.requestNumbers = new Float64Array(window);
		this.digests = new Float64Array(window);
		this.replicas = new Float64Array(window);
	}

	get(op: number): Committed | undefined {
		const slot = this.slot(op);
		if (slot >= 0 && this.ops[slot] === op) {
			return {
				view: this.views[slot]!,
				clientId: this.clientIds[slot]!,
				requestNumber: this.requestNumbers[slot]!,
				digest: this.digests[slot]!,
				replica: this.replicas[slot]!,
			};
		}

		return this.others.size === 0 ? undefined : this.others.get(op);
	}

	/** Records `op`, which must not be recorded already. */
	set(op: number, committed: Committed): void {
		const slot = this.slot(op);
		if (slot < 0 || !Number.isNaN(this.ops[slot]!)) {
			this.others.set(op, committed);
			return;
		}

		this.ops[slot] = op;
		this.views[slot] = committed.view;
		this.clientIds[slot] = committed.clientId;
		this.requestNumbers[slot] = committed.requestNumber;
		this.digests[slot] = committed.digest;
		this.replicas[slot] = committed.replica;
	}

	delete(op: number): void {
		const slot = this.slot(op);
		if (slot >= 0 && this.ops[slot] === op) {
			this.ops[slot] = Number.NaN;
		} else if (this.others.size > 0) {
			this.others.delete(op);
		}
	}

	/** The ring slot of `op`, or -1 for what is no op number (never seen; kept in the map). */
	private slot(op: number): number {
		return Number.isSafeInteger(op) && op >= 0 ? op % this.window : -1;
	}
}
