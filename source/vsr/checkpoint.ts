import type {ClientTableSnapshot} from './client-table.js';

/**
 * The replicated state as of op `op`: the state machine's snapshot, the
 * client table, and the execution digest. Immutable once taken: it is shipped
 * in messages and installed by replicas that are too far behind for a log.
 */
export type Checkpoint = {
	readonly op: number;
	readonly digest: number;
	readonly stateMachine: unknown;
	readonly clientTable: ClientTableSnapshot;
};
