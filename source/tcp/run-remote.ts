import {randomBytes} from 'node:crypto';
import {closeSync, openSync, writeSync} from 'node:fs';
import process from 'node:process';
import {UsageError} from '../cli/flags.js';
import {describeEntry, HistoryRecorder, outputOf} from '../check/history.js';
import {KvCommands} from '../check/kv-commands.js';
import {checkLinearizable} from '../check/linearizability.js';
import {events, vsrEventKey} from '../telemetry/catalogue.js';
import {latencyMs} from '../cluster/histograms.js';
import {type RunSummary, formatSummary, stallMs} from '../cluster/run.js';
import type {ClusterFile} from './cluster-file.js';
import {RemoteClients} from './remote-clients.js';
import {clusterFileOf} from './replica-command.js';
import type {StatusReport} from './status.js';
import {probeStatus} from './status-probe.js';

/**
`vsr-tui run --cluster FILE`: the workload of `vsr-tui run` against a cluster of replica servers
that is already running, checked for linearizability, without starting or stopping a replica
(crash and restart them yourself while it runs: the clients retry across view changes). The
cluster keeps its state from one run to the next, so each run works on keys of its own
(`<run>.k0` … `<run>.k7`, `<run>` drawn at random), which start absent as the checker assumes.
The counts of the summary (view changes, recoveries, state transfers) are what the replicas'
status reports say changed during the run.
*/

export type RemoteRunOptions = {
	readonly cluster: string;
	readonly requests: number;
	readonly clients: number;
	readonly history: string | undefined;
	readonly json: boolean;
	readonly allowUnknown: boolean;
};

type Io = {readonly stdout: NodeJS.WritableStream; readonly stderr: NodeJS.WritableStream};

async function statuses(cluster: ClusterFile): Promise<Array<StatusReport | string>> {
	return Promise.all(cluster.replicas.map(async (_, id) => probeStatus(cluster, id, 2000)));
}

/** What changed in the replicas' counts of `key` between the two rounds of status reports. */
function delta(
	before: ReadonlyArray<StatusReport | string>,
	after: ReadonlyArray<StatusReport | string>,
	key: string,
): number {
	let sum = 0;
	for (const [id, report] of after.entries()) {
		if (typeof report === 'string') {
			continue;
		}

		const earlier = before[id];
		const from =
			typeof earlier === 'object' && earlier.incarnation === report.incarnation
				? (earlier.events[key] ?? 0)
				: 0;
		sum += (report.events[key] ?? 0) - from;
	}

	return sum;
}

