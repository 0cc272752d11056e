// Longer than our ~700-line rule, on purpose: the handlers share all of the replica's state,
// so they stay in one file, as in etcd's raft.go and TigerBeetle's replica.zig. What has a
// life of its own lives beside it: the log, the client table, timeouts, quorums, checkpoints.
import {events, type VsrEventName} from '../telemetry/catalogue.js';
import type {SpanToken} from '../telemetry/telemetry.js';
import {type VsrStateView, type VsrStatus, type VsrTelemetry} from '../telemetry/vsr-telemetry.js';
import {assert} from './assert.js';
import type {BugName} from './bugs.js';
import type {Checkpoint} from './checkpoint.js';
import {ClientTable} from './client-table.js';
import {Configuration} from './configuration.js';
import {digestExecution} from './digest.js';
import {Durability} from './durability.js';
import {KvStore} from './kv-store.js';
import {Log} from './log.js';
import {Prng} from './prng.js';
import type {
	Commit,
	DoViewChange,
	FromReplica,
	GetState,
	LogEntry,
	LogSlice,
	Message,
	NewState,
	Prepare,
	PrepareOk,
	Recovery,
	RecoveryResponse,
	ReplicaMessage,
	Request,
	Send,
	StartView,
	StartViewChange,
	Unstamped,
} from './messages.js';
import {defaultCheckpointInterval, defaultTimeouts, type Timeouts} from './options.js';
import {Acks, ViewVotes, Votes} from './quorum.js';
import type {Result, StateMachine} from './state-machine.js';
import type {DurableFacts, DurableState, StorageRequest, StorageStart} from './storage.js';
import {Timeout} from './timeout.js';

/** A replica's status: normal, in a view change, or recovering after a restart. */
export type Status = Exclude<VsrStatus, 'state_transfer'>;

const maxEarlyPrepares = 1024;

const noMetadata = Object.freeze({});

function failed(error: unknown): Result {
	return {ok: false, error: error instanceof Error ? error.message : String(error)};
}

/**
 * What a shipped log promises (validate.ts checks it where messages come in): it ends at
 * its op number, the commit number is not above that, and a checkpoint sits at its base.
 */
function assertShippedLog(
	state: {readonly log: LogSlice; readonly opNumber: number; readonly commitNumber: number},
	what: string,
): void {
	const {log} = state;
	assert(
		log.base + log.entries.length === state.opNumber,
		() =>
			`${what}: a log of ${log.entries.length} ops after ${log.base} does not end at op ${state.opNumber}`,
	);
	assert(
		state.commitNumber <= state.opNumber,
		() => `${what}: commit ${state.commitNumber} above op ${state.opNumber}`,
	);
	assert(
		log.checkpoint === undefined || log.checkpoint.op === log.base,
		() => `${what}: checkpoint ${log.checkpoint?.op} is not at the log's base ${log.base}`,
	);
}

/** Whose log a new primary chose, and why (its view change's `complete` event says so). */
type ChosenLog = Pick<DoViewChange, 'from' | 'lastNormalView' | 'opNumber'>;

/** A life restored from disk comes after every life the disk remembers. */
function livesRemembered(storage: StorageStart | undefined): number {
	return storage?.kind === 'restored' ? storage.state.facts.incarnation + 1 : 0;
}

/** With storage, what a restart would find now: what it was restored from (`head`: its log's last op). */
function durabilityOf(storage: StorageStart | undefined, head: number): Durability | undefined {
	if (!storage) {
		return undefined;
	}

	return new Durability(
		storage.kind === 'restored' ? {facts: storage.state.facts, head} : undefined,
	);
}

/** How to make a `Replica`; only `id` and `replicaCount` are required. */
export type ReplicaOptions = {
	/** This replica's id, 0 to replicaCount - 1; the primary of view v is v mod replicaCount. */
	readonly id: number;
	/** The cluster's size, 1 to 9. */
	readonly replicaCount: number;
	/** The replicated service (default: a new `KvStore`). */
	readonly stateMachine?: StateMachine;
	/** Where the replica's events go (default: none are raised). */
	readonly telemetry?: VsrTelemetry;
	/** Uniform in [0, 1): timeout jitter and nonces (default: a generator seeded with the id). */
	readonly random?: () => number;
	/**
	 * How many times this replica has started before (a boot counter kept by its
	 * environment). Messages carry it so that a quorum never counts a message
	 * from a replica's earlier life.
	 */
	readonly incarnation?: number;
	/** A restarted replica has lost its memory: it runs the recovery protocol before anything else. */
	readonly recovering?: boolean;
	/**
	 * The replica keeps its log and facts on a disk (see `takeWrites` and `onWritten`): how it
	 * starts. Without it the replica keeps everything in memory, as the paper's protocol does.
	 */
	readonly storage?: StorageStart;
	/** A checkpoint every this many committed ops (default `defaultCheckpointInterval`). */
	readonly checkpointInterval?: number;
	/** Timeouts in ticks, over `defaultTimeouts`. */
	readonly timeouts?: Partial<Timeouts>;
	/** Planted bugs to turn on, to test a checker (never in production). */
	readonly bugs?: ReadonlySet<BugName>;
	/** Sees every executed op and installed checkpoint. */
	readonly observer?: ReplicaObserver;
};

/** Sees what a replica executes, for checkers and tests; it must not change anything. */
export type ReplicaObserver = {
	/** After the replica executed `entry`, with its result. */
	executed?(replica: Replica, entry: LogEntry, result: Result): void;
	/** After the replica installed a checkpoint it received. */
	installed?(replica: Replica, checkpoint: Checkpoint): void;
};

/** A GetState in flight; `startedAt` is when the first request of this transfer went out. */
type StateTransfer = {view: number; op: number; nonce: number; startedAt: bigint};

/**
 * One replica of Viewstamped Replication Revisited. It does no I/O: the
 * environment feeds it one input at a time (`onMessage`, `tick`) and delivers
 * what it returns. Handlers are named after the paper's messages.
 */
export class Replica implements VsrStateView {
	/** This replica's id. */
	readonly id: number;
	/** The cluster's size, quorum and f. */
	readonly configuration: Configuration;
	/** How many times this replica started before (see `ReplicaOptions.incarnation`). */
	readonly incarnation: number;
	/** The replicated service this replica executes committed ops on. */
	readonly stateMachine: StateMachine;
	/** @internal Per client, its latest executed request and reply. */
	readonly clientTable = new ClientTable();
	/** @internal The ops after the latest checkpoint. */
	readonly log = new Log();

	/** The view number: the latest view this replica knows of. Read it; only the replica changes it. */
	view = 0;
	/** Normal, view change or recovering. Read it; only the replica changes it. */
	status: Status = 'normal';
	/** The latest view in which this replica's status was normal. */
	lastNormalView = 0;
	/** The latest op known to be committed (this replica has executed every op up to it). */
	commitNumber = 0;
	/** The latest checkpoint; the log holds only the ops after it. */
	checkpoint: Checkpoint | undefined;
	/** A running hash of every executed op and its result: replicas agree on it at each commit number. */
	digest = 0;

	private readonly telemetry: VsrTelemetry | undefined;
	private readonly random: () => number;
	private readonly timeouts: Timeouts;
	private readonly checkpointInterval: number;
	private readonly bugs: ReadonlySet<BugName>;
	private readonly observer: ReplicaObserver | undefined;
	private outbox: Send[] = [];
	/** With storage: what a restart would find, and the writes that will make more of it durable. */
	private readonly durability: Durability | undefined;

	/** The latest known incarnation of every replica (crash vector). */
	private readonly incarnations: number[];
	/**
	 * Requests in the uncommitted part of the log, by client: a retry of one is not prepared twice.
	 * Undefined once committed (not deleted: a map whose keys come and go keeps reallocating).
	 */
	private readonly uncommitted = new Map<number, number | undefined>();

