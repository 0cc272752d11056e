import {createWriteStream, type WriteStream} from 'node:fs';
import {once} from 'node:events';
import {UsageError} from '../cli/flags.js';
import {type BugName, bugNames, bugs, storageBugNames} from '../vsr/bugs.js';
import {type CheckCounts, checkNames, checkOf, describeCheck, noCatches} from './checks.js';
import {
	type FaultCounts,
	describeFault,
	faultKinds,
	type FaultMix,
	millisecond,
	noFaultCounts,
} from './faults.js';
import {runSeeds} from './parallel.js';
import {type RunSummary, runSeed, type SeedsOptions, summarize} from './seeds.js';
import {shrink} from './shrink.js';
import {Simulation, type SimulationOptions} from './simulation.js';

export type SimCommandOptions = {
	readonly replicas: number;
	readonly seeds: number | undefined;
	readonly seed: number | undefined;
	readonly ops: number;
	readonly clients: number;
	readonly faults: FaultMix;
	readonly checkpointInterval: number;
	readonly events: string | undefined;
	readonly json: boolean;
	readonly injectBug: BugName | undefined;
	readonly listBugs: boolean;
	readonly allowUnknown: boolean;
	readonly storage: boolean;
	/** Search steps per key before the linearizability check gives up (the checker's default). */
	readonly maxSearchSteps?: number;
};

type Totals = {
	runs: number;
	violations: number;
	outside_model: number;
	ops_committed: number;
	view_changes: number;
	recoveries: number;
	state_transfers: number;
	checkpoints: number;
	events: number;
	/** Faults injected, by kind, and the messages held (a run's recorded schedule, summed). */
	faults: FaultCounts & {held: number};
};

/** With `--storage`: what the disks went through. */
type StorageTotals = {power_cuts: number; restored: number; storage_lost: number};

