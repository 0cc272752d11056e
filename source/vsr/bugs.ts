/**
 * Deliberate bugs that the checks must catch. Each is off unless a test or
 * `vsr-tui sim --inject-bug NAME` turns it on; they prove that the checks are
 * able to fail.
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
	'ack-before-fsync':
		'a replica with storage acks a prepare (and a primary counts its own ack) before the entry is durable',
	'trust-corrupt-record':
		'storage reads back a record that fails its checksum as if it were intact, when it still parses',
} as const;

/** The name of a planted bug. */
export type BugName = keyof typeof bugs;

/** The planted bugs of the protocol in memory, in a fixed order: the simulator runs these. */
export const bugNames: readonly BugName[] = [
	'commit-without-quorum',
	'ignore-last-normal-view',
	'client-table-forgets-writes',
	'state-transfer-skips-ops',
	'recovery-answers-early',
	'eager-truncation',
	'ack-any-view',
];

/** The planted bugs of replicas with storage (scripted tests drive them with a simulated disk). */
export const storageBugNames: readonly BugName[] = ['ack-before-fsync', 'trust-corrupt-record'];