	// Primary.
	private readonly acks: Acks;
	private readonly backupCount: Readonly<Record<string, number>>;
	private readonly clientSpans = new Map<number, SpanToken>();
	private leadershipSpan: SpanToken | undefined;
	/** Idle for this long, the primary sends Commit as a heartbeat. */
	private readonly heartbeatTimeout: Timeout;
	/** Without a commit for this long, the primary resends unacknowledged Prepares. */
	private readonly prepareTimeout: Timeout;
	private lastSentCommit = 0;
	/** Replicas heard from in this view (itself included) since the primary last checked. */
	private readonly heardFrom: Votes;
	/** This often the primary checks that it heard from a quorum, and steps down if not. */
	private readonly quorumTimeout: Timeout;

	// Backup.
	/** With no sign for this long that its primary works, a backup asks for a view change. */
	private readonly primaryTimeout: Timeout;
	/** Prepares that arrived ahead of a gap (messages reorder); appended once the gap fills. */
	private readonly early = new Map<number, Prepare>();
	/** The highest op this replica acked, and in which view (see sendPrepareOk). */
	private ackedView = -1;
	private ackedOp = -1;
	/** The primary's commit number as last heard in this view. */
	private primaryCommit = 0;
	/** A gap in the log that lasts this long is filled by a state transfer. */
	private readonly gapTimeout: Timeout;

	// View change.
	/** The latest view each other replica asked for in a StartViewChange (see ViewVotes). */
	private readonly viewVotes: ViewVotes;
	/** Others' votes are forgotten this often: a vote counts while its sender repeats it. */
	private readonly voteWindowTimeout: Timeout;
	/** We ask to leave this view: our primary stopped working, or this view change did. */
	private leaving = false;
	private readonly doViewChanges: Votes<DoViewChange>;
	private doViewChangeSent = false;
	/** A view not established in this long is given up for the next. */
	private readonly viewChangeTimeout: Timeout;
	/** The votes of a view change are resent this often. */
	private readonly viewChangeResendTimeout: Timeout;
	private viewChangeStartedAt = 0n;
	/** Our vote for this view waits for the view to be durable (see `mayVote`). */
	private votesHeld = false;
	/** With storage: the new primary chose its log and waits for it to be durable (the DoViewChange quorum's commit, the log chosen). */
	private establishing: {readonly commit: number; readonly chosen: ChosenLog} | undefined;

	// Recovery and state transfer.
	private readonly recoveryNonce: number = 0;
	private readonly recoveryResponses: Votes<RecoveryResponse>;
	private readonly recoveryTimeout: Timeout;
	private stateTransfer: StateTransfer | undefined;
	private readonly stateTransferTimeout: Timeout;
	private skipNextExecution = false;
	/** `expireTimeouts` runs the timers' actions: no tick passes for the timeouts it left alone. */
	private forcing = false;

	constructor(options: ReplicaOptions) {
		this.configuration = new Configuration(options.replicaCount);
		assert(
			Number.isInteger(options.id) && options.id >= 0 && options.id < options.replicaCount,
			`replica id ${options.id} is outside 0..${options.replicaCount - 1}`,
		);
		this.id = options.id;
		const {storage} = options;
		const recovering = options.recovering === true || storage?.kind === 'lost';
		assert(
			!(options.recovering === true && storage !== undefined && storage.kind !== 'lost'),
			'a replica that restarts from its disk does not run the recovery protocol',
		);
		this.incarnation = Math.max(options.incarnation ?? 0, livesRemembered(storage));
		this.stateMachine = options.stateMachine ?? new KvStore();
		this.telemetry = options.telemetry;
		// Deterministic even when nobody injects a generator; a new incarnation draws new nonces.
		const fallback = new Prng((options.id + 1) * 7919 + this.incarnation * 104_729);
		this.random = options.random ?? (() => fallback.next());
		this.timeouts = {...defaultTimeouts, ...options.timeouts};
		this.checkpointInterval = options.checkpointInterval ?? defaultCheckpointInterval;
		assert(this.checkpointInterval >= 1, 'checkpoint interval must be at least 1');
		this.bugs = options.bugs ?? new Set();
		this.observer = options.observer;
		const n = this.configuration.replicaCount;
		this.incarnations = Array.from({length: n}, (_, i) => (i === this.id ? this.incarnation : 0));
		const {quorum} = this.configuration;
		this.acks = new Acks(n, quorum);
		this.heardFrom = new Votes(quorum);
		this.viewVotes = new ViewVotes(quorum);
		this.doViewChanges = new Votes(quorum);
		this.recoveryResponses = new Votes(quorum);
		this.backupCount = Object.freeze({count: n - 1});
		const {timeouts} = this;
		this.heartbeatTimeout = new Timeout(timeouts.heartbeat);
		this.prepareTimeout = new Timeout(timeouts.prepareResend);
		this.quorumTimeout = new Timeout(timeouts.primary);
		this.primaryTimeout = new Timeout(timeouts.primary);
		this.primaryTimeout.backoff(this.random);
		this.gapTimeout = new Timeout(timeouts.stateTransferResend);
		this.viewChangeTimeout = new Timeout(timeouts.viewChange);
		this.viewChangeResendTimeout = new Timeout(timeouts.viewChangeResend);
		this.voteWindowTimeout = new Timeout(timeouts.voteWindow);
		this.recoveryTimeout = new Timeout(timeouts.recoveryResend);
		this.stateTransferTimeout = new Timeout(timeouts.stateTransferResend);

		if (storage?.kind === 'restored') {
			this.restore(storage.state);
		}

		this.durability = durabilityOf(storage, this.log.opNumber);
		if (recovering) {
			this.status = 'recovering';
			this.recoveryNonce = this.nonce();
		}

		this.begin(storage);
		// The new life's first write: its incarnation (and, for a new disk, view 0).
		this.durability?.seal(this.facts(), this.log.opNumber);
	}

	// --- State, as telemetry and the operator see it -------------------------

	/** `id`, as the telemetry's common metadata names it. */
	get nodeId(): number {
		return this.id;
	}

	/** The latest op in this replica's log. */
	get opNumber(): number {
		return this.log.opNumber;
	}

	/** Normal, and the primary of its view. */
	get isPrimary(): boolean {
		return this.status === 'normal' && this.configuration.primaryOf(this.view) === this.id;
	}

	/** The id of the primary of its view (view mod n). */
	get primary(): number {
		return this.configuration.primaryOf(this.view);
	}

	/** It has asked another replica for the state (GetState) and awaits NewState. */
	get stateTransferPending(): boolean {
		return this.stateTransfer !== undefined;
	}

	// --- Inputs --------------------------------------------------------------

	/**
	Time passes by one tick (10 ms in the process cluster): heartbeats, resends and timeouts.
	Returns what to send.
	*/
	tick(): Send[] {
		this.onTick();
		return this.flush();
	}

	/**
	Time runs out now for what this replica waits on, as an operator forcing a timeout asks: a
	backup's primary timeout (it asks for a view change), a primary's heartbeat and Prepare resend
	(it sends a Commit now, and resends what no backup acknowledged), a view change's (it asks for
	the next view), a recovery's and a state transfer's resend. No time passes for the others (a
	primary's quorum check keeps its window). Returns what to send.
	*/
	expireTimeouts(): Send[] {
		if (this.stateTransfer) {
			this.stateTransferTimeout.expire();
		}

		switch (this.status) {
			case 'normal': {
				if (this.isPrimary) {
					this.heartbeatTimeout.expire();
					this.prepareTimeout.expire();
				} else if (this.leaving) {
					this.viewChangeResendTimeout.expire();
				} else {
					this.primaryTimeout.expire();
				}

				break;
			}

			case 'view_change': {
				this.viewChangeTimeout.expire();
				this.viewChangeResendTimeout.expire();
				break;
			}

			case 'recovering': {
				this.recoveryTimeout.expire();
				break;
			}
		}

		this.forcing = true;
		try {
			this.onTick();
		} finally {
			this.forcing = false;
		}

		return this.flush();
	}

