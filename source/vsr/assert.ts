/**
 * A replica that finds its own state impossible stops at once (TigerBeetle
 * style): continuing would turn a bug into silent data loss.
 */
export class InvariantViolation extends Error {
	/** `InvariantViolation`. */
	override name = 'InvariantViolation';
}

export function assert(condition: unknown, message: string | (() => string)): asserts condition {
	if (!condition) {
		throw new InvariantViolation(typeof message === 'string' ? message : message());
	}
}
