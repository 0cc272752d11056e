import {closeSync, createWriteStream, openSync, writeSync} from 'node:fs';
import {once} from 'node:events';
import process from 'node:process';
import {UsageError} from '../cli/flags.js';
import {describeEntry, type HistoryEntry, HistoryRecorder, outputOf} from '../check/history.js';
import {KvCommands} from '../check/kv-commands.js';
import {checkLinearizable} from '../check/linearizability.js';
import {events, vsrEventKey} from '../telemetry/catalogue.js';
import type {EventName, Metadata} from '../telemetry/telemetry.js';
import {Prng, mixSeed} from '../vsr/prng.js';
import {StorageRefused} from '../storage/read-back.js';
import {
	type CrashSpec,
	type CutSpec,
	type FreezeSpec,
	type PartitionSpec,
	type PowerCutSpec,
	type RestartSpec,
	type ScheduledFault,
	scheduleFaults,
} from './fault-schedule.js';
import {clusterEvents} from './events.js';
import {Nemesis, type NemesisCounts} from './nemesis.js';
import {type LatencySummary, latencyMs} from './histograms.js';
import {checkDataDir} from './data-dir.js';
import {ProcessCluster} from './process-cluster.js';

/**
`vsr-tui run`: a fixed workload against real replica processes, with faults
scheduled at counts of acknowledged requests. It waits until every request is
answered (or nothing has been answered for `stallMs`), checks the client
history with the linearizability checker, stops the cluster and
prints a summary. Exit code 0 only when every request was acknowledged and the
history is linearizable (or undecided, with `allowUnknown`).
*/

export type RunOptions = {
	readonly replicas: number;
	readonly requests: number;
	readonly clients: number;
	readonly crash: readonly CrashSpec[];
	readonly restart: readonly RestartSpec[];
	readonly partition: readonly PartitionSpec[];
	/** One-way cuts, by progress. */
	readonly cut?: readonly CutSpec[];
	/** Replicas stopped (SIGSTOP) and resumed, by progress. */
	readonly freeze?: readonly FreezeSpec[];
	/** A nemesis for this many seconds, under load, instead of a fixed number of requests. */
	readonly chaos?: number | undefined;
	/** Kill every replica at once at K acknowledgements, restart them all MS ms later (needs `dataDir`). */
	readonly powerCut?: readonly PowerCutSpec[];
	/** Each replica keeps its log on disk under this directory. */
	readonly dataDir?: string | undefined;
	readonly drop: number;
	readonly delay: number;
	/** A file name, or `-` for standard output. */
	readonly events: string | undefined;
	readonly history: string | undefined;
	readonly json: boolean;
	/** Export spans and metrics over OTLP/HTTP to this collector URL. */
	readonly otlp?: string | undefined;
	/** A seeded run: lockstep rounds, every random choice (the workload's too) drawn from it. */
	readonly seed?: number | undefined;
	/** An undecided linearizability check (the search gave up) does not fail the run. */
	readonly allowUnknown: boolean;
	/** Search steps per key before the linearizability check gives up (the checker's default). */
	readonly maxSearchSteps?: number;
};

/** The `--json` summary; the field names are a contract. */
export type RunSummary = {
	replicas: number;
	requests: number;
	acked: number;
	failed: number;
	view_changes: number;
	recoveries: number;
	state_transfers: number;
	linearizable: boolean;
	/** The checker gave up (its search took too long): neither linearizable nor shown not to be. */
	unknown: boolean;
	latency_ms: LatencySummary;
	/** With `--chaos`: the faults the nemesis made. */
	chaos?: NemesisCounts;
};

/** With no answer for this long, the run gives up on the requests still open. */
export const stallMs = 30_000;

type Io = {readonly stdout: NodeJS.WritableStream; readonly stderr: NodeJS.WritableStream};

/** Opens a file for writing now, so that a bad path is a usage error before anything starts. */
function openOutput(flag: string, file: string): number {
	try {
		return openSync(file, 'w');
	} catch (error) {
		const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
		throw new UsageError(`${flag} cannot write ${JSON.stringify(file)} (${reason})`);
	}
}

class EventSink {
	private readonly stream: NodeJS.WritableStream;
	private readonly ownsStream: boolean;
	private buffer: string[] = [];
	private scheduled = false;

	constructor(target: string, stdout: NodeJS.WritableStream) {
		if (target === '-') {
			this.stream = stdout;
			this.ownsStream = false;
		} else {
			this.stream = createWriteStream('', {fd: openOutput('--events', target)});
			this.ownsStream = true;
		}
	}

	readonly write = (line: string): void => {
		this.buffer.push(line);
		if (!this.scheduled) {
			this.scheduled = true;
			setImmediate(this.writeBuffered);
		}
	};

