import type {OperatorControls} from '../cluster/operator-api.js';
import type {OperatorSettings} from './main.js';

/** Starts the process cluster with the operator's starting settings. */
export async function startCluster(settings: OperatorSettings): Promise<OperatorControls> {
	throw new Error(`the process cluster is not available yet (${settings.replicas} replicas asked)`);
}
