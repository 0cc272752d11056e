import {additionEvents, seedEvents} from '../telemetry/catalogue.js';
import type {EventName} from '../telemetry/telemetry.js';

const name = <const T extends readonly string[]>(...parts: T): T => Object.freeze(parts);

/**
Events of the process cluster beyond the catalogue, under the operator's own
prefix `vsr_tui` (like the operator's faults). Metadata of the replica events
starts with the common VSR metadata of the replica that raised them.
*/
export const clusterEvents = Object.freeze({
	/** A replica rejected an IPC input: metadata `reason`, `input` (a short excerpt). */
	messageRejected: name('vsr_tui', 'replica', 'message_rejected'),
	/** A replica found its own state impossible and stops: metadata `reason`, `stacktrace`. */
	invariantViolation: name('vsr_tui', 'replica', 'invariant_violation'),
	/** A replica process ended without being crashed by the operator: `code`, `signal`, `stderr`. */
	replicaExit: name('vsr_tui', 'operator', 'replica_exit'),
	/** The network dropped a message that named another sender than the process it came from. */
	forgedMessage: name('vsr_tui', 'operator', 'forged_message'),
	/** Per-node or per-link fault settings changed (duplicate, reorder, jitter, …): `scope`, settings. */
	network: name('vsr_tui', 'operator', 'network'),
	/** Time stopped or started again: `paused`, `held` (messages in flight). */
	pause: name('vsr_tui', 'operator', 'pause'),
	/** Time flows at another speed: `speed` (1, 0.5, … 0.01 of wall time). */
	speed: name('vsr_tui', 'operator', 'speed'),
	/** The operator froze a replica (SIGSTOP, or no rounds when seeded) or thawed it: `node`, `frozen`. */
	freeze: name('vsr_tui', 'operator', 'freeze'),
	/** The operator forced a replica's timeout: `node`. */
	timeout: name('vsr_tui', 'operator', 'timeout'),
	/** The operator delivered a message out of its turn, or dropped it: `id`, `action`, `type`, `from`, `to`. */
	message: name('vsr_tui', 'operator', 'message'),
	/**
	Fewer than a quorum of replicas hold their state (see `failure-model.ts`): stuck until a reset.
	`with_state`, `crashed`, `recovering` (replica ids), `quorum`.
	*/
	noQuorum: name('vsr_tui', 'operator', 'no_quorum'),
	/** A lone replica restarted empty: the `commit` ops it had committed are gone. `node`, `commit`. */
	dataLost: name('vsr_tui', 'operator', 'data_lost'),
	/** Every replica was replaced by a fresh, empty one: `replicas`. */
	reset: name('vsr_tui', 'operator', 'reset'),
});

/** Every event a replica raises through `VsrTelemetry` (the process adds `clusterEvents` of its own). */
export const replicaEventNames: readonly EventName[] = Object.freeze(
	[...seedEvents, ...additionEvents].filter((event) => event[0] === 'vsr' && event[1] !== 'client'),
);
