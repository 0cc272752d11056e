/**
 * One key's Wing–Gong search with Lowe's memoization, on ops from `prepare`: the hot
 * loop of the checker (see linearizability.ts for the refinements it carries).
 */
import {at, nth} from './array-reads.js';
import {ConfigurationCache, mix} from './configuration-cache.js';
import {
	appendKind,
	casKind,
	getKind,
	isRead,
	neededState,
	observedValue,
	type PreparedOp,
	putKind,
} from './prepare.js';
import {eventLists, lookers, lowerBound, resetsBefore, UnplacedCursor} from './search-tables.js';

/**
 * Interned state standing for "some value no op still to be placed can tell apart":
 * see `KeySearch.unseen`. Id 0 is absence; real values start at 2.
 */
const unseenState = 1;

const notPlaced = 0;
const wasPlaced = 1;
const alreadyFailed = 2;
type Placement = typeof notPlaced | typeof wasPlaced | typeof alreadyFailed;

export type SearchOutcome =
	| {kind: 'ok'}
	| {kind: 'unknown'; steps: number}
	| {
			kind: 'fail';
			/** The longest linearizable prefix found, in linearization order (op indices). */
			prefix: number[];
			/** The op whose return the search could not get past. */
			blocking: number;
	  };

export function search(ops: readonly PreparedOp[], maxSteps: number): SearchOutcome {
	return new KeySearch(ops).run(maxSteps);
}

/** One key's Wing–Gong search; the state lives in typed arrays so the hot loop allocates nothing. */
class KeySearch {
	private readonly n: number;
	// States are interned so the search compares and hashes small integers; 0 is "absent".
	private readonly stateIds = new Map<string, number>();
	private readonly states: Array<string | null> = [null, null];
	private readonly kind: Uint8Array;
	private readonly pending: Uint8Array;
	private readonly impossible: Uint8Array;
	/** The pass that tries the op: 0 completed read, 1 completed write, 2 pending (see run). */
	private readonly opClass: Uint8Array;
	private readonly valueId: Int32Array;
	private readonly expectedId: Int32Array;
	/** Get: the interned value read; cas: 1 if it answered true. */
	private readonly outputId: Int32Array;
	/** Appends build new strings; each (state, op) result is remembered for backtracking. */
	private readonly appended = new Map<number, number>();
	private readonly completed: number;

	/**
	 * Events sorted by time; event e is node e + 1, so node order is time order. Completed
	 * ops' calls and returns form the main list (head: node 0); pending ops' calls form a
	 * separate list (head: `pendingHead`), so scans for ordinary candidates never wade
	 * through timed-out calls from long ago. -1 is nil.
	 */
	private readonly next: Int32Array;
	private readonly prev: Int32Array;
	private readonly nodeOp: Int32Array;
	private readonly nodeIsCall: Uint8Array;
	private readonly callNode: Int32Array;
	private readonly returnNode: Int32Array;
	private readonly pendingHead: number;
	/** Interned value a completed get read or a successful cas expected; -1 otherwise. */
	private readonly observes: Int32Array;
	/** Interned `neededState`, or -1; also what a pending op's dependents saw. */
	private readonly needs: Int32Array;
	private readonly seenByDependent: Int32Array;
	/** For each such op, the writes that could set a prefix of that value before it. */
	private readonly resetsBefore: {start: Int32Array; writes: Int32Array};
	private readonly prefixMemo = new Map<number, boolean>();
	/** Strings ops look for in the state (gets' outputs, cases' expectations), sorted. */
	private readonly lookers: {texts: string[]; ops: Int32Array};
	/** Per state, the range of `lookers` that start with it. */
	private readonly lookerRange = new Map<number, number>();
	/** Observers by call time: the next observation in time is the first one unplaced. */
	private readonly observations: UnplacedCursor;
	/** Completed puts and successful cases by return: the first unplaced one must come soon. */
	private readonly resets: UnplacedCursor;
	/** Explainable failed cases (see `markPendingDependents`) by call time. */
	private readonly explainableCases: UnplacedCursor;
	/** Per pending op, the ops that could see its value, by call time (flat lists). */
	private readonly dependentStart: Int32Array;
	private readonly dependents: Int32Array;
	/** The op `doomed` last condemned, for the failure report. */
	private doomedOp = -1;
	/** Midpoint of each completed op's interval: the order writes are tried in. */
	private readonly priority: Float64Array;
	private scanned = 0;
	private scanFrontier = -1;

