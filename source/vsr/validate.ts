import {type Message, replicaMessageTypes} from './messages.js';

/**
 * Checks a value from the outside world (an IPC message, a file) against the
 * message union of messages.ts before a replica sees it. Pure and cheap: it
 * reads each field once and allocates nothing for a valid message.
 *
 * What it checks: the `type` is known; every field the type has is present
 * with the right JSON type; numbers are non-negative safe integers; replica
 * ids are below the cluster size; and the cross-field facts the core relies
 * on (a Prepare carries the entry of its op, a log slice is contiguous from
 * its base, a checkpoint sits at the slice's base, a shipped log ends at the
 * op number it claims, a commit number is not above it). Unknown extra fields
 * are ignored, like the core ignores them. What it cannot check is a message
 * that is well formed but lies (a forged log, a forged incarnation): that is
 * a Byzantine fault, outside Viewstamped Replication's failure model.
 *
 * `undefined` fields travel over JSON as absent fields, so "absent" is how an
 * optional field (`checkpoint`, `primaryState`) says undefined; `null` is not
 * accepted in their place.
 */

/** What a message is checked against. */
export type ValidateOptions = {
	/** The cluster's size: replica ids must be below it. */
	readonly replicaCount: number;
	/** Checks a checkpoint's state-machine snapshot; the default accepts the key-value store's. */
	readonly snapshot?: (value: unknown) => string | undefined;
	/**
	 * The replica the message is for, when it is known: a message is then also checked against
	 * what the core asserts of its peers given the receiver's state (see {@link Receiver}).
	 */
	readonly receiver?: Receiver;
};

/**
 * What a message is checked against on the receiving replica (a `Replica` is one). The core
 * asserts that a correct peer never sends it a PrepareOk of its view beyond its op number: from
 * the outside world such a message is bad input, not a broken replica, so it is refused here.
 */
export type Receiver = {
	readonly view: number;
	readonly isPrimary: boolean;
	readonly opNumber: number;
};

type Fields = Record<string, unknown>;

/** The replica-to-replica types: they name their sender and its incarnation. */
const senderTypes: ReadonlySet<string> = new Set(replicaMessageTypes);

const isObject = (value: unknown): value is Fields =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

const isCount = (value: unknown): value is number =>
	typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** The value of a field already checked by `count` (-1 if it was not a count after all). */
const countOf = (value: unknown): number => (isCount(value) ? value : -1);