	/**
	Takes one message (a client's Request or a replica's message; a Reply is ignored) and returns
	what to send. Check a message from the outside world with `validate` first.
	*/
	onMessage(message: Message): Send[] {
		if (message.type === 'request') {
			this.onRequest(message);
		} else if (message.type !== 'reply' && this.acceptFrom(message)) {
			// (Replies are for clients; a replica has nothing to do with one.)
			this.dispatch(message);
		}

		return this.flush();
	}

	/**
	With storage: what to persist, in order, since the last call (empty without storage). Call it
	after every input (the constructor, `tick`, `onMessage`, `onWritten`) and hand the writes to
	storage; send what the input returned at once: the replica holds back every message that
	needs a write to be durable first, and sends it from `onWritten`.
	*/
	takeWrites(): StorageRequest[] {
		return this.durability?.take() ?? [];
	}

	/**
	With storage: every `LogWrite` up to `seq` is durable (storage completes them in order).
	Returns what the replica may now send: acks for the ops now durable, votes for a view now
	durable, and, after the first write of a life, everything it held back until then.
	*/
	onWritten(seq: number): Send[] {
		const {durability} = this;
		assert(durability, 'onWritten on a replica without storage');
		if (durability.written(seq)) {
			this.onDurable();
		}

		return this.flush();
	}

	/** With storage: the highest op of its log that a restart would find (undefined without storage). */
	get durableOp(): number | undefined {
		return this.durability?.durableOp;
	}

	private dispatch(message: ReplicaMessage): void {
		if (message.type !== 'recovery' && message.view === this.view && this.isPrimary) {
			this.heardFrom.record(message.from, true); // For the quorum check (see tickPrimary).
		}

		switch (message.type) {
			case 'prepare': {
				this.onPrepare(message);
				break;
			}

			case 'prepare_ok': {
				this.onPrepareOk(message);
				break;
			}

			case 'commit': {
				this.onCommit(message);
				break;
			}

			case 'start_view_change': {
				this.onStartViewChange(message);
				break;
			}

			case 'do_view_change': {
				this.onDoViewChange(message);
				break;
			}

			case 'start_view': {
				this.onStartView(message);
				break;
			}

			case 'recovery': {
				this.onRecovery(message);
				break;
			}

			case 'recovery_response': {
				this.onRecoveryResponse(message);
				break;
			}

			case 'get_state': {
				this.onGetState(message);
				break;
			}

			case 'new_state': {
				this.onNewState(message);
				break;
			}
		}
	}

	/**
	 * Crash-consistent quorums: a message from an earlier incarnation of its
	 * sender is dropped, and learning of a newer one forgets what the sender
	 * said in its earlier life (its acks and votes died with its memory).
	 */
	private acceptFrom(message: ReplicaMessage): boolean {
		const {from} = message;
		if (
			!Number.isInteger(from) ||
			from < 0 ||
			from >= this.configuration.replicaCount ||
			from === this.id
		) {
			return false;
		}

		if (
			(message.type === 'prepare' || message.type === 'commit' || message.type === 'start_view') &&
			from !== this.configuration.primaryOf(message.view)
		) {
			return false; // Only a view's primary speaks for it.
		}

		const known = this.incarnations[from] ?? 0;
		if (message.incarnation < known) {
			return false;
		}

		if (message.incarnation > known) {
			this.incarnations[from] = message.incarnation;
			this.acks.forget(from);
			this.heardFrom.forget(from);
			this.viewVotes.forget(from);
			this.doViewChanges.forget(from);
			this.recoveryResponses.forget(from);
		}

		return true;
	}

	// --- Normal operation ----------------------------------------------------

	private onRequest(request: Request): void {
		if (!this.isPrimary || this.stateTransfer) {
			return;
		}

		const executed = this.bugs.has('client-table-forgets-writes')
			? undefined
			: this.clientTable.get(request.clientId);
		if (executed) {
			if (request.requestNumber < executed.requestNumber) {
				return; // An old request gets no reply, never another request's.
			}

			if (request.requestNumber === executed.requestNumber) {
				this.reply(request.clientId, request.requestNumber, executed.result);
				return;
			}
		}

		const inLog = this.uncommitted.get(request.clientId);
		if (inLog !== undefined && request.requestNumber <= inLog) {
			return; // Already being prepared; its reply follows the commit.
		}

		const entry: LogEntry = {
			op: this.log.opNumber + 1,
			view: this.view,
			clientId: request.clientId,
			requestNumber: request.requestNumber,
			operation: request.operation,
		};
		this.append(entry);
		if (this.telemetry) {
			const metadata = this.telemetry.spanEnabled(events.clientRequest)
				? {client_id: request.clientId, request_number: request.requestNumber}
				: noMetadata;
			this.clientSpans.set(
				entry.op,
				this.telemetry.spanStart(events.clientRequest, this, metadata),
			);
		}

		this.acks.set(this.id, this.ackableOp() ?? 0);
		this.broadcast({
			type: 'prepare',
			view: this.view,
			op: entry.op,
			commit: this.commitNumber,
			entry,
		});
		this.lastSentCommit = this.commitNumber;
		this.heartbeatTimeout.reset();
		this.emit(events.prepareSent, this.backupCount);

		if (this.bugs.has('commit-without-quorum')) {
			this.commitUpTo(entry.op);
		} else {
			this.advanceCommit();
		}
	}

	private onPrepare(message: Prepare): void {
		if (this.status === 'recovering') {
			return;
		}

		if (message.view < this.view) {
			return; // From a deposed primary.
		}

		if (message.view > this.view || this.status === 'view_change') {
			// The view moved on without us. Change nothing until NewState arrives.
			this.truncateEagerly(message.view);
			this.requestState(message.view);
			return;
		}

		const progress = message.commit > this.primaryCommit;
		this.primaryCommit = Math.max(this.primaryCommit, message.commit);
		if (message.op > this.log.opNumber + 1) {
			// A gap: hold on to it (a reordering fills it soon), and fetch the state if the gap lasts.
			if (this.early.size < maxEarlyPrepares) {
				this.early.set(message.op, message);
			}
		} else if (message.op === this.log.opNumber + 1) {
			this.acceptPrepare(message);
			for (
				let next = this.early.get(this.log.opNumber + 1);
				next;
				next = this.early.get(this.log.opNumber + 1)
			) {
				this.early.delete(next.op);
				this.acceptPrepare(next);
			}

			this.sendPrepareOk();
		} else {
			// A duplicate: our log already agrees up to opNumber in this view.
			assert(
				message.op <= this.log.base || this.log.matches(message.entry),
				() => `replica ${this.id} holds a different op ${message.op} than its primary`,
			);
			this.sendPrepareOk();
		}

		this.commitUpTo(Math.min(this.primaryCommit, this.log.opNumber));
		this.heardPrimary(progress);
	}

	/**
	 * A Prepare or Commit from our primary. It shows that the primary works when its commit
	 * number moved, or when nothing we hold waits for a commit; a primary that keeps sending
	 * but commits nothing while ops wait (say, one that cannot hear its backups) does not
	 * put off the primary timeout.
	 */
	private heardPrimary(progress: boolean): void {
		if (progress || this.log.opNumber <= this.primaryCommit) {
			this.primaryTimeout.reset();
			this.leaving = false;
		}
	}

