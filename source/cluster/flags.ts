import {
	type FlagSpec,
	booleanFlag,
	integerFlag,
	rateFlag,
	repeatableFlag,
	stringFlag,
	urlFlag,
} from '../cli/flags.js';
import {
	type CrashSpec,
	type CutSpec,
	type FreezeSpec,
	type PartitionSpec,
	type PowerCutSpec,
	type RestartSpec,
	parseCrash,
	parseCut,
	parseFreeze,
	parsePartition,
	parsePowerCut,
	parseRestart,
} from './fault-schedule.js';

/** The flags of `vsr-tui run` and `vsr-tui bench` (apart from the cluster, so that --help loads nothing heavy). */

function faultFlag<T>(options: {
	readonly description: string;
	readonly valueName: string;
	readonly expected: string;
	readonly parse: (raw: string) => T | undefined;
}): FlagSpec<T[]> {
	return repeatableFlag<T>({
		type: 'string',
		valueName: options.valueName,
		description: options.description,
		expected: options.expected,
		parse(raw) {
			const value = options.parse(raw);
			return value === undefined ? undefined : {value};
		},
	});
}

export const runFlags = {
	requests: integerFlag({
		description: 'Requests to send in all',
		min: 1,
		max: 1_000_000,
		default: 100,
	}),
	clients: integerFlag({
		description: 'Concurrent clients, one request in flight each',
		min: 1,
		max: 1024,
		default: 4,
		valueName: 'C',
	}),
	crash: faultFlag<CrashSpec>({
		description: 'SIGKILL the primary, or replica NODE, at the K-th acknowledged request',
		valueName: 'primary@K|NODE@K',
		expected: 'primary@K or NODE@K, e.g. primary@50',
		parse: parseCrash,
	}),
	restart: faultFlag<RestartSpec>({
		description:
			'Start replica NODE again (it recovers, or with --data-dir starts from its disk) at the K-th acknowledged request',
		valueName: 'NODE@K',
		expected: 'NODE@K, e.g. 0@80',
		parse: parseRestart,
	}),
	partition: faultFlag<PartitionSpec>({
		description:
			'Cut the listed replicas off from the others from the K-th to the L-th acknowledged request',
		valueName: 'A,B@K-L',
		expected: 'a list of replicas @K-L with K < L, e.g. 0,1@20-60',
		parse: parsePartition,
	}),
	cut: faultFlag<CutSpec>({
		description:
			'From the K-th to the L-th acknowledged request, lose what replica A sends to replica B (one way)',
		valueName: 'A>B@K-L',
		expected: 'A>B@K-L with A ≠ B and K < L, e.g. 1>0@20-60',
		parse: parseCut,
	}),
	freeze: faultFlag<FreezeSpec>({
		description:
			'Stop replica NODE (SIGSTOP) at the K-th acknowledged request, go on (SIGCONT) at the L-th',
		valueName: 'NODE@K-L',
		expected: 'NODE@K-L with K < L, e.g. 0@20-60',
		parse: parseFreeze,
	}),
	chaos: integerFlag({
		description:
			'A nemesis for SECONDS under load: random crashes, restarts, freezes, partitions and one-way cuts within the failure model; then everything heals and every request must be answered (instead of --requests)',
		min: 1,
		max: 86_400,
		valueName: 'SECONDS',
	}),
	powerCut: faultFlag<PowerCutSpec>({
		description:
			'Kill every replica at once at the K-th acknowledged request and start them all MS ms later (default 500; needs --data-dir)',
		valueName: 'K[:MS]',
		expected: 'K or K:MS with MS up to 60000, e.g. 50 or 50:1000',
		parse: parsePowerCut,
	}),
	dataDir: stringFlag({
		description:
			"Keep each replica's log on disk in DIR (created if missing): a cluster that survives losing every process",
		valueName: 'DIR',
	}),
	drop: rateFlag({description: 'Drop this share of all messages', default: 0}),
	delay: integerFlag({
		description: 'Delay every message by this many milliseconds',
		min: 0,
		max: 10_000,
		default: 0,
		valueName: 'MS',
	}),
	events: stringFlag({
		description: 'Write every telemetry event as NDJSON to FILE, or - for standard output',
		valueName: 'FILE|-',
	}),
	history: stringFlag({description: 'Write the client history as JSON to FILE'}),
	seed: integerFlag({
		description:
			'Run in lockstep rounds with every random choice drawn from S: the same S, the same run and events',
		min: 0,
		max: 0xff_ff_ff_ff,
		valueName: 'S',
	}),
	json: booleanFlag({description: 'Print the summary as one JSON object'}),
	otlp: urlFlag({
		description:
			'Export spans and metrics over OTLP/HTTP to the collector at URL (e.g. http://localhost:4318)',
	}),
	allowUnknown: booleanFlag({
		description:
			'Exit 0 even when the linearizability check could not decide the history (its search gave up)',
	}),
};

export const benchFlags = {
	seconds: integerFlag({
		description:
			'Measure for this many seconds (after 1 s of warm-up), once for each: the relay, the cluster (and the cluster on disk)',
		min: 1,
		max: 3600,
		default: 5,
		valueName: 'S',
	}),
	clients: integerFlag({
		description: 'Requests kept in flight (one per client)',
		min: 1,
		max: 4096,
		default: 256,
		valueName: 'C',
	}),
	dataDir: stringFlag({
		description:
			"Measure the cluster a third time with each replica's log on disk in DIR (fsync on): ops/s and fsyncs per op",
		valueName: 'DIR',
	}),
	json: booleanFlag({description: 'Print the result as one JSON object'}),
};

/** `vsr-tui replay`'s flags. */
export const replayFlags = {
	check: booleanFlag({
		description:
			'Only check the replay (no screen, even on a terminal): one line, exit 0 when identical',
	}),
	paused: booleanFlag({
		description: 'On the screen, start with time stopped (space plays, n and t step)',
	}),
};