function show(value: unknown): string {
	if (value === undefined) {
		return 'nothing';
	}

	let text: string;
	try {
		text = JSON.stringify(value) ?? typeof value;
	} catch {
		text = typeof value;
	}

	return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function count(fields: Fields, key: string, where: string): string | undefined {
	const value = fields[key];
	return isCount(value)
		? undefined
		: `${where}.${key} must be a non-negative integer (got ${show(value)})`;
}

/** The key-value store's snapshot: an array of [key, value] string pairs. */
export function checkKvSnapshot(value: unknown): string | undefined {
	if (!Array.isArray(value)) {
		return `must be an array of [key, value] pairs (got ${show(value)})`;
	}

	for (const pair of value) {
		if (
			!Array.isArray(pair) ||
			pair.length !== 2 ||
			typeof pair[0] !== 'string' ||
			typeof pair[1] !== 'string'
		) {
			return `must hold [key, value] string pairs (got ${show(pair)})`;
		}
	}

	return undefined;
}

function checkResult(value: unknown, where: string): string | undefined {
	if (!isObject(value)) {
		return `${where} must be an object (got ${show(value)})`;
	}

	if (value.ok === true) {
		return undefined; // An undefined value travels as an absent one.
	}

	if (value.ok === false) {
		return typeof value.error === 'string'
			? undefined
			: `${where}.error must be a string (got ${show(value.error)})`;
	}

	return `${where}.ok must be true or false (got ${show(value.ok)})`;
}

function checkEntry(value: unknown, where: string): string | undefined {
	if (!isObject(value)) {
		return `${where} must be an object (got ${show(value)})`;
	}

	const problem =
		count(value, 'op', where) ??
		count(value, 'view', where) ??
		count(value, 'clientId', where) ??
		count(value, 'requestNumber', where);
	if (problem !== undefined) {
		return problem;
	}

	if (value.op === 0) {
		return `${where}.op must be at least 1`;
	}

	return value.operation === undefined ? `${where}.operation is missing` : undefined;
}

function checkClientTable(value: unknown, where: string): string | undefined {
	if (!Array.isArray(value)) {
		return `${where} must be an array (got ${show(value)})`;
	}

	for (const row of value) {
		if (!Array.isArray(row) || row.length !== 3 || !isCount(row[0]) || !isCount(row[1])) {
			return `${where} must hold [clientId, requestNumber, result] rows (got ${show(row)})`;
		}

		const problem = checkResult(row[2], `${where} result`);
		if (problem !== undefined) {
			return problem;
		}
	}

	return undefined;
}

function checkSlice(value: unknown, where: string, options: ValidateOptions): string | undefined {
	if (!isObject(value)) {
		return `${where} must be an object (got ${show(value)})`;
	}

	const problem = count(value, 'base', where);
	if (problem !== undefined) {
		return problem;
	}

	const base = countOf(value.base);
	const {entries, checkpoint} = value;
	if (!Array.isArray(entries)) {
		return `${where}.entries must be an array (got ${show(entries)})`;
	}

	for (const [index, entry] of entries.entries()) {
		const entryProblem = checkEntry(entry, `${where}.entries[${index}]`);
		if (entryProblem !== undefined) {
			return entryProblem;
		}

		if (!isObject(entry) || entry.op !== base + index + 1) {
			return `${where}.entries[${index}].op must be ${base + index + 1}: a slice is contiguous from its base`;
		}
	}

	if (checkpoint === undefined) {
		return undefined;
	}

	if (!isObject(checkpoint)) {
		return `${where}.checkpoint must be an object or absent (got ${show(checkpoint)})`;
	}

	const checkpointProblem = count(checkpoint, 'op', `${where}.checkpoint`);
	if (checkpointProblem !== undefined) {
		return checkpointProblem;
	}

	if (checkpoint.op !== base) {
		return `${where}.checkpoint.op must equal the base ${base} (got ${show(checkpoint.op)})`;
	}

	if (typeof checkpoint.digest !== 'number' || !Number.isSafeInteger(checkpoint.digest)) {
		return `${where}.checkpoint.digest must be an integer (got ${show(checkpoint.digest)})`;
	}

	const snapshotProblem = (options.snapshot ?? checkKvSnapshot)(checkpoint.stateMachine);
	if (snapshotProblem !== undefined) {
		return `${where}.checkpoint.stateMachine ${snapshotProblem}`;
	}

	return checkClientTable(checkpoint.clientTable, `${where}.checkpoint.clientTable`);
}

/** A shipped log with its op and commit numbers: the log must end at the op number, commit not above it. */
function checkShippedLog(
	value: Fields,
	where: string,
	options: ValidateOptions,
): string | undefined {
	const problem =
		checkSlice(value.log, `${where}.log`, options) ??
		count(value, 'opNumber', where) ??
		count(value, 'commitNumber', where);
	if (problem !== undefined) {
		return problem;
	}

	const {log} = value;
	const end =
		isObject(log) && Array.isArray(log.entries) ? countOf(log.base) + log.entries.length : -1;
	if (value.opNumber !== end) {
		return `${where}.opNumber ${show(value.opNumber)} must be where its log ends (${end})`;
	}

	if (countOf(value.commitNumber) > end) {
		return `${where}.commitNumber ${show(value.commitNumber)} is above its op number ${end}`;
	}

	return undefined;
}

function checkSender(value: Fields, type: string, replicaCount: number): string | undefined {
	const {from} = value;
	if (!isCount(from) || from >= replicaCount) {
		return `${type}.from must be a replica id from 0 to ${replicaCount - 1} (got ${show(from)})`;
	}

	return count(value, 'incarnation', type);
}

// eslint-disable-next-line complexity -- one case per message type, each a short list of fields
function checkBody(value: Fields, type: string, options: ValidateOptions): string | undefined {
	switch (type) {
		case 'request': {
			return (
				count(value, 'clientId', type) ??
				count(value, 'requestNumber', type) ??
				(value.operation === undefined ? 'request.operation is missing' : undefined)
			);
		}

		case 'reply': {
			return (
				count(value, 'view', type) ??
				count(value, 'clientId', type) ??
				count(value, 'requestNumber', type) ??
				checkResult(value.result, 'reply.result')
			);
		}

		case 'prepare': {
			const problem =
				count(value, 'view', type) ??
				count(value, 'op', type) ??
				count(value, 'commit', type) ??
				checkEntry(value.entry, 'prepare.entry');
			if (problem !== undefined) {
				return problem;
			}

			const entry = isObject(value.entry) ? value.entry : {};
			if (entry.op !== value.op) {
				return `prepare.entry.op ${show(entry.op)} must equal prepare.op ${show(value.op)}`;
			}

			return countOf(entry.view) > countOf(value.view)
				? `prepare.entry.view ${show(entry.view)} is after prepare.view ${show(value.view)}`
				: undefined;
		}

		case 'prepare_ok': {
			return count(value, 'view', type) ?? count(value, 'op', type);
		}

		case 'commit': {
			return count(value, 'view', type) ?? count(value, 'commit', type);
		}

		case 'start_view_change': {
			return count(value, 'view', type);
		}

		case 'do_view_change': {
			const problem = count(value, 'view', type) ?? count(value, 'lastNormalView', type);
			if (problem !== undefined) {
				return problem;
			}

			if (countOf(value.lastNormalView) > countOf(value.view)) {
				return `do_view_change.lastNormalView ${show(value.lastNormalView)} is after its view ${show(value.view)}`;
			}

			return checkShippedLog(value, type, options);
		}

		case 'start_view':
		case 'new_state': {
			return (
				count(value, 'view', type) ??
				(type === 'new_state' ? count(value, 'nonce', type) : undefined) ??
				checkShippedLog(value, type, options)
			);
		}

		case 'recovery': {
			return count(value, 'nonce', type);
		}

		case 'recovery_response': {
			const problem = count(value, 'view', type) ?? count(value, 'nonce', type);
			if (problem !== undefined || value.primaryState === undefined) {
				return problem;
			}

			return isObject(value.primaryState)
				? checkShippedLog(value.primaryState, 'recovery_response.primaryState', options)
				: `recovery_response.primaryState must be an object or absent (got ${show(value.primaryState)})`;
		}

		case 'get_state': {
			return count(value, 'view', type) ?? count(value, 'op', type) ?? count(value, 'nonce', type);
		}

		default: {
			return `unknown message type ${show(type)}`;
		}
	}
}

/** What is wrong with `value` as a message, or undefined when it is a valid one. */
export function messageProblem(value: unknown, options: ValidateOptions): string | undefined {
	if (!isObject(value)) {
		return `a message must be an object (got ${show(value)})`;
	}

	const {type} = value;
	if (typeof type !== 'string') {
		return `a message needs a string type (got ${show(type)})`;
	}

	if (senderTypes.has(type)) {
		const problem = checkSender(value, type, options.replicaCount);
		if (problem !== undefined) {
			return problem;
		}
	}

	return checkBody(value, type, options) ?? receiverProblem(value, options.receiver);
}

/** The facts a valid message must also respect given the receiver's state (see `Receiver`). */
function receiverProblem(value: Fields, receiver: Receiver | undefined): string | undefined {
	if (
		receiver !== undefined &&
		value.type === 'prepare_ok' &&
		value.view === receiver.view &&
		receiver.isPrimary &&
		typeof value.op === 'number' &&
		value.op > receiver.opNumber
	) {
		return `prepare_ok acks op ${String(value.op)} beyond this primary's op ${receiver.opNumber}`;
	}

	return undefined;
}

/** Whether `value` is a valid message (see {@link messageProblem} for why not). */
export function isMessage(value: unknown, options: ValidateOptions): value is Message {
	return messageProblem(value, options) === undefined;
}

/**
 * The checked message: `value` itself, typed as a {@link Message}, when it is a valid one.
 *
 * @throws TypeError naming what is wrong (the text of {@link messageProblem}) when it is not.
 */
export function validate(value: unknown, options: ValidateOptions): Message {
	const problem = messageProblem(value, options);
	if (problem !== undefined) {
		throw new TypeError(problem);
	}

	// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- checked just above
	return value as Message;
}