	/**
	 * The planted bug `eager-truncation`, the paper's own rule: on news of a newer view, drop
	 * the log after the commit number, adopt the view (normal, with it as the last normal
	 * view) and only then ask for the state. Until NewState arrives the replica holds a short
	 * log that claims the newer view, and a view change can pick it over a log with a
	 * committed op (Vanlightly's TLA+ model of VRR). Without the bug, nothing changes here.
	 */
	private truncateEagerly(view: number): void {
		if (!this.bugs.has('eager-truncation') || view <= this.view) {
			return;
		}

		const wasPrimary = this.isPrimary;
		if (wasPrimary) {
			this.endLeadership('lost primacy');
		}

		this.setView(view);
		this.adoptLog({base: this.commitNumber, checkpoint: undefined, entries: []}, this.commitNumber);
		this.becomeBackup(wasPrimary);
	}

	private acceptPrepare(message: Prepare): void {
		assert(message.entry.op === message.op, 'prepare carries the entry of its op');
		this.append(message.entry);
		this.emitField(events.prepareReceived, 'op', message.op);
	}

	private onPrepareOk(message: PrepareOk): void {
		if (!this.isPrimary || (message.view !== this.view && !this.bugs.has('ack-any-view'))) {
			return;
		}

		assert(
			message.op <= this.log.opNumber,
			() =>
				`replica ${message.from} acked op ${message.op} beyond the primary's ${this.log.opNumber}`,
		);
		// Counted when it acks more than that backup had: one that acks nothing new (the answer to
		// a heartbeat, a duplicate) only says the backup hears us, which the quorum check records.
		if (this.acks.advance(message.from, message.op)) {
			this.emitField(events.prepareOkReceived, 'from', message.from, 'op', message.op);
			this.advanceCommit();
		}
	}

	/** Commits every op that a quorum (the primary included) holds in this view. */
	private advanceCommit(): void {
		this.acks.set(this.id, this.ackableOp() ?? 0);
		const committable = this.acks.committable();
		if (committable <= this.commitNumber) {
			return;
		}

		for (let op = this.commitNumber + 1; op <= committable; op++) {
			this.emitField(events.quorumReached, 'op', op);
		}

		this.commitUpTo(committable);
	}

	private onCommit(message: Commit): void {
		if (this.status === 'recovering') {
			return;
		}

		if (message.view < this.view) {
			return;
		}

		if (message.view > this.view || this.status === 'view_change') {
			this.truncateEagerly(message.view);
			this.requestState(message.view);
			return;
		}

		const progress = message.commit > this.primaryCommit;
		const stale = message.commit < this.primaryCommit; // Reordered: it says nothing new.
		// A Commit that brings no news is the primary's heartbeat: a timer event, not a protocol one.
		if (progress) {
			this.emitField(events.commitReceived, 'commit', message.commit);
		} else {
			this.emit(events.heartbeatReceived);
		}

		this.primaryCommit = Math.max(this.primaryCommit, message.commit);
		this.commitUpTo(Math.min(this.primaryCommit, this.log.opNumber));
		if (!stale) {
			this.sendPrepareOk(); // An answer, so that the primary knows it is heard (see tickPrimary).
		}

		this.heardPrimary(progress);
	}

	private append(entry: LogEntry): void {
		this.log.append(entry);
		this.durability?.appended(entry);
		const inLog = this.uncommitted.get(entry.clientId);
		if (inLog === undefined || inLog < entry.requestNumber) {
			this.uncommitted.set(entry.clientId, entry.requestNumber);
		}

		this.emitField(events.logAppend, 'op', entry.op);
	}

	/** Executes, in order, every op up to `op`; the primary replies to their clients. */
	private commitUpTo(op: number): void {
		if (op <= this.commitNumber) {
			return;
		}

		assert(op <= this.log.opNumber, () => `commit ${op} beyond op ${this.log.opNumber}`);
		const from = this.commitNumber;
		for (let next = from + 1; next <= op; next++) {
			this.execute(this.log.get(next));
			if (next % this.checkpointInterval === 0) {
				this.takeCheckpoint();
			}
		}

		this.prepareTimeout.reset();
		this.emitField(events.commitAdvance, 'from', from, 'to', op);
	}

	private execute(entry: LogEntry): void {
		const executed = this.bugs.has('client-table-forgets-writes')
			? undefined
			: this.clientTable.get(entry.clientId);
		let result: Result;
		if (executed && entry.requestNumber <= executed.requestNumber) {
			// A request can reach the log twice across view changes; it runs once.
			result =
				entry.requestNumber === executed.requestNumber
					? executed.result
					: {ok: false, error: 'stale request'};
		} else if (this.skipNextExecution) {
			this.skipNextExecution = false;
			result = {ok: true, value: null};
		} else {
			result = this.apply(entry);
			this.clientTable.record(entry.clientId, entry.requestNumber, result);
		}

		if (this.uncommitted.get(entry.clientId) === entry.requestNumber) {
			this.uncommitted.set(entry.clientId, undefined);
		}

		this.digest = digestExecution(this.digest, entry, result);
		this.commitNumber = entry.op;
		this.observer?.executed?.(this, entry, result);
		if (this.isPrimary) {
			this.replyAfterCommit(entry, result);
		}
	}

	/** Runs one op in the state_machine.operation span; an op that throws becomes an error reply. */
	private apply(entry: LogEntry): Result {
		const {telemetry} = this;
		if (telemetry?.spanEnabled(events.stateMachineOperation)) {
			const metadata = {op: entry.op, operation: this.stateMachine.kind(entry.operation)};
			try {
				const value = telemetry.span(events.stateMachineOperation, this, metadata, () =>
					this.stateMachine.apply(entry.operation),
				);
				return {ok: true, value};
			} catch (error) {
				return failed(error);
			}
		}

		// Nothing listens: the same events, counted without building metadata.
		telemetry?.execute(events.operationStart, this);
		try {
			const value = this.stateMachine.apply(entry.operation);
			telemetry?.execute(events.operationStop, this);
			return {ok: true, value};
		} catch (error) {
			telemetry?.execute(events.operationException, this);
			return failed(error);
		}
	}

	private replyAfterCommit(entry: LogEntry, result: Result): void {
		const span = this.clientSpans.get(entry.op);
		if (span && this.telemetry) {
			this.clientSpans.delete(entry.op);
			// The stop carries the start's client_id and request_number.
			if (result.ok) {
				this.telemetry.spanStop(span, this);
			} else {
				this.telemetry.spanException(span, this, 'error', result.error);
			}
		}

		this.reply(entry.clientId, entry.requestNumber, result);
	}

	private reply(clientId: number, requestNumber: number, result: Result): void {
		this.outbox.push({
			to: 'client',
			clientId,
			message: {type: 'reply', view: this.view, clientId, requestNumber, result},
		});
	}

	/** Acks every op it holds durably in this view (cumulative); nothing while none is durable. */
	private sendPrepareOk(): void {
		const op = this.ackableOp();
		if (op === undefined) {
			return; // The view is not durable yet: onWritten acks.
		}

		this.send(this.primary, {type: 'prepare_ok', view: this.view, op});
		// One that acks no more than the last (the answer to a heartbeat, a repeat) is no news.
		if (this.view !== this.ackedView || op > this.ackedOp) {
			this.ackedView = this.view;
			this.ackedOp = op;
			this.emitField(events.prepareOkSent, 'op', op);
		}
	}

	/**
	 * The op up to which this replica may say it holds the log of its view: all of it without
	 * storage; with storage, what a restart would still find in this view, or nothing while the
	 * view itself (or its being normal in it) is not durable.
	 */
	private ackableOp(): number | undefined {
		const {durability} = this;
		if (!durability || this.bugs.has('ack-before-fsync')) {
			return this.log.opNumber;
		}

		return durability.holds(this.view)
			? Math.min(this.log.opNumber, durability.durableOp)
			: undefined;
	}

