/** Timeouts in ticks. A tick is whatever the environment says (10 ms in the process cluster). */
export type Timeouts = {
	/** An idle primary sends Commit as a heartbeat this often. */
	readonly heartbeat: number;
	/**
	 * A backup whose primary shows no sign of working for this long (plus jitter) asks for a
	 * view change; a primary that hears from no quorum for this long steps down.
	 */
	readonly primary: number;
	/** A primary resends unacknowledged Prepares after this long without progress. */
	readonly prepareResend: number;
	/** A view change resends its votes this often, and gives up on the view after `viewChange` (plus jitter). */
	readonly viewChangeResend: number;
	readonly viewChange: number;
	/** A StartViewChange vote from another replica counts for this long; voters repeat theirs. */
	readonly voteWindow: number;
	/** Recovery and state transfer retry this often. */
	readonly recoveryResend: number;
	readonly stateTransferResend: number;
};

/** The replica's timeouts unless `ReplicaOptions.timeouts` overrides some. */
export const defaultTimeouts: Timeouts = {
	heartbeat: 10,
	primary: 50,
	prepareResend: 20,
	viewChangeResend: 15,
	viewChange: 60,
	voteWindow: 45,
	recoveryResend: 25,
	stateTransferResend: 25,
};

/** A checkpoint every this many committed ops, unless `ReplicaOptions.checkpointInterval` says. */
export const defaultCheckpointInterval = 1000;
