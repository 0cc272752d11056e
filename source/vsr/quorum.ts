/**
 * Counting towards a quorum, as etcd raft's `quorum/` and `tracker/` do it: the primary's
 * cumulative acks (the highest op a quorum holds), and one vote per replica for the
 * view change and recovery. Every tally forgets a replica that restarted: what it
 * promised died with its memory (crash-consistent quorums).
 */

/** The highest op that at least `quorum` of the acks reach (acks are cumulative). */
export function quorumOp(acked: readonly number[], quorum: number): number {
	let best = 0;
	for (const candidate of acked) {
		if (candidate <= best) {
			continue;
		}

		let reached = 0;
		for (const ack of acked) {
			if (ack >= candidate) {
				reached++;
			}
		}

		if (reached >= quorum) {
			best = candidate;
		}
	}

	return best;
}

/** The primary's tally of PrepareOks in its view: each replica holds every op up to its ack. */
export class Acks {
	private readonly acked: number[];

	constructor(
		replicaCount: number,
		private readonly quorum: number,
	) {
		this.acked = Array.from({length: replicaCount}, () => 0);
	}

	/** The op `replica` is known to hold (0: nothing known). */
	of(replica: number): number {
		return this.acked[replica] ?? 0;
	}

	/** Records that `replica` holds every op up to `op`; false if that was known already. */
	advance(replica: number, op: number): boolean {
		if (op <= this.of(replica)) {
			return false;
		}

		this.acked[replica] = op;
		return true;
	}

	/** Sets what `replica` holds, forwards or back (the primary's own log). */
	set(replica: number, op: number): void {
		this.acked[replica] = op;
	}

	forget(replica: number): void {
		this.acked[replica] = 0;
	}

	clear(): void {
		this.acked.fill(0);
	}

	/** The highest op a quorum holds. */
	committable(): number {
		return quorumOp(this.acked, this.quorum);
	}
}

/**
 * One vote per replica, the latest kept (a StartViewChange, a DoViewChange, a
 * RecoveryResponse), in the order replicas first voted.
 */
export class Votes<Vote = true> {
	private readonly votes = new Map<number, Vote>();

	constructor(private readonly quorum: number) {}

	get size(): number {
		return this.votes.size;
	}

	/** Whether a quorum has voted. */
	get reached(): boolean {
		return this.votes.size >= this.quorum;
	}

	has(replica: number): boolean {
		return this.votes.has(replica);
	}

	get(replica: number): Vote | undefined {
		return this.votes.get(replica);
	}

	/** Records `replica`'s vote, replacing an earlier one; true if it is its first. */
	record(replica: number, vote: Vote): boolean {
		const first = !this.votes.has(replica);
		this.votes.set(replica, vote);
		return first;
	}

	forget(replica: number): void {
		this.votes.delete(replica);
	}

	clear(): void {
		this.votes.clear();
	}

	values(): IterableIterator<Vote> {
		return this.votes.values();
	}
}

/**
 * StartViewChange votes: for each other replica, the highest view it has asked for. A vote
 * for view w asks to leave every view below w, so it counts towards every view up to w.
 * The replica's own vote is passed in, since it changes with its timeouts and status.
 * As in TigerBeetle's view-change quorum and Raft's pre-vote, no view moves on without
 * a quorum asking for it, so one replica alone cannot push the cluster into a new view.
 */
export class ViewVotes {
	private readonly views = new Map<number, number>();

	constructor(private readonly quorum: number) {}

	get size(): number {
		return this.views.size;
	}

	/** The highest view `replica` asked for, if it voted. */
	of(replica: number): number | undefined {
		return this.views.get(replica);
	}

	/** Records that `replica` asks for `view`; true if that is news (a first vote, or a later view). */
	record(replica: number, view: number): boolean {
		const known = this.views.get(replica);
		if (known !== undefined && known >= view) {
			return false;
		}

		this.views.set(replica, view);
		return true;
	}

	/** Whether a quorum, our own vote `own` included, asks for `view` or a later one. */
	reaches(view: number, own: number): boolean {
		let count = own >= view ? 1 : 0;
		for (const voted of this.views.values()) {
			if (voted >= view) {
				count++;
			}
		}

		return count >= this.quorum;
	}

	/** The highest view after `current` that a quorum asks for, our own vote `own` included. */
	highestAbove(current: number, own: number): number | undefined {
		let best: number | undefined;
		for (const view of [own, ...this.views.values()]) {
			if (view > current && (best === undefined || view > best) && this.reaches(view, own)) {
				best = view;
			}
		}

		return best;
	}

	forget(replica: number): void {
		this.views.delete(replica);
	}

	clear(): void {
		this.views.clear();
	}
}
