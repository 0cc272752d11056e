import {UsageError} from '../cli/flags.js';
import {StorageRefused} from '../storage/read-back.js';
import {operatorEvents} from '../telemetry/catalogue.js';
import {checkDataDir} from './data-dir.js';
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
	/** Measure the cluster a third time, with each replica's log on disk here (fsync on). */
	readonly dataDir?: string | undefined;
};

/** With `--data-dir`: the cluster with its logs on disk. */
export type DiskResult = {
	readonly ops_per_s: number;
	/** Against the raw relay, as `ratio` is for the cluster in memory. */
	readonly ratio: number;
	readonly latency_ms: LatencySummary;
	/** One replica's log syncs (fdatasync) per committed op: the cluster's syncs / replicas / ops. */
	readonly fsyncs_per_op: number;
};

export type BenchResult = {
	readonly ops_per_s: number;
	readonly ceiling_ops_per_s: number;
	readonly ratio: number;
	readonly latency_ms: LatencySummary;
	/** Not in the JSON output: the relay's round trips, for the human report. */
	readonly ceilingLatencyMs: LatencySummary;
	/** With `--data-dir`. */
	readonly disk?: DiskResult;
};

type Measured = {
	readonly opsPerSecond: number;
	readonly latency: LatencySummary;
	readonly syncsPerOp: number;
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

	const memory = await measureCluster(options, warmupMs, measureMs, undefined);
	const disk =
		options.dataDir === undefined
			? undefined
			: await measureCluster(options, warmupMs, measureMs, options.dataDir);
	const ratio = (measured: Measured) =>
		Math.round((measured.opsPerSecond / ceiling.opsPerSecond) * 1000) / 1000;
	return {
		ops_per_s: Math.round(memory.opsPerSecond),
		ceiling_ops_per_s: Math.round(ceiling.opsPerSecond),
		ratio: ratio(memory),
		latency_ms: memory.latency,
		ceilingLatencyMs: latencyMs(ceiling.latency),
		...(disk && {
			disk: {
				ops_per_s: Math.round(disk.opsPerSecond),
				ratio: ratio(disk),
				latency_ms: disk.latency,
				fsyncs_per_op: Math.round(disk.syncsPerOp * 1000) / 1000,
			},
		}),
	};
}

/** The cluster under load, in memory or (`dataDir`) with its logs on disk. */
async function measureCluster(
	options: BenchOptions,
	warmupMs: number,
	measureMs: number,
	dataDir: string | undefined,
): Promise<Measured> {
	const cluster = await ProcessCluster.start({
		replicas: options.replicas,
		clients: options.clients,
		dataDir,
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
		if (dataDir !== undefined) {
			await cluster.flushTelemetry(); // The syncs so far, reported.
		}

		const before = cluster.clients.acked;
		const syncsBefore = cluster.storageSyncs();
		const start = process.hrtime.bigint();
		await sleep(measureMs);
		const ops = cluster.clients.acked - before;
		const seconds = Number(process.hrtime.bigint() - start) / 1e9;
		const latency = latencyMs(cluster.clients.latency);
		if (dataDir !== undefined) {
			await cluster.flushTelemetry();
		}

		const syncs = cluster.storageSyncs() - syncsBefore;
		cluster.clients.loadSource = undefined;
		return {
			opsPerSecond: ops / seconds,
			latency,
			syncsPerOp: ops === 0 ? 0 : syncs / options.replicas / ops,
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
		...(result.disk === undefined
			? []
			: [
					`cluster on disk (fsync on): ${result.disk.ops_per_s} ops/s, latency p50 ${result.disk.latency_ms.p50} ms, p99 ${result.disk.latency_ms.p99} ms, max ${result.disk.latency_ms.max} ms`,
					`on disk: ratio ${result.disk.ratio} to the relay, ${result.disk.fsyncs_per_op} fsyncs per op on each replica`,
				]),
	].join('\n');
}

export async function benchCommand(
	flags: {
		readonly replicas: number;
		readonly seconds: number;
		readonly clients: number;
		readonly json: boolean;
		readonly dataDir?: string | undefined;
	},
	stdout: NodeJS.WritableStream,
	stderr: NodeJS.WritableStream,
): Promise<number> {
	const options = {
		replicas: flags.replicas,
		seconds: flags.seconds,
		clients: flags.clients,
		dataDir: flags.dataDir,
	};
	if (options.dataDir !== undefined) {
		try {
			checkDataDir(options.dataDir, options.replicas);
		} catch (error) {
			throw error instanceof StorageRefused ? new UsageError(error.message) : error;
		}
	}

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
