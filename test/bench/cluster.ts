import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {formatBench, runBench} from '../../source/cluster/bench.js';
import {ProcessCluster} from '../../source/cluster/process-cluster.js';

/**
The process cluster against its raw relay, as `vsr-tui bench` measures it:
256 requests in flight (throughput and the ratio to the relay's ceiling), then
one in flight (latency against the relay's round trip), each also with the replicas' logs on
disk (`--data-dir`, fsync on: ops a second and fsyncs per op). Then steady load (the
operator's `l`, its 8 clients) on a live cluster and on a seeded one, side by
side. The figures depend on the machine and on what else runs on it.
*/
export async function benchCluster(): Promise<void> {
	console.log('cluster (3 replica processes, telemetry forwarded as the UI receives it)');
	for (const clients of [256, 1]) {
		const dataDir = mkdtempSync(path.join(tmpdir(), 'vsr-tui-bench-'));
		const options = {replicas: 3, seconds: 5, clients, dataDir: path.join(dataDir, 'data')};
		let result;
		try {
			result = await runBench(options);
		} finally {
			rmSync(dataDir, {recursive: true, force: true});
		}

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

	const live = await steadyLoad(undefined);
	const seeded = await steadyLoad(1);
	console.log(
		`  steady load (l, 8 clients), 5 s each: live ${Math.round(live.opsPerSecond)} ops/s, seeded ${Math.round(seeded.opsPerSecond)} ops/s (virtual time at ${seeded.virtualPerWall.toFixed(2)}× wall time): ${(seeded.opsPerSecond / live.opsPerSecond).toFixed(2)} (goal ≥ 0.25)`,
	);
}

/** Requests committed a second of wall time under the operator's steady load, after 1 s of warm-up. */
async function steadyLoad(
	seed: number | undefined,
): Promise<{opsPerSecond: number; virtualPerWall: number}> {
	const cluster = await ProcessCluster.start({replicas: 3, seed});
	try {
		cluster.setLoad(true);
		await sleep(1000);
		const before = cluster.snapshot();
		const start = performance.now();
		await sleep(5000);
		const after = cluster.snapshot();
		const seconds = (performance.now() - start) / 1000;
		return {
			opsPerSecond: (after.acked - before.acked) / seconds,
			virtualPerWall: (after.virtualTimeMs - before.virtualTimeMs) / 1000 / seconds,
		};
	} finally {
		await cluster.stop();
	}
}
