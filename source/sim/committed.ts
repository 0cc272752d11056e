/** What the first replica to execute an op executed there, and the digest it reached. */
export type Committed = {
	readonly view: number;
	readonly clientId: number;
	readonly requestNumber: number;
	readonly digest: number;
	readonly replica: number;
};

/** The fields that identify an op: the same number prepared in two views is two different ops. */
type Op = Pick<Committed, 'view' | 'clientId' | 'requestNumber'>;

/**
 * The agreement check's memory: a map from op number to what was committed
 * there. Ops are held in a ring of typed arrays (slot = op modulo the window)
 * rather than as one object per op: a long run would otherwise keep thousands
 * of records alive just long enough for the collector to copy them into the old
 * generation. An op whose slot is still held by another op goes into an
 * ordinary map instead, so this behaves exactly like a Map. The checks ask
 * `has`, `sameOp` and `digest`, which build no object; `get` is for messages.
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

	has(op: number): boolean {
		return this.ringSlot(op) >= 0 || (this.others.size > 0 && this.others.has(op));
	}

	get(op: number): Committed | undefined {
		const slot = this.ringSlot(op);
		if (slot < 0) {
			return this.others.get(op);
		}

		return {
			view: this.views[slot]!,
			clientId: this.clientIds[slot]!,
			requestNumber: this.requestNumbers[slot]!,
			digest: this.digests[slot]!,
			replica: this.replicas[slot]!,
		};
	}

	/** Whether `op` (which must be recorded) was committed as the same request in the same view. */
	sameOp(op: number, other: Op): boolean {
		const slot = this.ringSlot(op);
		const known = slot < 0 ? this.others.get(op)! : undefined;
		return known
			? known.view === other.view &&
					known.clientId === other.clientId &&
					known.requestNumber === other.requestNumber
			: this.views[slot] === other.view &&
					this.clientIds[slot] === other.clientId &&
					this.requestNumbers[slot] === other.requestNumber;
	}

	/** The digest reached at `op`, which must be recorded. */
	digest(op: number): number {
		const slot = this.ringSlot(op);
		return slot < 0 ? this.others.get(op)!.digest : this.digests[slot]!;
	}

	/** Records `op`, which must not be recorded already. */
	set(op: number, executed: Op, digest: number, replica: number): void {
		const slot = this.slot(op);
		if (slot < 0 || !Number.isNaN(this.ops[slot]!)) {
			const {view, clientId, requestNumber} = executed;
			this.others.set(op, {view, clientId, requestNumber, digest, replica});
			return;
		}

		this.ops[slot] = op;
		this.views[slot] = executed.view;
		this.clientIds[slot] = executed.clientId;
		this.requestNumbers[slot] = executed.requestNumber;
		this.digests[slot] = digest;
		this.replicas[slot] = replica;
	}

	delete(op: number): void {
		const slot = this.ringSlot(op);
		if (slot >= 0) {
			this.ops[slot] = Number.NaN;
		} else if (this.others.size > 0) {
			this.others.delete(op);
		}
	}

	/** The slot that holds `op`, or -1 when the ring does not hold it. */
	private ringSlot(op: number): number {
		const slot = this.slot(op);
		return slot >= 0 && this.ops[slot] === op ? slot : -1;
	}

	/** The ring slot of `op`, or -1 for what is no op number (never seen; kept in the map). */
	private slot(op: number): number {
		return Number.isSafeInteger(op) && op >= 0 ? op % this.window : -1;
	}
}
