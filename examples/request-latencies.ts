// A telemetry handler that prints the latency of every client request, as the primary measured
// it (from accepting the request to replying after the commit), on a cluster of three replica
// processes. Run it: `node dist/examples/request-latencies.js`.
import {ProcessCluster} from 'vsr-tui/cluster';
import {Telemetry, events, vsrEventName} from 'vsr-tui/telemetry';

const telemetry = new Telemetry();
telemetry.attachMany(
	'print-latencies',
	[vsrEventName(events.clientRequestStop), vsrEventName(events.clientRequestException)],
	(event, measurements, metadata) => {
		// Durations are bigint nanoseconds; the metadata names the replica, client and request.
		const ms = Number(measurements.duration) / 1e6;
		const outcome = event.at(-1) === 'stop' ? 'committed' : `failed (${String(metadata.reason)})`;
		console.log(
			`replica ${String(metadata.node_id)}: client ${String(metadata.client_id)} request ${String(metadata.request_number)} ${outcome} in ${ms.toFixed(3)} ms`,
		);
	},
);

// `fullEvents`: every replica forwards every event, not a sample (fine for a few requests).
const cluster = await ProcessCluster.start({replicas: 3, telemetry, fullEvents: true});
try {
	for (let n = 1; n <= 5; n++) {
		await cluster.submit({op: 'put', key: `key${n}`, value: `value${n}`});
	}

	// Events travel from the replica processes in batches: wait for what is on its way.
	await cluster.flushTelemetry();
} finally {
	await cluster.stop();
}
