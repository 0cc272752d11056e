import type {Fault} from './faults.js';
import {Simulation, type SimulationOptions, type SimulationResult} from './simulation.js';

export type Shrunk = {
	readonly options: SimulationOptions;
	readonly result: SimulationResult;
	readonly runs: number;
};

/**
 * Makes a failing run smaller while it keeps failing the same way: fewer
 * client ops, then fewer faults (halves first, then one at a time). Every
 * candidate is a deterministic replay of the recorded fault schedule.
 */
export function shrink(
	options: SimulationOptions,
	failed: SimulationResult,
	maxRuns = 150,
): Shrunk {
	const kind = failed.violation?.kind;
	let best: {options: SimulationOptions; result: SimulationResult} = {
		options: {...options, schedule: {faults: failed.faults, faultsEnd: failed.faultsEnd}},
		result: failed,
	};
	let runs = 0;
	const attempt = (candidate: SimulationOptions): boolean => {
		if (runs >= maxRuns) {
			return false;
		}

		runs++;
		const result = new Simulation(candidate).run();
		if (result.violation?.kind !== kind || result.outsideModel) {
			return false;
		}

		best = {options: candidate, result};
		return true;
	};

	// Fewer ops: stop at the smallest count that still fails.
	for (
		let ops = Math.floor(best.options.ops / 2);
		ops >= 1 && attempt({...best.options, ops});
		ops = Math.floor(ops / 2)
	) {
		// Keep halving.
	}

	// Fewer faults: drop chunks, then single faults.
	for (
		let chunk = Math.ceil(currentFaults(best.options).length / 2);
		chunk >= 1;
		chunk = Math.floor(chunk / 2)
	) {
		for (let start = 0; start < currentFaults(best.options).length;) {
			const faults = currentFaults(best.options);
			const candidate = withFaults(best.options, [
				...faults.slice(0, start),
				...faults.slice(start + chunk),
			]);
			if (!attempt(candidate)) {
				start += chunk;
			}
		}
	}

	return {...best, runs};
}

function currentFaults(options: SimulationOptions): readonly Fault[] {
	return options.schedule?.faults ?? [];
}

function withFaults(options: SimulationOptions, faults: readonly Fault[]): SimulationOptions {
	return {...options, schedule: {faults, faultsEnd: options.schedule?.faultsEnd ?? 0}};
}
