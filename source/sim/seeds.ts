import type {BugName} from '../vsr/bugs.js';
import {countFaults, type FaultCounts, type FaultMix} from './faults.js';
import {Simulation, type SimulationResult} from './simulation.js';

/** A run's settings, but its seed: what `runSeed` and `runSeeds` repeat for every seed. */
export type SeedsOptions = {
	readonly replicas: number;
	readonly ops: number;
	readonly clients: number;
	readonly faults: FaultMix;
	readonly checkpointInterval: number;
	readonly bugs: readonly BugName[];
	/** Search steps per key before the linearizability check gives up (the checker's default). */
	readonly maxSearchSteps?: number;
	/** Replicas keep their logs on simulated disks, with storage faults. */
	readonly storage?: boolean;
};

/** What one run contributes to the summary; small enough to post between threads. */
export type RunSummary = {
	readonly seed: number;
	readonly violation: SimulationResult['violation'];
	readonly unknown: SimulationResult['unknown'];
	readonly outsideModel: boolean;
	readonly opsCommitted: number;
	readonly viewChanges: number;
	readonly recoveries: number;
	readonly stateTransfers: number;
	readonly checkpoints: number;
	readonly events: number;
	/** The faults injected, by kind. */
	readonly faultCounts: FaultCounts;
	/** Messages the swarm held, then released. */
	readonly held: number;
	readonly powerCuts: number;
	readonly restored: number;
	readonly storageLost: number;
};

/** One simulation of the key-value store with these settings and this seed. */
export function runSeed(
	seed: number,
	options: SeedsOptions,
	onEvent?: (line: string) => void,
): SimulationResult {
	return new Simulation({...options, seed, bugs: new Set(options.bugs), onEvent}).run();
}

/** The counts of a run, without its history and trace. */
export function summarize(result: SimulationResult): RunSummary {
	return {
		seed: result.seed,
		violation: result.violation,
		unknown: result.unknown,
		outsideModel: result.outsideModel,
		opsCommitted: result.opsCommitted,
		viewChanges: result.viewChanges,
		recoveries: result.recoveries,
		stateTransfers: result.stateTransfers,
		checkpoints: result.checkpoints,
		events: result.events,
		faultCounts: countFaults(result.faults),
		held: result.held,
		powerCuts: result.powerCuts,
		restored: result.restored,
		storageLost: result.storageLost,
	};
}
