/**
 * Linearizability checker for the key-value history (see history.ts).
 *
 * Linearizability is compositional, so each key is checked on its own (P-compositionality,
 * as in Porcupine). Per key it runs the Wing–Gong search with Lowe's memoization, like
 * Porcupine's `checkSingle`: events sit in a doubly linked list sorted by time; the search
 * repeatedly linearizes a call that precedes the first remaining return, and backtracks
 * when it reaches a return whose op it could not place. A cache of (linearized set, state)
 * configurations keeps it from exploring one twice.
 *
 * Plain Wing–Gong is exponential in the concurrency, and in the number of ops that never
 * got a reply (they stay candidates forever). These refinements keep realistic histories
 * near-linear; each one only skips work that provably cannot find a linearization:
 * - a read that fits the state is placed with no alternatives (it changes nothing, so it
 *   can go first in any valid completion); concurrent writes are tried in order of the
 *   midpoints of their intervals, the likeliest order;
 * - pending ops are tried last, and only when something still to be placed could notice
 *   them; those nothing can ever notice are dropped up front (`dropUnobservablePending`);
 * - a configuration is abandoned as soon as the next observation can no longer be
 *   reached from its state (`doomed`);
 * - states no remaining op can tell apart are merged (`unseen`), and a configuration that
 *   only used more pending ops than one that failed fails too (`ConfigurationCache`).
 * A step budget turns what is still too hard into `unknown` instead of a hang.
 */
import {formatKvValue} from '../vsr/kv-store.js';
import {describeEntry, type HistoryEntry, isErrorOutput} from './history.js';

export type LinearizabilityResult =
	| {ok: true}
	| {ok: false; key: string; entries: HistoryEntry[]; reason: string}
	| {ok: 'unknown'; key: string; reason: string};

export type CheckOptions = {
	/** Search steps allowed per key before the answer is `unknown` (default `defaultMaxSteps`). */
	maxSteps?: number;
};

export const defaultMaxSteps = 10_000_000;

const getKind = 0;
const putKind = 1;
const appendKind = 2;
const casKind = 3;
const kindByOp = {get: getKind, put: putKind, append: appendKind, cas: casKind} as const;

/** Steps for checking whether the ops listed in a failure are a witness on their own. */
const witnessMaxSteps = 200_000;
/** How many subsets the failure report may check while shrinking a witness. */
const maxWitnessChecks = 100;
/** Caps what a failure lists, so a report stays readable. */
const maxReportedEntries = 40;
const maxReportedChain = 10;
/** 2^25 int32 words (128 MiB); past that the memo cache is dropped, which is sound. */
const maxCacheWords = 1 << 25;

/**
 * Interned state standing for "some value no op still to be placed can tell apart":
 * see `KeySearch.unseen`. Id 0 is absence; real values start at 2.
 */
const unseenState = 1;

const notPlaced = 0;
const wasPlaced = 1;
const alreadyFailed = 2;
type Placement = typeof notPlaced | typeof wasPlaced | typeof alreadyFailed;

type PreparedOp = {
	entry: HistoryEntry;
	kind: number;
	call: number;
	/** Infinity for an op with no reply: it may take effect at any time after its call. */
	ret: number;
	pending: boolean;
	value: string;
	expected: string | null;
	/** Why the spec can never produce this completed op's output, if it cannot. */
	impossible: string | undefined;
	/** A completed failed cas that might have succeeded but for some pending write. */
	explainable: boolean;
	/** Pending writes: the ops that could see their value (see `markPendingDependents`). */
	dependents: PreparedOp[];
};

type SearchOutcome =
	| {kind: 'ok'}
	| {kind: 'unknown'; steps: number}
	| {
			kind: 'fail';
			/** The longest linearizable prefix found, in linearization order (op indices). */
			prefix: number[];
			/** The op whose return the search could not get past. */
			blocking: number;
	  };

