import process from 'node:process';
import {commonMetadata, VsrTelemetry} from '../telemetry/vsr-telemetry.js';
import {realClock, Telemetry} from '../telemetry/telemetry.js';
import type {Send} from '../vsr/messages.js';
import {Prng, mixSeed} from '../vsr/prng.js';
import {Replica} from '../vsr/replica.js';
import {SendBatch} from '../vsr/send-batch.js';
import {isMessage, messageProblem, type ValidateOptions} from '../vsr/validate.js';
import {TelemetryCollector, loadHistograms} from './child-telemetry.js';
import {ReplicaDisk} from './replica-disk.js';
import {clusterEvents, replicaEventNames} from './events.js';
import {
	type ChildConfig,
	type FromChild,
	type RoundOutput,
	type StatusTuple,
	isRecord,
	processTimeouts,
} from './ipc.js';

/** Exit code of a replica that stopped on a broken invariant (EX_SOFTWARE). */
export const invariantExitCode = 70;

const statusCode = {normal: 0, view_change: 1, recovering: 2} as const;

/** How the host reaches the process cluster: one IPC message, and a callback once it is written. */
export type SendToCluster = (message: FromChild, written?: () => void) => void;

function excerpt(value: unknown): string {
	let text: string;
	try {
		text = JSON.stringify(value) ?? String(value);
	} catch {
		text = String(value);
	}

	return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

const isTime = (value: unknown): value is number =>
	typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
The host of one core `Replica` in a child process. The replica has no clock of its own: it ticks
when the process cluster says so, in a `deliver` batch (live) or a `round`.

Live, it takes every message and tick the cluster delivers, and sends back what the replica asks
to send, batched: everything produced in one turn of the event loop goes out as one IPC message,
with the replica's status when it changed and, every 50 ms of wall time, its telemetry. A round
(either mode) is answered at once with what each of its inputs made the replica send.

Seeded (`ChildConfig.seed`), the replica's randomness comes from (seed, id, incarnation), and
its clock, and so every time its events report, reads the virtual time of the input it takes:
the same inputs give the same run. Its events travel only with round answers, which the cluster
takes in replica order, so the event stream is the same too.

Every input is validated (`validate.ts`, against the replica's own state too): anything malformed
or unknown is rejected with a `vsr_tui.replica.message_rejected` event and changes nothing. A
replica whose own invariants break (an `InvariantViolation` thrown by the core) reports it and
exits with code 70: continuing would turn a bug into silent data loss.
*/
export class ReplicaHost {
	private readonly replica: Replica;
	private readonly collector: TelemetryCollector;
	private readonly validation: ValidateOptions;
	private readonly seeded: boolean;
	/** Seeded: the virtual time (ns) of the input being taken. */
	private time: bigint;
	/** What the replica sent since the last batch went out (live). */
	private readonly batch: SendBatch;
	private batchScheduled = false;
	private last: StatusTuple = [-1, -1, -1, -1, -1, -1, -1];
	/** With storage (`ChildConfig.storage`): the replica's directory. */
	private readonly disk: ReplicaDisk | undefined;
	private telemetryDue = true;
	/** The id of a telemetry flush the cluster asked for, answered with the next batch. */
	private telemetryFlush: number | undefined;
	private stopped = false;
	private histogramsLoading = false;

	/** `clockOffset`: added to this process's monotonic clock to read the cluster's (live; clock-sync.ts). */
	constructor(
		private readonly config: ChildConfig,
		clockOffset: bigint,
		private readonly send: SendToCluster,
	) {
		this.seeded = config.seed !== undefined;
		this.time = BigInt(config.time ?? 0);
		// Every event is stamped on the cluster's clock: the operator's, or virtual time.
		const bus = new Telemetry({
			clock: this.seeded
				? {monotonicTime: () => this.time, systemTime: () => this.time}
				: {
						monotonicTime: () => process.hrtime.bigint() + clockOffset,
						systemTime: realClock.systemTime,
					},
		});
		const vsrTelemetry = new VsrTelemetry(bus);
		this.collector = new TelemetryCollector(bus, vsrTelemetry, replicaEventNames, config.telemetry);
		let {random} = Math;
		if (config.seed !== undefined) {
			const prng = new Prng(mixSeed(config.seed, config.id, config.incarnation));
			random = () => prng.next();
		}

		const {storage} = config;
		// Throws `StorageRefused` (one line) for a directory that is not this replica's.
		this.disk =
			storage === undefined
				? undefined
				: new ReplicaDisk(storage.directory, {
						cluster: storage.cluster,
						replica: config.id,
						replicaCount: config.replicaCount,
					});
		this.replica = new Replica({
			id: config.id,
			replicaCount: config.replicaCount,
			telemetry: vsrTelemetry,
			incarnation: config.incarnation,
			// With a disk, the disk says whether it recovers (a lost or unreadable one).
			recovering: this.disk ? false : config.recovering,
			storage: this.disk?.start,
			checkpointInterval: config.checkpointInterval,
			timeouts: processTimeouts,
			random,
		});
		this.disk?.attach(
			this.replica,
			(sends) => {
				this.batchSends(sends);
				this.scheduleBatch(); // Its durable op moved, at least.
			},
			(error) => {
				this.fail(error);
			},
		);
		this.validation = {replicaCount: config.replicaCount, receiver: this.replica};
		this.batch = new SendBatch(config.replicaCount);
		setInterval(() => {
			this.telemetryDue = true;
			this.scheduleBatch();
		}, config.telemetry.reportMs).unref();
		// The first batch tells the cluster the replica is up, with its status.
		this.scheduleBatch();
	}

	/** One IPC message from the process cluster. */
	handle(raw: unknown): void {
		if (this.stopped) {
			return;
		}

		if (!isRecord(raw)) {
			this.reject('an IPC message must be an object', raw);
			return;
		}

		switch (raw.type) {
			case 'deliver': {
				this.deliver(raw.messages, raw.ticks);
				break;
			}

			case 'round': {
				this.round(raw.id, raw.inputs);
				break;
			}

			case 'telemetry': {
				if (typeof raw.full === 'boolean') {
					this.collector.full = raw.full;
				} else {
					this.reject('telemetry.full must be a boolean', raw);
				}

				break;
			}

			case 'flush': {
				if (typeof raw.id === 'number' && Number.isSafeInteger(raw.id)) {
					this.telemetryFlush = raw.id;
					this.scheduleBatch();
				} else {
					this.reject('flush.id must be an integer', raw);
				}

				break;
			}

			default: {
				this.reject(`unknown IPC command ${excerpt(raw.type)}`, raw);
			}
		}
	}

	/** Live: the messages, then the ticks. */
	private deliver(messages: unknown, ticks: unknown): void {
		if (messages === undefined ? ticks === undefined : !Array.isArray(messages)) {
			this.reject('deliver.messages must be an array (or ticks given)', messages);
			return;
		}

		if (ticks !== undefined && !isTime(ticks)) {
			this.reject('deliver.ticks must be a non-negative integer', ticks);
			return;
		}

		for (const message of Array.isArray(messages) ? messages : []) {
			if (this.valid(message) && !this.step(() => this.replica.onMessage(message))) {
				return;
			}
		}

		for (let tick = 0; tick < (ticks ?? 0); tick++) {
			if (!this.step(() => this.replica.tick())) {
				return;
			}
		}

		if (this.collector.full && this.collector.pendingEvents > 0) {
			this.scheduleBatch();
		}
	}

	/** The inputs in order, each at its virtual time; answered at once with what each made it send. */
	private round(id: unknown, inputs: unknown): void {
		if (typeof id !== 'number' || !Number.isSafeInteger(id) || !Array.isArray(inputs)) {
			this.reject('a round needs an integer id and an array of inputs', {id});
			return;
		}

		const sent: RoundOutput[] = [];
		for (const [index, item] of inputs.entries()) {
			if (!Array.isArray(item) || item.length !== 2) {
				this.reject('a round input must be [time, input]', item);
				continue;
			}

			const time: unknown = item[0];
			const input: unknown = item[1];
			if (!isTime(time)) {
				this.reject('a round input must be [time, input]', item);
				continue;
			}

			if (this.seeded) {
				this.time = BigInt(time);
			}

			let sends: Send[];
			try {
				if (input === 'tick') {
					sends = this.replica.tick();
				} else if (input === 'expire') {
					sends = this.replica.expireTimeouts();
				} else if (this.valid(input)) {
					sends = this.replica.onMessage(input);
				} else {
					continue;
				}
			} catch (error) {
				this.fail(error);
				return;
			}

			this.disk?.persist();
			for (const send of sends) {
				sent.push([index, send.to === 'client' ? -1 : send.replica, send.message]);
			}
		}

		const answer: FromChild = {type: 'batch', round: id, sent};
		const status = this.statusChanged();
		if (status !== undefined) {
			answer.status = status;
		}

		const events = this.collector.takeEvents();
		if (events !== undefined) {
			answer.telemetry = {events};
		}

		this.send(answer);
	}

	private valid(message: unknown): message is Parameters<Replica['onMessage']>[0] {
		if (isMessage(message, this.validation)) {
			return true;
		}

		this.reject(messageProblem(message, this.validation) ?? 'invalid message', message);
		return false;
	}

	/** Runs one input through the replica and batches what it sends; false when it broke. */
	private step(input: () => Send[]): boolean {
		let sends: Send[];
		try {
			sends = input();
		} catch (error) {
			this.fail(error);
			return false;
		}

		this.disk?.persist();
		this.batchSends(sends);
		return true;
	}

	private batchSends(sends: readonly Send[]): void {
		for (const send of sends) {
			this.batch.add(send);
		}

		if (sends.length > 0) {
			this.scheduleBatch();
		}
	}

	private reject(reason: string, input: unknown): void {
		this.collector.count(
			clusterEvents.messageRejected,
			{count: 1},
			{...commonMetadata(this.replica), reason, input: excerpt(input)},
		);
		this.scheduleBatch();
	}

	/** Reports a broken invariant and exits; the replica takes no further input. */
	private fail(error: unknown): void {
		this.stopped = true;
		const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
		const stacktrace = error instanceof Error ? (error.stack ?? '') : '';
		process.stderr.write(`replica ${this.config.id}: ${stacktrace || reason}\n`);
		this.collector.count(
			clusterEvents.invariantViolation,
			{count: 1},
			{...commonMetadata(this.replica), reason, stacktrace},
			true,
		);
		this.send({type: 'batch', telemetry: this.collector.report() ?? {}}, () =>
			process.exit(invariantExitCode),
		);
		setTimeout(() => process.exit(invariantExitCode), 1000).unref();
	}

	private statusChanged(): StatusTuple | undefined {
		const {replica, last} = this;
		const status = statusCode[replica.status];
		const primary = replica.isPrimary ? 1 : 0;
		const durable = replica.durableOp ?? -1;
		if (
			last[0] === replica.view &&
			last[1] === status &&
			last[2] === replica.opNumber &&
			last[3] === replica.commitNumber &&
			last[4] === primary &&
			last[5] === replica.digest &&
			last[6] === durable
		) {
			return undefined;
		}

		this.last = [
			replica.view,
			status,
			replica.opNumber,
			replica.commitNumber,
			primary,
			replica.digest,
			durable,
		];
		return this.last;
	}

	private scheduleBatch(): void {
		if (!this.batchScheduled) {
			this.batchScheduled = true;
			setImmediate(this.sendBatch);
		}
	}

	/**
	Sends, as one IPC message, what is waiting: messages, replies, status and telemetry. Seeded,
	events in full wait for the next round's answer (see the class).
	*/
	private readonly sendBatch = (): void => {
		this.batchScheduled = false;
		if (this.stopped) {
			return;
		}

		const {batch, collector} = this;
		const message: FromChild = {type: 'batch'};
		if (batch.toReplica.some((list) => list.length > 0)) {
			message.out = batch.toReplica.map((list) => (list.length > 0 ? list : null));
		}

		if (batch.replies.length > 0) {
			message.replies = batch.replies;
		}

		// Seeded, the status travels with round answers (the cluster acts on it), after the first.
		const status = this.seeded && this.last[0] !== -1 ? undefined : this.statusChanged();
		if (status !== undefined) {
			message.status = status;
		}

		if (this.telemetryDue || this.telemetryFlush !== undefined) {
			this.telemetryDue = false;
			if (this.disk !== undefined) {
				message.syncs = this.disk.stats.syncs;
			}

			const report = collector.report(!this.seeded);
			if (report !== undefined) {
				message.telemetry = report;
			}
		} else if (!this.seeded && collector.full && collector.pendingEvents > 0) {
			message.telemetry = {events: collector.takeEvents()};
		}

		if (this.telemetryFlush !== undefined) {
			message.flushed = this.telemetryFlush;
			message.raised = collector.raised();
			this.telemetryFlush = undefined;
		}

		if (
			message.out !== undefined ||
			message.replies !== undefined ||
			message.status !== undefined ||
			message.telemetry !== undefined ||
			message.flushed !== undefined ||
			message.syncs !== undefined
		) {
			// JSON is written synchronously by send: the batch's lists can be reused at once.
			this.send(message);
		}

		if (!this.histogramsLoading) {
			// After the first batch: the cluster knows the replica is up before this 100 ms of loading.
			this.histogramsLoading = true;
			setTimeout(() => {
				void loadHistograms();
			}, 0);
		}

		batch.clear();
	};
}