	/**
	 * The linearized set, as two bitsets: completed ops and pending ops, each op at its
	 * `slot` in its own. Zobrist keys keep the hash of the completed part current in O(1)
	 * per step; pending ops have key 0, so configurations that differ only in which
	 * pending ops were used share a bucket in the cache (see ConfigurationCache).
	 */
	private readonly slot: Int32Array;
	private readonly zobrist: Int32Array;
	private readonly doneBits: Int32Array;
	private readonly pendingBits: Int32Array;
	private readonly cache: ConfigurationCache;

	private readonly stackOp: Int32Array;
	private readonly stackState: Int32Array;
	private readonly stackPass: Uint8Array;
	private readonly stackFrontier: Int32Array;
	/** Cache entry (and its epoch) of the configuration each placement entered. */
	private readonly stackEntry: Int32Array;
	private readonly stackEpoch: Int32Array;
	private depth = 0;
	private state = 0;
	private hash = 0;
	private remaining: number;
	private pendingListed: number;

	constructor(private readonly ops: readonly PreparedOp[]) {
		const n = ops.length;
		this.n = n;
		this.kind = new Uint8Array(n);
		this.pending = new Uint8Array(n);
		this.impossible = new Uint8Array(n);
		this.opClass = new Uint8Array(n);
		this.valueId = new Int32Array(n);
		this.expectedId = new Int32Array(n);
		this.outputId = new Int32Array(n);
		let completed = 0;
		for (const [i, op] of ops.entries()) {
			this.kind[i] = op.kind;
			this.pending[i] = op.pending ? 1 : 0;
			this.impossible[i] = op.impossible === undefined ? 0 : 1;
			this.opClass[i] = op.pending ? 2 : isRead(op) ? 0 : 1;
			completed += op.pending ? 0 : 1;
			if (op.kind === putKind || op.kind === casKind) {
				this.valueId[i] = this.intern(op.value);
			}

			const {output} = op.entry;
			if (op.kind === casKind) {
				this.expectedId[i] = this.intern(op.expected);
				this.outputId[i] = output === true ? 1 : 0;
			} else if (op.kind === getKind) {
				this.outputId[i] = this.intern(typeof output === 'string' ? output : null);
			}
		}

		this.completed = completed;
		this.observes = Int32Array.from(ops, (op) => {
			const seen = observedValue(op);
			return seen === undefined ? -1 : this.intern(seen);
		});
		this.needs = Int32Array.from(ops, (op) => {
			const seen = neededState(op);
			return seen === undefined ? -1 : this.intern(seen);
		});
		// Dependents are gets (their output) and cases (their expected value).
		this.seenByDependent = Int32Array.from(ops, (op) =>
			this.intern(op.kind === getKind ? (observedValue(op) ?? null) : op.expected),
		);
		this.resetsBefore = resetsBefore(ops);
		this.lookers = lookers(ops);
		const byCall = (a: number, b: number): number => nth(ops, a).call - nth(ops, b).call || a - b;
		const which = (keep: (op: PreparedOp, index: number) => boolean): number[] =>
			[...ops.keys()].filter((index) => keep(nth(ops, index), index));
		this.observations = new UnplacedCursor(
			which((_, index) => this.observes[index] !== -1).toSorted(byCall),
			n,
		);
		this.resets = new UnplacedCursor(
			which(
				(op) =>
					!op.pending && (op.kind === putKind || (op.kind === casKind && op.entry.output === true)),
			).toSorted((a, b) => nth(ops, a).ret - nth(ops, b).ret || a - b),
			n,
		);
		this.explainableCases = new UnplacedCursor(which((op) => op.explainable).toSorted(byCall), n);
		const indexOf = new Map(ops.map((op, index) => [op, index]));
		this.dependentStart = new Int32Array(n + 1);
		const dependents: number[] = [];
		for (const [index, op] of ops.entries()) {
			this.dependentStart[index] = dependents.length;
			for (const dependent of op.dependents) {
				// Ops left out as unobservable are never placed, so cannot see anything.
				const at = indexOf.get(dependent);
				if (at !== undefined) {
					dependents.push(at);
				}
			}
		}

		this.dependentStart[n] = dependents.length;
		this.dependents = Int32Array.from(dependents);

		this.priority = Float64Array.from(ops, (op) => (op.call + op.ret) / 2);
		this.remaining = completed;
		this.pendingListed = n - completed;

		const lists = eventLists(ops);
		this.pendingHead = lists.pendingHead;
		this.next = lists.next;
		this.prev = lists.prev;
		this.nodeOp = lists.nodeOp;
		this.nodeIsCall = lists.nodeIsCall;
		this.callNode = lists.callNode;
		this.returnNode = lists.returnNode;

		this.slot = new Int32Array(n);
		this.zobrist = new Int32Array(n);
		let seed = 0x25_45_f4_91;
		const slots = [0, 0];
		for (const [i, op] of ops.entries()) {
			const kind = op.pending ? 1 : 0;
			this.slot[i] = slots[kind]!++;
			seed = (seed + 0x9e_37_79_b9) >>> 0;
			this.zobrist[i] = op.pending ? 0 : mix(seed);
		}

		this.doneBits = new Int32Array(Math.ceil(completed / 32));
		this.pendingBits = new Int32Array(Math.ceil((n - completed) / 32));
		this.cache = new ConfigurationCache(this.doneBits.length, this.pendingBits.length);
		this.stackOp = new Int32Array(n);
		this.stackState = new Int32Array(n);
		this.stackPass = new Uint8Array(n);
		this.stackFrontier = new Int32Array(n);
		this.stackEntry = new Int32Array(n);
		this.stackEpoch = new Int32Array(n);
	}