	async close(): Promise<void> {
		this.writeBuffered();
		if (this.ownsStream) {
			const finished = once(this.stream, 'finish');
			this.stream.end();
			await finished;
		} else if (this.stream.write('')) {
			// Written.
		} else {
			await once(this.stream, 'drain');
		}
	}

	/** Writes the lines buffered in this turn of the event loop at once. */
	private readonly writeBuffered = (): void => {
		this.scheduled = false;
		if (this.buffer.length > 0) {
			this.stream.write(`${this.buffer.join('\n')}\n`);
			this.buffer = [];
		}
	};
}

function writeHistory(fd: number, entries: readonly HistoryEntry[]): void {
	const lines = entries.map((entry) => JSON.stringify(entry));
	writeSync(fd, lines.length === 0 ? '[]\n' : `[\n${lines.join(',\n')}\n]\n`);
	closeSync(fd);
}

function check(options: RunOptions): ScheduledFault[] {
	if (options.chaos !== undefined) {
		const scheduled = ['crash', 'restart', 'partition', 'cut', 'freeze'] as const;
		const given = scheduled.find((flag) => (options[flag]?.length ?? 0) > 0);
		if (given !== undefined) {
			throw new UsageError(`--chaos makes its own faults: it cannot be combined with --${given}`);
		}

		if (options.seed !== undefined) {
			throw new UsageError('--chaos acts in wall time: it cannot be combined with --seed');
		}
	}

	if (options.dataDir !== undefined && options.seed !== undefined) {
		throw new UsageError("--data-dir does not go with --seed: a disk's timing is not seeded");
	}

	if ((options.powerCut ?? []).length > 0 && options.dataDir === undefined) {
		throw new UsageError(
			'--power-cut needs --data-dir: without disks, every replica killed at once loses every committed write',
		);
	}

	try {
		if (options.dataDir !== undefined) {
			checkDataDir(options.dataDir, options.replicas);
		}

		return scheduleFaults(options);
	} catch (error) {
		if (error instanceof RangeError || error instanceof StorageRefused) {
			throw new UsageError(error.message);
		}

		throw error;
	}
}

