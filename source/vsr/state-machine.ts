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
	apply(operation: unknown): unknown;
	snapshot(): unknown;
	restore(snapshot: unknown): void;
	/** A short name for telemetry ("put", "get", …); never throws. */
	kind(operation: unknown): string;
};
