/**
Time travel in a deterministic session: `,` and `.` move through the run's timeline one delivered
message at a time, and the screen shows the run as it was there (the node table, the feed, the
span timings, the diagram and the narration) while the replicas stand still at the present.
Acting in the past forks: the cluster is rebuilt at that point in fresh processes (the session's
actions before it replayed on the same seed), and the action is the new timeline's first.

A point is rebuilt from the timeline (`timeline.ts`): its snapshot for the node table, and fresh
tallies folded from the first entry (going back) or from the point before (going forward, one
message's entries). It works for any driver of a seeded cluster that keeps its streams: the
operator's screen, a lesson, a replay.
*/
import type {
	ClusterSnapshot,
	ForkedCluster,
	InFlightMessage,
	OperatorControls,
} from '../cluster/operator-api.js';
import type {Tallies} from './tallies.js';
import type {TravelSlice} from './slices.js';
import {Timeline} from './timeline.js';

export class TimeTravel {
	timeline: Timeline;
	forks = 0;
	forkedAt: number | undefined;
	forking = false;
	readonly #operator: OperatorControls;
	readonly #newTallies: () => Tallies;
	readonly #source: ConstructorParameters<typeof Timeline>[0];
	#point: number | undefined;
	#past: Tallies | undefined;
	/** Entries folded into `#past`. */
	#pastEnd = 0;

	/** `newTallies` makes empty tallies like the store's (not listening to anything). */
	constructor(operator: OperatorControls, newTallies: () => Tallies) {
		this.#operator = operator;
		this.#newTallies = newTallies;
		this.#source = {
			telemetry: operator.telemetry,
			snapshot: () => operator.snapshot(),
			inFlight: (limit) => operator.inFlight(limit),
			onMessage: (listener) => operator.onMessage(listener),
			onTelemetryReport: operator.onTelemetryReport?.bind(operator),
			actions: () => operator.forkable?.()?.actions(),
		};
		this.timeline = new Timeline(this.#source);
	}

	/** Another run took the cluster's place (a lesson started with `g`): a timeline of its own. */
	restart(): void {
		this.timeline.detach();
		this.timeline = new Timeline(this.#source);
		this.start();
		this.forks = 0;
		this.forkedAt = undefined;
		this.#point = undefined;
		this.#past = undefined;
		this.#pastEnd = 0;
	}

	/** Starts keeping the timeline (before the cluster's first round). */
	start(): void {
		this.timeline.attachBus();
		this.timeline.attachStreams();
	}

	stop(): void {
		this.timeline.detach();
	}

	/** The point shown; undefined: the present. */
	get point(): number | undefined {
		return this.#point;
	}

	get inPast(): boolean {
		return this.#point !== undefined;
	}

	/** The node table at the point shown (undefined: the present). */
	pastSnapshot(): ClusterSnapshot | undefined {
		// The replicas stand still at the present meanwhile.
		return this.#point === undefined
			? undefined
			: {...this.timeline.snapshotAt(this.#point), paused: true, held: 0};
	}

	/** The messages in flight at the point shown (empty when not kept); undefined: the present. */
	pastInFlight(): readonly InFlightMessage[] | undefined {
		return this.#point === undefined ? undefined : (this.timeline.inFlightAt(this.#point) ?? []);
	}

	/** The tallies of the point shown (undefined: the present). */
	pastTallies(): Tallies | undefined {
		return this.#point === undefined ? undefined : this.#past;
	}

	/**
	One message back (from the present: to the point before the last message). Returns false when
	there is nothing before (the start).
	*/
	back(live: Tallies): boolean {
		const {length} = this.timeline;
		const point = (this.#point ?? length) - 1;
		if (point < 0) {
			return false;
		}

		this.#show(point, live);
		return true;
	}

	/** One message forward; at the last point before the present, to the present (returns 'present'). */
	forward(live: Tallies): 'present' | 'moved' {
		if (this.#point === undefined) {
			return 'present';
		}

		const point = this.#point + 1;
		if (point >= this.timeline.length) {
			this.toPresent(live);
			return 'present';
		}

		this.#show(point, live);
		return 'moved';
	}

	/** Shows point `point` (clamped to the run; its length is the present). */
	goTo(point: number, live: Tallies): void {
		const {length} = this.timeline;
		if (point >= length) {
			this.toPresent(live);
		} else {
			this.#show(Math.max(0, point), live);
		}
	}

	/** Back to the present (the live tallies take the past's feed settings). */
	toPresent(live: Tallies): void {
		if (this.#past !== undefined) {
			live.feed.showAs(this.#past.feed);
		}

		this.#point = undefined;
		this.#past = undefined;
		this.#pastEnd = 0;
	}

	/**
	Forks a new timeline from the point shown: the cluster is rebuilt there in fresh processes
	(the session's `forkable`), this timeline gives way to the fork's (kept from its first event,
	the replay of the past included), and the present is the fork point. Resolves with the tallies
	of the new present, for the store to take as its own.
	*/
	async fork(): Promise<Tallies> {
		const point = this.#point;
		const forkable = this.#operator.forkable?.();
		if (point === undefined) {
			throw new Error('a fork starts from a point of the past');
		}

		if (forkable === undefined) {
			throw new Error('this session cannot fork: its driver replays no action log');
		}

		const past = this.#past;
		const forkPoint = this.timeline.forkPoint(point, forkable.actions());
		let cluster: ForkedCluster | undefined;
		const up = (): ForkedCluster => {
			if (cluster === undefined) {
				throw new Error('the fork has not started');
			}

			return cluster;
		};

		let next: Timeline | undefined;
		this.forking = true;
		try {
			await forkable.fork(forkPoint, {
				bus(telemetry) {
					next = new Timeline({
						telemetry,
						snapshot: () => up().snapshot(),
						inFlight: (limit) => up().inFlight(limit),
						onMessage: (listener) => up().onMessage(listener),
						onTelemetryReport: (listener) => up().onTelemetryReport(listener),
						actions: () => up().actions(),
					});
					next.attachBus();
				},
				started(started) {
					cluster = started;
					next?.attachStreams();
				},
			});
		} catch (error) {
			next?.detach();
			throw error;
		} finally {
			this.forking = false;
		}

		if (next === undefined) {
			throw new Error('the fork kept no timeline');
		}

		this.timeline.detach();
		this.timeline = next;
		this.forks = forkable.forks;
		this.forkedAt = point;
		const tallies = this.#newTallies();
		if (past !== undefined) {
			tallies.feed.showAs(past.feed);
		}

		next.foldInto(tallies, 0, next.entries.length);
		this.#point = undefined;
		this.#past = undefined;
		this.#pastEnd = 0;
		return tallies;
	}

	slice(): TravelSlice {
		return {
			shown: true,
			point: this.#point,
			length: this.timeline.length,
			marks: this.timeline.marks,
			forks: this.forks,
			forkedAt: this.forkedAt,
			forking: this.forking,
			full: this.timeline.full,
		};
	}

	/** Shows `point`: folds on from the point shown when it is later, else from the start. */
	#show(point: number, live: Tallies): void {
		const end = this.timeline.endOf(point);
		if (this.#past === undefined || end < this.#pastEnd) {
			const tallies = this.#newTallies();
			tallies.feed.showAs((this.#past ?? live).feed);
			this.#past = tallies;
			this.#pastEnd = 0;
		}

		this.timeline.foldInto(this.#past, this.#pastEnd, end);
		this.#pastEnd = end;
		this.#point = point;
	}
}
