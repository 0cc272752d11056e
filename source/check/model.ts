/**
Linearizability against any sequential specification: the checker for services other than the
key-value store (whose own checker, linearizability.ts, knows its operations and goes much
further). A history of a few hundred operations from a handful of clients is checked in
milliseconds; concurrency is what makes it expensive, and a step budget turns a search that is
too hard into `unknown` instead of a hang.

The search is Wing & Gong's with Lowe's memoization, as Porcupine's `checkSingle`: calls and
returns sit in one list sorted by time; it repeatedly linearizes a call that comes before the
first remaining return, and backtracks when it reaches a return whose operation it could not
place. A set of (operations linearized, state) configurations keeps it from exploring one twice.
An operation with no reply may or may not have taken effect: its return is at infinity and any
output fits it. An operation the service rejected (an error reply) took no effect and is left
out.
*/
import {isDeepStrictEqual} from 'node:util';

/**
A sequential specification: what each operation returns when it runs alone on a state, and the
state it leaves behind. `step` must not change the state it is given.
*/
export type Model<State, Operation, Output> = {
	/** The state before any operation. */
	readonly initial: State;
	/** Runs `operation` alone on `state`. */
	step(state: State, operation: Operation): {readonly output: Output; readonly state: State};
	/** Equal for equal states; used to remember configurations (default: `JSON.stringify`). */
	key?(state: State): string;
	/** Whether an observed output is the one specified (default: deep equality). */
	equal?(observed: Output, specified: Output): boolean;
};

/** One operation of a client history, as recorded by {@link ModelHistory}. */
export type ModelEntry<Operation, Output> = {
	/** The client that called it; a client has at most one operation outstanding. */
	readonly client: number;
	readonly operation: Operation;
	/** What the reply said; absent when it failed (`error`) or when no reply came. */
	readonly output?: Output;
	/** The service rejected the operation: it took no effect. */
	readonly error?: string;
	/** When it was called, in any unit that both times share (nanoseconds in the simulator). */
	readonly call: number;
	/** When its reply came; null when none came (it may or may not have taken effect). */
	readonly return: number | null;
};

/** The outcome of {@link checkModel}. */
export type ModelCheckResult<Operation, Output> =
	| {readonly ok: true}
	| {
			readonly ok: false;
			/**
			Why: the operation whose output no order explains (the one the search got stuck at with
			the most operations placed before it).
			*/
			readonly reason: string;
			/** That operation. */
			readonly entry: ModelEntry<Operation, Output>;
	  }
	| {readonly ok: 'unknown'; readonly reason: string};

/** Options of {@link checkModel}. */
export type ModelCheckOptions = {
	/** Search steps allowed before the answer is `unknown` (default 1,000,000). */
	readonly maxSteps?: number;
};

/**
Records calls and their replies in call order, for {@link checkModel}. A call that never
completes keeps `return: null`, which tells the checker it may or may not have taken effect.
*/
export class ModelHistory<Operation, Output> {
	readonly #entries: Array<{
		client: number;
		operation: Operation;
		output?: Output;
		error?: string;
		call: number;
		return: number | null;
	}> = [];

	/** Records a call; returns its index for `complete` or `fail`. */
	invoke(client: number, operation: Operation, callTime: number): number {
		this.#entries.push({client, operation, call: callTime, return: null});
		return this.#entries.length - 1;
	}

	/** Records the reply to the call at `index`. */
	complete(index: number, output: Output, returnTime: number): void {
		this.#completed(index, returnTime).output = output;
	}

	/** Records that the service rejected the call at `index` (it took no effect). */
	fail(index: number, error: string, returnTime: number): void {
		this.#completed(index, returnTime).error = error;
	}

	/** A copy of the history. */
	entries(): Array<ModelEntry<Operation, Output>> {
		return this.#entries.map((entry) => ({...entry}));
	}

	#completed(index: number, returnTime: number) {
		const entry = this.#entries[index];
		if (entry === undefined) {
			throw new RangeError(`no call with index ${index}`);
		}

		if (entry.return !== null) {
			throw new Error(`call ${index} already returned at ${entry.return}`);
		}

		if (returnTime < entry.call) {
			throw new RangeError(
				`call ${index} returns at ${returnTime}, before its call at ${entry.call}`,
			);
		}

		entry.return = returnTime;
		return entry;
	}
}

/** A call or a return in the time-ordered list the search walks. */
type Node = {
	readonly op: number;
	readonly isCall: boolean;
	readonly time: number;
	/** The return of a call, the call of a return. */
	match: Node | undefined;
	previous: Node | undefined;
	next: Node | undefined;
};

