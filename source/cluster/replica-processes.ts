import {ChildProcess, type ChildExit} from './child-process.js';
import {
	type ChildConfig,
	type FromChild,
	type RoundInput,
	type TelemetryMode,
	isRecord,
	statusCodes,
} from './ipc.js';

/** One replica as the process cluster knows it: its process and what it last reported. */
export type NodeState = {
	readonly id: number;
	child: ChildProcess | undefined;
	/** Times restarted; the running process's incarnation. */
	restarts: number;
	/** The child has reported its status at least once. */
	reported: boolean;
	status: 'normal' | 'view_change' | 'recovering';
	view: number;
	op: number;
	commit: number;
	isPrimary: boolean;
	/** The execution digest at `commit` (replicas at the same commit agree on it). */
	digest: number;
	/** With storage, the highest op of its log that a restart would find (as last reported). */
	durable: number | undefined;
	/** With storage, the log's fdatasyncs: by the running process (as last reported), and by the ones before it. */
	syncs: number;
	syncsBefore: number;
	/** How the last process ended, when it ended on its own. */
	lastExit: ChildExit | undefined;
	/**
	Frozen by the operator: live, its process is stopped (SIGSTOP) and what is sent to it waits in
	the pipe; seeded, it gets no round and its messages stay in flight. Until thawed.
	*/
	frozen: boolean;
};

/** What the processes tell the cluster. */
export type ProcessListener = {
	/** A batch that answers no round: telemetry, and (live) messages and replies. */
	batch(node: NodeState, batch: FromChild): void;
	/** A replica's process ended without being killed on purpose. */
	exited(node: NodeState, child: ChildProcess, exit: ChildExit): void;
	/** A node reported a status (`first`: its first, it is up) or a new one. */
	status(node: NodeState, first: boolean, changed: boolean): void;
	/** The cluster's monotonic clock, for a starting replica to measure itself against. */
	clock(): bigint;
	/** What the cluster counted of a node so far, by event name (for `flush`). */
	counted(node: number): Record<string, number>;
};

type Waiter = {resolve: () => void; nodes: Set<number>};

type TelemetryFlush = {
	pending: Set<number>;
	raised: Map<number, Record<string, number>>;
	counted: Map<number, Record<string, number>>;
	resolve: () => void;
};

/**
 * What each replica says it raised, by node, and (`counted`) what the process cluster had counted
 * of it at the same moment: the answer to `flushTelemetry` and the counts travel in one batch, and
 * the replicas go on raising events (heartbeats) after it.
 */
export type FlushResult = ReadonlyMap<number, Readonly<Record<string, number>>> & {
	readonly counted: ReadonlyMap<number, Readonly<Record<string, number>>>;
};

export type ProcessOptions = {
	readonly replicaCount: number;
	readonly checkpointInterval: number | undefined;
	readonly telemetry: TelemetryMode;
	readonly seed: number | undefined;
	/** With storage: each replica's directory, and the cluster id its files name. */
	readonly storage?: {readonly directory: (id: number) => string; readonly cluster: string};
	/**
	Added to every incarnation (default 0). A replica on disk remembers the incarnations of
	earlier sessions, and must start each life above them (`clientIdsPerSession`-like spacing).
	*/
	readonly incarnationBase?: number;
};

/**
The replicas' processes and the node table kept from what they report: starting them (a restart
is a new process with the next incarnation), their answers to rounds, their exits, waiting until
they are up, and flushing their telemetry.
*/
export class ReplicaProcesses {
	readonly nodes: NodeState[];
	private readonly roundAnswers = new Map<number, Map<number, (batch?: FromChild) => void>>();
	private readonly telemetryFlushes = new Map<number, TelemetryFlush>();
	private telemetryFlushId = 0;
	private readyWaiter: Waiter | undefined;
	private stopped = false;

	constructor(
		private readonly options: ProcessOptions,
		private readonly listener: ProcessListener,
	) {
		this.nodes = Array.from({length: options.replicaCount}, (_, id) => ({
			id,
			child: undefined,
			restarts: 0,
			reported: false,
			status: 'normal',
			view: 0,
			op: 0,
			commit: 0,
			isPrimary: false,
			digest: 0,
			durable: undefined,
			syncs: 0,
			syncsBefore: 0,
			lastExit: undefined,
			frozen: false,
		}));
	}

	/** Some replica's process is starting (not up yet). */
	get starting(): boolean {
		return this.nodes.some((node) => node.child !== undefined && !node.reported);
	}

