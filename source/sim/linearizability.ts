/**
 * Linearizability checker for the key-value history (see history.ts).
 *
 * Linearizability is compositional, so each key is checked on its own (P-compositionality,
 * as in Porcupine). Per key it runs the Wing–Gong search with Lowe's memoization, like
 * Porcupine's `checkSingle`: events sit in a doubly linked list sorted by time; the search
 * repeatedly linearizes a call that precedes the first pending return, and backtracks when
 * it reaches a return whose op it could not place. A cache of (linearized set, state) pairs
 * that already failed keeps it from exploring the same configuration twice.
 */
import type {HistoryEntry} from './history.js';

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
/** Caps what a failure lists, so a report stays readable. */
const maxReportedEntries = 40;
const maxReportedChain = 10;
/** 2^25 int32 words (128 MiB); past that the memo cache is dropped, which is sound. */
const maxCacheWords = 1 << 25;

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
			state: string | null;
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
		if (isError(entry.output)) {
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

/** One readable line, e.g. `c1 cas(k1, 'a' -> 'b') = true [120..340]`. */
export function describeEntry(entry: HistoryEntry): string {
	let args = '';
	if (entry.op === 'cas') {
		args = `, ${formatValue(entry.expected ?? null)} -> ${formatValue(entry.value ?? null)}`;
	} else if (entry.op !== 'get') {
		args = `, ${formatValue(entry.value ?? null)}`;
	}

	const returned = entry.return === null || entry.return === undefined ? '?' : String(entry.return);
	return `c${entry.client} ${entry.op}(${entry.key}${args}) = ${formatOutput(entry)} [${entry.call}..${returned}]`;
}

function formatOutput(entry: HistoryEntry): string {
	const {output} = entry;
	if (output === undefined) {
		return '?';
	}

	if (isError(output)) {
		return `error(${output.error})`;
	}

	// Put and append answer the bare word ok; a get's string is a value, so it is quoted.
	if (output === 'ok' && entry.op !== 'get') {
		return 'ok';
	}

	return typeof output === 'string' || output === null
		? formatValue(output)
		: JSON.stringify(output);
}

function formatValue(value: string | null): string {
	if (value === null) {
		return 'null';
	}

	// Appended values grow without bound; keep the line readable.
	const shown =
		value.length > 48 ? `${value.slice(0, 24)}…${value.slice(-16)} (${value.length} chars)` : value;
	return `'${shown
		.replaceAll('\\', '\\\\')
		.replaceAll("'", String.raw`\'`)
		.replaceAll('\n', String.raw`\n`)}'`;
}

function isError(output: unknown): output is {error: string} {
	return (
		typeof output === 'object' &&
		output !== null &&
		typeof (output as {error?: unknown}).error === 'string'
	);
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
		};
	});

	return dropUnobservablePending(all);
}

/**
 * Leaves out pending gets (they change nothing) and pending writes that no completed op
 * could have observed, which would otherwise multiply the search: every backtrack would
 * try each subset of them.
 *
 * Why that is sound: once a pending write of v is applied, the state contains v until a
 * put replaces it (appends keep it, a cas can only succeed by expecting it). So if no
 * completed get read a value containing v and no cas expected one, then in any valid
 * linearization that applies it, the ops between it and that put are appends, failed
 * cases and pending ops; dropping it (and the pending cases it made fail) changes no
 * completed op's output unless some failed cas there could then have succeeded. That
 * cannot happen for a cas that expects a state the key can never have, or absence after
 * a write completed, or one that returned before the pending write was called.
 */
