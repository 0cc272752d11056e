import type {Telemetry} from '../telemetry/telemetry.js';
import type {LoggedAction} from './action-log.js';

/** How to start a process cluster (`ProcessCluster.start`). */
export type ProcessClusterOptions = {
	readonly replicas: number;
	/** Concurrent clients (default 8). */
	readonly clients?: number;
	/** The bus every event reaches (default: a new one). */
	readonly telemetry?: Telemetry;
	/** Every event (from every replica and the operator) as one NDJSON line; implies full events. */
	readonly events?: (line: string) => void;
	/** Children send every event in full instead of counts, histograms and a sample. */
	readonly fullEvents?: boolean;
	/** Sampled mode: full events a second per replica for the feed (default 200). */
	readonly feedRate?: number;
	/** Sampled mode: durations a second per replica recorded of state-machine operations (default 2000). */
	readonly durationRate?: number;
	readonly checkpointInterval?: number;
	/** Live: uniform in [0, 1), for the network's faults and the load (default `Math.random`). */
	readonly random?: () => number;
	/**
	A seeded session: lockstep rounds of virtual time, every replica's randomness, the network's
	and the load's drawn from this seed. The same seed and the same actions at the same virtual
	times (`actions`) give the same run, event for event. Undefined: live.
	*/
	readonly seed?: number | undefined;
	/** Start with time stopped (see `pause`). */
	readonly paused?: boolean;
	/** Start at this speed (default 1; see `setSpeed`). */
	readonly speed?: number;
	/** Seeded: actions to take at their virtual times, as `actions()` logged them (a replay). */
	readonly actions?: readonly LoggedAction[];
	/** Called first when the cluster stops, while it still runs (a recording writes its end then). */
	readonly beforeStop?: () => Promise<void>;
	/** How long each replica may take to come up (default 15 s). */
	readonly startTimeoutMs?: number;
	/**
	Export spans and metrics over OTLP/HTTP to the collector at this URL (see `startOtlpExport`
	in `vsr-tui/otel`); every replica then sends every event in full, so that every span is whole.
	*/
	readonly otlp?: string | undefined;
	/**
	Each replica keeps its log and checkpoints in a directory of its own under this one (created
	if missing; see `openDataDir`): the cluster survives losing every process at once. Live only.
	*/
	readonly dataDir?: string | undefined;
};

/** What the network did to the messages so far. */
export type NetworkStats = {
	delivered: number;
	dropped: number;
	blocked: number;
	duplicated: number;
	delayed: number;
};

/**
The rounds of a seeded session: 0.25 ms of virtual time (a fortieth of a tick). Each round costs
an IPC round trip, and a request needs three or four on a clean network (request, Prepare,
PrepareOk, reply), so the slice sets how fast a loaded session may go: here, under steady load,
0.5 ms slices made 3,900 requests a second with virtual time keeping pace, 0.25 ms 5,900 with
virtual time at about three quarters of wall time, 0.1 ms 9,200 at under half (live: 11,700).
*/
export const seededSliceNs = 250_000;