export function checkLinearizable(
	history: readonly HistoryEntry[],
	options: CheckOptions = {},
): LinearizabilityResult {
	const maxSteps = options.maxSteps ?? defaultMaxSteps;
	if (!(maxSteps >= 0)) {
		throw new RangeError(`maxSteps must be a non-negative number, got ${maxSteps}`);
	}

	const byKey = new Map<string, HistoryEntry[]>();
	for (const entry of history) {
		validate(entry);
		// A rejected op took no effect, so it constrains nothing.
		if (isErrorOutput(entry.output)) {
			continue;
		}

		const list = byKey.get(entry.key);
		if (list === undefined) {
			byKey.set(entry.key, [entry]);
		} else {
			list.push(entry);
		}
	}

	let unknown: LinearizabilityResult | undefined;
	for (const [key, entries] of byKey) {
		const ops = prepare(entries);
		const outcome = search(ops, maxSteps);
		if (outcome.kind === 'fail') {
			return explain(key, ops, outcome);
		}

		// Keep checking: a definite violation on a later key beats `unknown`.
		if (outcome.kind === 'unknown') {
			unknown ??= {
				ok: 'unknown',
				key,
				reason: `gave up on key ${key} after ${outcome.steps} search steps (${ops.length} ops); raise maxSteps to search further`,
			};
		}
	}

	return unknown ?? {ok: true};
}

/** Rejects entries the checker cannot interpret: those are recorder bugs, not violations. */
function validate(entry: HistoryEntry): void {
	const bad = (why: string): never => {
		throw new TypeError(`malformed history entry ${JSON.stringify(entry)}: ${why}`);
	};

	if (typeof entry !== 'object' || entry === null) {
		bad('not an object');
	}

	if (!Object.hasOwn(kindByOp, entry.op)) {
		bad('op must be get, put, append or cas');
	}

	if (typeof entry.key !== 'string') {
		bad('key must be a string');
	}

	if (entry.op !== 'get' && typeof entry.value !== 'string') {
		bad(`${entry.op} needs a string value`);
	}

	if (entry.op === 'cas' && entry.expected !== null && typeof entry.expected !== 'string') {
		bad('cas needs expected: string or null');
	}

	if (!Number.isFinite(entry.call)) {
		bad('call must be a finite number');
	}

	// JSON written by other tools may drop the field instead of writing null.
	const returned = entry.return as number | null | undefined;
	if (returned !== null && returned !== undefined) {
		if (!Number.isFinite(returned)) {
			bad('return must be a finite number or null');
		}

		if (returned < entry.call) {
			bad('return precedes call');
		}
	}
}

/** Why the spec can never produce `output` for this op, or undefined if it can. */
function impossibleOutput(entry: HistoryEntry): string | undefined {
	const {op, output} = entry;
	switch (op) {
		case 'get': {
			return typeof output === 'string' || output === null
				? undefined
				: 'get answers a string or null';
		}

		case 'put':
		case 'append': {
			return output === 'ok' ? undefined : `${op} always answers ok`;
		}

		case 'cas': {
			return typeof output === 'boolean' ? undefined : 'cas answers true or false';
		}
	}
}

/**
 * Turns one key's entries into search input. Ops with no reply (or no output) are
 * pending: their return is +infinity and their output unconstrained, so placing them
 * after every completed op is the same as leaving them out. Pending gets change nothing
 * and are dropped, as are pending writes no completed op could have observed.
 */
function prepare(entries: readonly HistoryEntry[]): PreparedOp[] {
	const all: PreparedOp[] = entries.map((entry) => {
		const pending =
			entry.return === null || entry.return === undefined || entry.output === undefined;
		return {
			entry,
			kind: kindByOp[entry.op],
			call: entry.call,
			ret: pending ? Number.POSITIVE_INFINITY : (entry.return ?? Number.POSITIVE_INFINITY),
			pending,
			value: entry.value ?? '',
			expected: entry.expected ?? null,
			impossible: pending ? undefined : impossibleOutput(entry),
			explainable: false,
			dependents: [],
		};
	});

	return dropUnobservablePending(all);
}

/**
 * What a pending write can matter to. Once applied, its value v is part of the state
 * until a put or a successful cas replaces the state (appends keep it, a cas can only
 * succeed by expecting it). Until then, only these ops can tell it happened: completed
 * gets that read a string containing v, cases expecting such a string, and completed
 * failed cases that might have succeeded otherwise ("explainable"). A failed cas is not
 * explainable when it expects absence after a write completed, or a state the key can
 * never have: states are exactly put and cas values, and strings ending in an appended
 * value.
 */
