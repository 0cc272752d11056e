import {type BenchResult, benchOperation, formatBench, runBench} from '../cluster/bench.js';
import {type LatencySummary, latencyMs} from '../cluster/histograms.js';
import {LocalServers} from './local-servers.js';
import {RemoteClients} from './remote-clients.js';

/**
`vsr-tui bench --transport tcp`: in one run, a cluster of replica servers (one process each, on
127.0.0.1, talking TCP to each other and to the clients, as `vsr-tui replica` does), then the
process cluster and the raw relay of `vsr-tui bench`, with the same requests in flight (puts over
1024 keys). The replicas' links skip the operator's hop, so the TCP cluster can pass the IPC
relay's ceiling.
*/

export type TcpBenchOptions = {
	readonly replicas: number;
	readonly seconds: number;
	readonly clients: number;
	readonly warmupMs?: number;
};

export type TcpBenchResult = BenchResult & {
	readonly tcp_ops_per_s: number;
	/** The TCP cluster's ops a second over the IPC relay's ceiling. */
	readonly tcp_ratio: number;
	readonly tcp_latency_ms: LatencySummary;
};

const sleep = async (ms: number) =>
	new Promise((resolve) => {
		setTimeout(resolve, ms);
	});

/** Committed ops a second of replica servers on loopback, with `clients` requests in flight. */
export async function measureTcp(
	options: TcpBenchOptions,
): Promise<{opsPerSecond: number; latency: LatencySummary}> {
	const warmupMs = options.warmupMs ?? 1000;
	const local = await LocalServers.start({
		hosts: Array.from({length: options.replicas}, () => '127.0.0.1'),
	});
	const clients = new RemoteClients({cluster: local.cluster, count: options.clients});
	try {
		clients.start();
		let n = 0;
		clients.loadSource = (client) => ({operation: benchOperation(client, ++n)});
		clients.dispatch();
		await sleep(warmupMs);
		if (clients.acked === 0) {
			// Still electing (or connecting): the warm-up starts with the first answer.
			const deadline = Date.now() + 30_000;
			while (clients.acked === 0 && Date.now() < deadline) {
				await sleep(50);
			}

			if (clients.acked === 0) {
				throw new Error(
					`the TCP cluster answered nothing in 30 s:\n${local.servers.map((server) => server.log).join('')}`,
				);
			}

			await sleep(warmupMs);
		}

		clients.latency.reset();
		const before = clients.acked;
		const start = process.hrtime.bigint();
		await sleep(options.seconds * 1000);
		const ops = clients.acked - before;
		const seconds = Number(process.hrtime.bigint() - start) / 1e9;
		clients.loadSource = undefined;
		return {opsPerSecond: ops / seconds, latency: latencyMs(clients.latency)};
	} finally {
		clients.stop();
		await local.stop();
	}
}

export async function runTcpBench(options: TcpBenchOptions): Promise<TcpBenchResult> {
	const tcp = await measureTcp(options);
	const ipc = await runBench(options);
	return {
		...ipc,
		tcp_ops_per_s: Math.round(tcp.opsPerSecond),
		tcp_ratio: Math.round((tcp.opsPerSecond / ipc.ceiling_ops_per_s) * 1000) / 1000,
		tcp_latency_ms: tcp.latency,
	};
}

export function formatTcpBench(result: TcpBenchResult, options: TcpBenchOptions): string {
	const {tcp_latency_ms: latency} = result;
	return [
		formatBench(result, options),
		`tcp cluster: ${result.tcp_ops_per_s} ops/s, latency p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms`,
		`tcp ratio (tcp cluster / raw relay): ${result.tcp_ratio}`,
	].join('\n');
}

export async function benchTcpCommand(
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
	let result: TcpBenchResult;
	try {
		result = await runTcpBench(options);
	} catch (error) {
		stderr.write(`vsr-tui bench: ${error instanceof Error ? error.message : String(error)}\n`);
		return 1;
	}

	if (flags.json) {
		const {ceilingLatencyMs, ...fields} = result;
		stdout.write(`${JSON.stringify(fields)}\n`);
	} else {
		stdout.write(`${formatTcpBench(result, options)}\n`);
	}

	return 0;
}
