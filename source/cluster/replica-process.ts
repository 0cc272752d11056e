/**
The entry of a replica child process (`node replica-process.js '<config JSON>'`),
started by the operator over Node IPC. It hosts one core `Replica`, feeds it a
tick every 10 ms and every protocol message the operator delivers, and sends
back what the replica asks to send, batched: everything produced while handling
one IPC message (or one tick) goes out as one IPC message, together with the
replica's status when it changed and, every few ticks, its telemetry.

Every input is validated: anything malformed or unknown is rejected with a
`vsr_tui.replica.message_rejected` event and changes nothing. A replica whose
own invariants break (an `InvariantViolation` thrown by the core) reports it
and exits with code 70: continuing would turn a bug into silent data loss.

The process exits as soon as its IPC channel closes, whichever way the
operator went away (exit, signal, SIGKILL), so no replica outlives it.
*/
import process from 'node:process';
import {commonMetadata, VsrTelemetry} from '../telemetry/vsr-telemetry.js';
import {realClock, Telemetry} from '../telemetry/telemetry.js';
import type {Message, Reply, Send} from '../vsr/messages.js';
import {Replica} from '../vsr/replica.js';
import {isMessage, messageProblem, type ValidateOptions} from '../vsr/validate.js';
import {TelemetryCollector, loadHistograms} from './child-telemetry.js';
import {type Probe, clockProbeTimeoutMs, clockProbes, offsetFrom} from './clock-sync.js';
import {clusterEvents, replicaEventNames} from './events.js';
import {
	type ChildConfig,
	type ClockRequest,
	type FromChild,
	type ReplicaBound,
	type StatusTuple,
	isRecord,
	parseChildConfig,
	processTimeouts,
	tickMs,
} from './ipc.js';
import {runRelay} from './relay-process.js';

/** Exit code of a replica that stopped on a broken invariant (EX_SOFTWARE). */
export const invariantExitCode = 70;

const statusCode = {normal: 0, view_change: 1, recovering: 2} as const;