function markPendingDependents(all: readonly PreparedOp[]): void {
	markExplainable(all);
	const observers: Array<{op: PreparedOp; seen: string}> = [];
	for (const op of all) {
		if (op.kind === casKind && op.expected !== null) {
			observers.push({op, seen: op.expected});
		} else if (op.kind === getKind && !op.pending && typeof op.entry.output === 'string') {
			observers.push({op, seen: op.entry.output});
		}
	}

	for (const op of all) {
		if (op.pending && op.kind !== getKind) {
			// After a put or cas of v the state starts with v; after an append it contains v.
			const sees = (seen: string): boolean =>
				op.kind === appendKind ? seen.includes(op.value) : seen.startsWith(op.value);
			op.dependents = observers
				.filter(({op: observer, seen}) => observer !== op && sees(seen))
				.map(({op: observer}) => observer)
				.toSorted((a, b) => a.call - b.call);
		}
	}
}

/** Flags the explainable failed cases (see `markPendingDependents`). */
function markExplainable(all: readonly PreparedOp[]): void {
	let firstWriteReturn = Number.POSITIVE_INFINITY;
	for (const op of all) {
		const changed = op.kind === casKind ? op.entry.output === true : op.kind !== getKind;
		if (!op.pending && op.impossible === undefined && changed) {
			firstWriteReturn = Math.min(firstWriteReturn, op.ret);
		}
	}

	// A state is a put or cas value, or a string ending in an appended value, and only
	// once that op has been called.
	const setBy = new Map<string, number>();
	const appended: Array<{value: string; call: number}> = [];
	for (const op of all) {
		if (op.kind === appendKind) {
			appended.push({value: op.value, call: op.call});
		} else if (op.kind !== getKind) {
			setBy.set(op.value, Math.min(setBy.get(op.value) ?? op.call, op.call));
		}
	}

	const reachableBy = (state: string, time: number): boolean =>
		(setBy.get(state) ?? Number.POSITIVE_INFINITY) <= time ||
		appended.some(({value, call}) => call <= time && state.endsWith(value));
	for (const op of all) {
		if (op.kind === casKind && !op.pending && op.entry.output === false) {
			op.explainable =
				op.expected === null ? op.call <= firstWriteReturn : reachableBy(op.expected, op.ret);
		}
	}
}

/**
 * Leaves out pending gets (they change nothing) and pending writes nothing could notice,
 * which would otherwise multiply the search: every backtrack would try each of them.
 *
 * Why that is sound: in a valid linearization that applies such a write, the ops
 * between it and the next put or successful cas include no completed get or cas that
 * could see it (see `markPendingDependents`), so dropping it (and any pending cas it made
 * fail) leaves every completed op's output as it was. The search applies the same
 * argument to the window before the next write that must come (see `mayMatter`).
 */
function dropUnobservablePending(all: readonly PreparedOp[]): PreparedOp[] {
	markPendingDependents(all);
	let explainableUntil = Number.NEGATIVE_INFINITY;
	for (const op of all) {
		if (op.explainable) {
			explainableUntil = Math.max(explainableUntil, op.ret);
		}
	}

	return all.filter(
		(op) =>
			!op.pending ||
			(op.kind !== getKind && (op.call <= explainableUntil || op.dependents.length > 0)),
	);
}