/**
Whether the history is linearizable with respect to `model`: some total order of its operations,
consistent with their real-time order (an operation that returned before another was called
comes first), in which each one's output is the one the model gives.
*/
export function checkModel<State, Operation, Output>(
	model: Model<State, Operation, Output>,
	history: ReadonlyArray<ModelEntry<Operation, Output>>,
	options: ModelCheckOptions = {},
): ModelCheckResult<Operation, Output> {
	const maxSteps = options.maxSteps ?? 1_000_000;
	const key = (state: State) => (model.key ? model.key(state) : JSON.stringify(state));
	const equal = (observed: Output, specified: Output) =>
		model.equal ? model.equal(observed, specified) : isDeepStrictEqual(observed, specified);
	// Rejected operations took no effect: they constrain nothing.
	const ops = history.filter((entry) => entry.error === undefined);
	const head = eventList(ops);
	const linearized = new Uint8Array(ops.length);
	const seen = new Set<string>();
	const stack: Array<{call: Node; state: State}> = [];
	let state = model.initial;
	let entry = head.next;
	let steps = 0;
	// The return the search got stuck at with the most operations placed: the one to blame.
	let deepest = {depth: -1, op: -1};
	while (head.next !== undefined) {
		if (++steps > maxSteps) {
			return {
				ok: 'unknown',
				reason: `gave up after ${maxSteps} search steps (${ops.length} operations)`,
			};
		}

		if (entry === undefined) {
			throw new Error('the search ran past the end of the history');
		}

		if (entry.isCall) {
			const op = ops[entry.op]!;
			const result = model.step(state, op.operation);
			// A completed operation that was not rejected has its output (Output may include undefined).
			// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion
			const fits = op.return === null || equal(op.output as Output, result.output);
			if (fits) {
				linearized[entry.op] = 1;
				const configuration = `${linearized.join('')}|${key(result.state)}`;
				if (seen.has(configuration)) {
					linearized[entry.op] = 0;
				} else {
					seen.add(configuration);
					stack.push({call: entry, state});
					state = result.state;
					lift(entry);
					entry = head.next;
					continue;
				}
			}

			entry = entry.next;
			continue;
		}

		// A return whose call could not be placed before it: undo the latest choice.
		if (stack.length > deepest.depth) {
			deepest = {depth: stack.length, op: entry.op};
		}

		const last = stack.pop();
		if (last === undefined) {
			const blocking = ops[deepest.op]!;
			return {
				ok: false,
				reason: `no order of the operations explains client ${blocking.client}'s ${JSON.stringify(blocking.operation)} = ${JSON.stringify(blocking.output)}`,
				entry: blocking,
			};
		}

		unlift(last.call);
		linearized[last.call.op] = 0;
		state = last.state;
		entry = last.call.next;
	}

	return {ok: true};
}

/**
Calls and returns sorted by time, behind a head. At the same time a call comes first: two
operations are ordered only when one returned strictly before the other was called.
*/
function eventList<Operation, Output>(ops: ReadonlyArray<ModelEntry<Operation, Output>>): Node {
	const nodes: Node[] = [];
	for (const [op, entry] of ops.entries()) {
		const call: Node = {
			op,
			isCall: true,
			time: entry.call,
			match: undefined,
			previous: undefined,
			next: undefined,
		};
		const ret: Node = {
			op,
			isCall: false,
			time: entry.return ?? Number.POSITIVE_INFINITY,
			match: call,
			previous: undefined,
			next: undefined,
		};
		call.match = ret;
		nodes.push(call, ret);
	}

	nodes.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall));
	const head: Node = {
		op: -1,
		isCall: false,
		time: Number.NEGATIVE_INFINITY,
		match: undefined,
		previous: undefined,
		next: undefined,
	};
	let previous = head;
	for (const node of nodes) {
		node.previous = previous;
		previous.next = node;
		previous = node;
	}

	return head;
}

/** Takes a call and its return out of the list. */
function lift(call: Node): void {
	remove(call);
	remove(call.match!);
}

/** Puts them back where they were (the reverse order of `lift`). */
function unlift(call: Node): void {
	restore(call.match!);
	restore(call);
}

function remove(node: Node): void {
	node.previous!.next = node.next;
	if (node.next) {
		node.next.previous = node.previous;
	}
}

function restore(node: Node): void {
	node.previous!.next = node;
	if (node.next) {
		node.next.previous = node;
	}
}
