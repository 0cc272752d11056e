/**
The deterministic simulator and the history checkers: run the real replicas and clients in one
process over a seeded network with virtual time and faults, record every client operation, and
check the run (agreement, one primary per view, no committed op lost, linearizability). The
key-value store is simulated by default; bring your own service with `SimulatedService`. See
`examples/bank-ledger.ts`.

@packageDocumentation
@module vsr-tui/sim
*/
export {
	Simulation,
	type SimulationOptions,
	type SimulationResult,
	type Violation,
	type ViolationKind,
	livenessBound,
	tick,
} from './simulation.js';
export type {SimulatedService} from './service.js';
export {
	type Fault,
	type FaultCounts,
	type FaultKind,
	type FaultMix,
	type MessageSelector,
	faultKinds,
	faultMixes,
	millisecond,
	second,
} from './faults.js';
export type {SwarmProfile} from './swarm.js';
export {type RunSummary, type SeedsOptions, runSeed, summarize} from './seeds.js';
export {runSeeds} from './parallel.js';
export {
	type HistoryEntry,
	type HistoryOutput,
	HistoryRecorder,
	applyToKey,
	describeEntry,
	operationOf,
} from '../check/history.js';
export {
	type CheckOptions,
	type LinearizabilityResult,
	checkLinearizable,
	defaultMaxSteps,
} from '../check/linearizability.js';
export {KvCommands} from '../check/kv-commands.js';
export {
	type Model,
	type ModelCheckOptions,
	type ModelCheckResult,
	type ModelEntry,
	ModelHistory,
	checkModel,
} from '../check/model.js';
export type {DiskFault} from './simulated-storage.js';