	/** Whether it may vote in its view: without storage always; with storage once the view is durable. */
	private mayVote(): boolean {
		return this.durability?.entered(this.view) ?? true;
	}

	// --- Checkpoints ----------------------------------------------------------

	/** Snapshots the state as of the op just executed and collects the log up to it. */
	private takeCheckpoint(): void {
		const op = this.commitNumber;
		this.checkpoint = {
			op,
			digest: this.digest,
			stateMachine: this.stateMachine.snapshot(),
			clientTable: this.clientTable.snapshot(),
		};
		this.log.collectUpTo(op);
		this.durability?.tookCheckpoint(this.checkpoint);
		this.emit(events.checkpoint, undefined, {op});
	}

	private install(checkpoint: Checkpoint): void {
		assert(
			checkpoint.op > this.commitNumber,
			() =>
				`installing checkpoint ${checkpoint.op} would move commit back from ${this.commitNumber}`,
		);
		this.durability?.installed(checkpoint, this.commitNumber);
		this.stateMachine.restore(checkpoint.stateMachine);
		this.clientTable.restore(checkpoint.clientTable);
		this.digest = checkpoint.digest;
		this.commitNumber = checkpoint.op;
		this.checkpoint = checkpoint;
		this.log.reset(checkpoint.op);
		this.uncommitted.clear();
		this.observer?.installed?.(this, checkpoint);
	}

	/** Our log after `after`; when that prefix was collected, from the checkpoint on, with the checkpoint. */
	private logSlice(after?: number): LogSlice {
		if (after === undefined || after < this.log.base) {
			return {
				base: this.log.base,
				checkpoint: this.checkpoint,
				entries: this.log.after(this.log.base),
			};
		}

		return {base: after, checkpoint: undefined, entries: this.log.after(after)};
	}

	/**
	 * Replaces our log after `keep` with the slice's entries. Ops up to `keep`
	 * are known to agree (committed, or the same view); an overlap that
	 * disagrees is a broken invariant. A slice that starts beyond `keep` comes
	 * with the checkpoint that covers the gap.
	 */
	private adoptLog(slice: LogSlice, keep: number, late = false): void {
		assert(
			keep >= this.commitNumber && keep <= this.log.opNumber,
			() => `cannot keep the log up to ${keep}`,
		);
		const sliceEnd = slice.base + slice.entries.length;
		// Keeping the whole log (a lagging backup in its own view) drops nothing, so a slice that
		// arrives late and ends early is harmless; any other adoption must cover what we committed.
		assert(
			late || sliceEnd >= this.commitNumber,
			() => `an adopted log ends at ${sliceEnd}, before committed op ${this.commitNumber}`,
		);
		if (slice.base > keep) {
			assert(
				slice.checkpoint?.op === slice.base,
				() => `a log from op ${slice.base} needs its checkpoint`,
			);
			this.install(slice.checkpoint);
			keep = slice.base;
		}

		for (const entry of slice.entries) {
			if (entry.op > keep) {
				break;
			}

			if (entry.op > this.log.base) {
				assert(this.log.matches(entry), () => `replica ${this.id} disagrees on op ${entry.op}`);
			}
		}

		const dropped = this.log.truncateAfter(keep);
		if (dropped.length > 0) {
			this.durability?.truncated(keep);
		}

		for (const entry of slice.entries) {
			if (entry.op > keep) {
				this.log.append(entry);
				this.durability?.appended(entry);
			}
		}

		const replaced = dropped.filter((entry) => !this.log.matches(entry));
		if (replaced.length > 0) {
			this.emit(events.logConflict, undefined, {
				from_op: replaced[0]!.op,
				to_op: replaced.at(-1)!.op,
				count: replaced.length,
			});
		}

		this.uncommitted.clear();
		for (const entry of this.log.after(Math.max(this.commitNumber, this.log.base))) {
			this.uncommitted.set(entry.clientId, entry.requestNumber);
		}
	}

	// --- View change ---------------------------------------------------------

	/**
	 * Enters the view change for `view`: only once a quorum asked for it (see onStartViewChange),
	 * a DoViewChange for it arrived, or, as a primary, on finding that it no longer hears a quorum.
	 */
	private startViewChange(view: number, reason = 'lost primacy'): void {
		assert(view > this.view, () => `view ${view} is not after ${this.view}`);
		const wasPrimary = this.isPrimary;
		if (wasPrimary) {
			this.endLeadership(reason);
		}

		this.setView(view);
		this.setStatus('view_change', wasPrimary);
		this.leaving = false;
		this.doViewChanges.clear();
		this.doViewChangeSent = false;
		this.votesHeld = false;
		this.establishing = undefined;
		this.viewChangeTimeout.backoff(this.random);
		this.viewChangeStartedAt = this.now();
		this.stateTransfer = undefined;
		this.early.clear();
		this.emit(events.viewChangeStart, undefined, {new_view: view});
		this.broadcastStartViewChange();
		this.maybeSendDoViewChange();
	}

	/** The view we ask for: the next one while we ask to leave this one. */
	private get ownVote(): number {
		return this.leaving ? this.view + 1 : this.view;
	}

	/** Asks to leave this view; we leave it once a quorum asks for a later one too (then true). */
	private leave(): boolean {
		this.leaving = true;
		this.broadcastStartViewChange();
		return this.maybeMoveOn();
	}

	/** Enters the latest view after ours that a quorum asks for (our own vote counted), if any. */
	private maybeMoveOn(): boolean {
		const view = this.viewVotes.highestAbove(this.view, this.ownVote);
		if (view === undefined) {
			return false;
		}

		this.startViewChange(view);
		return true;
	}

	/**
	 * A vote: its sender asks for `message.view`, and so to leave every view before it. We move
	 * on only when a quorum asks for a later view than ours, counting our own vote only when we
	 * ask to leave too. So a replica that still sees its primary work does not follow one that
	 * does not, and one replica alone (one that can send but not receive, say) cannot unseat a
	 * working primary: its votes are counted and go no further.
	 */
	private onStartViewChange(message: StartViewChange): void {
		if (this.status === 'recovering' || message.view < this.view) {
			return;
		}

		if (this.viewVotes.size === 0) {
			this.voteWindowTimeout.reset();
		}

		const news = this.viewVotes.record(message.from, message.view);
		if (news && (message.view > this.view || this.status === 'view_change')) {
			this.emit(events.voteReceived, undefined, {from: message.from});
		}

		if (message.view === this.view && this.status === 'normal') {
			if (this.isPrimary) {
				this.sendStartView(message.from); // It missed our StartView.
			}

			return;
		}

		if (!this.maybeMoveOn() && this.status === 'view_change') {
			this.maybeSendDoViewChange();
		}
	}

	private maybeSendDoViewChange(): void {
		if (this.doViewChangeSent || !this.viewVotes.reaches(this.view, this.ownVote)) {
			return;
		}

		this.doViewChangeSent = true;
		this.sendDoViewChange();
	}

	private sendDoViewChange(): void {
		if (!this.mayVote()) {
			this.votesHeld = true; // Sent once the view is durable (onDurable).
			return;
		}

		const message: Unstamped<DoViewChange> = {
			type: 'do_view_change',
			view: this.view,
			log: this.logSlice(),
			lastNormalView: this.lastNormalView,
			opNumber: this.log.opNumber,
			commitNumber: this.commitNumber,
		};
		const {primary} = this;
		if (primary === this.id) {
			this.doViewChanges.record(this.id, this.stamp(message));
			this.maybeCompleteViewChange();
		} else {
			this.send(primary, message);
			this.emit(events.doViewChangeSent, undefined, {to: primary});
		}
	}

