/**
 * The first stage of the checker: one key's history entries become the ops the search
 * places (`PreparedOp`), with what each needs and what pending writes could matter to;
 * pending ops nothing could notice are left out here (see `dropUnobservablePending`).
 */
import type {HistoryEntry} from './history.js';

export const getKind = 0;
export const putKind = 1;
export const appendKind = 2;
export const casKind = 3;
export const kindByOp = {get: getKind, put: putKind, append: appendKind, cas: casKind} as const;

export type PreparedOp = {
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
export function prepare(entries: readonly HistoryEntry[]): PreparedOp[] {
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
 * argument to the window before the next write that must come (see `KeySearch.mayMatter`).
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

/**
 * The state an op needs to find at its point: what a completed get read, what a
 * successful cas expected, and (to succeed, which would contradict it, see
 * `markPendingDependents`) what an explainable failed cas expected. Undefined otherwise.
 */
export function neededState(op: PreparedOp): string | null | undefined {
	return op.explainable ? op.expected : observedValue(op);
}

/** What a completed get read, or a successful cas expected; undefined for other ops. */
export function observedValue(op: PreparedOp): string | null | undefined {
	if (op.pending || op.impossible !== undefined) {
		return undefined;
	}

	if (op.kind === getKind) {
		const {output} = op.entry;
		return typeof output === 'string' ? output : null;
	}

	return op.kind === casKind && op.entry.output === true ? op.expected : undefined;
}

/** Completed ops that never change the state: gets and failed cases. */
export function isRead(op: PreparedOp): boolean {
	return !op.pending && (op.kind === getKind || (op.kind === casKind && op.entry.output === false));
}
