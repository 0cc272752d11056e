import type {Checkpoint} from '../vsr/checkpoint.js';
import type {LogEntry} from '../vsr/messages.js';
import type {Replica} from '../vsr/replica.js';
import {CommittedOps} from './committed.js';
import {describeCommitted} from './describe.js';
import type {ViolationKind} from './simulation-types.js';

/** The agreement check remembers this many of the latest ops. */
const committedWindow = 8192;

/**
The checks that run while a simulation runs, after every step: agreement (the same op and the
same state at every op number), commit numbers that never go back, at most one primary a view.
A broken check calls `fail`, which may end the run.
*/
export class SafetyChecks {
	/** The highest op number any replica executed. */
	maxCommitted = 0;
	private readonly committed = new CommittedOps(committedWindow);
	private readonly primaries = new Map<number, number>();
	private readonly lastCommit: number[];

	constructor(
		replicaCount: number,
		private readonly fail: (kind: ViolationKind, message: string) => void,
	) {
		this.lastCommit = Array.from({length: replicaCount}, () => 0);
	}

	/** Views that had a primary, the first included. */
	get views(): number {
		return this.primaries.size;
	}

	/** A restarted replica starts from commit 0 again. */
	restarted(replica: number): void {
		this.lastCommit[replica] = 0;
	}

	afterStep(replica: Replica): void {
		const previous = this.lastCommit[replica.id]!;
		if (replica.commitNumber < previous) {
			this.fail(
				'commit',
				`replica ${replica.id} moved its commit number back from ${previous} to ${replica.commitNumber}`,
			);
		}

		this.lastCommit[replica.id] = replica.commitNumber;
		if (replica.isPrimary) {
			const primary = this.primaries.get(replica.view);
			if (primary === undefined) {
				this.primaries.set(replica.view, replica.id);
			} else if (primary !== replica.id) {
				this.fail(
					'primaries',
					`replicas ${primary} and ${replica.id} are both primary of view ${replica.view}`,
				);
			}
		}
	}

	installed(replica: Replica, checkpoint: Checkpoint): void {
		const known = this.committed.get(checkpoint.op);
		if (known && known.digest !== checkpoint.digest) {
			this.fail(
				'divergence',
				`replica ${replica.id} installed a checkpoint at op ${checkpoint.op} whose state differs from replica ${known.replica}'s`,
			);
		}
	}

	/** Every replica that executes op n executes the same op and reaches the same state. */
	executed(replica: Replica, entry: LogEntry): void {
		const {op} = entry;
		if (!this.committed.has(op)) {
			if (op > this.maxCommitted) {
				this.maxCommitted = op;
				// Bounded memory on long runs (forgotten first, so that the new op can take its slot).
				this.committed.delete(op - committedWindow);
			}

			this.committed.set(op, entry, replica.digest, replica.id);
			return;
		}

		if (!this.committed.sameOp(op, entry)) {
			const known = this.committed.get(op)!;
			this.fail(
				'agreement',
				`op ${op} was committed as ${describeCommitted(known)} by replica ${known.replica} but as ${describeCommitted({...entry, replica: replica.id})} by replica ${replica.id}`,
			);
		}

		if (this.committed.digest(op) !== replica.digest) {
			this.fail(
				'divergence',
				`replicas ${this.committed.get(op)!.replica} and ${replica.id} reached different states at op ${op}`,
			);
		}
	}
}
