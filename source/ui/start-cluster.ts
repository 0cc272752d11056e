import type {LoggedAction} from '../cluster/action-log.js';
import {ForkingCluster} from '../cluster/forking-cluster.js';
import type {OperatorControls} from '../cluster/operator-api.js';
import {ProcessCluster} from '../cluster/process-cluster.js';
import {SessionRecorder} from '../cluster/session-recorder.js';
import type {Telemetry} from '../telemetry/telemetry.js';
import type {OperatorSettings} from './operator-settings.js';

/** The operator's clients (each with one request outstanding). */
const operatorClients = 8;

/**
Starts the process cluster with the operator's starting settings (the keys change them later). A
seeded session can fork (time travel): each timeline is a cluster of its own, and with `--record`
each has its own recording of the same file, from the start (the actions before the fork point
replayed, then the new ones), which the last one to stop writes.
*/
export async function startCluster(
	settings: OperatorSettings,
	telemetry: Telemetry,
): Promise<OperatorControls> {
	const {seed} = settings;
	const start = async (
		actions: readonly LoggedAction[] | undefined,
		bus: Telemetry,
	): Promise<ProcessCluster> => {
		// A recording is a seeded session (main.ts draws a seed when none was given).
		const recorder =
			settings.record === undefined || seed === undefined
				? undefined
				: new SessionRecorder(settings.record, seed, {
						replicas: settings.replicas,
						clients: operatorClients,
					});
		const cluster: ProcessCluster = await ProcessCluster.start({
			replicas: settings.replicas,
			clients: operatorClients,
			telemetry: bus,
			otlp: settings.otlp,
			seed,
			// A fork stands still at its point until the person at the keyboard goes on.
			paused: actions === undefined ? settings.paused : true,
			dataDir: settings.dataDir,
			actions,
			...(recorder === undefined
				? {}
				: {
						events: recorder.take,
						beforeStop: async () => recorder.finish(cluster),
					}),
		});
		return cluster;
	};

	const cluster = await start(undefined, telemetry);
	if (settings.drop > 0) {
		cluster.setDropRate(settings.drop);
	}

	if (settings.delay > 0) {
		cluster.setDelay(settings.delay);
	}

	return seed === undefined ? cluster : new ForkingCluster(cluster, start);
}