function dropUnobservablePending(all: readonly PreparedOp[]): PreparedOp[] {
	const observed: string[] = [];
	for (const op of all) {
		if (op.kind === casKind && op.expected !== null) {
			observed.push(op.expected);
		} else if (op.kind === getKind && !op.pending && typeof op.entry.output === 'string') {
			observed.push(op.entry.output);
		}
	}

	const written = new Set<string>();
	const appendedValues = new Set<string>();
	let firstWriteReturn = Number.POSITIVE_INFINITY;
	for (const op of all) {
		if (op.kind === appendKind) {
			appendedValues.add(op.value);
		} else if (op.kind !== getKind) {
			written.add(op.value);
		}

		const changed = op.kind === casKind ? op.entry.output === true : op.kind !== getKind;
		if (!op.pending && op.impossible === undefined && changed) {
			firstWriteReturn = Math.min(firstWriteReturn, op.ret);
		}
	}

	// States are exactly put and cas values, and strings ending in an appended value.
	const reachable = (state: string): boolean =>
		written.has(state) || [...appendedValues].some((value) => state.endsWith(value));
	// Latest return of a failed cas that a dropped write could have made fail.
	let explainableUntil = Number.NEGATIVE_INFINITY;
	for (const op of all) {
		const failedCas = op.kind === casKind && !op.pending && op.entry.output === false;
		const couldSucceed =
			op.expected === null ? op.call <= firstWriteReturn : reachable(op.expected);
		if (failedCas && couldSucceed) {
			explainableUntil = Math.max(explainableUntil, op.ret);
		}
	}

	return all.filter(
		(op) =>
			!op.pending ||
			(op.kind !== getKind &&
				(op.call <= explainableUntil || observed.some((text) => text.includes(op.value)))),
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
	private readonly states: Array<string | null> = [null];
	private readonly kind: Uint8Array;
	private readonly pending: Uint8Array;
	private readonly impossible: Uint8Array;
	/** The pass that tries the op: 0 completed read, 1 completed write, 2 pending. */
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
	/** For each such op, the writes that could set a prefix of that value before it. */
	private readonly resetsBefore: {start: Int32Array; writes: Int32Array};
	private readonly prefixMemo = new Map<number, boolean>();
	/** Observers by call time, and the index of the first one not placed (a lower bound). */
	private readonly observersByCall: Int32Array;
	private readonly observerIndex: Int32Array;
	private nextObserver = 0;
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
		this.resetsBefore = resetsBefore(ops);
		const observers = [...ops.keys()].filter((i) => this.observes[i] !== -1);
		this.observersByCall = Int32Array.from(
			observers.toSorted((a, b) => nth(ops, a).call - nth(ops, b).call || a - b),
		);
		this.observerIndex = new Int32Array(n).fill(-1);
		for (const [index, op] of this.observersByCall.entries()) {
			this.observerIndex[op] = index;
		}

		this.priority = Float64Array.from(ops, (op) => (op.call + op.ret) / 2);
		this.remaining = completed;
		this.pendingListed = n - completed;

		// Sorted by time; at equal times calls come first, so ops that merely touch count
		// as concurrent (the permissive reading, which never invents a violation).
		const events: Array<{time: number; call: boolean; op: number}> = [];
		for (const [i, op] of ops.entries()) {
			events.push({time: op.call, call: true, op: i});
			if (!op.pending) {
				events.push({time: op.ret, call: false, op: i});
			}
		}

		events.sort((a, b) => a.time - b.time || Number(b.call) - Number(a.call) || a.op - b.op);

		const nodes = events.length + 2;
		this.pendingHead = nodes - 1;
		this.next = new Int32Array(nodes).fill(-1);
		this.prev = new Int32Array(nodes).fill(-1);
		this.nodeOp = new Int32Array(nodes);
		this.nodeIsCall = new Uint8Array(nodes);
		this.callNode = new Int32Array(n);
		this.returnNode = new Int32Array(n).fill(-1);
		const tails = [0, this.pendingHead];
		for (const [e, event] of events.entries()) {
			const node = e + 1;
			this.nodeOp[node] = event.op;
			this.nodeIsCall[node] = event.call ? 1 : 0;
			(event.call ? this.callNode : this.returnNode)[event.op] = node;
			const list = this.pending[event.op];
			const tail = tails[list!]!;
			this.next[tail] = node;
			this.prev[node] = tail;
			tails[list!] = node;
		}

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

	run(maxSteps: number): SearchOutcome {
		let bestNode = -1;
		let bestPlaced = -1;
		let bestPrefix: number[] = [];
		let bestState = 0;

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
			// explain a failure with the longest linearizable prefix.
			const reached = dead === -1 ? frontier : dead === -2 ? -1 : at(this.returnNode, dead);
			const placed = this.completed - this.remaining;
			if (reached > bestNode || (reached === bestNode && placed > bestPlaced)) {
				bestNode = reached;
				bestPlaced = placed;
				bestPrefix = [...this.stackOp.subarray(0, this.depth)];
				bestState = this.state;
			}

			// Undo placements; a forced read needs no alternatives, so keep undoing.
			do {
				if (this.depth === 0) {
					return {
						kind: 'fail',
						prefix: bestPrefix,
						blocking: at(this.nodeOp, Math.max(bestNode, 0)),
						state: this.states[bestState] ?? null,
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
		const newState = this.apply(op, this.state);
		// A pending op that changes nothing here (a cas that would fail) can as well go at
		// the end, where its unconstrained output costs nothing; placing it now would only
		// double the configurations to search.
		if (newState === -1 || (newState === this.state && pass === 2)) {
			return notPlaced;
		}

		this.flip(op);
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
		const observer = at(this.observerIndex, op);
		if (observer !== -1 && observer < this.nextObserver) {
			this.nextObserver = observer;
		}

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
		const {state} = this;
		if (seen === -1 || seen === state || state === 0) {
			return false;
		}

		if (seen === 0) {
			this.doomedOp = op;
			return true;
		}

		const memoKey = state * this.n + op;
		let prefix = this.prefixMemo.get(memoKey);
		if (prefix === undefined) {
			prefix = (this.states[seen] ?? '').startsWith(this.states[state] ?? '');
			this.prefixMemo.set(memoKey, prefix);
		}

		if (prefix) {
			return false;
		}

		const {start, writes} = this.resetsBefore;
		for (let i = at(start, op); i < at(start, op + 1); i++) {
			if (!this.isPlaced(at(writes, i))) {
				return false;
			}
		}

		this.doomedOp = op;
		return true;
	}

	/** Checks `doomed` for the earliest-called observation not yet placed. */
	private nextObservationDoomed(): boolean {
		const order = this.observersByCall;
		let i = this.nextObserver;
		while (i < order.length && this.isPlaced(at(order, i))) {
			i++;
		}

		this.nextObserver = i;
		if (i < order.length && this.doomed(at(order, i))) {
			this.doomedOp = at(order, i);
			return true;
		}

		return false;
	}

	private isPlaced(op: number): boolean {
		const bits = this.pending[op] === 1 ? this.pendingBits : this.doneBits;
		const slot = at(this.slot, op);
		return ((at(bits, slot >>> 5) >>> (slot & 31)) & 1) === 1;
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

	const entries = chooseOps(ops, failure, blocking).map((index) => nth(ops, index).entry);

	let why: string;
	if (blocking.impossible === undefined) {
		const placed = failure.prefix.filter((index) => !nth(ops, index).pending).length;
		const completed = ops.filter((op) => !op.pending).length;
		const ending = failure.state === null ? 'absent' : `= ${formatValue(failure.state)}`;
		why = `the longest linearizable prefix places ${placed} of ${completed} completed ops and leaves ${key} ${ending}`;
	} else {
		why = blocking.impossible;
	}

	// Say whether the listed ops are a witness by themselves, so nobody has to wonder.
	let witness: string;
	if (entries.length === ops.length) {
		witness = `all ${entries.length} ops of ${key} listed`;
	} else {
		const alone = search(prepare(entries), witnessMaxSteps);
		witness =
			alone.kind === 'fail'
				? `the ${entries.length} ops listed cannot be linearized on their own`
				: `listed: ${entries.length} ops around the failure (not a witness on their own)`;
	}

	return {
		ok: false,
		key,
		entries,
		reason: `no linearization of key ${key} gets past ${describeEntry(blocking.entry)}: ${why}; ${witness}`,
	};
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
 * For each op that observed a string, the writes that set the state outright (puts,
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
		const seen = observedValue(op);
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
