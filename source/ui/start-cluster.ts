import type {OperatorControls} from '../cluster/operator-api.js';
import {Operator} from '../cluster/operator.js';
import type {Telemetry} from '../telemetry/telemetry.js';
import type {OperatorSettings} from './operator-settings.js';

/** Starts the process cluster with the operator's starting settings (the keys change them later). */
export async function startCluster(
	settings: OperatorSettings,
	telemetry: Telemetry,
): Promise<OperatorControls> {
	const operator = await Operator.start({
		replicas: settings.replicas,
		telemetry,
		otlp: settings.otlp,
	});
	if (settings.drop > 0) {
		operator.setDropRate(settings.drop);
	}

	if (settings.delay > 0) {
		operator.setDelay(settings.delay);
	}

	return operator;
}