	private onDoViewChange(message: DoViewChange): void {
		if (this.status === 'recovering' || message.view < this.view) {
			return;
		}

		if (message.view > this.view) {
			// A DoViewChange proves a quorum voted for its view.
			this.startViewChange(message.view);
		}

		if (this.primary !== this.id) {
			return;
		}

		if (this.status === 'normal') {
			this.sendStartView(message.from); // A late vote: the view is already established.
			return;
		}

		this.emit(events.doViewChangeReceived, undefined, {from: message.from});
		this.doViewChanges.record(message.from, message);
		if (this.doViewChangeSent) {
			this.maybeCompleteViewChange();
		} else {
			// Others are voting for our view, so a quorum has started it: our own vote counts too.
			this.doViewChangeSent = true;
			this.sendDoViewChange();
		}
	}

	private maybeCompleteViewChange(): void {
		if (
			this.establishing !== undefined ||
			!this.doViewChanges.reached ||
			!this.doViewChanges.has(this.id)
		) {
			return;
		}

		const votes = [...this.doViewChanges.values()];
		assert(
			votes.every((vote) => vote.view === this.view),
			'DoViewChange quorum spans views',
		);
		const best = votes.reduce((best, vote) => (this.betterLog(vote, best) ? vote : best));
		const commit = Math.max(...votes.map((vote) => vote.commitNumber));
		assert(
			commit <= best.opNumber,
			() => `the chosen log (op ${best.opNumber}) lacks committed op ${commit}`,
		);

		if (best.from !== this.id) {
			this.adoptLog(best.log, this.commitNumber);
		}

		this.lastNormalView = this.view;
		if (this.durability && !this.durability.holds(this.view)) {
			// Nobody hears of the view before its log is durable here: a primary that restarted and
			// found it had not been would otherwise complete the view a second time, with a log
			// that may lack ops its first StartView and Prepares gave out.
			this.establishing = {commit, chosen: best};
			return;
		}

		this.establishView(commit, best);
	}

	/** The new primary is normal in its view: it commits what the chosen log holds committed and tells the others. */
	private establishView(commit: number, best: ChosenLog): void {
		this.establishing = undefined;
		this.setStatus('normal', false);
		this.leaving = false;
		this.acks.clear();
		this.acks.set(this.id, this.ackableOp() ?? 0);
		this.heartbeatTimeout.reset();
		this.prepareTimeout.reset();
		this.doViewChanges.clear();
		this.startLeadership();
		this.commitUpTo(Math.min(commit, this.log.opNumber));
		this.lastSentCommit = this.commitNumber;
		for (let replica = 0; replica < this.configuration.replicaCount; replica++) {
			if (replica !== this.id) {
				this.sendStartView(replica);
			}
		}

		// Whose log the new primary chose, and why: the latest last normal view, then the longest.
		this.emit(
			events.viewChangeComplete,
			{duration: this.now() - this.viewChangeStartedAt},
			{log_from: best.from, last_normal_view: best.lastNormalView, log_op: best.opNumber},
		);
		this.advanceCommit();
	}

	/** The log of the latest normal view wins; within it, the longest. */
	private betterLog(a: DoViewChange, b: DoViewChange): boolean {
		if (this.bugs.has('ignore-last-normal-view')) {
			return a.opNumber > b.opNumber;
		}

		return (
			a.lastNormalView > b.lastNormalView ||
			(a.lastNormalView === b.lastNormalView && a.opNumber > b.opNumber)
		);
	}

	private sendStartView(to: number): void {
		this.send(to, {
			type: 'start_view',
			view: this.view,
			log: this.logSlice(),
			opNumber: this.log.opNumber,
			commitNumber: this.commitNumber,
		});
	}

	private onStartView(message: StartView): void {
		if (this.status === 'recovering' || message.view < this.view) {
			return;
		}

		if (message.view === this.view && this.status === 'normal') {
			return;
		}

		const wasPrimary = this.isPrimary;
		if (wasPrimary) {
			this.endLeadership('lost primacy');
		}

		const changing = this.status === 'view_change';
		if (message.view > this.view) {
			this.setView(message.view);
		}

		this.adoptLog(message.log, this.commitNumber);
		this.becomeBackup(wasPrimary);
		this.commitUpTo(Math.min(message.commitNumber, this.log.opNumber));
		if (this.log.opNumber > this.commitNumber) {
			this.sendPrepareOk();
		}

		if (changing) {
			this.emit(events.viewChangeComplete, {duration: this.now() - this.viewChangeStartedAt});
		}
	}

	/** Normal status in the current view, following its primary. */
	private becomeBackup(wasPrimary: boolean): void {
		this.lastNormalView = this.view;
		this.setStatus('normal', wasPrimary);
		this.leaving = false;
		this.primaryTimeout.backoff(this.random);
		this.stateTransfer = undefined;
		this.doViewChanges.clear();
		this.early.clear();
		this.primaryCommit = this.commitNumber;
		this.gapTimeout.reset();
	}

	// --- Recovery ------------------------------------------------------------

	private broadcastRecovery(): void {
		this.broadcast({type: 'recovery', nonce: this.recoveryNonce});
		this.recoveryTimeout.reset();
	}

	private onRecovery(message: Recovery): void {
		if (this.status !== 'normal') {
			return;
		}

		this.send(message.from, {
			type: 'recovery_response',
			view: this.view,
			nonce: message.nonce,
			primaryState: this.isPrimary
				? {log: this.logSlice(), opNumber: this.log.opNumber, commitNumber: this.commitNumber}
				: undefined,
		});
	}

	/**
	 * Recovered once a quorum has answered our nonce, the primary of the
	 * latest view among them included; until then we neither vote nor answer.
	 */
	private onRecoveryResponse(message: RecoveryResponse): void {
		if (message.primaryState) {
			assertShippedLog(message.primaryState, 'recovery_response');
		}

		if (this.status !== 'recovering' || message.nonce !== this.recoveryNonce) {
			return;
		}

		this.emit(events.recoveryResponseReceived, undefined, {from: message.from});
		this.recoveryResponses.record(message.from, message);
		if (this.bugs.has('recovery-answers-early')) {
			this.completeRecovery(message.view, {
				log: {base: 0, checkpoint: undefined, entries: []},
				opNumber: 0,
				commitNumber: 0,
			});
			return;
		}

		if (!this.recoveryResponses.reached) {
			return;
		}

		const view = Math.max(...[...this.recoveryResponses.values()].map((response) => response.view));
		const primary = this.recoveryResponses.get(this.configuration.primaryOf(view));
		if (primary?.view === view && primary.primaryState) {
			this.completeRecovery(view, primary.primaryState);
		}
	}

	private completeRecovery(
		view: number,
		state: NonNullable<RecoveryResponse['primaryState']>,
	): void {
		if (view > this.view) {
			this.setView(view);
		}

		this.adoptLog(state.log, 0);
		this.recoveryResponses.clear();
		this.becomeBackup(false);
		this.commitUpTo(Math.min(state.commitNumber, this.log.opNumber));
		if (this.log.opNumber > this.commitNumber) {
			this.sendPrepareOk();
		}

		this.emit(events.recoveryComplete);
	}

	// --- State transfer ------------------------------------------------------

	/** Asks the primary of `view` for what we miss. Our state stays as it is until NewState arrives. */
	private requestState(view: number): void {
		const pending = this.stateTransfer;
		if (pending && pending.view >= view) {
			return; // Already asked; the resend timer retries.
		}

		const sameView = view === this.view && this.status === 'normal';
		this.stateTransfer = {
			view,
			op: sameView ? this.log.opNumber : this.commitNumber,
			nonce: this.nonce(),
			startedAt: pending?.startedAt ?? this.now(),
		};
		this.sendGetState();
	}

