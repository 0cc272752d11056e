import {formatBench, runBench} from '../../source/cluster/bench.js';

/**
The process cluster against its raw relay, as `vsr-tui bench` measures it:
256 requests in flight (throughput and the ratio to the relay's ceiling), then
one in flight (latency against the relay's round trip). The figures depend on
the machine and on what else runs on it.
*/
export async function benchCluster(): Promise<void> {
	console.log('cluster (3 replica processes, telemetry forwarded as the UI receives it)');
	for (const clients of [256, 1]) {
		const options = {replicas: 3, seconds: 5, clients};
		const result = await runBench(options);
		const report = formatBench(result, options)
			.split('\n')
			.map((line) => `  ${line}`)
			.join('\n');
		console.log(report);
		if (clients === 1) {
			const ratio = result.latency_ms.p50 / result.ceilingLatencyMs.p50;
			console.log(`  p50 latency / relay round trip: ${ratio.toFixed(2)} (goal: 2 or less)`);
		}
	}
}
