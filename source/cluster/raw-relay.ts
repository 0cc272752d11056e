import type * as hdr from 'hdr-histogram-js';
import type {Reply, Request} from '../vsr/messages.js';
import {ChildProcess} from './child-process.js';
import {newDurationHistogram} from './histograms.js';
import {type FromChild, type ReplicaBound, defaultTelemetryMode, isRecord, tickMs} from './ipc.js';

/**
The ceiling for `bench`: the same child processes as the cluster, started the
same way, in relay mode (see relay-process.ts), with the operator reduced to
the fastest relay it can be: batches are forwarded as they come, with the same
per-destination batching per turn of the event loop, and `clients` requests
are kept in flight. No network faults, no validation, no telemetry, no client
objects: this is what the processes and IPC alone can do for this pattern.
*/

export type RelayResult = {
	readonly ops: number;
	readonly seconds: number;
	readonly opsPerSecond: number;
	/** Round trips in ns. */
	readonly latency: hdr.Histogram;
};

export async function measureRelay(options: {
	readonly replicas: number;
	readonly clients: number;
	readonly warmupMs: number;
	readonly measureMs: number;
	/** The operation each request carries (the same as the cluster's). */
	readonly operation: (clientId: number, n: number) => unknown;
}): Promise<RelayResult> {
	const n = options.replicas;
	const outbox: ReplicaBound[][] = Array.from({length: n}, () => []);
	const started = Array.from({length: options.clients + 1}, () => 0n);
	const requestNumbers = Array.from({length: options.clients + 1}, () => 0);
	const latency = newDurationHistogram();
	let measuring = false;
	let ops = 0;
	let sent = 0;
	let scheduled = false;
	let running = true;
	let ready = 0;
	let onReady: () => void = () => undefined;
	const allReady = new Promise<void>((resolve) => {
		onReady = resolve;
	});

	let ticks = 0;
	const sendOutbox = (): void => {
		scheduled = false;
		for (const [to, messages] of outbox.entries()) {
			if (messages.length > 0 || ticks > 0) {
				children[to]!.send(
					ticks > 0 ? {type: 'deliver', messages, ticks} : {type: 'deliver', messages},
				);
				messages.length = 0;
			}
		}

		ticks = 0;
	};

	const push = (to: number, message: ReplicaBound): void => {
		outbox[to]!.push(message);
		if (!scheduled) {
			scheduled = true;
			setImmediate(sendOutbox);
		}
	};

	const request = (clientId: number): void => {
		const requestNumber = ++requestNumbers[clientId]!;
		started[clientId] = process.hrtime.bigint();
		const message: Request = {
			type: 'request',
			clientId,
			requestNumber,
			operation: options.operation(clientId, ++sent),
		};
		push(0, message);
	};

	const onReply = (reply: Reply): void => {
		const now = process.hrtime.bigint();
		if (measuring) {
			ops++;
			latency.recordValue(Number(now - started[reply.clientId]!));
		}

		if (running) {
			request(reply.clientId);
		}
	};

	const children = Array.from(
		{length: n},
		(_, id) =>
			new ChildProcess(
				{
					mode: 'relay',
					id,
					replicaCount: n,
					incarnation: 0,
					recovering: false,
					telemetry: defaultTelemetryMode,
				},
				(raw) => {
					if (!isRecord(raw)) {
						return;
					}

					// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- our own relay child's batch
					const batch = raw as FromChild;
					if (batch.status !== undefined && ++ready === n) {
						onReady();
					}

					if (batch.out !== undefined) {
						for (let to = 0; to < batch.out.length; to++) {
							const messages = batch.out[to];
							if (messages) {
								for (const message of messages) {
									push(to, message);
								}
							}
						}
					}

					if (batch.replies !== undefined) {
						for (const reply of batch.replies) {
							onReply(reply);
						}
					}
				},
			),
	);

	let ticker: NodeJS.Timeout | undefined;
	try {
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([
			allReady,
			new Promise((_resolve, reject) => {
				timer = setTimeout(() => {
					reject(new Error('the relay processes did not start within 15 s'));
				}, 15_000);
			}),
		]);
		clearTimeout(timer);
		// Ticks come from here, batched with the messages, as the process cluster sends them.
		ticker = setInterval(() => {
			ticks = 1;
			if (!scheduled) {
				scheduled = true;
				setImmediate(sendOutbox);
			}
		}, tickMs);
		ticker.unref();
		for (let clientId = 1; clientId <= options.clients; clientId++) {
			request(clientId);
		}

		await sleep(options.warmupMs);
		measuring = true;
		const start = process.hrtime.bigint();
		await sleep(options.measureMs);
		measuring = false;
		const seconds = Number(process.hrtime.bigint() - start) / 1e9;
		return {ops, seconds, opsPerSecond: ops / seconds, latency};
	} finally {
		clearInterval(ticker);
		running = false;
		await Promise.all(children.map(async (child) => child.stop()));
	}
}

export async function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => {
		setTimeout(resolve, ms);
	});
}