export async function runRemote(
	options: RemoteRunOptions,
	io: Io,
): Promise<{summary: RunSummary; problems: string[]}> {
	const cluster = clusterFileOf(options.cluster, 'run');
	let historyFd: number | undefined;
	if (options.history !== undefined) {
		try {
			historyFd = openSync(options.history, 'w');
		} catch (error) {
			const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
			throw new UsageError(`--history cannot write ${JSON.stringify(options.history)} (${reason})`);
		}
	}

	const problems: string[] = [];
	const before = await statuses(cluster);
	const clients = new RemoteClients({cluster, count: options.clients});
	const stopOnSignal = (signal: NodeJS.Signals) => {
		clients.stop();
		process.exit(signal === 'SIGINT' ? 130 : 143);
	};

	process.on('SIGINT', stopOnSignal);
	process.on('SIGTERM', stopOnSignal);
	try {
		clients.start();
		const prefix = randomBytes(4).toString('hex');
		const history = new HistoryRecorder();
		const workload = new KvCommands(Math.random, 8);
		let issued = 0;
		let answered = 0;
		let acked = 0;
		let lastProgress = Date.now();
		let finish: () => void = () => undefined;
		const finished = new Promise<void>((resolve) => {
			finish = resolve;
		});
		clients.loadSource = (client) => {
			if (issued >= options.requests) {
				return undefined;
			}

			issued++;
			const command = workload.next(client);
			const operation = {...command, key: `${prefix}.${command.key}`};
			let index = -1;
			return {
				operation,
				started(_client, _requestNumber, now) {
					index = history.invoke(client, operation, now);
				},
				done({result, now}) {
					history.complete(index, outputOf(operation, result), now);
					answered++;
					if (result.ok) {
						acked++;
					}

					lastProgress = Date.now();
					if (answered === options.requests) {
						finish();
					}
				},
			};
		};

		clients.dispatch();
		const watchdog = setInterval(() => {
			if (Date.now() - lastProgress > stallMs) {
				const why = clients.lastProblem.filter((problem) => problem !== undefined);
				problems.push(
					`no request was answered for ${stallMs / 1000} s; gave up on ${options.requests - answered} open request(s)${why.length > 0 ? ` (${why.join('; ')})` : ''}`,
				);
				finish();
			}
		}, 250);
		await finished;
		clearInterval(watchdog);
		clients.loadSource = undefined;
		const after = await statuses(cluster);
		for (const report of after) {
			if (typeof report === 'string') {
				problems.push(
					`no status after the run (${report}): its counts are left out of the summary`,
				);
			}
		}

		const entries = history.entries();
		const check = checkLinearizable(entries);
		if (check.ok === false) {
			problems.push(`not linearizable on key ${check.key}: ${check.reason}`);
			for (const entry of check.entries.slice(0, 10)) {
				problems.push(`  ${describeEntry(entry)}`);
			}
		} else if (check.ok === 'unknown') {
			problems.push(
				`linearizability unknown: ${check.reason}${options.allowUnknown ? '' : ' (--allow-unknown accepts that)'}`,
			);
		}

		const summary: RunSummary = {
			replicas: cluster.replicas.length,
			requests: options.requests,
			acked,
			failed: options.requests - acked,
			view_changes: delta(before, after, vsrEventKey(events.leadershipStart)),
			recoveries: delta(before, after, vsrEventKey(events.recoveryComplete)),
			state_transfers: delta(before, after, vsrEventKey(events.snapshotReceived)),
			linearizable: check.ok === true,
			unknown: check.ok === 'unknown',
			latency_ms: latencyMs(clients.latency),
		};
		if (historyFd !== undefined) {
			const lines = entries.map((entry) => JSON.stringify(entry));
			writeSync(historyFd, lines.length === 0 ? '[]\n' : `[\n${lines.join(',\n')}\n]\n`);
			closeSync(historyFd);
			historyFd = undefined;
		}

		return {summary, problems};
	} finally {
		process.removeListener('SIGINT', stopOnSignal);
		process.removeListener('SIGTERM', stopOnSignal);
		clients.stop();
		if (historyFd !== undefined) {
			closeSync(historyFd);
		}
	}
}

/** The CLI mode: prints the summary as `vsr-tui run` does and resolves to the exit code. */
export async function runRemoteCommand(options: RemoteRunOptions, io: Io): Promise<number> {
	const {summary, problems} = await runRemote(options, io);
	for (const problem of problems) {
		io.stderr.write(`vsr-tui run: ${problem}\n`);
	}

	io.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
	const checked = summary.linearizable || (summary.unknown && options.allowUnknown);
	return summary.acked === summary.requests && checked ? 0 : 1;
}

/** What `run` does to replicas it starts makes no sense with --cluster: a usage error. */
export function checkRemoteRunFlags(flags: {
	readonly crash: readonly unknown[];
	readonly restart: readonly unknown[];
	readonly partition: readonly unknown[];
	readonly cut?: readonly unknown[];
	readonly freeze?: readonly unknown[];
	readonly chaos?: number | undefined;
	readonly powerCut?: readonly unknown[];
	readonly dataDir?: string | undefined;
	readonly drop: number;
	readonly delay: number;
	readonly events: string | undefined;
	readonly otlp?: string | undefined;
	readonly seed?: number | undefined;
}): void {
	const starts = [
		['--crash', flags.crash.length > 0],
		['--restart', flags.restart.length > 0],
		['--partition', flags.partition.length > 0],
		['--cut', (flags.cut?.length ?? 0) > 0],
		['--freeze', (flags.freeze?.length ?? 0) > 0],
		['--chaos', flags.chaos !== undefined],
		['--power-cut', (flags.powerCut ?? []).length > 0],
		['--data-dir', flags.dataDir !== undefined],
		['--drop', flags.drop > 0],
		['--delay', flags.delay > 0],
		['--events', flags.events !== undefined],
		['--otlp', flags.otlp !== undefined],
		['--seed', flags.seed !== undefined],
	] as const;
	const given = starts.find(([, present]) => present);
	if (given !== undefined) {
		throw new UsageError(
			`${given[0]} applies to the replicas run starts, not to a running cluster (--cluster): crash and restart its replica servers yourself`,
		);
	}
}