	// One loop on purpose: it is the hot path, and its state (pass, entry, frontier) reads
	// best in one place.
	// eslint-disable-next-line complexity
	run(maxSteps: number): SearchOutcome {
		let bestNode = -1;
		let bestPlaced = -1;
		let bestPrefix: number[] = [];

		// Candidates are the calls before the first return in the main list (the frontier),
		// tried in three passes. Pass 0: reads (gets, failed cases). One that fits the state
		// can go first in any valid completion (it changes nothing), so it is placed with no
		// alternatives. Pass 1: completed writes, the real choices, most likely first (see
		// nextWrite). Pass 2: pending ops called before the frontier; trying them last makes
		// the first guess "it never took effect", which is usually right.
		let pass = 0;
		let entry = at(this.next, 0);
		let lastWrite = -1;
		let frontier = -1;
		let steps = 0;
		for (;;) {
			// Pending ops left over can all go after the completed ones, i.e. be left out.
			if (this.remaining === 0) {
				return {kind: 'ok'};
			}

			if (steps >= maxSteps) {
				return {kind: 'unknown', steps};
			}

			steps++;
			// Why this configuration has no future: -1 exhausted its candidates (record
			// how far it got), -2 known already, else the op that can no longer be placed.
			let dead = -1;
			let op = -1;
			if (pass === 0 && entry === at(this.next, 0) && this.nextObservationDoomed()) {
				// Entering a configuration: the next observation in time must stay reachable.
				dead = this.doomedOp;
			} else if (pass === 1) {
				op = this.nextWrite(lastWrite);
				steps += this.scanned;
				lastWrite = op;
				frontier = this.scanFrontier;
			} else if (entry !== -1 && (pass === 2 ? entry < frontier : this.nodeIsCall[entry] === 1)) {
				op = at(this.nodeOp, entry);
				entry = at(this.next, entry);
			}

			if (op !== -1) {
				const placed = this.opClass[op] === pass ? this.tryPlace(op, pass, frontier) : notPlaced;
				if (placed === wasPlaced) {
					pass = 0;
					entry = at(this.next, 0);
					continue;
				}

				if (pass !== 0) {
					continue;
				}

				// A read that fits but leads where the search already failed dooms this
				// configuration: by the argument above, nothing else here can succeed. So
				// does an observation no longer reachable from the state (see `doomed`).
				if (placed === alreadyFailed) {
					dead = -2;
				} else if (this.doomed(op)) {
					dead = op;
				} else {
					continue;
				}
			} else if (dead === -1 && pass === 0) {
				pass = 1;
				lastWrite = -1;
				continue;
			} else if (dead === -1 && pass === 1 && this.pendingListed > 0) {
				pass = 2;
				entry = at(this.next, this.pendingHead);
				continue;
			}

			// Remember how far the search got (by position in time, then ops placed) to
			// explain a failure with the longest linearizable prefix. A configuration seen
			// before was recorded then.
			const reached = dead === -1 ? frontier : dead === -2 ? -1 : at(this.returnNode, dead);
			const placed = this.completed - this.remaining;
			const further = reached > bestNode || (reached === bestNode && placed > bestPlaced);
			if (dead !== -2 && further) {
				bestNode = reached;
				bestPlaced = placed;
				bestPrefix = [...this.stackOp.subarray(0, this.depth)];
			}

			// Undo placements; a forced read needs no alternatives, so keep undoing.
			do {
				if (this.depth === 0) {
					return {
						kind: 'fail',
						prefix: bestPrefix,
						blocking: at(this.nodeOp, Math.max(bestNode, 0)),
					};
				}

				op = this.backtrack();
				pass = at(this.stackPass, this.depth);
			} while (pass === 0);

			frontier = at(this.stackFrontier, this.depth);
			lastWrite = op;
			entry = at(this.next, at(this.callNode, op));
		}
	}

