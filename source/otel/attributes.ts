/**
Telemetry metadata and times as OpenTelemetry wants them: attributes named `vsr.<key>` with
primitive values, and times as `HrTime` (`[seconds, nanoseconds]` since the epoch).
*/
import type {Attributes, AttributeValue, HrTime} from '@opentelemetry/api';
import type {Metadata} from '../telemetry/telemetry.js';

/** Metadata that says nothing to a trace reader, or is too large for an attribute. */
const skipped = new Set(['telemetry_span_context', 'stacktrace']);

function attributeValue(value: unknown): AttributeValue | undefined {
	switch (typeof value) {
		case 'string':
		case 'number':
		case 'boolean': {
			return value;
		}

		case 'bigint': {
			const asNumber = Number(value);
			return Number.isSafeInteger(asNumber) ? asNumber : value.toString();
		}

		case 'object': {
			return value instanceof Error ? `${value.name}: ${value.message}` : undefined;
		}

		case 'function':
		case 'symbol':
		case 'undefined': {
			return undefined;
		}
	}
}

/** Every primitive metadata field as `vsr.<key>` (the common metadata among them). */
export function attributesOf(metadata: Metadata): Attributes {
	const attributes: Attributes = {};
	for (const [key, value] of Object.entries(metadata)) {
		const converted = skipped.has(key) ? undefined : attributeValue(value);
		if (converted !== undefined) {
			attributes[`vsr.${key}`] = converted;
		}
	}

	return attributes;
}

const nsPerSecond = 1_000_000_000n;

/** Nanoseconds since the epoch as `[seconds, nanoseconds]`. */
export function hrTime(ns: bigint): HrTime {
	return [Number(ns / nsPerSecond), Number(ns % nsPerSecond)];
}

/** A measurement in nanoseconds as a bigint, or undefined when absent. */
export function nanoseconds(value: unknown): bigint | undefined {
	if (typeof value === 'bigint') {
		return value;
	}

	return typeof value === 'number' && Number.isFinite(value)
		? BigInt(Math.round(value))
		: undefined;
}