	private sendGetState(): void {
		const pending = this.stateTransfer;
		assert(pending, 'no state transfer to send');
		this.stateTransferTimeout.reset();
		const target = this.configuration.primaryOf(pending.view);
		if (target === this.id) {
			this.stateTransfer = undefined;
			return;
		}

		this.send(target, {
			type: 'get_state',
			view: pending.view,
			op: pending.op,
			nonce: pending.nonce,
		});
		this.emit(events.stateTransferRequestSent, undefined, {
			view: pending.view,
			from_op: pending.op,
			to: target,
		});
	}

	private onGetState(message: GetState): void {
		assert(
			Number.isSafeInteger(message.op) && message.op >= 0,
			() => `get_state asks for the log after ${message.op}, which is no op number`,
		);
		if (this.status !== 'normal' || message.view !== this.view || message.op > this.log.opNumber) {
			return;
		}

		this.emit(events.stateTransferRequestReceived, undefined, {
			from: message.from,
			from_op: message.op,
		});
		const log = this.logSlice(message.op);
		this.send(message.from, {
			type: 'new_state',
			view: this.view,
			nonce: message.nonce,
			log,
			opNumber: this.log.opNumber,
			commitNumber: this.commitNumber,
		} satisfies Unstamped<NewState>);
		this.emit(
			events.snapshotSent,
			{entries: log.entries.length},
			{
				to: message.from,
				from_op: log.base,
				to_op: this.log.opNumber,
				checkpoint: log.checkpoint !== undefined,
			},
		);
	}

	private onNewState(message: NewState): void {
		assertShippedLog(message, 'new_state');
		const pending = this.stateTransfer;
		if (this.status === 'recovering' || pending?.nonce !== message.nonce) {
			return;
		}

		if (message.view < this.view) {
			this.stateTransfer = undefined;
			return;
		}

		// Within our own normal view our whole log agrees with the primary's; across views only the committed part does.
		const sameView = message.view === this.view && this.status === 'normal';
		const wasPrimary = this.isPrimary;
		if (wasPrimary) {
			this.endLeadership('lost primacy');
		}

		if (message.view > this.view) {
			this.setView(message.view);
		}

		const installsCheckpoint =
			message.log.base > (sameView ? this.log.opNumber : this.commitNumber);
		this.adoptLog(message.log, sameView ? this.log.opNumber : this.commitNumber, sameView);
		this.becomeBackup(wasPrimary);
		this.emit(
			events.snapshotReceived,
			{entries: message.log.entries.length, duration: this.now() - pending.startedAt},
			{
				from: message.from,
				from_op: message.log.base,
				to_op: message.opNumber,
				checkpoint: installsCheckpoint,
			},
		);
		if (this.bugs.has('state-transfer-skips-ops') && this.commitNumber < message.commitNumber) {
			this.skipNextExecution = true;
		}

		this.commitUpTo(Math.min(message.commitNumber, this.log.opNumber));
		this.sendPrepareOk();
	}

	// --- Timers --------------------------------------------------------------

	/** One tick of the timeouts that the replica's status runs (none while they are expired by force). */
	private elapse(timeout: Timeout): void {
		if (!this.forcing) {
			timeout.tick();
		}
	}

	/** Ticks the timeouts that the replica's status runs, and acts on those that fired. */
	private onTick(): void {
		if (this.stateTransfer) {
			this.elapse(this.stateTransferTimeout);
			if (this.stateTransferTimeout.fired()) {
				this.sendGetState();
			}
		}

		if (this.viewVotes.size > 0) {
			this.elapse(this.voteWindowTimeout);
			if (this.voteWindowTimeout.fired()) {
				this.viewVotes.clear();
			}
		}

		switch (this.status) {
			case 'normal': {
				if (this.isPrimary) {
					this.tickPrimary();
				} else {
					this.tickBackup();
				}

				break;
			}

			case 'view_change': {
				this.elapse(this.viewChangeTimeout);
				this.elapse(this.viewChangeResendTimeout);
				if (!this.leaving && this.viewChangeTimeout.fired()) {
					this.leave(); // This view change is stuck: ask for the next view.
				} else if (this.viewChangeResendTimeout.fired()) {
					this.broadcastStartViewChange();
					if (this.doViewChangeSent && this.primary !== this.id) {
						this.sendDoViewChange();
					}
				}

				break;
			}

			case 'recovering': {
				this.elapse(this.recoveryTimeout);
				if (this.recoveryTimeout.fired()) {
					this.broadcastRecovery();
				}

				break;
			}
		}
	}

	private tickPrimary(): void {
		this.elapse(this.heartbeatTimeout);
		this.elapse(this.prepareTimeout);
		const idle = this.heartbeatTimeout.fired();
		if (idle || this.commitNumber > this.lastSentCommit) {
			this.broadcast({type: 'commit', view: this.view, commit: this.commitNumber});
			// An idle primary's Commit that carries no new commit number is a heartbeat.
			if (this.commitNumber > this.lastSentCommit) {
				this.emitField(events.commitSent, 'commit', this.commitNumber);
			} else {
				this.emit(events.heartbeatSent);
			}

			this.lastSentCommit = this.commitNumber;
			this.heartbeatTimeout.reset();
		}

		if (this.log.opNumber > this.commitNumber && this.prepareTimeout.fired()) {
			this.prepareTimeout.reset();
			this.resendPrepares();
		}

		this.elapse(this.quorumTimeout);
		if (this.quorumTimeout.fired()) {
			if (this.heardFrom.reached) {
				this.startQuorumCheck();
			} else {
				// CheckQuorum, as in Raft: a primary that hears from no quorum can commit nothing (it
				// may be cut off one way, its messages still going out); it steps down so that the
				// others, no longer hearing it, elect a primary that can.
				this.emit(events.primaryTimeout, undefined, {primary: this.id});
				this.startViewChange(this.view + 1, 'no quorum heard');
			}
		}
	}

	/** The primary counts again which replicas it hears from. */
	private startQuorumCheck(): void {
		this.heardFrom.clear();
		this.heardFrom.record(this.id, true);
		this.quorumTimeout.reset();
	}

	private tickBackup(): void {
		this.elapse(this.primaryTimeout);
		if (this.leaving) {
			this.elapse(this.viewChangeResendTimeout);
			if (this.viewChangeResendTimeout.fired()) {
				this.broadcastStartViewChange();
			}
		} else if (this.primaryTimeout.fired()) {
			this.emit(events.primaryTimeout, undefined, {primary: this.primary});
			if (this.leave()) {
				return;
			}
		}

		if (this.early.size > 0 || this.primaryCommit > this.log.opNumber) {
			this.elapse(this.gapTimeout);
			if (this.gapTimeout.fired()) {
				this.gapTimeout.reset();
				this.requestState(this.view);
			}
		} else {
			this.gapTimeout.reset();
		}
	}

	/** Messages get lost: resend what each backup has not acknowledged (a bounded window). */
	private resendPrepares(): void {
		for (let replica = 0; replica < this.configuration.replicaCount; replica++) {
			if (replica === this.id) {
				continue;
			}

			const after = Math.max(this.acks.of(replica), this.log.base);
			for (const entry of this.log.after(after, 64)) {
				this.send(replica, {
					type: 'prepare',
					view: this.view,
					op: entry.op,
					commit: this.commitNumber,
					entry,
				});
			}
		}
	}

	/**
	 * Our vote, to every replica; repeated while it stands (others forget votes not repeated).
	 * A vote for the view we are changing to waits until that view is durable.
	 */
	private broadcastStartViewChange(): void {
		this.viewChangeResendTimeout.reset();
		if (this.status === 'view_change' && !this.leaving && !this.mayVote()) {
			this.votesHeld = true;
			return;
		}

		this.broadcast({type: 'start_view_change', view: this.ownVote});
	}

	// --- Leadership, status and view ---------------------------------------

