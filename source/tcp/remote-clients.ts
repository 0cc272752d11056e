import {randomInt} from 'node:crypto';
import type * as hdr from 'hdr-histogram-js';
import {Client} from '../vsr/client.js';
import type {Reply, Send} from '../vsr/messages.js';
import type {Result} from '../vsr/state-machine.js';
import {messageProblem} from '../vsr/validate.js';
import {newDurationHistogram} from '../cluster/histograms.js';
import {type ClusterFile, formatAddress} from './cluster-file.js';
import type {Connection} from './connection.js';
import {Dialer} from './dialer.js';
import {DialerHandshake} from './handshake.js';
import {tickMs} from './timing.js';

/**
Clients of a cluster of replica servers, over TCP: `count` core `Client`s, each with one
request in flight, its own request numbers and the core's retry (after a second without a reply
it sends to every replica and learns the view from the reply, which is how it finds a new
primary). One connection to each replica, kept open by a `Dialer` (reconnects with backoff),
proves it belongs with the handshake of a `client`. What the clients send in one turn of the
event loop goes to each replica as one frame; what is sent to a replica whose connection is not
up yet waits for it (a bounded queue: the oldest goes first), and the retry covers the rest.

Client ids are drawn at random (below 2^47), so that clients started on different hosts or one
after the other never share an id: the replicas' client table answers a request number it has
seen with the saved reply, which would hand a second client with the same id the first one's
results.
*/

export type RemoteJob = {
	readonly operation: unknown;
	/** The request went out (`now`: ns since the clients started). */
	started?(client: number, requestNumber: number, now: number): void;
	done?(completion: RemoteCompletion): void;
};

export type RemoteCompletion = {
	readonly result: Result;
	/** Ns from the first send to the reply. */
	readonly latency: number;
	/** Ns since the clients started. */
	readonly now: number;
	/** 1 … count: which of these clients carried it. */
	readonly client: number;
	readonly requestNumber: number;
	/** The view the reply came from: its primary answered. */
	readonly view: number;
};

export type RemoteClientsOptions = {
	readonly cluster: ClusterFile;
	readonly count: number;
	/** Ticks (10 ms) without a reply before a client sends to every replica (default 100). */
	readonly requestTimeout?: number;
};

type Slot = {
	client: Client;
	index: number;
	job: RemoteJob | undefined;
	start: bigint;
	/** A reply came: the client knows the view, hence the primary. */
	heard: boolean;
};

/** Messages kept, at most, for a replica whose connection is not up. */
const maxWaiting = 10_000;
/** The largest batch of replies a replica may send a client. */
const replyFrameBytes = 16 * 1024 * 1024;
const bufferBytes = 8 * 1024 * 1024;

export class RemoteClients {
	/** Round trips, first send to reply, in ns. */
	readonly latency: hdr.Histogram = newDurationHistogram();
	acked = 0;
	/** Asked for work when a client is idle and the queue is empty. */
	loadSource: ((client: number) => RemoteJob | undefined) | undefined;
	/** Why the last connection to each replica failed (for the error of a request that times out). */
	readonly lastProblem: Array<string | undefined>;
	private readonly slots: Slot[];
	private readonly bySlotId = new Map<number, Slot>();
	private readonly idle: Slot[];
	private readonly queue: RemoteJob[] = [];
	private readonly dialers: Dialer[] = [];
	private readonly links: Array<Connection | undefined>;
	private readonly out: unknown[][];
	private readonly waiting: unknown[][];
	private readonly origin = process.hrtime.bigint();
	private flushScheduled = false;
	private ticker: NodeJS.Timeout | undefined;

	constructor(private readonly options: RemoteClientsOptions) {
		const n = options.cluster.replicas.length;
		const base = randomInt(1, 2 ** 47 - options.count);
		this.slots = Array.from({length: options.count}, (_, index) => ({
			client: new Client({
				clientId: base + index,
				replicaCount: n,
				requestTimeout: options.requestTimeout,
			}),
			index: index + 1,
			job: undefined,
			start: 0n,
			heard: false,
		}));
		for (const slot of this.slots) {
			this.bySlotId.set(slot.client.clientId, slot);
		}

		this.idle = this.slots.toReversed();
		this.links = Array.from({length: n}, () => undefined);
		this.out = Array.from({length: n}, () => []);
		this.waiting = Array.from({length: n}, () => []);
		this.lastProblem = Array.from({length: n}, () => undefined);
	}