function excerpt(value: unknown): string {
	let text: string;
	try {
		text = JSON.stringify(value) ?? String(value);
	} catch {
		text = String(value);
	}

	return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function send(message: FromChild | ClockRequest, callback?: () => void): void {
	if (process.connected) {
		process.send!(message, undefined, undefined, callback);
	}
}

/**
Every IPC message reaches `handle`; until the replica is up (its clock measured), messages
other than the operator's clock answers wait in `early`.
*/
let handle: ((raw: unknown) => void) | undefined;
const early: unknown[] = [];
let clockAnswer: ((now: bigint) => void) | undefined;
const listen = (): void => {
	process.on('message', (raw: unknown) => {
		if (isRecord(raw) && raw.type === 'clock' && typeof raw.now === 'string') {
			if (/^-?\d+$/v.test(raw.now)) {
				clockAnswer?.(BigInt(raw.now));
			}

			return;
		}

		if (handle === undefined) {
			early.push(raw);
		} else {
			handle(raw);
		}
	});
};

/** Asks for the operator's clock; undefined when no answer comes in time. */
async function askOperatorClock(): Promise<bigint | undefined> {
	const answer = await new Promise<bigint | undefined>((resolve) => {
		const timer = setTimeout(() => {
			resolve(undefined);
		}, clockProbeTimeoutMs);
		clockAnswer = (now) => {
			clearTimeout(timer);
			resolve(now);
		};

		send({type: 'clock'});
	});
	clockAnswer = undefined;
	return answer;
}

/** The offset from this process's monotonic clock to the operator's (`clock-sync.ts`). */
async function measureClockOffset(): Promise<bigint> {
	const probes: Probe[] = [];
	for (let probe = 0; probe < clockProbes; probe++) {
		const sent = process.hrtime.bigint();
		const answer = await askOperatorClock();
		if (answer === undefined) {
			break;
		}

		probes.push({sent, answer, received: process.hrtime.bigint()});
	}

	return offsetFrom(probes);
}

function runReplica(config: ChildConfig, clockOffset: bigint): void {
	const n = config.replicaCount;
	// Every event is stamped on the cluster's clock: the operator's.
	const bus = new Telemetry({
		clock: {
			monotonicTime: () => process.hrtime.bigint() + clockOffset,
			systemTime: realClock.systemTime,
		},
	});
	const vsrTelemetry = new VsrTelemetry(bus);
	const collector = new TelemetryCollector(bus, vsrTelemetry, replicaEventNames, config.telemetry);
	const replica = new Replica({
		id: config.id,
		replicaCount: n,
		telemetry: vsrTelemetry,
		incarnation: config.incarnation,
		recovering: config.recovering,
		checkpointInterval: config.checkpointInterval,
		timeouts: processTimeouts,
		random: Math.random,
	});
	const validation: ValidateOptions = {replicaCount: n};

	// Outgoing, by destination; reused after each send (JSON is written synchronously by send).
	const out: ReplicaBound[][] = Array.from({length: n}, () => []);
	// Where the latest PrepareOk to each destination sits in `out`: a newer one in the same view replaces it.
	const prepareOkAt = Array.from({length: n}, () => -1);
	const replies: Reply[] = [];
	let pending = false;
	let last: StatusTuple = [-1, -1, -1, -1, -1, -1];
	let ticks = 0;
	let ticking = !config.waitForStart;
	let telemetryDue = true;
	let flushRequest: number | undefined;
	let stopped = false;
	let histogramsLoading = false;

	const reject = (reason: string, input: unknown): void => {
		collector.count(
			clusterEvents.messageRejected,
			{count: 1},
			{...commonMetadata(replica), reason, input: excerpt(input)},
		);
		schedule();
	};

	/** Reports a broken invariant and exits; the replica takes no further input. */
	const fail = (error: unknown): void => {
		stopped = true;
		const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
		const stacktrace = error instanceof Error ? (error.stack ?? '') : '';
		process.stderr.write(`replica ${config.id}: ${stacktrace || reason}\n`);
		collector.count(
			clusterEvents.invariantViolation,
			{count: 1},
			{...commonMetadata(replica), reason, stacktrace},
			true,
		);
		send({type: 'batch', telemetry: collector.report() ?? {}}, () =>
			process.exit(invariantExitCode),
		);
		setTimeout(() => process.exit(invariantExitCode), 1000).unref();
	};

	const collect = (sends: Send[]): void => {
		for (const item of sends) {
			if (item.to === 'client') {
				replies.push(item.message);
				continue;
			}

			const list = out[item.replica]!;
			const {message} = item;
			if (message.type === 'prepare_ok') {
				const at = prepareOkAt[item.replica]!;
				const previous = at === -1 ? undefined : list[at];
				if (previous?.type === 'prepare_ok' && previous.view === message.view) {
					list[at] = message; // Cumulative: the newer ack says all the older one did.
					continue;
				}

				prepareOkAt[item.replica] = list.length;
			}

			list.push(message);
		}

		if (sends.length > 0) {
			schedule();
		}
	};

	const statusChanged = (): StatusTuple | undefined => {
		const status = statusCode[replica.status];
		const primary = replica.isPrimary ? 1 : 0;
		if (
			last[0] === replica.view &&
			last[1] === status &&
			last[2] === replica.opNumber &&
			last[3] === replica.commitNumber &&
			last[4] === primary &&
			last[5] === replica.digest
		) {
			return undefined;
		}

		last = [replica.view, status, replica.opNumber, replica.commitNumber, primary, replica.digest];
		return last;
	};

	const flush = (): void => {
		pending = false;
		if (stopped) {
			return;
		}

		const batch: FromChild = {type: 'batch'};
		let any = false;
		for (const list of out) {
			if (list.length > 0) {
				any = true;
				break;
			}
		}

		if (any) {
			batch.out = out.map((list) => (list.length > 0 ? list : null));
		}

		if (replies.length > 0) {
			batch.replies = replies;
		}

		const status = statusChanged();
		if (status !== undefined) {
			batch.status = status;
		}

		if (telemetryDue || flushRequest !== undefined) {
			telemetryDue = false;
			const report = collector.report();
			if (report !== undefined) {
				batch.telemetry = report;
			}
		} else if (collector.full && collector.pendingEvents > 0) {
			batch.telemetry = {events: collector.takeEvents()};
		}

		if (flushRequest !== undefined) {
			batch.flushed = flushRequest;
			batch.raised = collector.raised();
			flushRequest = undefined;
		}

		if (
			batch.out !== undefined ||
			batch.replies !== undefined ||
			batch.status !== undefined ||
			batch.telemetry !== undefined ||
			batch.flushed !== undefined
		) {
			send(batch);
		}

		if (!histogramsLoading) {
			// After the first batch: the operator knows the replica is up before this 100 ms of loading.
			histogramsLoading = true;
			setTimeout(() => {
				void loadHistograms();
			}, 0);
		}

		for (const list of out) {
			list.length = 0;
		}

		prepareOkAt.fill(-1);
		replies.length = 0;
	};

	function schedule(): void {
		if (!pending) {
			pending = true;
			setImmediate(flush);
		}
	}

	const deliver = (messages: unknown): void => {
		if (!Array.isArray(messages)) {
			reject('deliver.messages must be an array', messages);
			return;
		}

		for (const message of messages) {
			if (!isMessage(message, validation)) {
				reject(messageProblem(message, validation) ?? 'invalid message', message);
				continue;
			}

			if (
				message.type === 'prepare_ok' &&
				message.view === replica.view &&
				replica.isPrimary &&
				message.op > replica.opNumber
			) {
				// The core asserts this cannot happen; from the outside it is a bad message, not a broken replica.
				reject(
					`prepare_ok acks op ${message.op} beyond this primary's op ${replica.opNumber}`,
					message,
				);
				continue;
			}

			let sends: Send[];
			try {
				sends = replica.onMessage(message);
			} catch (error) {
				fail(error);
				return;
			}

			collect(sends);
		}
	};

	handle = (raw: unknown) => {
		if (stopped) {
			return;
		}

		if (!isRecord(raw)) {
			reject('an IPC message must be an object', raw);
			return;
		}

		switch (raw.type) {
			case 'deliver': {
				deliver(raw.messages);
				break;
			}

			case 'start': {
				ticking = true;
				break;
			}

			case 'telemetry': {
				if (typeof raw.full === 'boolean') {
					collector.full = raw.full;
				} else {
					reject('telemetry.full must be a boolean', raw);
				}

				break;
			}

			case 'flush': {
				if (typeof raw.id === 'number' && Number.isSafeInteger(raw.id)) {
					flushRequest = raw.id;
					schedule();
				} else {
					reject('flush.id must be an integer', raw);
				}

				break;
			}

			default: {
				reject(`unknown IPC command ${excerpt(raw.type)}`, raw);
			}
		}
	};

	for (const raw of early.splice(0)) {
		handle(raw);
	}

	setInterval(() => {
		if (stopped || !ticking) {
			return;
		}

		let sends: Send[];
		try {
			sends = replica.tick();
		} catch (error) {
			fail(error);
			return;
		}

		collect(sends);
		if (++ticks % config.telemetry.reportTicks === 0) {
			telemetryDue = true;
			schedule();
		} else if (collector.full && collector.pendingEvents > 0) {
			schedule();
		}
	}, tickMs);

	// The first batch tells the operator the replica is up, with its status.
	schedule();
}

process.on('disconnect', () => process.exit(0));
if (process.send === undefined) {
	process.stderr.write('replica-process: must be started with an IPC channel (by the operator)\n');
	process.exit(2);
}

let config: ChildConfig;
try {
	config = parseChildConfig(process.argv[2]);
} catch (error) {
	process.stderr.write(
		`replica-process: ${error instanceof Error ? error.message : String(error)}\n`,
	);
	process.exit(2);
}

if (config.mode === 'relay') {
	runRelay(config, send);
} else {
	listen();
	runReplica(config, await measureClockOffset());
}