	private startLeadership(): void {
		this.startQuorumCheck();
		if (this.telemetry) {
			this.leadershipSpan = this.telemetry.spanStart(events.leadership, this, {});
		}
	}

	/** A deposed primary ends its pending client requests with an exception. */
	private endLeadership(reason: string): void {
		if (this.telemetry) {
			for (const span of this.clientSpans.values()) {
				this.telemetry.spanException(span, this, 'error', reason);
			}

			if (this.leadershipSpan) {
				this.telemetry.spanStop(this.leadershipSpan, this, {reason});
			}
		}

		this.clientSpans.clear();
		this.leadershipSpan = undefined;
	}

	private setView(view: number): void {
		assert(view > this.view, () => `view would go back from ${this.view} to ${view}`);
		const from = this.view;
		this.view = view;
		this.emit(events.stateViewChange, undefined, {from, to: view});
	}

	private setStatus(status: Status, wasPrimary: boolean): void {
		const from = this.status;
		this.status = status;
		if (from !== status) {
			this.emit(events.statusChange, undefined, {from, to: status});
		}

		if (wasPrimary !== this.isPrimary) {
			this.emit(events.roleChange, undefined, {
				from: wasPrimary ? 'primary' : 'backup',
				to: this.isPrimary ? 'primary' : 'backup',
			});
		}
	}

	// --- Storage -------------------------------------------------------------

	/** A new life's first steps: recover from the peers, rejoin from disk, or lead view 0. */
	private begin(storage: StorageStart | undefined): void {
		if (this.status === 'recovering') {
			if (storage?.kind === 'lost') {
				this.emit(events.storageLost, undefined, {reason: storage.reason});
			}

			this.emit(events.recoveryStart, undefined, {incarnation: this.incarnation});
			this.broadcastRecovery();
		} else if (storage?.kind === 'restored') {
			this.rejoin();
		} else if (this.isPrimary) {
			this.startLeadership();
		}
	}

	/** What must survive a crash besides the log, as it stands now. */
	private facts(): DurableFacts {
		return {
			view: this.view,
			lastNormalView: this.lastNormalView,
			incarnation: this.incarnation,
			recovering: this.status === 'recovering',
		};
	}

	/** Takes up the state its disk held: the checkpoint, the log after it, the view facts. */
	private restore(state: DurableState): void {
		const {facts, checkpoint, entries} = state;
		assert(
			!facts.recovering,
			'a disk written while recovering holds no state to restart from: start it as lost',
		);
		assert(
			facts.lastNormalView <= facts.view,
			() => `restored last normal view ${facts.lastNormalView} is after view ${facts.view}`,
		);
		if (checkpoint) {
			this.stateMachine.restore(checkpoint.stateMachine);
			this.clientTable.restore(checkpoint.clientTable);
			this.digest = checkpoint.digest;
			this.commitNumber = checkpoint.op;
			this.checkpoint = checkpoint;
			this.log.reset(checkpoint.op);
		}

		for (const entry of entries) {
			this.log.append(entry); // Asserts that the entries follow the checkpoint with no gap.
			this.uncommitted.set(entry.clientId, entry.requestNumber);
		}

		this.view = facts.view;
		this.lastNormalView = facts.lastNormalView;
		this.status = facts.view === facts.lastNormalView ? 'normal' : 'view_change';
	}

	/**
	 * A life restored from disk takes up where the last one stopped, short of what it had not
	 * made durable: a backup goes on following its view's primary (and fetches what it lacks); a
	 * replica in a view change goes on voting. A primary does not take up its view again: it
	 * may have lost prepares that its backups acked, and would give their op numbers to new
	 * requests; it moves to the next view instead (as TigerBeetle's does).
	 */
	private rejoin(): void {
		this.emit(
			events.storageRestored,
			{entries: this.log.length},
			{op: this.log.opNumber, checkpoint: this.log.base, view: this.view},
		);
		if (this.status === 'view_change') {
			this.viewChangeTimeout.backoff(this.random);
			this.viewChangeStartedAt = this.now();
			this.broadcastStartViewChange();
		} else if (this.primary === this.id) {
			this.status = 'view_change'; // It was primary; it is not in this life.
			this.startViewChange(this.view + 1);
		} else {
			this.primaryCommit = this.commitNumber;
		}
	}

	/** More is durable: send the acks and votes that waited for it. */
	private onDurable(): void {
		switch (this.status) {
			case 'normal': {
				if (this.isPrimary) {
					this.advanceCommit(); // Its own ack counts for what it now holds durably.
				} else {
					this.sendPrepareOk();
				}

				break;
			}

			case 'view_change': {
				if (this.establishing !== undefined && this.durability?.holds(this.view)) {
					this.establishView(this.establishing.commit, this.establishing.chosen);
					break;
				}

				if (this.votesHeld && this.mayVote()) {
					this.votesHeld = false;
					this.broadcastStartViewChange();
					if (this.doViewChangeSent) {
						this.sendDoViewChange();
					}
				}

				break;
			}

			case 'recovering': {
				break;
			}
		}
	}

	// --- Plumbing ------------------------------------------------------------

	/**
	 * Our name and incarnation, on every message we send: no quorum counts a promise of a
	 * previous life. Set on the new message itself: a spread copy (ten shapes through one
	 * site) made the simulator three times slower.
	 */
	private stamp<M extends Unstamped>(message: M): M & FromReplica {
		return Object.assign(message, {from: this.id, incarnation: this.incarnation});
	}

	private send(replica: number, message: Unstamped): void {
		this.outbox.push({to: 'replica', replica, message: this.stamp(message)});
	}

	private broadcast(unstamped: Unstamped): void {
		const message = this.stamp(unstamped);
		for (let replica = 0; replica < this.configuration.replicaCount; replica++) {
			if (replica !== this.id) {
				this.outbox.push({to: 'replica', replica, message});
			}
		}
	}

	private flush(): Send[] {
		this.checkInvariants();
		const {durability} = this;
		if (durability) {
			durability.seal(this.facts(), this.log.opNumber);
			if (!durability.booted) {
				return []; // Nothing leaves a new life before its incarnation is durable (onWritten).
			}
		}

		const sent = this.outbox;
		this.outbox = [];
		return sent;
	}

	private emit(
		event: Parameters<VsrTelemetry['execute']>[0],
		measurements?: Record<string, number | bigint>,
		metadata?: Record<string, unknown>,
	): void {
		this.telemetry?.execute(event, this, measurements, metadata);
	}

	/** The hot-path form of `emit`: the event is counted, and its metadata built only when something listens. */
	// eslint-disable-next-line max-params -- up to two named numbers, without allocating when unheard
	private emitField(
		event: VsrEventName,
		key: string,
		value: number,
		key2?: string,
		value2?: number,
	): void {
		this.telemetry?.executeFields(event, this, key, value, key2, value2);
	}

	private now(): bigint {
		return this.telemetry ? this.telemetry.bus.clock.monotonicTime() : 0n;
	}

	private nonce(): number {
		return Math.floor(this.random() * 2 ** 31);
	}

	/** The replica's own invariants, checked after every input. */
	private checkInvariants(): void {
		assert(
			this.commitNumber <= this.log.opNumber,
			() => `commit ${this.commitNumber} above op ${this.log.opNumber}`,
		);
		assert(
			this.log.base === (this.checkpoint?.op ?? 0),
			() =>
				`log starts after ${this.log.base} but the checkpoint is at ${this.checkpoint?.op ?? 0}`,
		);
		assert(this.log.base <= this.commitNumber, 'checkpoint beyond commit');
		assert(this.lastNormalView <= this.view, 'last normal view after the current view');
		assert(
			this.status !== 'normal' || this.lastNormalView === this.view,
			'normal status in an unestablished view',
		);
	}
}
