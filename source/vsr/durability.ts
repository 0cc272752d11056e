import {assert} from './assert.js';
import type {Checkpoint} from './checkpoint.js';
import type {LogEntry} from './messages.js';
import type {DurableFacts, StorageRequest} from './storage.js';

type Pending = {readonly seq: number; head: number; readonly facts: DurableFacts | undefined};

function sameFacts(a: DurableFacts | undefined, b: DurableFacts): boolean {
	return (
		a?.view === b.view &&
		a.lastNormalView === b.lastNormalView &&
		a.incarnation === b.incarnation &&
		a.recovering === b.recovering
	);
}

/**
 * What of a replica's state would survive a crash now, and the writes that will make more of
 * it survive: the changes of each input are gathered into one atomic write (etcd raft's
 * `Ready`: what to persist), and completions come back in order. The replica asks it before
 * it promises anything (see `Replica.ackableOp`).
 */
export class Durability {
	/**
	 * The highest op of the current log that a restart would find, as it is now. Writes raise it
	 * as they complete; a truncation lowers it at once (a restart might still find the old suffix).
	 */
	durableOp: number;
	/** The facts a restart would find. */
	durableFacts: DurableFacts | undefined;

	private nextSeq = 1;
	private durableSeq = 0;
	private readonly pending: Pending[] = [];
	private requests: StorageRequest[] = [];
	private checkpoints: StorageRequest[] = [];
	/** The facts of the latest write asked for. */
	private askedFacts: DurableFacts | undefined;
	// This input's changes, not yet sealed into a write.
	private install: Checkpoint | undefined;
	private truncate: number | undefined;
	private entries: LogEntry[] = [];
	private changed = false;

	/** `restored`: what the disk held at start (nothing for a new or lost disk). */
	constructor(restored?: {readonly facts: DurableFacts; readonly head: number}) {
		this.durableOp = restored?.head ?? 0;
		this.durableFacts = restored?.facts;
		this.askedFacts = restored?.facts;
	}

	/** The first write (the new life's incarnation) is durable: the replica may speak. */
	get booted(): boolean {
		return this.durableSeq > 0;
	}

	/** A restart would find this replica normal in `view` with this view's log: it may ack in it. */
	holds(view: number): boolean {
		const facts = this.durableFacts;
		return (
			facts !== undefined &&
			!facts.recovering &&
			facts.view === view &&
			facts.lastNormalView === view
		);
	}

	/** A restart would find this replica in `view` (or later): it may vote in it. */
	entered(view: number): boolean {
		return (this.durableFacts?.view ?? -1) >= view;
	}

	appended(entry: LogEntry): void {
		this.entries.push(entry);
		this.changed = true;
	}

	/** The log dropped its entries after `op`. */
	truncated(op: number): void {
		this.changed = true;
		// Entries this input appended are contiguous and ascending; only those after `op` go.
		while ((this.entries.at(-1)?.op ?? -1) > op) {
			this.entries.pop();
		}

		if (this.entries.length === 0) {
			this.truncate = Math.min(this.truncate ?? op, op);
		}

		this.lower(op);
	}

	/** The log restarted after `checkpoint`; a restart before this is durable finds the log up to `commit`. */
	installed(checkpoint: Checkpoint, commit: number): void {
		this.changed = true;
		this.install = checkpoint;
		this.truncate = undefined;
		this.entries = [];
		this.lower(commit);
	}

	tookCheckpoint(checkpoint: Checkpoint): void {
		this.checkpoints.push({kind: 'checkpoint', checkpoint});
	}

	/** The end of an input: its changes, and the facts if they changed, become one write. */
	seal(facts: DurableFacts, head: number): void {
		const factsChanged = !sameFacts(this.askedFacts, facts);
		if (this.changed || factsChanged) {
			const seq = this.nextSeq++;
			this.requests.push({
				kind: 'log',
				seq,
				install: this.install,
				truncate: this.truncate,
				entries: this.entries,
				facts: factsChanged ? facts : undefined,
			});
			this.pending.push({seq, head, facts: factsChanged ? facts : undefined});
			this.askedFacts = facts;
			this.install = undefined;
			this.truncate = undefined;
			this.entries = [];
			this.changed = false;
		}

		if (this.checkpoints.length > 0) {
			this.requests.push(...this.checkpoints);
			this.checkpoints = [];
		}
	}

	/** The writes asked for since the last call, in order. */
	take(): StorageRequest[] {
		const {requests} = this;
		this.requests = [];
		return requests;
	}

	/** Every write up to `seq` is durable; true if that is news. */
	written(seq: number): boolean {
		assert(
			Number.isSafeInteger(seq) && seq < this.nextSeq,
			() => `storage reports write ${seq} durable, but the latest asked for is ${this.nextSeq - 1}`,
		);
		if (seq <= this.durableSeq) {
			return false;
		}

		this.durableSeq = seq;
		while (this.pending.length > 0 && this.pending[0]!.seq <= seq) {
			const write = this.pending.shift()!;
			// A write leaves the disk holding the log as it was then, less what was truncated since.
			this.durableOp = Math.max(this.durableOp, write.head);
			if (write.facts) {
				this.durableFacts = write.facts;
			}
		}

		return true;
	}

	private lower(op: number): void {
		this.durableOp = Math.min(this.durableOp, op);
		for (const write of this.pending) {
			write.head = Math.min(write.head, op);
		}
	}
}