export async function runWorkload(
	options: RunOptions,
	io: Io,
): Promise<{summary: RunSummary; problems: string[]}> {
	const faults = check(options);
	const historyFd =
		options.history === undefined ? undefined : openOutput('--history', options.history);
	const sink = options.events === undefined ? undefined : new EventSink(options.events, io.stdout);
	const problems: string[] = [];
	let started: ProcessCluster | undefined;
	let stopping = false;
	/** Power cuts waiting to end (the restarts go by time). */
	const powerOn = new Set<NodeJS.Timeout>();
	// `on`, not `once`: execa's exit hook re-raises a signal that has no other listener left.
	const stopOnSignal = (signal: NodeJS.Signals) => {
		const code = signal === 'SIGINT' ? 130 : 143;
		if (stopping) {
			process.exit(code); // A second signal: do not wait any longer.
		}

		stopping = true;
		void (async () => {
			await started?.stop();
			await sink?.close();
			process.exit(code);
		})();
	};

	process.on('SIGINT', stopOnSignal);
	process.on('SIGTERM', stopOnSignal);
	try {
		started = await ProcessCluster.start({
			replicas: options.replicas,
			clients: options.clients,
			events: sink?.write,
			otlp: options.otlp,
			seed: options.seed,
			dataDir: options.dataDir,
		});
		const cluster = started;
		// A replica that ends without being crashed on purpose is news: say which, and why.
		cluster.telemetry.attachMany(
			'run-replica-exits',
			[clusterEvents.replicaExit, clusterEvents.invariantViolation],
			(event, _measurements, metadata) => {
				problems.push(describeReplicaTrouble(event, metadata));
			},
		);
		if (options.drop > 0) {
			cluster.setDropRate(options.drop);
		}

		if (options.delay > 0) {
			cluster.setDelay(options.delay);
		}

		const history = new HistoryRecorder();
		// On a cluster that holds an earlier session's keys, keys of this session's own: the
		// history is checked from an empty store.
		const session = cluster.dataDir?.session ?? 0;
		const workload = new KvCommands(
			workloadRandom(options.seed),
			8,
			session > 0 ? `s${session}.` : '',
		);
		let issued = 0;
		let answered = 0;
		let acked = 0;
		let next = 0;
		let lastProgress = Date.now();
		let finish: () => void = () => undefined;
		const finished = new Promise<void>((resolve) => {
			finish = resolve;
		});

		// No acknowledgement can come while every replica is down: the restart goes by time.
		const powerBackIn = (ms: number) => {
			const timer = setTimeout(() => {
				powerOn.delete(timer);
				lastProgress = Date.now();
				cluster.restartAll();
			}, ms);
			powerOn.add(timer);
		};

		const cuts = new Map<string, {sender: number; receiver: number}>();
		let lastFault: ScheduledFault | undefined;
		const fire = () => {
			while (next < faults.length && faults[next]!.at <= answered) {
				const fault = faults[next++]!;
				lastFault = fault;
				switch (fault.kind) {
					case 'crash': {
						const node = fault.node === 'primary' ? primaryOf(cluster) : fault.node;
						if (node === undefined) {
							problems.push(
								`--crash primary@${fault.at}: no primary at that moment; nothing crashed`,
							);
						} else {
							cluster.crash(node);
						}

						break;
					}

					case 'restart': {
						cluster.restart(fault.node);
						break;
					}

					case 'partition': {
						const {side} = fault;
						const rest = Array.from({length: options.replicas}, (_, id) => id).filter(
							(id) => !side.includes(id),
						);
						cluster.partition(side, rest);
						break;
					}

					case 'heal': {
						// The partition ends; the one-way cuts still on stay on.
						cluster.heal();
						for (const {sender, receiver} of cuts.values()) {
							cluster.setCut(sender, receiver, true);
						}

						break;
					}

					case 'cut': {
						const link = `${fault.sender}>${fault.receiver}`;
						if (fault.on) {
							cuts.set(link, fault);
						} else {
							cuts.delete(link);
						}

						cluster.setCut(fault.sender, fault.receiver, fault.on);
						break;
					}

					case 'freeze': {
						cluster.freeze(fault.node, fault.on);
						break;
					}

					case 'power_cut': {
						cluster.crashAll();
						powerBackIn(fault.ms);
						break;
					}
				}
			}
		};

		fire();
		const nemesis = options.chaos === undefined ? undefined : new Nemesis(cluster);
		let chaosOver = false;
		const enough = () => (nemesis === undefined ? issued >= options.requests : chaosOver);
		cluster.clients.loadSource = (clientId) => {
			if (enough()) {
				return undefined;
			}

			issued++;
			const command = workload.next(clientId);
			let index = -1;
			return {
				operation: command,
				started(client, _requestNumber, now) {
					index = history.invoke(client, command, now);
				},
				done({result, now}) {
					history.complete(index, outputOf(command, result), now);
					answered++;
					if (result.ok) {
						acked++;
					}

					lastProgress = Date.now();
					fire();
					if (answered === issued && enough()) {
						// Seeded, time stops with the last answer: what follows is stepped (`settle`).
						if (options.seed !== undefined) {
							cluster.pause();
						}

						finish();
					}
				},
			};
		};

		cluster.clients.dispatch();
		const chaosTimer =
			nemesis === undefined
				? undefined
				: setTimeout(() => {
						chaosOver = true;
						nemesis.stop();
						lastProgress = Date.now();
						if (answered === issued) {
							finish();
						}
					}, options.chaos! * 1000);
		nemesis?.start();

		const watchdog = setInterval(() => {
			if (Date.now() - lastProgress > stallMs) {
				const outside = cluster.snapshot().outsideFailureModel
					? ' (more than f replicas are crashed or recovering: without stable storage VR cannot go on)'
					: '';
				const stalled =
					lastFault === undefined ? '' : `; the last fault before it: ${lastFault.flag}`;
				problems.push(
					`no request was answered for ${stallMs / 1000} s; gave up on ${issued - answered} open request(s)${outside}${stalled}`,
				);
				finish();
			}
		}, 250);
		await finished;
		clearInterval(watchdog);
		clearTimeout(chaosTimer);
		if (!chaosOver) {
			nemesis?.stop();
		}

		cluster.clients.loadSource = undefined;
		// A replica restarted near the end is still recovering: let it finish, so the summary counts it.
		await settle(cluster, recoveryWaitMs);
		await cluster.flushTelemetry();

		const entries = history.entries();
		const check = checkLinearizable(entries, {maxSteps: options.maxSearchSteps});
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

		const total = (key: string) => cluster.forwarding.total(key);
		const leaders = total(vsrEventKey(events.leadershipStart));
		const restarts = cluster.snapshot().nodes.reduce((sum, node) => sum + node.restarts, 0);
		const requests = nemesis === undefined ? options.requests : issued;
		const summary: RunSummary = {
			replicas: options.replicas,
			requests,
			acked,
			failed: requests - acked,
			// The first primary's leadership is no view change; neither is a lone replica's restart.
			view_changes: Math.max(0, leaders - 1 - (options.replicas === 1 ? restarts : 0)),
			recoveries: total(vsrEventKey(events.recoveryComplete)),
			state_transfers: total(vsrEventKey(events.snapshotReceived)),
			linearizable: check.ok === true,
			unknown: check.ok === 'unknown',
			latency_ms: latencyMs(cluster.clients.latency),
			...(nemesis === undefined ? {} : {chaos: nemesis.counts}),
		};
		if (historyFd !== undefined) {
			writeHistory(historyFd, entries);
		}

		return {summary, problems};
	} finally {
		for (const timer of powerOn) {
			clearTimeout(timer);
		}

		process.removeListener('SIGINT', stopOnSignal);
		process.removeListener('SIGTERM', stopOnSignal);
		await started?.stop();
		await sink?.close();
	}
}

