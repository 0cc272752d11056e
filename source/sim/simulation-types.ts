import type {HistoryEntry} from '../check/history.js';
import type {ModelEntry} from '../check/model.js';
import type {BugName} from '../vsr/bugs.js';
import type {Fault, FaultMix} from './faults.js';
import type {SimulatedService} from './service.js';
import type {SwarmProfile} from './swarm.js';

/** One run of the simulator. */
export type SimulationOptions = {
	/** Everything random in the run (network, faults, workload, replicas) comes from it. */
	readonly seed: number;
	/** Cluster size, 1 to 9. */
	readonly replicas: number;
	/**
	Client operations to complete; faults stop once they have all been issued (the swarm: they stop
	at the end of its fault window, and the operations are spread across it).
	*/
	readonly ops: number;
	/** Concurrent clients, one operation in flight each (default 3). */
	readonly clients?: number;
	/** Which faults to inject. */
	readonly faults: FaultMix;
	/** A checkpoint every this many committed ops (default 32). */
	readonly checkpointInterval?: number;
	/** Planted protocol bugs to turn on, to see the checks fail. */
	readonly bugs?: ReadonlySet<BugName>;
	/** Replays these faults instead of drawing new ones (shrinking); faults stop at `faultsEnd`. */
	readonly schedule?: {readonly faults: readonly Fault[]; readonly faultsEnd: number};
	/** Receives every telemetry event as one NDJSON line. */
	readonly onEvent?: (line: string) => void;
	/** Keep the last N lines of a readable trace, for reports. */
	readonly trace?: number;
	/** Record the client history and check it (default true); off for long benchmark runs. */
	readonly recordHistory?: boolean;
	/** A service of your own instead of the key-value store, its workload and its checker. */
	readonly service?: SimulatedService;
	/** Search steps per key before the linearizability check gives up (the checker's default). */
	readonly maxSearchSteps?: number;
	/**
	Replicas keep their logs on simulated disks (syncs take 1 or 2 ticks), and the faults
	include power cuts (every replica at once), machines that lose power, and corrupt or lost
	disks on crashed replicas.
	*/
	readonly storage?: boolean;
};

/** Which check a run broke (see the readme's list of checks). */
export type ViolationKind =
	| 'agreement'
	| 'divergence'
	| 'primaries'
	| 'commit'
	| 'assertion'
	| 'linearizability'
	| 'liveness'
	| 'lost';

/** The first check a run broke. */
export type Violation = {
	readonly kind: ViolationKind;
	/** What broke, in words (with the operations involved for linearizability). */
	readonly message: string;
	/** Virtual time (ns) when it was found. */
	readonly at: number;
};

/** What a run did and found. */
export type SimulationResult = {
	readonly seed: number;
	/** The first check it broke; undefined for a run that passed every check. */
	readonly violation: Violation | undefined;
	/** Why the linearizability check could not decide (its search gave up), if it could not. */
	readonly unknown: string | undefined;
	/** More than f replicas were down or recovering at once: VR promises nothing then. */
	readonly outsideModel: boolean;
	/** The highest op number committed. */
	readonly opsCommitted: number;
	/** Client operations answered. */
	readonly acked: number;
	readonly viewChanges: number;
	readonly recoveries: number;
	readonly stateTransfers: number;
	readonly checkpoints: number;
	/** Telemetry events raised. */
	readonly events: number;
	/** With storage: power cuts (every replica at once). */
	readonly powerCuts: number;
	/** With storage: replicas that restarted from their disks. */
	readonly restored: number;
	/** With storage: replicas whose disk was lost or unreadable at a restart, and recovered from their peers. */
	readonly storageLost: number;
	/** How long the run took in virtual time, in ns. */
	readonly virtualTime: number;
	/** The faults injected, in order (replayable with `SimulationOptions.schedule`). */
	readonly faults: readonly Fault[];
	/** When faults stopped, in virtual ns. */
	readonly faultsEnd: number;
	/** Messages the swarm held for a while, then released. */
	readonly held: number;
	/** The swarm's draw for this seed (undefined for the other mixes). */
	readonly profile: SwarmProfile | undefined;
	/** The key-value history (empty when the run had a `service` of its own). */
	readonly history: readonly HistoryEntry[];
	/** The history of a run with a `service` of its own. */
	readonly serviceHistory: ReadonlyArray<ModelEntry<unknown, unknown>>;
	/** The last lines of a readable trace, when `SimulationOptions.trace` asked for them. */
	readonly trace: readonly string[];
};
