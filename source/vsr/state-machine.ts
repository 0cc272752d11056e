/** What a replica answers a client: the operation's value, or why it failed. */
export type Result =
	{readonly ok: true; readonly value: unknown} | {readonly ok: false; readonly error: string};

/**
 * The replicated service. `apply` must be deterministic: every replica runs
 * the same operations in the same order and must reach the same state. It
 * throws to reject an operation; the replica turns that into an error reply
 * and stays up. Snapshots are plain JSON values and must not share memory
 * with the live state.
 */
export type StateMachine = {
	/** Runs one operation and returns its output (the reply's value); throws to reject it. */
	apply(operation: unknown): unknown;
	/** The whole state as a plain JSON value, for checkpoints and state transfer. */
	snapshot(): unknown;
	/** Replaces the state with a snapshot another replica's `snapshot()` took. */
	restore(snapshot: unknown): void;
	/** A short name for telemetry ("put", "get", …); never throws. */
	kind(operation: unknown): string;
};