	node(id: number): NodeState {
		const node = this.nodes[id];
		if (node === undefined || !Number.isInteger(id)) {
			throw new RangeError(`no replica ${id} (replicas are 0 to ${this.nodes.length - 1})`);
		}

		return node;
	}

	/** A new process for the node; seeded, its clock starts at `time` (virtual ns). */
	spawn(node: NodeState, recovering: boolean, time: number): void {
		const config: ChildConfig = {
			mode: 'replica',
			id: node.id,
			replicaCount: this.nodes.length,
			incarnation: this.incarnationOf(node),
			recovering,
			seed: this.options.seed,
			time: this.options.seed === undefined ? undefined : time,
			checkpointInterval: this.options.checkpointInterval,
			telemetry: this.options.telemetry,
			storage: this.options.storage && {
				directory: this.options.storage.directory(node.id),
				cluster: this.options.storage.cluster,
			},
		};
		// A new process starts empty: what the last one reported no longer holds.
		node.reported = false;
		node.status = recovering ? 'recovering' : 'normal';
		node.isPrimary = false;
		node.view = 0;
		node.op = 0;
		node.commit = 0;
		node.digest = 0;
		node.lastExit = undefined;
		node.frozen = false;
		node.syncsBefore += node.syncs;
		node.syncs = 0;
		const child: ChildProcess = new ChildProcess(config, (message) => {
			if (node.child === child) {
				this.onMessage(node, message);
			}
		});
		node.child = child;
		void child.exited.then((exit) => {
			this.onExit(node, child, exit);
		});
	}

	/** The incarnation of the node's running (or last) process: what its messages carry. */
	incarnationOf(node: NodeState): number {
		return (this.options.incarnationBase ?? 0) + node.restarts;
	}

	/** SIGKILLs the node's process, if it runs; returns it. */
	kill(node: NodeState): ChildProcess | undefined {
		const {child} = node;
		if (!child?.alive) {
			return undefined;
		}

		node.child = undefined;
		node.frozen = false; // SIGKILL ends a stopped process too.
		child.kill('SIGKILL');
		return child;
	}

	/** Sends the node a round and resolves with its answer (undefined: it is down, or died first). */
	async round(
		id: number,
		node: NodeState,
		inputs: readonly RoundInput[],
	): Promise<FromChild | undefined> {
		const {child, reported} = node;
		if (child === undefined || !reported) {
			return undefined;
		}

		let waiting = this.roundAnswers.get(id);
		if (waiting === undefined) {
			waiting = new Map();
			this.roundAnswers.set(id, waiting);
		}

		const answers = waiting;
		const answer = new Promise<FromChild | undefined>((resolve) => {
			answers.set(node.id, (batch) => {
				answers.delete(node.id);
				if (answers.size === 0) {
					this.roundAnswers.delete(id);
				}

				resolve(batch);
			});
		});
		if (!child.send({type: 'round', id, inputs})) {
			answers.get(node.id)?.(undefined);
		}

		return answer;
	}

	/** Resolves once every replica has reported its status once (rejects after `timeoutMs`). */
	async waitUntilReady(timeoutMs: number): Promise<void> {
		const waiting = new Set(this.nodes.filter((node) => !node.reported).map((node) => node.id));
		if (waiting.size === 0) {
			return;
		}

		let timer: NodeJS.Timeout | undefined;
		try {
			await new Promise<void>((resolve, reject) => {
				this.readyWaiter = {resolve, nodes: waiting};
				timer = setTimeout(() => {
					const details = [...waiting]
						.map((id) => {
							const exit = this.nodes[id]?.lastExit;
							return exit
								? `replica ${id} exited (${exit.code ?? exit.signal}): ${exit.stderr.trim()}`
								: `replica ${id}`;
						})
						.join('; ');
					reject(new Error(`replicas did not start within ${timeoutMs} ms: ${details}`));
				}, timeoutMs);
			});
		} finally {
			clearTimeout(timer);
			this.readyWaiter = undefined;
		}

		if (this.stopped) {
			throw new Error('the operator stopped while starting');
		}
	}

