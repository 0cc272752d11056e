/**
 * Deliberate protocol bugs that the simulator must catch. Each is off unless a
 * test or `vsr-tui sim --inject-bug NAME` turns it on; they prove that the
 * checker is able to fail.
 */
export const bugs = {
	'commit-without-quorum':
		'the primary commits an op as soon as it prepares it, without waiting for a quorum',
	'ignore-last-normal-view':
		'the new primary picks the log with the largest op number, ignoring the last normal view',
	'client-table-forgets-writes':
		'the client table forgets executed requests, so a retried write runs twice',
	'state-transfer-skips-ops':
		'a replica applying NewState skips executing the first op it receives',
	'recovery-answers-early':
		'a recovering replica takes part (acks prepares, votes in view changes) before it has recovered',
	'eager-truncation':
		"on a Prepare or Commit of a newer view, a replica truncates its log to the commit number, adopts the view, then asks for the state (the paper's rule)",
	'ack-any-view':
		'the primary counts a PrepareOk of any view, not only of its own (wrong when views v and v+n share a primary)',
} as const;

/** The name of a planted bug. */
export type BugName = keyof typeof bugs;

/** Every planted bug's name, in a fixed order. */
export const bugNames: readonly BugName[] = [
	'commit-without-quorum',
	'ignore-last-normal-view',
	'client-table-forgets-writes',
	'state-transfer-skips-ops',
	'recovery-answers-early',
	'eager-truncation',
	'ack-any-view',
];
