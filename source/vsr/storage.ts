import type {Checkpoint} from './checkpoint.js';
import type {LogEntry} from './messages.js';

/**
 * What a replica with storage must not forget across a crash, besides its log and checkpoint
 * (TigerBeetle keeps the same in its superblock). A replica sends a promise only once the
 * facts it rests on are durable: a DoViewChange once its view is, a PrepareOk once its view,
 * its last normal view and the acked ops are.
 */
export type DurableFacts = {
	/** The latest view it entered: after a restart it acks nothing in an earlier one. */
	readonly view: number;
	/** The latest view in which it was normal: its log is that view's log. */
	readonly lastNormalView: number;
	/** The life that wrote these facts; the next life takes a higher one (crash vector). */
	readonly incarnation: number;
	/** It was recovering from its peers: what storage holds is not a state it may stand by. */
	readonly recovering: boolean;
};

/** What storage held when the replica stopped: its facts, its latest checkpoint, and the log after it. */
export type DurableState = {
	readonly facts: DurableFacts;
	/** The latest durable checkpoint, if any: the log starts after its op. */
	readonly checkpoint: Checkpoint | undefined;
	/** The log after the checkpoint (or from op 1), in order, with no gaps. */
	readonly entries: readonly LogEntry[];
};

/**
 * How a replica with storage starts: on the empty disk of a new cluster, from what its disk
 * held, or with its disk gone or unreadable (it then recovers from its peers, and says why).
 */
export type StorageStart =
	| {readonly kind: 'new'}
	| {readonly kind: 'restored'; readonly state: DurableState}
	| {readonly kind: 'lost'; readonly reason: string};

/**
 * One atomic write: every change one input made to what must survive, to be applied in this
 * order (install the checkpoint, truncate, append, then the facts hold). Storage makes it
 * durable whole or not at all, after every write with a lower `seq`, and reports it with
 * `Replica.onWritten(seq)`.
 */
export type LogWrite = {
	readonly kind: 'log';
	/** 1, 2, 3 … in the order the replica asked. */
	readonly seq: number;
	/** The log restarts after this checkpoint (state transfer): write it durably first. */
	readonly install: Checkpoint | undefined;
	/** Drop every entry after this op (an uncommitted suffix replaced in a view change). */
	readonly truncate: number | undefined;
	/** Then append these, in order. */
	readonly entries: readonly LogEntry[];
	/** Then these facts hold (undefined: unchanged). */
	readonly facts: DurableFacts | undefined;
};

/**
 * A checkpoint the replica took: storage writes it when it can and may then drop the log up
 * to its op. Nothing waits for it (the log still holds those ops), so it has no `seq`.
 */
export type CheckpointWrite = {readonly kind: 'checkpoint'; readonly checkpoint: Checkpoint};

/** What a replica with storage asks its host to persist (see `Replica.takeWrites`). */
export type StorageRequest = LogWrite | CheckpointWrite;