/** The workload's draws: from the seed in a seeded run (the cluster's own streams use others). */
function workloadRandom(seed: number | undefined): () => number {
	if (seed === undefined) {
		return Math.random;
	}

	const prng = new Prng(mixSeed(seed, 0x77_6f_72_6b));
	return () => prng.next();
}

/** How long, at most, the end of a run waits for restarted replicas to recover. */
export const recoveryWaitMs = 10_000;

async function settle(cluster: ProcessCluster, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	const busy = () =>
		cluster
			.snapshot()
			.nodes.some((node) => node.status === 'starting' || node.status === 'recovering');
	if (cluster.seed !== undefined) {
		// Tick by tick, so that a seeded run ends at the same point of its time however fast it ran.
		await cluster.waitUntilReady(timeoutMs);
		for (let tick = 0; busy() && tick < timeoutMs / 10; tick++) {
			await cluster.advanceTick();
		}

		return;
	}

	while (busy() && Date.now() < deadline) {
		await new Promise((resolve) => {
			setTimeout(resolve, 20);
		});
	}
}

function primaryOf(cluster: ProcessCluster): number | undefined {
	const snapshot = cluster.snapshot();
	return snapshot.primary ?? snapshot.nodes.find((node) => node.isPrimary)?.id;
}

export function formatSummary(summary: RunSummary): string {
	const {latency_ms: latency} = summary;
	return [
		`${summary.replicas} replicas, ${summary.requests} requests: ${summary.acked} acknowledged, ${summary.failed} failed`,
		`view changes ${summary.view_changes}, recoveries ${summary.recoveries}, state transfers ${summary.state_transfers}`,
		`linearizable: ${summary.linearizable ? 'yes' : summary.unknown ? 'unknown (the search gave up)' : 'no'}`,
		`latency: p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms`,
		...(summary.chaos === undefined
			? []
			: [
					`chaos: ${summary.chaos.crashes} crashes, ${summary.chaos.restarts} restarts, ${summary.chaos.freezes} freezes, ${summary.chaos.partitions} partitions, ${summary.chaos.cuts} one-way cuts, ${summary.chaos.heals} heals`,
				]),
	].join('\n');
}

/** The CLI mode: prints the summary and resolves to the exit code. */
export async function runCommand(options: RunOptions, io: Io): Promise<number> {
	let outcome: Awaited<ReturnType<typeof runWorkload>>;
	try {
		outcome = await runWorkload(options, io);
	} catch (error) {
		if (error instanceof UsageError) {
			throw error;
		}

		io.stderr.write(`vsr-tui run: ${error instanceof Error ? error.message : String(error)}\n`);
		return 1;
	}

	const {summary, problems} = outcome;
	// With events on standard output, the summary goes to standard error.
	const out = options.events === '-' ? io.stderr : io.stdout;
	for (const problem of problems) {
		io.stderr.write(`vsr-tui run: ${problem}\n`);
	}

	out.write(options.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
	const checked = summary.linearizable || (summary.unknown && options.allowUnknown);
	return summary.acked === summary.requests && checked ? 0 : 1;
}

/** One line for a replica that stopped on its own or broke an invariant. */
function describeReplicaTrouble(event: EventName, metadata: Metadata): string {
	if (event === clusterEvents.invariantViolation) {
		const {node_id: node, reason} = metadata;
		return `replica ${String(node)} stopped on a broken invariant: ${String(reason)}`;
	}

	const {signal, code} = metadata;
	const how = typeof signal === 'string' ? `signal ${signal}` : `exit code ${String(code)}`;
	const stderr =
		typeof metadata.stderr === 'string' ? metadata.stderr.trim().split('\n').at(-1) : '';
	return `replica ${String(metadata.node)} (pid ${String(metadata.pid)}) ended on its own (${how})${stderr ? `: ${stderr}` : ''}`;
}