	/** Whether `op` is in the linearization being built. */
	isPlaced(op: number): boolean {
		const bits = this.pending[op] === 1 ? this.pendingBits : this.doneBits;
		const slot = at(this.slot, op);
		return ((at(bits, slot >>> 5) >>> (slot & 31)) & 1) === 1;
	}

	/**
	 * The completed write among the candidates that comes after `after` in priority order
	 * (-1: the first; returns -1 when there is none). Writes are tried by the midpoint of
	 * their interval, the best guess at where each took effect: the first guess is then
	 * usually right even when many writes overlap, where call order would often be wrong.
	 * Also leaves the frontier (first return node) in `scanFrontier`.
	 */
	private nextWrite(after: number): number {
		const {priority} = this;
		const bound = after === -1 ? Number.NEGATIVE_INFINITY : at(priority, after);
		let best = -1;
		let bestPriority = Number.POSITIVE_INFINITY;
		let node = at(this.next, 0);
		let scanned = 0;
		for (; node !== -1 && this.nodeIsCall[node] === 1; node = at(this.next, node)) {
			scanned++;
			const op = at(this.nodeOp, node);
			if (this.opClass[op] !== 1) {
				continue;
			}

			const p = at(priority, op);
			const later = p > bound || (p === bound && op > after);
			if (later && (p < bestPriority || (p === bestPriority && op < best))) {
				best = op;
				bestPriority = p;
			}
		}

		this.scanned = scanned;
		this.scanFrontier = node;
		return best;
	}

	/** Linearizes `op` next unless the spec forbids it or that configuration already failed. */
	private tryPlace(op: number, pass: number, frontier: number): Placement {
		let newState = this.apply(op, this.state);
		// A pending op that changes nothing here (a cas that would fail) can as well go at
		// the end, where its unconstrained output costs nothing; placing it now would only
		// double the configurations to search.
		if (newState === -1 || (pass === 2 && (newState === this.state || !this.mayMatter(op)))) {
			return notPlaced;
		}

		this.flip(op);
		if (newState > unseenState && this.unseen(newState)) {
			newState = unseenState;
		}

		const newHash = this.hash ^ at(this.zobrist, op);
		const entry = this.cache.enter(
			newHash ^ mix(newState),
			newState,
			this.doneBits,
			this.pendingBits,
		);
		if (entry === -1) {
			this.flip(op);
			return alreadyFailed;
		}

		this.stackEntry[this.depth] = entry;
		this.stackEpoch[this.depth] = this.cache.epoch;
		this.stackOp[this.depth] = op;
		this.stackState[this.depth] = this.state;
		this.stackPass[this.depth] = pass;
		this.stackFrontier[this.depth] = frontier;
		this.depth++;
		this.state = newState;
		this.hash = newHash;
		this.lift(op);
		if (this.pending[op] === 1) {
			this.pendingListed--;
		} else {
			this.remaining--;
		}

		return wasPlaced;
	}

