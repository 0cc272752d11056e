import type {LoggedAction} from '../cluster/action-log.js';
import type {NodeInfo} from '../cluster/operator-api.js';
import {ProcessCluster} from '../cluster/process-cluster.js';
import type {Telemetry} from '../telemetry/telemetry.js';
import type {KvOperation} from '../vsr/kv-store.js';
import {fillCaption} from './caption.js';
import {Observations} from './observations.js';
import type {Fact, LessonActor, LessonRun, Scenario, Step} from './scenario.js';

const defaultWithinMs = 10_000;

/** A step played: its caption filled with the run's numbers, and each claim with whether it holds. */
export type StepOutcome = {
	readonly index: number;
	readonly step: Step;
	/** Virtual ms when the step's wait ended. */
	readonly atMs: number;
	readonly caption: string;
	readonly facts: Readonly<Record<string, Fact>>;
	readonly claims: ReadonlyArray<{readonly says: string; readonly holds: boolean}>;
};

export type LessonOptions = {
	/** Every event of the run, as NDJSON lines (besides the lesson's own reading of them). */
	readonly events?: (line: string) => void;
	/** The operator's bus, for a screen. */
	readonly telemetry?: Telemetry;
	readonly startTimeoutMs?: number;
	/** Runs before the cluster stops (a recording is written there). */
	readonly beforeStop?: () => Promise<void>;
};

/**
Starts a cluster with the scenario's seed and settings, time stopped at 0; with `actions`, it
replays them (a fork of the lesson: its actions before the fork point).
*/
export async function startLessonCluster(
	scenario: Scenario,
	options: LessonOptions & {readonly actions?: readonly LoggedAction[]},
): Promise<ProcessCluster> {
	return ProcessCluster.start({
		replicas: scenario.replicas,
		clients: scenario.clients ?? 1,
		seed: scenario.seed,
		paused: true,
		checkpointInterval: scenario.checkpointInterval,
		telemetry: options.telemetry,
		startTimeoutMs: options.startTimeoutMs,
		beforeStop: options.beforeStop,
		events: options.events,
		actions: options.actions,
	});
}

/**
Plays a scenario on real replica processes: a seeded session, time stopped, driven round by round
(`advanceRound`), so a step's condition is checked after every round and its action taken between
rounds, as a replay would take it. Headless it runs as fast as the replicas answer; on the screen
the same player runs the lesson while the operator shows it.
*/
export class LessonPlayer {
	/** Starts the scenario's cluster (seeded, paused at time 0). */
	static async start(scenario: Scenario, options: LessonOptions = {}): Promise<LessonPlayer> {
		const observations = new Observations();
		const cluster = await startLessonCluster(scenario, {
			...options,
			events(line) {
				observations.takeLine(line);
				options.events?.(line);
			},
		});
		return new LessonPlayer(scenario, cluster, observations);
	}

	/** The index of the next step to play. */
	next = 0;
	private readonly memory: Record<string, number | string> = {};
	private stepStartMs = 0;
	private readonly actor: LessonActor;

	private constructor(
		readonly scenario: Scenario,
		readonly cluster: ProcessCluster,
		readonly observations: Observations,
	) {
		cluster.onMessage(observations.takeMessage);
		this.actor = {
			cluster,
			submit(operation: KvOperation) {
				cluster.submit(operation).then(
					(outcome) => {
						observations.replies.push(outcome);
					},
					() => undefined,
				);
			},
			remember: (name, value) => {
				this.memory[name] = value;
			},
		};
	}

	get done(): boolean {
		return this.next >= this.scenario.steps.length;
	}

	/** The run as the steps read it, now. */
	run(): LessonRun {
		const snapshot = this.cluster.snapshot();
		const {observations} = this;
		return {
			snapshot,
			timeMs: snapshot.virtualTimeMs,
			stepStartMs: this.stepStartMs,
			node(id: number): NodeInfo {
				const node = snapshot.nodes[id];
				if (node === undefined) {
					throw new RangeError(`no node ${id}`);
				}

				return node;
			},
			events: (name, node) => observations.eventsNamed(name, node),
			messages: (type, kind = 'delivered') => observations.messagesOf(type, kind),
			replies: observations.replies,
			memory: this.memory,
		};
	}

	/**
	Plays the next step: rounds until its time or condition, then its action; resolves with its
	caption and claims (undefined once every step is played). Rejects when the wait runs out.
	`round` plays the next round (on the screen, a round paced by the playback).
	*/
	async playStep(
		round: () => Promise<unknown> = async () => this.cluster.advanceRound(),
	): Promise<StepOutcome | undefined> {
		const step = this.scenario.steps[this.next];
		if (step === undefined) {
			return undefined;
		}

		const index = this.next++;
		this.stepStartMs = this.run().timeMs;
		const deadline = this.stepStartMs + (step.withinMs ?? defaultWithinMs);
		while (!this.ready(step)) {
			if (this.run().timeMs > deadline) {
				throw new Error(
					`lesson ${this.scenario.name}, step ${index + 1}: still waiting after ${step.withinMs ?? defaultWithinMs} ms of virtual time (${step.caption})`,
				);
			}

			await round();
		}

		const atMs = this.run().timeMs;
		step.act?.(this.actor, this.run());
		// An action takes effect between rounds (at once here: time is stopped); settle its effects.
		await this.settle();
		const run = this.run();
		const facts = step.facts?.(run) ?? {};
		return {
			index,
			step,
			atMs,
			caption: fillCaption(step.caption, facts),
			facts,
			claims: (step.claims ?? []).map((claim) => ({
				says: claim.says,
				holds: claim.holds(run, facts),
			})),
		};
	}

	async stop(): Promise<void> {
		await this.cluster.stop();
	}

	private ready(step: Step): boolean {
		const run = this.run();
		if (step.at !== undefined && run.timeMs < step.at) {
			return false;
		}

		return step.until === undefined || step.until(run);
	}

	/** Waits for the turns an action queued (an action is taken between rounds, in order). */
	private async settle(): Promise<void> {
		await this.cluster.halt();
	}
}
