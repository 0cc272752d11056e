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
 *
 * This file is the entry point. The stages, each in its own file: prepare.ts turns a key's
 * entries into search input; key-search.ts searches (reading the tables of
 * search-tables.ts and memoizing in configuration-cache.ts); explain.ts turns a failure
 * into a report with a small witness.
 */
import {explain} from './explain.js';
import {type HistoryEntry, isErrorOutput} from './history.js';
import {search} from './key-search.js';
import {kindByOp, prepare} from './prepare.js';

/**
What the key-value checker found: linearizable; or not, on `key`, with the operations that show
it and why; or unknown when the search ran out of steps.
*/
export type LinearizabilityResult =
	| {ok: true}
	| {ok: false; key: string; entries: HistoryEntry[]; reason: string}
	| {ok: 'unknown'; key: string; reason: string};

/** Options of `checkLinearizable`. */
export type CheckOptions = {
	/** Search steps allowed per key before the answer is `unknown` (default `defaultMaxSteps`). */
	maxSteps?: number;
};

/** Search steps per key before the answer is `unknown`. */
export const defaultMaxSteps = 10_000_000;

/**
Whether a key-value history is linearizable: key by key (linearizability is compositional), some
order of the operations consistent with real time explains every output. An operation without a
reply may or may not have taken effect; one the state machine rejected took none.
*/
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
			const {entries, reason} = explain(key, ops, outcome);
			return {ok: false, key, entries, reason};
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
