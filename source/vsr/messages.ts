import type {Checkpoint} from './checkpoint.js';
import type {Result} from './state-machine.js';

/**
 * The messages of Viewstamped Replication Revisited (Liskov & Cowling, 2012),
 * as a discriminated union on `type`. Every replica-to-replica message names
 * its sender and the sender's incarnation: a replica that restarted has lost
 * its memory, so messages from its earlier life must not count towards a
 * quorum (crash-consistent quorums, Michael et al., DISC 2017).
 */

/** One slot of the log: the op number, the view that first prepared it, and the client's request. */
export type LogEntry = {
	readonly op: number;
	readonly view: number;
	readonly clientId: number;
	readonly requestNumber: number;
	readonly operation: unknown;
};

/**
 * A contiguous piece of a log: entries for ops base+1 .. base+entries.length.
 * When the sender collected the log prefix up to `base`, it ships the
 * checkpoint taken at `base` so that a receiver further behind can install it.
 */
export type LogSlice = {
	readonly base: number;
	readonly checkpoint: Checkpoint | undefined;
	readonly entries: readonly LogEntry[];
};

/** Who sent a replica message, and in which life: what the sender stamps on it. */
export type FromReplica = {readonly from: number; readonly incarnation: number};

/** A client's request: its id, its request number (1, 2, 3 …) and the operation. */
export type Request = {
	readonly type: 'request';
	readonly clientId: number;
	readonly requestNumber: number;
	readonly operation: unknown;
};

/** The primary's reply, after the op committed: the result, and the view (so the client learns the primary). */
export type Reply = {
	readonly type: 'reply';
	readonly view: number;
	readonly clientId: number;
	readonly requestNumber: number;
	readonly result: Result;
};

/** Primary → backups: append this op (in this view), and the primary's commit number. */
export type Prepare = FromReplica & {
	readonly type: 'prepare';
	readonly view: number;
	readonly op: number;
	readonly commit: number;
	readonly entry: LogEntry;
};

/** Backup → primary: I hold the ops up to `op` in this view. */
export type PrepareOk = FromReplica & {
	readonly type: 'prepare_ok';
	readonly view: number;
	/** Cumulative: the sender holds every op up to this one in this view. */
	readonly op: number;
};

/** Primary → backups: ops up to `commit` are committed (also the idle primary's heartbeat). */
export type Commit = FromReplica & {
	readonly type: 'commit';
	readonly view: number;
	readonly commit: number;
};

/** To all: I give up on the primary of the current view and vote for view `view`. */
export type StartViewChange = FromReplica & {
	readonly type: 'start_view_change';
	/** The view the sender asks for: it asks to leave every view before it (see Replica.onStartViewChange). */
	readonly view: number;
};

/** To the new view's primary: my log, the last view I was normal in, my op and commit numbers. */
export type DoViewChange = FromReplica & {
	readonly type: 'do_view_change';
	readonly view: number;
	readonly log: LogSlice;
	readonly lastNormalView: number;
	readonly opNumber: number;
	readonly commitNumber: number;
};

/** New primary → all: the view is established, with this log and commit number. */
export type StartView = FromReplica & {
	readonly type: 'start_view';
	readonly view: number;
	readonly log: LogSlice;
	readonly opNumber: number;
	readonly commitNumber: number;
};

/** A restarted replica → all: I lost my state; answer this nonce. */
export type Recovery = FromReplica & {
	readonly type: 'recovery';
	readonly nonce: number;
};

/** → a recovering replica: my view, its nonce, and (from the primary) the state to adopt. */
export type RecoveryResponse = FromReplica & {
	readonly type: 'recovery_response';
	readonly view: number;
	readonly nonce: number;
	/** Only the primary sends its state; backups answer with their view alone. */
	readonly primaryState:
		{readonly log: LogSlice; readonly opNumber: number; readonly commitNumber: number} | undefined;
};

/** A lagging replica → the primary: send me what follows op `op` in view `view`. */
export type GetState = FromReplica & {
	readonly type: 'get_state';
	readonly view: number;
	/** The sender keeps its log up to this op and asks for everything after it. */
	readonly op: number;
	readonly nonce: number;
};

/** Answer to GetState: the log after the asked op (or a checkpoint and the log after it). */
export type NewState = FromReplica & {
	readonly type: 'new_state';
	readonly view: number;
	readonly nonce: number;
	readonly log: LogSlice;
	readonly opNumber: number;
	readonly commitNumber: number;
};

/** Every replica-to-replica message. */
export type ReplicaMessage =
	| Prepare
	| PrepareOk
	| Commit
	| StartViewChange
	| DoViewChange
	| StartView
	| Recovery
	| RecoveryResponse
	| GetState
	| NewState;

/** A replica message as its sender writes it, before it stamps it (see `FromReplica`). */
export type Unstamped<M extends ReplicaMessage = ReplicaMessage> = M extends ReplicaMessage
	? Omit<M, keyof FromReplica>
	: never;

/** Every message of the protocol, discriminated by `type`. */
export type Message = Request | Reply | ReplicaMessage;

/** The `type` of a message: `request`, `reply`, `prepare` … */
export type MessageType = Message['type'];

/** Every replica-to-replica message type (each names its sender and its incarnation). */
export const replicaMessageTypes = [
	'prepare',
	'prepare_ok',
	'commit',
	'start_view_change',
	'do_view_change',
	'start_view',
	'recovery',
	'recovery_response',
	'get_state',
	'new_state',
] as const satisfies ReadonlyArray<ReplicaMessage['type']>;

/** Every message type. */
export const messageTypes = [
	'request',
	'reply',
	...replicaMessageTypes,
] as const satisfies readonly MessageType[];

/** What a replica or a client asks its environment to deliver. */
export type Send =
	| {readonly to: 'replica'; readonly replica: number; readonly message: Request | ReplicaMessage}
	| {readonly to: 'client'; readonly clientId: number; readonly message: Reply};
