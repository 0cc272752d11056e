// Benchmarks, run one after the other by `npm run bench`. Add new ones to the list.
import {benchCluster} from './cluster.js';
import {benchLinearizability} from './linearizability.js';
import {benchSim} from './sim.js';
import {benchStartup} from './startup.js';
import {benchTelemetry} from './telemetry.js';
import {benchTimeTravel} from './time-travel.js';
import {benchUi} from './ui.js';

const benches: Array<() => Promise<void>> = [
	benchTelemetry,
	benchSim,
	benchLinearizability,
	benchUi,
	benchTimeTravel,
	benchStartup,
	benchCluster,
];

for (const bench of benches) {
	await bench();
}
