import {operatorEvents} from '../telemetry/catalogue.js';
import {replicaEventNames} from './events.js';
import {type LatencySummary, latencyMs} from './histograms.js';
import {ProcessCluster} from './process-cluster.js';
import {measureRelay, sleep} from './raw-relay.js';

/**
`vsr-tui bench`: committed operations a second and their latency on real
processes, and in the same run the ceiling, the same processes relaying the
same message pattern with no protocol logic (raw-relay.ts). The cluster runs
as the operator runs it for the TUI: telemetry on, counts and histograms
forwarded, a sample of full events executed on the operator's bus, where a
handler counts them as the UI's feed would.
*/

export type BenchOptions = {
	readonly replicas: number;
	readonly seconds: number;
	readonly clients: number;
	/** Before measuring, in ms (default 1000). */
	readonly warmupMs?: number;
};

export type BenchResult = {
	readonly ops_per_s: number;
	readonly ceiling_ops_per_s: number;
	readonly ratio: number;
	readonly latency_ms: LatencySummary;
	/** Not in the JSON output: the relay's round trips, for the human report. */
	readonly ceilingLatencyMs: LatencySummary;
};

/** Keys spread over a fixed set, so the state machine (and its checkpoints) stays small. */
const keySpace = 1024;

export const benchOperation = (clientId: number, n: number) => ({
	op: 'put',
	key: `k${n % keySpace}`,
	value: `${clientId}.${n}`,
});

export async function runBench(options: BenchOptions): Promise<BenchResult> {
	const warmupMs = options.warmupMs ?? 1000;
	const measureMs = options.seconds * 1000;
	const ceiling = await measureRelay({
		replicas: options.replicas,
		clients: options.clients,
		warmupMs,
		measureMs,
		operation: benchOperation,
	});

	const cluster = await ProcessCluster.start({
		replicas: options.replicas,
		clients: options.clients,
	});
	try {
		// What the UI does with the bus: look at every event that arrives in full.
		const look = (): void => undefined;
		cluster.telemetry.attachMany(
			'bench-feed',
			[...replicaEventNames, ...Object.values(operatorEvents)],
			look,
		);
		cluster.onTelemetryReport(look);
		let n = 0;
		cluster.clients.loadSource = (clientId) => ({operation: benchOperation(clientId, ++n)});
		cluster.clients.dispatch();
		await sleep(warmupMs);
		cluster.clients.latency.reset();
		const before = cluster.clients.acked;
		const start = process.hrtime.bigint();
		await sleep(measureMs);
		const ops = cluster.clients.acked - before;
		const seconds = Number(process.hrtime.bigint() - start) / 1e9;
		const latency = latencyMs(cluster.clients.latency);
		cluster.clients.loadSource = undefined;
		const opsPerSecond = ops / seconds;
		return {
			ops_per_s: Math.round(opsPerSecond),
			ceiling_ops_per_s: Math.round(ceiling.opsPerSecond),
			ratio: Math.round((opsPerSecond / ceiling.opsPerSecond) * 1000) / 1000,
			latency_ms: latency,
			ceilingLatencyMs: latencyMs(ceiling.latency),
		};
	} finally {
		await cluster.stop();
	}
}

export function formatBench(result: BenchResult, options: BenchOptions): string {
	const {latency_ms: latency, ceilingLatencyMs: ceiling} = result;
	return [
		`${options.replicas} replicas, ${options.clients} ${options.clients === 1 ? 'request' : 'requests'} in flight, ${options.seconds} s each`,
		`cluster: ${result.ops_per_s} ops/s, latency p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms`,
		`raw relay (ceiling): ${result.ceiling_ops_per_s} ops/s, round trip p50 ${ceiling.p50} ms, p99 ${ceiling.p99} ms`,
		`ratio: ${result.ratio}`,
	].join('\n');
}

export async function benchCommand(
	flags: {
		readonly replicas: number;
		readonly seconds: number;
		readonly clients: number;
		readonly json: boolean;
	},
	stdout: NodeJS.WritableStream,
	stderr: NodeJS.WritableStream,
): Promise<number> {
	const options = {replicas: flags.replicas, seconds: flags.seconds, clients: flags.clients};
	let result: BenchResult;
	try {
		result = await runBench(options);
	} catch (error) {
		stderr.write(`vsr-tui bench: ${error instanceof Error ? error.message : String(error)}\n`);
		return 1;
	}

	if (flags.json) {
		const {ceilingLatencyMs, ...fields} = result;
		stdout.write(`${JSON.stringify(fields)}\n`);
	} else {
		stdout.write(`${formatBench(result, options)}\n`);
	}

	return 0;
}
