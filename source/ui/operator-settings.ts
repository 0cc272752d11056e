import type {OperatorControls} from '../cluster/operator-api.js';
import type {Telemetry} from '../telemetry/telemetry.js';

/** What the operator starts the cluster with (the keys change the fault settings later). */
export type OperatorSettings = {
	readonly replicas: number;
	/** Starting drop rate, 0 to 1. */
	readonly drop: number;
	/** Starting delay in ms. */
	readonly delay: number;
	/** A seeded (deterministic) session; undefined: live. */
	readonly seed?: number | undefined;
	/** Start with time stopped. */
	readonly paused?: boolean;
	/** Record the session to this file (a seeded session). */
	readonly record?: string | undefined;
	/** Export spans and metrics over OTLP/HTTP to this collector URL. */
	readonly otlp?: string | undefined;
	/** Each replica keeps its log on disk under this directory. */
	readonly dataDir?: string | undefined;
	/** Attach to the running cluster of replica servers this cluster file names, rather than start one. */
	readonly attach?: string | undefined;
};

/** Starts the cluster on the given bus, so that the UI listens from the first event. */
export type StartCluster = (
	settings: OperatorSettings,
	telemetry: Telemetry,
) => Promise<OperatorControls>;
