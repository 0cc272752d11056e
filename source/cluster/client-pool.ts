import type * as hdr from 'hdr-histogram-js';
import type {VsrTelemetry} from '../telemetry/vsr-telemetry.js';
import {Client} from '../vsr/client.js';
import type {Reply, Send} from '../vsr/messages.js';
import type {Result} from '../vsr/state-machine.js';
import {newDurationHistogram} from './histograms.js';

/**
The operator's clients: `count` core `Client`s (ids 1 … count), each with one
request outstanding at a time, its own request numbers, and the core client's
retry (after a second without a reply it sends to every replica and learns
the new view from the reply). Work waits in a queue; when the queue is empty
an idle client asks the load source, if one is set, for more.
*/

export type Job = {
	readonly operation: unknown;
	/** The request went out for the first time (`now` in ns since the pool started). */
	started?(clientId: number, requestNumber: number, now: number): void;
	/** The reply came. */
	done?(completion: JobCompletion): void;
	/** The pool gave up on it (the operator stopped). */
	failed?(error: Error): void;
};

export type JobCompletion = {
	readonly result: Result;
	/** Ns from the first send to the reply. */
	readonly latency: number;
	/** Ns since the pool started. */
	readonly now: number;
	readonly clientId: number;
	readonly requestNumber: number;
};

type Slot = {
	client: Client;
	job: Job | undefined;
	start: bigint;
};

export type ClientPoolOptions = {
	readonly count: number;
	readonly replicaCount: number;
	/** Where the clients' retries are reported (`vsr.client.retry`). */
	readonly telemetry?: VsrTelemetry;
	/** Hands the clients' requests to the network. */
	readonly send: (sends: Send[]) => void;
	/** Ticks without a reply before a client retries (default: the core's, 100 ticks = 1 s). */
	readonly requestTimeout?: number;
	/** The clock of latencies and of `started` and `done`, in ns (default: the monotonic clock). */
	readonly clock?: () => bigint;
	/**
	The first client's id (default 1; the others follow). A cluster that keeps its client table on
	disk remembers earlier sessions' clients and their request numbers: a new session's clients
	need ids of their own, or their requests would be taken for old ones.
	*/
	readonly firstClientId?: number;
};

export class ClientPool {
	/** Round trips, request sent to reply received, in ns. */
	readonly latency: hdr.Histogram = newDurationHistogram();
	acked = 0;
	/** Asked for work when a client is idle and the queue is empty. */
	loadSource: ((clientId: number) => Job | undefined) | undefined;
	private readonly slots: Slot[];
	private readonly queue: Array<Job | undefined> = [];
	private queueStart = 0;
	private readonly clock: () => bigint;
	private readonly origin: bigint;
	private readonly send: (sends: Send[]) => void;
	private readonly options: ClientPoolOptions;
	private idle: Slot[];
	private readonly firstId: number;

	constructor(options: ClientPoolOptions) {
		this.options = options;
		this.send = options.send;
		this.clock = options.clock ?? (() => process.hrtime.bigint());
		this.origin = this.clock();
		this.firstId = options.firstClientId ?? 1;
		this.slots = Array.from({length: options.count}, (_, index) => ({
			client: this.newClient(this.firstId + index),
			job: undefined,
			start: 0n,
		}));
		this.idle = this.slots.toReversed();
	}

	/**
	Fresh clients, for a fresh cluster: request numbers from 1 again, the view unknown. Jobs in
	flight are dropped (fail them first, with `inFlightJobs`); the queue stays.
	*/
	reset(): void {
		for (const slot of this.slots) {
			slot.client = this.newClient(slot.client.clientId);
			slot.job = undefined;
		}

		this.idle = this.slots.toReversed();
	}

	get size(): number {
		return this.slots.length;
	}

	get inFlight(): number {
		return this.slots.length - this.idle.length;
	}

	get queued(): number {
		return this.queue.length - this.queueStart;
	}

	/** Ns since the pool started: the clock of `started` and `done`. */
	now(): number {
		return Number(this.clock() - this.origin);
	}

	enqueue(job: Job): void {
		this.queue.push(job);
		this.dispatch();
	}

	/** Drops the queued jobs (not the ones in flight) and returns them. */
	clearQueue(): Job[] {
		const dropped = this.queue.slice(this.queueStart).filter((job) => job !== undefined);
		this.queue.length = 0;
		this.queueStart = 0;
		return dropped;
	}

	/** Jobs in flight, for whoever must fail them at shutdown. */
	inFlightJobs(): Job[] {
		return this.slots.flatMap((slot) => (slot.job === undefined ? [] : [slot.job]));
	}

	/** Hands work to idle clients. */
	dispatch(): void {
		while (this.idle.length > 0) {
			const job = this.take(this.idle.at(-1)!.client.clientId);
			if (job === undefined) {
				return;
			}

			const slot = this.idle.pop()!;
			slot.job = job;
			slot.start = this.clock();
			const sends = slot.client.submit(job.operation);
			job.started?.(
				slot.client.clientId,
				slot.client.lastRequestNumber,
				Number(slot.start - this.origin),
			);
			this.send(sends);
		}
	}

	onReply(reply: Reply): void {
		const slot = this.slots[reply.clientId - this.firstId];
		if (slot === undefined) {
			return; // A reply to a client we do not have (an operator before us, or a forged one).
		}

		const completion = slot.client.onReply(reply);
		const {job} = slot;
		if (completion === undefined || job === undefined) {
			return;
		}

		const end = this.clock();
		const latency = Number(end - slot.start);
		this.latency.recordValue(latency);
		slot.job = undefined;
		this.idle.push(slot);
		this.acked++;
		job.done?.({
			result: completion.result,
			latency,
			now: Number(end - this.origin),
			clientId: reply.clientId,
			requestNumber: completion.requestNumber,
		});
		this.dispatch();
	}

	tick(): void {
		for (const slot of this.slots) {
			if (slot.job !== undefined) {
				const sends = slot.client.tick();
				if (sends.length > 0) {
					this.send(sends);
				}
			}
		}

		this.dispatch();
	}

	private newClient(clientId: number): Client {
		return new Client({
			clientId,
			replicaCount: this.options.replicaCount,
			telemetry: this.options.telemetry,
			requestTimeout: this.options.requestTimeout,
		});
	}

	private take(clientId: number): Job | undefined {
		if (this.queueStart < this.queue.length) {
			const job = this.queue[this.queueStart];
			this.queue[this.queueStart++] = undefined;
			if (this.queueStart === this.queue.length) {
				this.queue.length = 0;
				this.queueStart = 0;
			}

			return job;
		}

		return this.loadSource?.(clientId);
	}
}
