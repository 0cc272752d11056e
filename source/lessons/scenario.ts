import type {ClusterSnapshot, NodeInfo, RequestOutcome} from '../cluster/operator-api.js';
import type {ProcessCluster} from '../cluster/process-cluster.js';
import type {Message} from '../vsr/messages.js';
import type {KvOperation} from '../vsr/kv-store.js';

/**
A lesson (a guided scenario) is data: a seed, the cluster's settings, and steps. Each step waits
(for a virtual time, or for a condition on the run) and may act as the operator would (crash,
partition, submit …); then its caption says what just happened, with the run's own numbers in
its placeholders (`{op}`), and its claims (each a sentence of the caption and the test of it
against the replicas' state) are checked: headless in the tests, where a claim that does not hold
fails the build, and on the screen, where a pause point waits for a key.
*/

/** An event as a lesson reads it: its dotted name, the replica that raised it, when (virtual ms). */
export type ObservedEvent = {
	readonly name: string;
	readonly node: number | undefined;
	readonly atMs: number;
	readonly metadata: Readonly<Record<string, unknown>>;
	readonly measurements: Readonly<Record<string, unknown>>;
};

/** A protocol message delivered to (or dropped before) its receiver. */
export type ObservedMessage = {
	readonly kind: 'delivered' | 'dropped';
	readonly atMs: number;
	readonly from: number | 'client';
	readonly to: number | 'client';
	readonly content: Message;
};

/** What a lesson's conditions, actions and captions read: the run so far. */
export type LessonRun = {
	/** The cluster now. */
	readonly snapshot: ClusterSnapshot;
	/** Virtual ms since the start. */
	readonly timeMs: number;
	/** When the current step began waiting (virtual ms). */
	readonly stepStartMs: number;
	/** Replies the clients got for the lesson's requests, in order. */
	readonly replies: readonly RequestOutcome[];
	/** Values a step remembered (`remember`), for later captions. */
	readonly memory: Readonly<Record<string, number | string>>;
	node(id: number): NodeInfo;
	/** Events so far whose name ends with `name` (`view_change.complete`), optionally of one replica. */
	events(name: string, node?: number): readonly ObservedEvent[];
	/** Messages delivered so far of this type, optionally dropped ones instead. */
	messages(type: Message['type'], kind?: ObservedMessage['kind']): readonly ObservedMessage[];
};

/** What a step's action may do: the operator's controls, and the lesson's own requests. */
export type LessonActor = {
	readonly cluster: ProcessCluster;
	/** Sends a request; its reply joins `run.replies`. */
	submit(operation: KvOperation): void;
	/** Keeps a value for later captions (`run.memory`). */
	remember(name: string, value: number | string): void;
};

/** A value a caption shows. */
export type Fact = number | string;

/** One sentence of a caption and the test that it is true of the run at that step. */
export type Claim = {
	readonly says: string;
	readonly holds: (run: LessonRun, facts: Readonly<Record<string, Fact>>) => boolean;
};

export type Step = {
	/** While waiting for this step: what to watch for. */
	readonly watch?: string;
	/** Wait until this virtual time (ms since the start). */
	readonly at?: number;
	/** Wait until this holds of the run (checked after every round). */
	readonly until?: (run: LessonRun) => boolean;
	/** Give up (the lesson fails) after this many virtual ms of waiting (default 10,000). */
	readonly withinMs?: number;
	/** Then act, as the operator would. */
	readonly act?: (actor: LessonActor, run: LessonRun) => void;
	/** What happened, with `{fact}` placeholders filled from `facts`. */
	readonly caption: string;
	/** The run's own numbers for the caption (read after the action). */
	readonly facts?: (run: LessonRun) => Readonly<Record<string, Fact>>;
	/** What the caption says, each tested against the run. */
	readonly claims?: readonly Claim[];
	/** The screen waits for a key here. */
	readonly pause?: boolean;
};

export type Scenario = {
	/** What `vsr-tui learn NAME` takes. */
	readonly name: string;
	/** One line for the list. */
	readonly summary: string;
	readonly seed: number;
	readonly replicas: number;
	/** Clients, each with one request outstanding (default 1). */
	readonly clients?: number;
	/** Checkpoint interval (commits between snapshots); the default otherwise. */
	readonly checkpointInterval?: number;
	readonly steps: readonly Step[];
};
