/**
The entry of a replica child process (`node replica-process.js '<config JSON>'`), started by the
process cluster over Node IPC. Live, it measures its clock against the cluster's (a seeded
replica's clock is virtual), then hosts one replica (`replica-host.ts`); or, for `bench`, it is
the raw relay (`relay-process.ts`).

The process exits as soon as its IPC channel closes, whichever way the process cluster went away
(exit, signal, SIGKILL), so no replica outlives it.
*/
import process from 'node:process';
import {type Probe, clockProbeTimeoutMs, clockProbes, offsetFrom} from './clock-sync.js';
import {
	type ChildConfig,
	type ClockRequest,
	type FromChild,
	isRecord,
	parseChildConfig,
} from './ipc.js';
import {runRelay} from './relay-process.js';
import {ReplicaHost} from './replica-host.js';

function send(message: FromChild | ClockRequest, written?: () => void): void {
	if (process.connected) {
		process.send!(message, undefined, undefined, written);
	}
}

/**
Every IPC message reaches `handle`; until the replica is up (its clock measured), messages other
than the cluster's clock answers wait in `early`.
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

/** Asks for the cluster's clock; undefined when no answer comes in time. */
async function askClusterClock(): Promise<bigint | undefined> {
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

/** The offset from this process's monotonic clock to the cluster's (`clock-sync.ts`). */
async function measureClockOffset(): Promise<bigint> {
	const probes: Probe[] = [];
	for (let probe = 0; probe < clockProbes; probe++) {
		const sent = process.hrtime.bigint();
		const answer = await askClusterClock();
		if (answer === undefined) {
			break;
		}

		probes.push({sent, answer, received: process.hrtime.bigint()});
	}

	return offsetFrom(probes);
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
	const offset = config.seed === undefined ? await measureClockOffset() : 0n;
	const host = new ReplicaHost(config, offset, send);
	handle = (raw) => {
		host.handle(raw);
	};

	for (const raw of early.splice(0)) {
		host.handle(raw);
	}
}
