import type {OperatorControls} from '../cluster/operator-api.js';
import {ProcessCluster} from '../cluster/process-cluster.js';
import type {Telemetry} from '../telemetry/telemetry.js';
import type {OperatorSettings} from './operator-settings.js';

/** Starts the process cluster with the operator's starting settings (the keys change them later). */
export async function startCluster(
	settings: OperatorSettings,
	telemetry: Telemetry,
): Promise<OperatorControls> {
	const cluster = await ProcessCluster.start({
		replicas: settings.replicas,
		telemetry,
		otlp: settings.otlp,
		seed: settings.seed,
		paused: settings.paused,
		dataDir: settings.dataDir,
	});
	if (settings.drop > 0) {
		cluster.setDropRate(settings.drop);
	}

	if (settings.delay > 0) {
		cluster.setDelay(settings.delay);
	}

	return cluster;
}