	/**
	 * Asks every running replica for its telemetry now and resolves when all have
	 * answered (or died): then the counts and histograms are complete up to that
	 * moment. Resolves with what each replica says it raised since it started.
	 */
	async flushTelemetry(timeoutMs: number): Promise<FlushResult> {
		const id = ++this.telemetryFlushId;
		const pending = new Set<number>();
		const raised = new Map<number, Record<string, number>>();
		const counted = new Map<number, Record<string, number>>();
		for (const node of this.nodes) {
			if (node.child?.alive && node.child.send({type: 'flush', id})) {
				pending.add(node.id);
			}
		}

		if (pending.size > 0) {
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, timeoutMs);
				this.telemetryFlushes.set(id, {
					pending,
					raised,
					counted,
					resolve() {
						clearTimeout(timer);
						resolve();
					},
				});
			});
			this.telemetryFlushes.delete(id);
		}

		return Object.assign(raised, {counted});
	}

	/** Sends one IPC message to every running replica. */
	sendAll(message: unknown): void {
		for (const node of this.nodes) {
			node.child?.send(message);
		}
	}

	/** Stops every process (IPC closed, then SIGKILL) and releases whoever waits on one. */
	async stop(): Promise<void> {
		this.stopped = true;
		for (const flush of this.telemetryFlushes.values()) {
			flush.resolve();
		}

		for (const waiting of this.roundAnswers.values()) {
			for (const resolve of waiting.values()) {
				resolve(undefined);
			}
		}

		this.readyWaiter?.resolve();
		// A stopped process cannot see its channel close: it goes on first, then exits.
		for (const node of this.nodes) {
			if (node.frozen) {
				node.child?.kill('SIGCONT');
				node.frozen = false;
			}
		}

		await Promise.all(this.nodes.map(async (node) => node.child?.stop()));
		for (const node of this.nodes) {
			node.child = undefined;
		}
	}

	/** A status a replica reported ([view, status, op, commit, primary, digest, durable]). */
	takeStatus(node: NodeState, status: unknown): void {
		if (
			!Array.isArray(status) ||
			status.length !== 7 ||
			!status.every((value): value is number => typeof value === 'number')
		) {
			return;
		}

		const [view, code, op, commit, primary, digest, durable] = status;
		const before = node.reported ? node.status : undefined;
		node.view = view!;
		node.status = statusCodes[code!] ?? node.status;
		node.op = op!;
		node.commit = commit!;
		node.isPrimary = primary === 1;
		node.digest = digest!;
		node.durable = durable === -1 ? undefined : durable;
		const first = !node.reported;
		if (first) {
			node.reported = true;
			const waiter = this.readyWaiter;
			if (waiter?.nodes.delete(node.id) && waiter.nodes.size === 0) {
				waiter.resolve();
			}
		}

		this.listener.status(node, first, node.status !== before);
	}

	private onExit(node: NodeState, child: ChildProcess, exit: ChildExit): void {
		for (const flush of this.telemetryFlushes.values()) {
			if (flush.pending.delete(node.id) && flush.pending.size === 0) {
				flush.resolve();
			}
		}

		for (const waiting of this.roundAnswers.values()) {
			waiting.get(node.id)?.(undefined);
		}

		if (node.child !== child) {
			return; // Killed on purpose, or replaced by a restart.
		}

		node.child = undefined;
		node.lastExit = exit;
		if (!this.stopped) {
			this.listener.exited(node, child, exit);
		}
	}

	private onMessage(node: NodeState, raw: unknown): void {
		if (isRecord(raw) && raw.type === 'clock') {
			// A starting replica measures its clock against ours (clock-sync.ts).
			node.child?.send({type: 'clock', now: String(this.listener.clock())});
			return;
		}

		if (!isRecord(raw) || raw.type !== 'batch') {
			return;
		}

		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- our own child's batch (ipc.ts); the replica's core built its messages
		const batch = raw as FromChild;
		if (batch.round !== undefined) {
			// Taken in replica order once every answer of the round is in.
			this.roundAnswers.get(batch.round)?.get(node.id)?.(batch);
			return;
		}

		if (batch.status !== undefined) {
			this.takeStatus(node, batch.status);
		}

		if (typeof batch.syncs === 'number') {
			node.syncs = batch.syncs;
		}

		this.listener.batch(node, batch);
		if (batch.flushed !== undefined) {
			const flush = this.telemetryFlushes.get(batch.flushed);
			if (flush?.pending.delete(node.id)) {
				flush.raised.set(node.id, batch.raised ?? {});
				flush.counted.set(node.id, this.listener.counted(node.id));
				if (flush.pending.size === 0) {
					flush.resolve();
				}
			}
		}
	}
}