/** `vsr-tui sim`: many seeded runs, a summary, and for a failure the seed, what broke and a shrunk trace. */
export async function simCommand(
	options: SimCommandOptions,
	stdout: NodeJS.WritableStream,
	stderr: NodeJS.WritableStream,
): Promise<number> {
	if (options.listBugs) {
		for (const name of [...bugNames, ...storageBugNames]) {
			stdout.write(
				options.json ? `${JSON.stringify({name, description: bugs[name]})}\n` : `${name}\n`,
			);
		}

		return 0;
	}

	if (options.events === '-' && !options.json) {
		// Events and the human summary would interleave on one stream.
		throw new UsageError(
			'--events - writes events to standard output; add --json, or give a file name',
		);
	}

	if (options.injectBug && storageBugNames.includes(options.injectBug) && !options.storage) {
		throw new UsageError(
			`--inject-bug ${options.injectBug} is a bug of replicas with storage: add --storage`,
		);
	}

	const first = options.seed ?? 1;
	const count = options.seeds ?? (options.seed === undefined ? 100 : 1);
	if (first + count - 1 > 0xff_ff_ff_ff) {
		throw new UsageError(
			`--seed plus --seeds must stay below 2^32 (got seeds ${first} to ${first + count - 1})`,
		);
	}

	const seeds = Array.from({length: count}, (_, i) => first + i);
	const seedsOptions: SeedsOptions = {
		replicas: options.replicas,
		ops: options.ops,
		clients: options.clients,
		faults: options.faults,
		checkpointInterval: options.checkpointInterval,
		bugs: options.injectBug ? [options.injectBug] : [],
		maxSearchSteps: options.maxSearchSteps,
		storage: options.storage,
	};
	const log = (line: string) => {
		if (!options.json) {
			stdout.write(`${line}\n`);
		}
	};

	log(
		`sim: ${count} seed${count === 1 ? '' : 's'} from ${first}, ${options.replicas} replicas, ${options.ops} ops, ${options.clients} clients, ${options.faults} faults${options.storage ? ', storage on simulated disks' : ''}${options.injectBug ? `, bug ${options.injectBug}` : ''}`,
	);
	const started = performance.now();
	const totals: Totals = {
		runs: 0,
		violations: 0,
		outside_model: 0,
		ops_committed: 0,
		view_changes: 0,
		recoveries: 0,
		state_transfers: 0,
		checkpoints: 0,
		events: 0,
		faults: {...noFaultCounts(), held: 0},
	};
	const disks: StorageTotals = {power_cuts: 0, restored: 0, storage_lost: 0};
	const failures: RunSummary[] = [];
	const undecided: number[] = [];
	const byCheck = noCatches();
	const add = (summary: RunSummary) => {
		totals.runs++;
		totals.ops_committed += summary.opsCommitted;
		totals.view_changes += summary.viewChanges;
		totals.recoveries += summary.recoveries;
		totals.state_transfers += summary.stateTransfers;
		totals.checkpoints += summary.checkpoints;
		totals.events += summary.events;
		for (const kind of faultKinds) {
			totals.faults[kind] += summary.faultCounts[kind];
		}

		totals.faults.held += summary.held;
		disks.power_cuts += summary.powerCuts;
		disks.restored += summary.restored;
		disks.storage_lost += summary.storageLost;
		if (summary.outsideModel) {
			totals.outside_model++;
		}

		if (summary.violation && !summary.outsideModel) {
			totals.violations++;
			byCheck[checkOf(summary.violation.kind)]++;
			failures.push(summary);
			log(
				`seed ${summary.seed}: ${summary.violation.kind} violation: ${firstLine(summary.violation.message)}`,
			);
		} else if (summary.unknown !== undefined && !summary.outsideModel) {
			undecided.push(summary.seed);
			log(`seed ${summary.seed}: linearizability unknown: ${summary.unknown}`);
		}
	};

	if (options.events === undefined) {
		await runSeeds(seeds, seedsOptions, add);
	} else {
		// Events go out in seed order, so these runs stay in this thread.
		const file = options.events === '-' ? undefined : createWriteStream(options.events);
		const sink = file ?? stdout;
		for (const seed of seeds) {
			add(
				summarize(
					runSeed(seed, seedsOptions, (line) => {
						write(sink, line);
					}),
				),
			);
		}

		if (file) {
			await closeStream(file);
		}
	}

	const seconds = (performance.now() - started) / 1000;
	const refused = undecided.length > 0 && !options.allowUnknown;
	if (options.json) {
		stdout.write(
			`${JSON.stringify({
				...totals,
				failed_seeds: failures.map(({seed}) => seed),
				unknown: undecided.length,
				unknown_seeds: undecided,
				by_check: byCheck,
				...(options.storage ? disks : {}),
			})}\n`,
		);
	} else {
		for (const line of summaryLines({
			totals,
			unknown: undecided.length,
			byCheck,
			seconds,
			refused,
			bug: options.injectBug,
			disks: options.storage ? disks : undefined,
		})) {
			log(line);
		}
	}

	const failure = failures[0];
	if (failure) {
		const report = explain(
			{...seedsOptions, seed: failure.seed, bugs: new Set(seedsOptions.bugs)},
			options,
		);
		(options.json ? stderr : stdout).write(report);
	}

	return totals.violations > 0 || refused ? 1 : 0;
}

