import {assert} from './assert.js';
import type {LogEntry} from './messages.js';

/**
 * The replica's log: entries for ops base+1 .. opNumber with no gaps. Ops up
 * to `base` were collected after a checkpoint; their effect lives in the
 * checkpoint's snapshot.
 */
export class Log {
	private entries: LogEntry[] = [];

	constructor(private baseOp = 0) {}

	get base(): number {
		return this.baseOp;
	}

	get opNumber(): number {
		return this.baseOp + this.entries.length;
	}

	get length(): number {
		return this.entries.length;
	}

	has(op: number): boolean {
		return op > this.baseOp && op <= this.opNumber;
	}

	get(op: number): LogEntry {
		const entry = this.entries[op - this.baseOp - 1];
		assert(
			entry?.op === op,
			() => `log has no op ${op} (base ${this.baseOp}, op ${this.opNumber})`,
		);
		return entry;
	}

	/** Ops are identified by (view, op): the same number prepared in two views is two different ops. */
	matches(entry: LogEntry): boolean {
		if (!this.has(entry.op)) {
			return false;
		}

		const mine = this.get(entry.op);
		return mine.view === entry.view && sameRequest(mine, entry);
	}

	append(entry: LogEntry): void {
		assert(
			entry.op === this.opNumber + 1,
			() => `log gap: appending op ${entry.op} after op ${this.opNumber}`,
		);
		this.entries.push(entry);
	}

	/** Entries after `op`, in order (op must not be below the base). */
	after(op: number, limit = Number.POSITIVE_INFINITY): LogEntry[] {
		assert(
			op >= this.baseOp,
			() => `log prefix up to ${this.baseOp} was collected; cannot read after ${op}`,
		);
		const start = op - this.baseOp;
		return this.entries.slice(start, Math.min(this.entries.length, start + limit));
	}

	/** Drops every entry after `op`; returns the dropped ones. */
	truncateAfter(op: number): LogEntry[] {
		assert(
			op >= this.baseOp,
			() => `cannot truncate below the collected prefix (${op} < ${this.baseOp})`,
		);
		return this.entries.splice(op - this.baseOp);
	}

	/** Forgets entries up to and including `op` (a checkpoint covers them). */
	collectUpTo(op: number): void {
		if (op <= this.baseOp) {
			return;
		}

		assert(op <= this.opNumber, () => `cannot collect up to ${op} beyond op ${this.opNumber}`);
		this.entries.splice(0, op - this.baseOp);
		this.baseOp = op;
	}

	/** Empties the log so that it restarts after `base` (a checkpoint was installed). */
	reset(base: number): void {
		this.entries = [];
		this.baseOp = base;
	}
}

export function sameRequest(a: LogEntry, b: LogEntry): boolean {
	return a.clientId === b.clientId && a.requestNumber === b.requestNumber;
}