function search(ops: readonly PreparedOp[], maxSteps: number): SearchOutcome {
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

/**
 * The event lists (see `KeySearch.next`): events sorted by time, calls first at equal
 * times, so ops that merely touch count as concurrent (the permissive reading, which
 * never invents a violation).
 */
function eventLists(ops: readonly PreparedOp[]): {
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
class UnplacedCursor {
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
 * The configurations seen: (completed ops linearized, pending ops used, state), as a
 * hash table over one Int32Array arena, entry = [next entry offset, hash, state, failed,
 * ...completed bits, ...pending bits]. Flat storage keeps millions of configurations
 * cheap for the garbage collector.
 *
 * Besides exact repeats (Lowe's memoization) it prunes dominated configurations: using
 * fewer pending ops never hurts, since any of them may still be applied later or left out,
 * so if (done, used, state) failed then (done, used', state) fails for every used' ⊇ used.
 * Only entries already known to have failed are used that way, never ones still on the
 * search path.
 */
class ConfigurationCache {
	readonly #doneWords: number;
	readonly #pendingWords: number;
	readonly #stride: number;
	#arena = new Int32Array(1 << 16);
	#used = 0;
	#buckets = new Int32Array(1 << 10).fill(-1);
	#count = 0;
	/** Bumped when the cache is dropped, which invalidates every offset handed out. */
	#epoch = 0;

	constructor(doneWords: number, pendingWords: number) {
		this.#doneWords = doneWords;
		this.#pendingWords = pendingWords;
		this.#stride = 4 + doneWords + pendingWords;
	}

	/**
	 * Records the configuration and returns its entry, or -1 if it was seen before or is
	 * dominated by one that failed (either way there is nothing new to find from it).
	 */
	enter(hash: number, state: number, done: Int32Array, pending: Int32Array): number {
		const arena = this.#arena;
		for (let offset = at(this.#buckets, hash & (this.#buckets.length - 1)); offset !== -1;) {
			if (
				arena[offset + 1] === hash &&
				arena[offset + 2] === state &&
				this.#sameDone(offset, done)
			) {
				const used = this.#compareUsed(offset, pending);
				if (used === 0 || (used === 1 && arena[offset + 3] === 1)) {
					return -1;
				}
			}

			offset = at(arena, offset);
		}

		this.#reserve();
		const offset = this.#used;
		this.#used += this.#stride;
		this.#arena[offset + 1] = hash;
		this.#arena[offset + 2] = state;
		this.#arena[offset + 3] = 0;
		this.#arena.set(done, offset + 4);
		this.#arena.set(pending, offset + 4 + this.#doneWords);
		this.#link(offset);
		this.#count++;
		return offset;
	}

	get epoch(): number {
		return this.#epoch;
	}

	/** Marks an entry `enter` returned during `epoch` as explored without success. */
	markFailed(offset: number, epoch: number): void {
		// Entries from before a drop no longer exist (and their offsets were reused).
		if (epoch === this.#epoch) {
			this.#arena[offset + 3] = 1;
		}
	}

	#sameDone(offset: number, done: Int32Array): boolean {
		const arena = this.#arena;
		for (let w = 0; w < this.#doneWords; w++) {
			if (arena[offset + 4 + w] !== done[w]) {
				return false;
			}
		}

		return true;
	}

	/** 0: same pending ops used; 1: the entry used a strict subset; 2: neither. */
	#compareUsed(offset: number, pending: Int32Array): number {
		const arena = this.#arena;
		const base = offset + 4 + this.#doneWords;
		let same = true;
		for (let w = 0; w < this.#pendingWords; w++) {
			const theirs = at(arena, base + w);
			const ours = at(pending, w);
			if ((theirs & ~ours) !== 0) {
				return 2;
			}

			same &&= theirs === ours;
		}

		return same ? 0 : 1;
	}

	#reserve(): void {
		if (this.#used + this.#stride <= this.#arena.length) {
			return;
		}

		if (this.#arena.length * 2 > maxCacheWords) {
			// Forgetting configurations only costs repeated work; the search stays exact.
			this.#used = 0;
			this.#count = 0;
			this.#epoch++;
			this.#buckets.fill(-1);
			return;
		}

		const arena = new Int32Array(this.#arena.length * 2);
		arena.set(this.#arena.subarray(0, this.#used));
		this.#arena = arena;
		// Keep the load factor at most one per bucket.
		if (this.#count * 2 > this.#buckets.length) {
			this.#buckets = new Int32Array(this.#buckets.length * 4).fill(-1);
			for (let offset = 0; offset < this.#used; offset += this.#stride) {
				this.#link(offset);
			}
		}
	}

	#link(offset: number): void {
		const bucket = at(this.#arena, offset + 1) & (this.#buckets.length - 1);
		this.#arena[offset] = at(this.#buckets, bucket);
		this.#buckets[bucket] = offset;
	}
}

/** Typed-array read for an index the caller knows is in range. */
function at(array: Int32Array | Uint8Array | Float64Array, index: number): number {
	// Hot path: noUncheckedIndexedAccess cannot see the bounds the algorithm guarantees.
	return array[index]!;
}

/** 32-bit finalizer (murmur3 fmix32). */
function mix(value: number): number {
	let x = value;
	x = Math.imul(x ^ (x >>> 16), 0x85_eb_ca_6b);
	x = Math.imul(x ^ (x >>> 13), 0xc2_b2_ae_35);
	return x ^ (x >>> 16);
}

type Failure = Extract<SearchOutcome, {kind: 'fail'}>;

/** Builds the failure report: which ops to show a person, and why they fail. */
function explain(key: string, ops: readonly PreparedOp[], failure: Failure): LinearizabilityResult {
	const blocking = ops[failure.blocking];
	if (blocking === undefined) {
		throw new Error('linearizability: failure without a blocking op');
	}

	const core = chooseOps(ops, failure, blocking);
	const witnessOps = findWitness(ops, failure, core);
	const entries = (witnessOps ?? core).map((index) => nth(ops, index).entry);

	let why: string;
	if (blocking.impossible === undefined) {
		const placed = failure.prefix.filter((index) => !nth(ops, index).pending).length;
		const completed = ops.filter((op) => !op.pending).length;
		const state = failure.prefix.reduce<string | null>(
			(state, index) => nextState(nth(ops, index), state),
			null,
		);
		const ending = state === null ? 'absent' : `= ${formatKvValue(state)}`;
		why = `the longest linearizable prefix places ${placed} of ${completed} completed ops and leaves ${key} ${ending}`;
	} else {
		why = blocking.impossible;
	}

	// Say whether the listed ops are a witness by themselves, so nobody has to wonder.
	const witness =
		witnessOps === undefined
			? `listed: ${entries.length} ops around the failure (as a subset they prove nothing)`
			: `the ${entries.length} ops listed cannot be linearized on their own`;

	return {
		ok: false,
		key,
		entries,
		reason: `no linearization of key ${key} gets past ${describeEntry(blocking.entry)}: ${why}; ${witness}`,
	};
}

/**
 * A small set of ops that is not linearizable by itself and contains `core`, or
 * undefined if none is found cheaply. Candidates: the core; else the core plus everything
 * that can precede the stuck op (the prefix and all ops called before it returned),
 * shrunk by dropping chunks of the additions while the rest still fails.
 */
function findWitness(
	ops: readonly PreparedOp[],
	failure: Failure,
	core: readonly number[],
): number[] | undefined {
	let checks = 0;
	const fails = (indices: readonly number[]): boolean => {
		checks++;
		const outcome = search(prepare(indices.map((index) => nth(ops, index).entry)), witnessMaxSteps);
		return outcome.kind === 'fail';
	};

	const byCall = (a: number, b: number): number => nth(ops, a).call - nth(ops, b).call || a - b;
	if (core.length === ops.length || fails(core)) {
		return [...core];
	}

	const blocking = nth(ops, failure.blocking);
	const inCore = new Set(core);
	const before = new Set(failure.prefix);
	for (const [index, op] of ops.entries()) {
		if (op.call <= blocking.ret) {
			before.add(index);
		}
	}

	let extras = [...before].filter((index) => !inCore.has(index)).toSorted(byCall);
	if (!fails([...core, ...extras])) {
		return undefined;
	}

	// Drop halves, then quarters, and so on: old history rarely matters.
	let chunk = Math.ceil(extras.length / 2);
	while (chunk > 0) {
		let start = 0;
		while (start < extras.length) {
			if (checks >= maxWitnessChecks) {
				return [...core, ...extras].toSorted(byCall);
			}

			const trial = [...extras.slice(0, start), ...extras.slice(start + chunk)];
			if (fails([...core, ...trial])) {
				extras = trial;
			} else {
				start += chunk;
			}
		}

		chunk = chunk === 1 ? 0 : Math.ceil(chunk / 2);
	}

	return [...core, ...extras].toSorted(byCall);
}

/**
 * The ops worth showing, by call time: the stuck op, the writes that built the state the
 * longest prefix ends in, the write of the value it saw, the ops still unplaced when the
 * search got stuck and the prefix ops overlapping them.
 */
function chooseOps(ops: readonly PreparedOp[], failure: Failure, blocking: PreparedOp): number[] {
	const inPrefix = new Set(failure.prefix);
	const selected = new Set<number>([failure.blocking]);
	const add = (index: number | undefined): void => {
		if (index !== undefined && selected.size < maxReportedEntries) {
			selected.add(index);
		}
	};

	for (const index of stateChain(ops, failure.prefix)) {
		add(index);
	}

	add(writerOfSeenValue(ops, failure, blocking, inPrefix));

	let windowStart = blocking.call;
	for (const [index, op] of ops.entries()) {
		if (!inPrefix.has(index) && index !== failure.blocking && op.call <= blocking.ret) {
			add(index);
			windowStart = Math.min(windowStart, op.call);
		}
	}

	for (const index of failure.prefix) {
		if (nth(ops, index).ret >= windowStart) {
			add(index);
		}
	}

	return [...selected].toSorted((a, b) => nth(ops, a).call - nth(ops, b).call || a - b);
}

/** The writes (latest first) that built the prefix's final state, back to the last overwrite. */
function stateChain(ops: readonly PreparedOp[], prefix: readonly number[]): number[] {
	const before: Array<string | null> = [];
	let state: string | null = null;
	for (const index of prefix) {
		before.push(state);
		state = nextState(nth(ops, index), state);
	}

	const chain: number[] = [];
	for (let i = prefix.length - 1; i >= 0 && chain.length < maxReportedChain; i--) {
		const index = nth(prefix, i);
		const op = nth(ops, index);
		const applied = op.kind !== getKind && (op.kind !== casKind || before[i] === op.expected);
		if (applied) {
			chain.push(index);
			if (op.kind !== appendKind) {
				break;
			}
		}
	}

	return chain;
}

/** The write of the value a stuck get read or a stuck cas expected (stale or future reads). */
function writerOfSeenValue(
	ops: readonly PreparedOp[],
	failure: Failure,
	blocking: PreparedOp,
	inPrefix: ReadonlySet<number>,
): number | undefined {
	const seen = blocking.kind === casKind ? blocking.expected : blocking.entry.output;
	if (blocking.kind === putKind || blocking.kind === appendKind || typeof seen !== 'string') {
		return undefined;
	}

	const writers: number[] = [];
	for (const [index, op] of ops.entries()) {
		if (
			index !== failure.blocking &&
			(op.kind === putKind || op.kind === casKind) &&
			op.value === seen
		) {
			writers.push(index);
		}
	}

	return writers.findLast((index) => inPrefix.has(index)) ?? writers[0];
}

/** Array read for an index the caller knows is in range. */
function nth<T>(array: readonly T[], index: number): T {
	const value = array[index];
	if (value === undefined) {
		throw new RangeError(`linearizability: index ${index} out of range`);
	}

	return value;
}

/**
 * The state an op needs to find at its point: what a completed get read, what a
 * successful cas expected, and (to succeed, which would contradict it, see
 * `markPendingDependents`) what an explainable failed cas expected. Undefined otherwise.
 */
function neededState(op: PreparedOp): string | null | undefined {
	return op.explainable ? op.expected : observedValue(op);
}

/** What a completed get read, or a successful cas expected; undefined for other ops. */
function observedValue(op: PreparedOp): string | null | undefined {
	if (op.pending || op.impossible !== undefined) {
		return undefined;
	}

	if (op.kind === getKind) {
		const {output} = op.entry;
		return typeof output === 'string' ? output : null;
	}

	return op.kind === casKind && op.entry.output === true ? op.expected : undefined;
}

/**
 * For each op that needs a state (`neededState`), the writes that set the state outright (puts,
 * cases that succeeded or may have) whose value starts that string and which were
 * called no later than the observer returned, as flat lists indexed by `start`.
 */
function resetsBefore(ops: readonly PreparedOp[]): {start: Int32Array; writes: Int32Array} {
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
function lookers(ops: readonly PreparedOp[]): {texts: string[]; ops: Int32Array} {
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
function lowerBound<T>(array: readonly T[], past: (item: T, index: number) => boolean): number {
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

/** Completed ops that never change the state: gets and failed cases. */
function isRead(op: PreparedOp): boolean {
	return !op.pending && (op.kind === getKind || (op.kind === casKind && op.entry.output === false));
}

/** The sequential spec, for replaying a prefix the search found. */
function nextState(op: PreparedOp | undefined, state: string | null): string | null {
	if (op?.kind === putKind) {
		return op.value;
	}

	if (op?.kind === appendKind) {
		return (state ?? '') + op.value;
	}

	return op?.kind === casKind && state === op.expected ? op.value : state;
}