/** The human summary: the totals, what caught the violations, and the runs left undecided. */
function summaryLines(summary: {
	readonly totals: Totals;
	readonly unknown: number;
	readonly byCheck: CheckCounts;
	readonly seconds: number;
	readonly refused: boolean;
	readonly bug: BugName | undefined;
	readonly disks: StorageTotals | undefined;
}): string[] {
	const {totals, unknown, byCheck, seconds} = summary;
	const status = totals.violations > 0 ? 'FAILED' : summary.refused ? 'UNDECIDED' : 'ok';
	const lines = [
		`${status}: ${plural(totals.violations, 'violation')}${unknown > 0 ? `, ${unknown} unknown` : ''} in ${totals.runs} runs · ${totals.ops_committed} ops committed · ${totals.view_changes} view changes · ${totals.recoveries} recoveries · ${totals.state_transfers} state transfers · ${totals.checkpoints} checkpoints · ${totals.events} events · ${seconds.toFixed(1)} s (${(totals.runs / seconds).toFixed(0)} seeds/s)`,
	];
	const injected = faultKinds
		.filter((kind) => totals.faults[kind] > 0)
		.map((kind) => `${totals.faults[kind]} ${faultNames[kind]}`);
	if (totals.faults.held > 0) {
		injected.push(`${totals.faults.held} messages held`);
	}

	if (injected.length > 0) {
		lines.push(`faults: ${injected.join(' · ')}`);
	}

	if (summary.disks) {
		const {power_cuts: cuts, restored, storage_lost: lost} = summary.disks;
		lines.push(
			`storage: ${plural(cuts, 'power cut')} · ${restored} restarts from disk · ${lost} from a lost or unreadable disk (recovered from peers)`,
		);
	}

	const caught = checkNames
		.filter((name) => byCheck[name] > 0)
		.map((name) => `${describeCheck(name)} ${byCheck[name]}`)
		.join(' · ');
	if (summary.bug) {
		const share = ((100 * totals.violations) / Math.max(1, totals.runs)).toFixed(1);
		lines.push(
			`bug ${summary.bug} caught in ${totals.violations} of ${totals.runs} seeds (${share} %)${caught ? `: ${caught}` : ''}`,
		);
	} else if (caught) {
		lines.push(`caught by: ${caught}`);
	}

	if (unknown > 0) {
		lines.push(
			`${plural(unknown, 'run')} could not be decided: the linearizability search gave up${summary.refused ? ' (--allow-unknown accepts that)' : ''}.`,
		);
	}

	if (totals.outside_model > 0) {
		lines.push(
			`${totals.outside_model} run(s) went outside the failure model (more than f replicas ${summary.disks ? 'lost their state' : 'down'} at once); they are not counted as passes or failures.`,
		);
	}

	return lines;
}

const faultNames: Record<keyof FaultCounts, string> = {
	crash: 'crashes',
	restart: 'restarts',
	partition: 'partitions',
	heal: 'heals',
	cut: 'one-way cuts',
	link: 'slow or lossy links',
	freeze: 'freezes',
	hold: 'holds',
};

function plural(count: number, noun: string): string {
	return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Re-runs a failing seed, shrinks it, and replays the smallest failing case with a trace. */
function explain(simulation: SimulationOptions, options: SimCommandOptions): string {
	const failed = new Simulation(simulation).run();
	const shrunk = shrink(simulation, failed);
	const final = new Simulation({...shrunk.options, trace: 40}).run();
	const faults = shrunk.options.schedule?.faults ?? [];
	const lines = [
		'',
		`seed ${simulation.seed} broke: ${final.violation?.kind ?? failed.violation?.kind} violation at ${((final.violation?.at ?? 0) / millisecond).toFixed(1)} ms of virtual time`,
		...indent(final.violation?.message ?? failed.violation?.message ?? ''),
		`shrunk in ${shrunk.runs} replays to ${shrunk.options.ops} ops and ${faults.length} of ${failed.faults.length} faults:`,
		...faults.map((fault) => `    ${describeFault(fault)}`),
		`    ${((shrunk.options.schedule?.faultsEnd ?? 0) / millisecond).toFixed(0)}ms faults stop`,
		'the last steps before it broke:',
		...final.trace.map((line) => `    ${line}`),
		`replay: vsr-tui sim --seed ${simulation.seed} --replicas ${options.replicas} --ops ${options.ops} --clients ${options.clients} --faults ${options.faults} --checkpoint-interval ${options.checkpointInterval}${options.storage ? ' --storage' : ''}${options.injectBug ? ` --inject-bug ${options.injectBug}` : ''}`,
		'',
	];
	return lines.join('\n');
}

function indent(text: string): string[] {
	return text.split('\n').map((line) => `    ${line.trimStart()}`);
}

function firstLine(text: string): string {
	return text.split('\n', 1)[0] ?? '';
}

function write(sink: NodeJS.WritableStream, line: string): void {
	sink.write(`${line}\n`);
}

async function closeStream(stream: WriteStream): Promise<void> {
	stream.end();
	await once(stream, 'close');
}
