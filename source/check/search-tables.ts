/**
 * What the per-key search precomputes before it starts, so that its hot loop only reads
 * typed arrays: the event lists in time order, cursors over ops in a fixed order, the
 * writes that could reset the state before an observation, and the strings ops look for.
 */
import {at, nth} from './array-reads.js';
import {casKind, neededState, type PreparedOp, putKind, appendKind} from './prepare.js';

/**
 * The event lists (see `KeySearch.next` in key-search.ts): events sorted by time, calls
 * first at equal times, so ops that merely touch count as concurrent (the permissive
 * reading, which never invents a violation).
 */
export function eventLists(ops: readonly PreparedOp[]): {
	pendingHead: number;
	next: Int32Array;
	prev: Int32Array;
	nodeOp: Int32Array;
	nodeIsCall: Uint8Array;
	callNode: Int32Array;
	returnNode: Int32Array;
} {
	const events: Array<{time: number; call: boolean; op: number}> = [];
	for (const [i, op] of ops.entries()) {
		events.push({time: op.call, call: true, op: i});
		if (!op.pending) {
			events.push({time: op.ret, call: false, op: i});
		}
	}

	events.sort((a, b) => a.time - b.time || Number(b.call) - Number(a.call) || a.op - b.op);
	const nodes = events.length + 2;
	const pendingHead = nodes - 1;
	const next = new Int32Array(nodes).fill(-1);
	const prev = new Int32Array(nodes).fill(-1);
	const nodeOp = new Int32Array(nodes);
	const nodeIsCall = new Uint8Array(nodes);
	const callNode = new Int32Array(ops.length);
	const returnNode = new Int32Array(ops.length).fill(-1);
	const tails = [0, pendingHead];
	for (const [e, event] of events.entries()) {
		const node = e + 1;
		nodeOp[node] = event.op;
		nodeIsCall[node] = event.call ? 1 : 0;
		(event.call ? callNode : returnNode)[event.op] = node;
		const list = nth(ops, event.op).pending ? 1 : 0;
		const tail = nth(tails, list);
		next[tail] = node;
		prev[node] = tail;
		tails[list] = node;
	}

	return {pendingHead, next, prev, nodeOp, nodeIsCall, callNode, returnNode};
}

/**
 * Ops in a fixed order, and a lower bound on the position of the first one not placed:
 * placements only move it forward when it is read, and undoing one moves it back.
 */
export class UnplacedCursor {
	readonly #order: Int32Array;
	readonly #position: Int32Array;
	#first = 0;

	constructor(order: readonly number[], n: number) {
		this.#order = Int32Array.from(order);
		this.#position = new Int32Array(n).fill(-1);
		for (const [position, op] of order.entries()) {
			this.#position[op] = position;
		}
	}

	get length(): number {
		return this.#order.length;
	}

	opAt(index: number): number {
		return at(this.#order, index);
	}

	/** The position of the first op in order that is not placed (`length` if none). */
	firstIndex(search: {isPlaced(op: number): boolean}): number {
		const order = this.#order;
		let i = this.#first;
		while (i < order.length && search.isPlaced(at(order, i))) {
			i++;
		}

		this.#first = i;
		return i;
	}

	/** The first op in order that is not placed, or -1. */
	first(search: {isPlaced(op: number): boolean}): number {
		const i = this.firstIndex(search);
		return i < this.#order.length ? at(this.#order, i) : -1;
	}

	unplace(op: number): void {
		const position = at(this.#position, op);
		if (position !== -1 && position < this.#first) {
			this.#first = position;
		}
	}
}

/**
 * For each op that needs a state (`neededState`), the writes that set the state outright (puts,
 * cases that succeeded or may have) whose value starts that string and which were
 * called no later than the observer returned, as flat lists indexed by `start`.
 */
export function resetsBefore(ops: readonly PreparedOp[]): {start: Int32Array; writes: Int32Array} {
	const byValue = new Map<string, number[]>();
	for (const [index, op] of ops.entries()) {
		const resets =
			op.kind === putKind || (op.kind === casKind && (op.pending || op.entry.output === true));
		if (resets) {
			const list = byValue.get(op.value);
			if (list === undefined) {
				byValue.set(op.value, [index]);
			} else {
				list.push(index);
			}
		}
	}

	// Look prefixes up by length: values come in few lengths, observed strings can be long.
	const lengths = [...new Set([...byValue.keys()].map((value) => value.length))];
	const start = new Int32Array(ops.length + 1);
	const writes: number[] = [];
	for (const [index, op] of ops.entries()) {
		start[index] = writes.length;
		const seen = neededState(op);
		if (typeof seen !== 'string') {
			continue;
		}

		for (const length of lengths) {
			for (const write of byValue.get(seen.slice(0, length)) ?? []) {
				if (length <= seen.length && nth(ops, write).call <= op.ret) {
					writes.push(write);
				}
			}
		}
	}

	start[ops.length] = writes.length;
	return {start, writes: Int32Array.from(writes)};
}

/** The strings ops compare the state with: completed gets' outputs, cases' expectations. */
export function lookers(ops: readonly PreparedOp[]): {texts: string[]; ops: Int32Array} {
	const found: Array<{text: string; op: number}> = [];
	for (const [index, op] of ops.entries()) {
		const text = op.kind === casKind ? op.expected : op.pending ? null : op.entry.output;
		if (typeof text === 'string' && op.kind !== putKind && op.kind !== appendKind) {
			found.push({text, op: index});
		}
	}

	found.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : a.op - b.op));
	return {texts: found.map(({text}) => text), ops: Int32Array.from(found, ({op}) => op)};
}

/** The first index where `past` holds, for a predicate false then true along `array`. */
export function lowerBound<T>(
	array: readonly T[],
	past: (item: T, index: number) => boolean,
): number {
	let lo = 0;
	let hi = array.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (past(nth(array, mid), mid)) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}

	return lo;
}