	/** Dials every replica and starts the clients' clock. */
	start(): void {
		const {cluster} = this.options;
		for (const [id, address] of cluster.replicas.entries()) {
			const dialer = new Dialer({
				address,
				handshake: () =>
					new DialerHandshake(
						{
							cluster: cluster.cluster_id,
							secret: cluster.secret,
							replicaCount: cluster.replicas.length,
							role: {kind: 'client'},
						},
						{kind: 'replica', id},
					),
				connection: {maxFrameBytes: () => replyFrameBytes, maxBufferedBytes: bufferBytes},
				events: {
					ready: (connection) => {
						this.links[id] = connection;
						this.lastProblem[id] = undefined;
						const waiting = this.waiting[id]!;
						this.waiting[id] = [];
						connection.send(waiting);
					},
					batch: (_connection, items) => {
						this.onBatch(id, items);
					},
					closed: (connection, reason) => {
						if (this.links[id] === connection) {
							this.links[id] = undefined;
						}

						if (reason !== 'stopping') {
							this.lastProblem[id] =
								`replica ${id} at ${formatAddress(address)}: ${reason ?? 'closed the connection'}`;
						}
					},
				},
			});
			this.dialers.push(dialer);
			dialer.start();
		}

		this.ticker = setInterval(() => {
			this.tick();
		}, tickMs);
	}

	stop(): void {
		clearInterval(this.ticker);
		for (const dialer of this.dialers) {
			dialer.stop();
		}
	}

	/** Ns since the clients started. */
	now(): number {
		return Number(process.hrtime.bigint() - this.origin);
	}

	get inFlight(): number {
		return this.slots.length - this.idle.length;
	}

	enqueue(job: RemoteJob): void {
		this.queue.push(job);
		this.dispatch();
	}

	/** Hands work to idle clients. */
	dispatch(): void {
		while (this.idle.length > 0) {
			const next = this.idle.at(-1)!;
			const job = this.queue.shift() ?? this.loadSource?.(next.index);
			if (job === undefined) {
				return;
			}

			const slot = this.idle.pop()!;
			slot.job = job;
			slot.start = process.hrtime.bigint();
			const sends = slot.client.submit(job.operation);
			job.started?.(slot.index, slot.client.lastRequestNumber, Number(slot.start - this.origin));
			// Until a reply names the view, the client cannot know the primary: rather than wait a
			// second for its retry when replica 0 is down, ask every replica (backups ignore it).
			this.send(slot.heard ? sends : this.toEveryReplica(sends));
		}
	}

	private tick(): void {
		for (const slot of this.slots) {
			if (slot.job !== undefined) {
				this.send(slot.client.tick());
			}
		}

		this.dispatch();
	}

	private onBatch(from: number, items: readonly unknown[]): void {
		const replicaCount = this.options.cluster.replicas.length;
		for (const item of items) {
			// A replica is a member, but what comes over a network is checked all the same.
			if (messageProblem(item, {replicaCount}) !== undefined) {
				this.lastProblem[from] = `replica ${from} sent a malformed message`;
				continue;
			}

			// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- validated just above
			const message = item as {type: string};
			if (message.type === 'reply') {
				// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- a valid reply
				this.onReply(item as Reply);
			}
		}
	}

	private onReply(reply: Reply): void {
		const slot = this.bySlotId.get(reply.clientId);
		if (slot === undefined) {
			return;
		}

		slot.heard = true;
		const completion = slot.client.onReply(reply);
		const {job} = slot;
		if (completion === undefined || job === undefined) {
			return;
		}

		const end = process.hrtime.bigint();
		const latency = Number(end - slot.start);
		this.latency.recordValue(latency);
		slot.job = undefined;
		this.idle.push(slot);
		this.acked++;
		job.done?.({
			result: completion.result,
			latency,
			now: Number(end - this.origin),
			client: slot.index,
			requestNumber: completion.requestNumber,
			view: reply.view,
		});
		this.dispatch();
	}

	private toEveryReplica(sends: readonly Send[]): Send[] {
		return sends.flatMap((send) =>
			send.to === 'replica'
				? this.options.cluster.replicas.map((_, replica): Send => ({
						to: 'replica',
						replica,
						message: send.message,
					}))
				: [send],
		);
	}

	private send(sends: readonly Send[]): void {
		for (const send of sends) {
			if (send.to === 'replica') {
				this.out[send.replica]!.push(send.message);
			}
		}

		if (sends.length > 0 && !this.flushScheduled) {
			this.flushScheduled = true;
			setImmediate(this.flush);
		}
	}

	private readonly flush = (): void => {
		this.flushScheduled = false;
		for (const [id, list] of this.out.entries()) {
			if (list.length === 0) {
				continue;
			}

			const link = this.links[id];
			if (link?.ready) {
				link.send(list);
			} else {
				const waiting = this.waiting[id]!;
				waiting.push(...list);
				if (waiting.length > maxWaiting) {
					waiting.splice(0, waiting.length - maxWaiting);
				}
			}

			this.out[id] = [];
		}
	};
}
