import {UsageError} from '../cli/flags.js';
import type {Telemetry} from '../telemetry/telemetry.js';
import {clusterFileOf} from './replica-command.js';
import {RemoteOperator} from './remote-operator.js';

/**
`vsr-tui --attach FILE`: the operator's screen on a running cluster of replica servers. Reads the
cluster file (a bad one is a usage error, before the screen opens) and refuses the flags that
describe a cluster the operator would start; the screen then gets a `RemoteOperator`.
*/

export type AttachFlags = {
	readonly attach: string;
	readonly drop: number;
	readonly delay: number;
	readonly seed?: number | undefined;
	readonly paused?: boolean;
	readonly record?: string | undefined;
	readonly otlp?: string | undefined;
	readonly dataDir?: string | undefined;
};

export type Attach = {
	/** How many replicas the cluster file names. */
	readonly replicas: number;
	readonly start: (telemetry: Telemetry) => Promise<RemoteOperator>;
};

export function attach(flags: AttachFlags): Attach {
	const refused: Array<[string, boolean]> = [
		['--seed', flags.seed !== undefined],
		['--paused', flags.paused === true],
		['--record', flags.record !== undefined],
		['--otlp', flags.otlp !== undefined],
		['--data-dir', flags.dataDir !== undefined],
		['--drop', flags.drop > 0],
		['--delay', flags.delay > 0],
	];
	const clash = refused.find(([, given]) => given);
	if (clash !== undefined) {
		throw new UsageError(
			`${clash[0]} does not go with --attach: the replica servers were started with their own settings (set faults from the keyboard)`,
		);
	}

	const cluster = clusterFileOf(flags.attach, '--attach');
	return {
		replicas: cluster.replicas.length,
		async start(telemetry) {
			return new RemoteOperator(cluster, telemetry, flags.attach);
		},
	};
}