	/** Undoes the last placement and returns its op; its frame stays readable at `depth`. */
	private backtrack(): number {
		this.depth--;
		const op = at(this.stackOp, this.depth);
		this.cache.markFailed(at(this.stackEntry, this.depth), at(this.stackEpoch, this.depth));
		this.state = at(this.stackState, this.depth);
		this.hash ^= at(this.zobrist, op);
		this.flip(op);
		this.observations.unplace(op);
		this.resets.unplace(op);
		this.explainableCases.unplace(op);

		this.unlift(op);
		if (this.pending[op] === 1) {
			this.pendingListed++;
		} else {
			this.remaining++;
		}

		return op;
	}

	/** Adds `op` to the linearized set, or takes it out. */
	private flip(op: number): void {
		const bits = this.pending[op] === 1 ? this.pendingBits : this.doneBits;
		const slot = at(this.slot, op);
		bits[slot >>> 5] = at(bits, slot >>> 5) ^ (1 << (slot & 31));
	}

	/** The sequential spec on interned states; -1 when the op's recorded output disagrees. */
	private apply(op: number, state: number): number {
		const kind = this.kind[op];
		if (this.impossible[op] === 1) {
			return -1;
		}

		if (kind === getKind) {
			return this.pending[op] === 1 || this.outputId[op] === state ? state : -1;
		}

		if (kind === putKind) {
			return at(this.valueId, op);
		}

		if (kind === appendKind) {
			if (state === unseenState) {
				return unseenState;
			}

			const memoKey = state * this.n + op;
			let next = this.appended.get(memoKey);
			if (next === undefined) {
				next = this.intern((this.states[state] ?? '') + (this.ops[op]?.value ?? ''));
				this.appended.set(memoKey, next);
			}

			return next;
		}

		const matched = state === this.expectedId[op];
		if (this.pending[op] === 0 && (this.outputId[op] === 1) !== matched) {
			return -1;
		}

		return matched ? at(this.valueId, op) : state;
	}

	/**
	 * Whether `op`, a get or a successful cas, can no longer see what it saw (its output,
	 * or its expected value) whatever is placed before it. Without deletes, the state
	 * from here to its point is the current one extended by appends, until a put or a
	 * successful cas sets it to its value (then extended by appends). So it is doomed when
	 * what it saw starts neither with the current state nor with the value of any such
	 * write that is still unplaced and may precede it (called before it returned).
	 */
	private doomed(op: number): boolean {
		const seen = at(this.observes, op);
		if (seen === -1 || this.canStillFind(op, seen)) {
			return false;
		}

		this.doomedOp = op;
		return true;
	}

	/** Whether the state at `op`'s point can still be `wanted` (see `doomed`). */
	private canStillFind(op: number, wanted: number): boolean {
		const {state} = this;
		if (wanted === state || state === 0) {
			return true;
		}

		if (wanted === 0 || !this.startsWithState(op, wanted)) {
			const {start, writes} = this.resetsBefore;
			for (let i = at(start, op); i < at(start, op + 1); i++) {
				if (!this.isPlaced(at(writes, i))) {
					return true;
				}
			}

			return false;
		}

		return true;
	}

	/** Whether string `wanted` (the one `op` is about) starts with the current state. */
	private startsWithState(op: number, wanted: number): boolean {
		const {state} = this;
		if (state === 0) {
			return true;
		}

		if (state === unseenState) {
			return false;
		}

		const memoKey = state * this.n + op;
		let prefix = this.prefixMemo.get(memoKey);
		if (prefix === undefined) {
			prefix = (this.states[wanted] ?? '').startsWith(this.states[state] ?? '');
			this.prefixMemo.set(memoKey, prefix);
		}

		return prefix;
	}

