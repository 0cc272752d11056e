import type {OperatorControls} from '../cluster/operator-api.js';
import {ProcessCluster} from '../cluster/process-cluster.js';
import {SessionRecorder} from '../cluster/session-recorder.js';
import type {Telemetry} from '../telemetry/telemetry.js';
import type {OperatorSettings} from './operator-settings.js';

/** The operator's clients (each with one request outstanding). */
const operatorClients = 8;

/** Starts the process cluster with the operator's starting settings (the keys change them later). */
export async function startCluster(
	settings: OperatorSettings,
	telemetry: Telemetry,
): Promise<OperatorControls> {
	// A recording is a seeded session (main.ts draws a seed when none was given).
	const recorder =
		settings.record === undefined || settings.seed === undefined
			? undefined
			: new SessionRecorder(settings.record, settings.seed, {
					replicas: settings.replicas,
					clients: operatorClients,
				});
	const cluster: ProcessCluster = await ProcessCluster.start({
		replicas: settings.replicas,
		clients: operatorClients,
		telemetry,
		otlp: settings.otlp,
		seed: settings.seed,
		paused: settings.paused,
		dataDir: settings.dataDir,
		...(recorder === undefined
			? {}
			: {
					events: recorder.take,
					beforeStop: async () => recorder.finish(cluster),
				}),
	});
	if (settings.drop > 0) {
		cluster.setDropRate(settings.drop);
	}

	if (settings.delay > 0) {
		cluster.setDelay(settings.delay);
	}

	return cluster;
}
