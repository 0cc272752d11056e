/**
The one serialized form of an event wherever it leaves a process: a single JSON line (no trailing
newline) `{"event":[...],"measurements":{...},"metadata":{...}}`.

Number rules (JSON has no bigint):
- a bigint is written as a JSON number when `Number.isSafeInteger(Number(value))`, else as a
  decimal string. Parsing turns a decimal string in `measurements` back into a bigint; in
  `metadata` it stays a string (nothing tells it apart from a real string there).
- a non-finite measurement is written as the string "NaN", "Infinity" or "-Infinity" and parsed
  back to that number; in metadata it becomes null, as JSON.stringify does.
- an Error anywhere in metadata is written as the string "Name: message".
Metadata must not be cyclic (JSON.stringify throws on cycles).
*/
import type {EventName, Measurements, Metadata} from './telemetry.js';

/** An event as one NDJSON line holds it. */
export type SerializedEvent = {
	event: EventName;
	measurements: Measurements;
	metadata: Metadata;
};

const bigintToJson = (value: bigint): number | string => {
	const asNumber = Number(value);
	return Number.isSafeInteger(asNumber) ? asNumber : value.toString();
};

const metadataReplacer = (_key: string, value: unknown): unknown => {
	if (typeof value === 'bigint') {
		return bigintToJson(value);
	}

	if (value instanceof Error) {
		return `${value.name}: ${value.message}`;
	}

	return value;
};

function serializeMeasurement(key: string, value: unknown): string {
	if (typeof value === 'bigint') {
		return JSON.stringify(bigintToJson(value));
	}

	if (typeof value === 'number') {
		return Number.isFinite(value) ? JSON.stringify(value) : `"${String(value)}"`;
	}

	throw new TypeError(`measurement ${key} must be a number or a bigint, got ${typeof value}`);
}

/** The event as one line of JSON (no newline), by the number rules above. */
export function serializeEvent(
	event: EventName,
	measurements: Measurements,
	metadata: Metadata,
): string {
	let measured = '';
	for (const key of Object.keys(measurements)) {
		measured += `${measured === '' ? '' : ','}${JSON.stringify(key)}:${serializeMeasurement(key, measurements[key])}`;
	}

	return `{"event":${JSON.stringify(event)},"measurements":{${measured}},"metadata":${JSON.stringify(metadata, metadataReplacer)}}`;
}

// Only the canonical form serializeEvent writes (BigInt() alone would also take '0x1f', ' 7', '').
const isDecimalInteger = (text: string): boolean => {
	try {
		return text !== '' && BigInt(text).toString() === text;
	} catch {
		return false;
	}
};

const nonFinite = new Map([
	['NaN', Number.NaN],
	['Infinity', Number.POSITIVE_INFINITY],
	['-Infinity', Number.NEGATIVE_INFINITY],
]);
const fields = new Set(['event', 'measurements', 'metadata']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses one line written by `serializeEvent`; throws an Error saying what is wrong otherwise. */
export function parseEvent(line: string): SerializedEvent {
	const fail = (problem: string): never => {
		const shown = line.length > 120 ? `${line.slice(0, 120)}…` : line;
		throw new Error(`malformed telemetry event: ${problem} in ${JSON.stringify(shown)}`);
	};

	if (typeof line !== 'string') {
		throw new TypeError(`malformed telemetry event: expected a string, got ${typeof line}`);
	}

	let parsed: unknown;
	try {
		parsed = JSON.parse(line);
	} catch (error) {
		return fail(`invalid JSON (${error instanceof Error ? error.message : String(error)})`);
	}

	if (!isPlainObject(parsed)) {
		return fail('expected a JSON object');
	}

	for (const key of Object.keys(parsed)) {
		if (!fields.has(key)) {
			fail(`unexpected field ${JSON.stringify(key)}`);
		}
	}

	const {event, measurements, metadata} = parsed;
	if (
		!Array.isArray(event) ||
		event.length === 0 ||
		!event.every((part) => typeof part === 'string')
	) {
		return fail('"event" must be a non-empty array of strings');
	}

	if (!isPlainObject(measurements)) {
		return fail('"measurements" must be an object');
	}

	if (!isPlainObject(metadata)) {
		return fail('"metadata" must be an object');
	}

	const measured: Measurements = {};
	for (const [key, value] of Object.entries(measurements)) {
		if (key === '__proto__') {
			fail('measurement "__proto__" is not allowed');
		} else if (typeof value === 'number') {
			measured[key] = value;
		} else if (typeof value === 'string' && isDecimalInteger(value)) {
			measured[key] = BigInt(value);
		} else if (typeof value === 'string' && nonFinite.has(value)) {
			measured[key] = nonFinite.get(value)!;
		} else {
			fail(`measurement ${JSON.stringify(key)} must be a number or a decimal integer string`);
		}
	}

	return {event, measurements: measured, metadata};
}
