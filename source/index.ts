/**
The protocol: a replica of Viewstamped Replication Revisited (Liskov & Cowling, 2012) as a pure
object, its client, the messages they exchange, the check for messages from the outside world,
the state-machine interface and the default key-value store.

A `Replica` does no I/O: the host delivers each message (`onMessage`), calls `tick()` at a fixed
rate, and sends what every call returns. See `examples/three-replicas.ts`.

@packageDocumentation
@module vsr-tui
*/
export {Replica, type ReplicaObserver, type ReplicaOptions, type Status} from './vsr/replica.js';
export {Client, type ClientOptions, type Completion} from './vsr/client.js';
export {
	type Commit,
	type DoViewChange,
	type FromReplica,
	type GetState,
	type LogEntry,
	type LogSlice,
	type Message,
	type MessageType,
	type NewState,
	type Prepare,
	type PrepareOk,
	type Recovery,
	type RecoveryResponse,
	type ReplicaMessage,
	type Reply,
	type Request,
	type Send,
	type StartView,
	type StartViewChange,
	messageTypes,
	replicaMessageTypes,
} from './vsr/messages.js';
export {
	type Receiver,
	type ValidateOptions,
	checkKvSnapshot,
	isMessage,
	messageProblem,
	validate,
} from './vsr/validate.js';
export type {Result, StateMachine} from './vsr/state-machine.js';
export {
	type KvOperation,
	type KvOutput,
	type KvSnapshot,
	KvStore,
	parseKvOperation,
} from './vsr/kv-store.js';
export {Configuration, maxReplicas, minReplicas} from './vsr/configuration.js';
export {defaultCheckpointInterval, defaultTimeouts, type Timeouts} from './vsr/options.js';
export type {Checkpoint} from './vsr/checkpoint.js';
export type {
	CheckpointWrite,
	DurableFacts,
	DurableState,
	LogWrite,
	StorageRequest,
	StorageStart,
} from './vsr/storage.js';
export type {ClientTableSnapshot} from './vsr/client-table.js';
export {InvariantViolation} from './vsr/assert.js';
export {Prng} from './vsr/prng.js';
export {type BugName, bugNames, bugs, storageBugNames} from './vsr/bugs.js';