	/**
	 * Whether no op still to be placed could tell `state` from another value. Only a get
	 * reading it or a cas expecting it (or an extension of it, after appends) could, until
	 * a put or successful cas replaces it. States nobody can tell apart are all interned as
	 * `unseenState`, so orders of writes that only differ in such values share one cache
	 * entry instead of multiplying the search (there are factorially many).
	 */
	private unseen(state: number): boolean {
		const {texts, ops} = this.lookers;
		let range = this.lookerRange.get(state);
		if (range === undefined) {
			const value = this.states[state] ?? '';
			const lo = lowerBound(texts, (text) => text >= value);
			const hi = lowerBound(texts, (text, index) => index >= lo && !text.startsWith(value));
			range = lo * (texts.length + 1) + hi;
			this.lookerRange.set(state, range);
		}

		const lo = Math.floor(range / (texts.length + 1));
		const hi = range % (texts.length + 1);
		for (let i = lo; i < hi; i++) {
			if (!this.isPlaced(at(ops, i))) {
				return false;
			}
		}

		return true;
	}

	/** Checks `doomed` for the earliest-called observation not yet placed. */
	private nextObservationDoomed(): boolean {
		const op = this.observations.first(this);
		return op !== -1 && this.doomed(op);
	}

	/**
	 * Whether placing pending `op` now could make a difference. Its effect lasts until the
	 * next put or successful cas, which comes no later than the earliest return among the
	 * unplaced completed ones; only ops called by then can be placed before it. If none of
	 * those could see the value (see `markPendingDependents`), any valid completion that
	 * places `op` now stays valid without it, so it need not be tried here.
	 */
	private mayMatter(op: number): boolean {
		const reset = this.resets.first(this);
		const deadline = reset === -1 ? Number.POSITIVE_INFINITY : nth(this.ops, reset).ret;
		// A failed cas it could explain: one that could otherwise succeed within the window,
		// which needs what it expects to extend the current state (a put or cas in between
		// would wipe this op's effect anyway).
		const cases = this.explainableCases;
		for (let i = cases.firstIndex(this); i < cases.length; i++) {
			const cas = cases.opAt(i);
			if (nth(this.ops, cas).call > deadline) {
				break;
			}

			const expected = at(this.needs, cas);
			const reachable = expected === this.state || this.startsWithState(cas, expected);
			if (!this.isPlaced(cas) && reachable && (expected !== 0 || this.state === 0)) {
				return true;
			}
		}

		// An op that could see its value: after an append, that needs a string that
		// starts with the current state.
		const appends = this.kind[op] === appendKind;
		for (let i = at(this.dependentStart, op); i < at(this.dependentStart, op + 1); i++) {
			const dependent = at(this.dependents, i);
			if (nth(this.ops, dependent).call > deadline) {
				break;
			}

			const fits = !appends || this.startsWithState(dependent, at(this.seenByDependent, dependent));
			if (!this.isPlaced(dependent) && fits) {
				return true;
			}
		}

		return false;
	}

	private intern(value: string | null): number {
		if (value === null) {
			return 0;
		}

		let id = this.stateIds.get(value);
		if (id === undefined) {
			id = this.states.length;
			this.states.push(value);
			this.stateIds.set(value, id);
		}

		return id;
	}

	// Dancing links: unlinking is undone exactly by relinking in reverse order.
	private lift(op: number): void {
		const ret = at(this.returnNode, op);
		this.unlink(at(this.callNode, op));
		if (ret !== -1) {
			this.unlink(ret);
		}
	}

	private unlift(op: number): void {
		const ret = at(this.returnNode, op);
		if (ret !== -1) {
			this.relink(ret);
		}

		this.relink(at(this.callNode, op));
	}

	private unlink(node: number): void {
		const before = at(this.prev, node);
		const after = at(this.next, node);
		this.next[before] = after;
		if (after !== -1) {
			this.prev[after] = before;
		}
	}

	private relink(node: number): void {
		const after = at(this.next, node);
		this.next[at(this.prev, node)] = node;
		if (after !== -1) {
			this.prev[after] = node;
		}
	}
}
