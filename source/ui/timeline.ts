/**
The timeline of a deterministic session, for time travel: every event of the bus, every
telemetry report and every message delivered or dropped, in the order they came, and for each
delivered message the cluster as it stood when it was delivered and how many operator actions
came before it. A point of the past (after message k) is rebuilt by folding the entries up to
message k + 1 into fresh tallies (`foldInto`), which is what the store's own tallies held then, had
they listened to every message; the node table is the snapshot taken there.
*/
import type {
	ClusterSnapshot,
	ForkPoint,
	InFlightMessage,
	MessageEvent,
	OperatorControls,
	TelemetrySummary,
} from '../cluster/operator-api.js';
import type {LoggedAction} from '../cluster/action-log.js';
import {clusterEvents} from '../cluster/events.js';
import type {EventName, Measurements, Metadata, Telemetry} from '../telemetry/telemetry.js';
import {watchedEvents} from './event-kinds.js';
import {sameNode, sameSnapshot} from './session.js';
import type {MarkKind, TimelineMark} from './slices.js';
import type {Tallies} from './tallies.js';

/** One thing that happened, as the store's tallies take it. */
export type TimelineEntry =
	| {
			readonly kind: 'event';
			readonly event: EventName;
			readonly measurements: Measurements;
			readonly metadata: Metadata;
	  }
	| {readonly kind: 'report'; readonly summary: TelemetrySummary}
	| {readonly kind: 'message'; readonly event: MessageEvent};

/** A delivered message: where it is in the entries, and the cluster as it stood then. */
type Delivery = {
	readonly entry: number;
	/** The cluster when the message was handed over (before what it caused). */
	readonly before: ClusterSnapshot;
	/** Operator actions logged before it (its own delivery by hand is not before it). */
	readonly actions: number;
	/**
	The messages in flight then, itself first (kept while time was stopped or slowed and at most 50
	were in flight, as in a class; undefined otherwise).
	*/
	readonly inFlight: readonly InFlightMessage[] | undefined;
};

/** What a timeline listens to: a cluster's bus, messages and reports, its node table and action log. */
export type TimelineSource = Pick<
	OperatorControls,
	'snapshot' | 'onMessage' | 'onTelemetryReport' | 'inFlight'
> & {
	readonly telemetry: Telemetry;
	/** The operator's actions so far (undefined: this session cannot tell, and cannot fork). */
	actions(): readonly LoggedAction[] | undefined;
};

/**
Entries and delivered messages kept at most: beyond either the timeline stops growing (the bar says
so). A loaded session with every event in full (`--record`) keeps about 4 entries a message.
*/
export const timelineCapacity = 500_000;
export const timelineMessages = 100_000;

/** How much a timeline keeps at most. */
export type TimelineLimits = {readonly entries: number; readonly messages: number};

/** Messages in flight kept at each point (the message pane's list). */
const inFlightKept = 50;

const defaultLimits: TimelineLimits = {entries: timelineCapacity, messages: timelineMessages};

let timelineIds = 0;

/** The operator's event for a message delivered (or dropped) by hand. */
const handOverEvent = clusterEvents.message.join('.');

export class Timeline {
	readonly entries: TimelineEntry[] = [];
	readonly marks: TimelineMark[] = [];
	/** The timeline is full (`timelineCapacity`): what comes after is not kept. */
	full = false;
	readonly #deliveries: Delivery[] = [];
	readonly #source: TimelineSource;
	readonly #limits: TimelineLimits;
	readonly #handlerId = `vsr-tui-timeline-${++timelineIds}`;
	#unsubscribe: Array<() => void> = [];
	#attached = false;

	constructor(source: TimelineSource, limits: TimelineLimits = defaultLimits) {
		this.#source = source;
		this.#limits = limits;
	}

	/** Listens to the bus (before the cluster starts, so that nothing is missed). */
	attachBus(): void {
		if (this.#attached) {
			return;
		}

		this.#attached = true;
		this.#source.telemetry.attachMany(
			this.#handlerId,
			watchedEvents,
			(event, measurements, metadata) => {
				this.#add({kind: 'event', event, measurements, metadata});
			},
		);
	}

	/** Listens to the messages and the reports (before the first round). */
	attachStreams(): void {
		this.#unsubscribe.push(
			this.#source.onMessage((event) => {
				this.#message(event);
			}),
		);
		const reports = this.#source.onTelemetryReport?.((summary) => {
			this.#add({kind: 'report', summary});
		});
		if (reports !== undefined) {
			this.#unsubscribe.push(reports);
		}
	}

	/** Stops listening; what was kept stays. */
	detach(): void {
		if (this.#attached) {
			this.#source.telemetry.detach(this.#handlerId);
			this.#attached = false;
		}

		for (const unsubscribe of this.#unsubscribe) {
			unsubscribe();
		}

		this.#unsubscribe = [];
	}

	/** Messages delivered so far: the points of the past are 0 (before the first) to this. */
	get length(): number {
		return this.#deliveries.length;
	}

	/** The node table at point `point` (after that many messages; below `length`). */
	snapshotAt(point: number): ClusterSnapshot {
		return this.#delivery(point).before;
	}

	/** The entries that make point `point`: every entry before message `point + 1` (all at `length`). */
	endOf(point: number): number {
		return point >= this.length ? this.entries.length : this.#delivery(point).entry;
	}

	/** The messages in flight at point `point` (below `length`), when they were kept. */
	inFlightAt(point: number): readonly InFlightMessage[] | undefined {
		return this.#delivery(point).inFlight;
	}

	/** Folds the entries from `from` up to (not including) `to` into `tallies`, as they came. */
	foldInto(tallies: Tallies, from: number, to: number): void {
		const {entries} = this;
		for (let index = from; index < to; index++) {
			const entry = entries[index]!;
			switch (entry.kind) {
				case 'event': {
					tallies.ingest(entry.event, entry.measurements, entry.metadata);
					break;
				}

				case 'report': {
					tallies.ingestSummary(entry.summary);
					break;
				}

				case 'message': {
					tallies.message(entry.event);
					break;
				}
			}
		}
	}

	/**
	Where a fork from point `point` starts (below `length`): the actions logged before message
	`point + 1`, the messages delivered, and where the rounds stood at the last of them.
	*/
	forkPoint(point: number, actions: readonly LoggedAction[]): ForkPoint {
		const next = this.#delivery(point);
		return {
			actions: actions.slice(0, next.actions),
			delivered: point,
			at: point === 0 ? 0 : Math.round(this.#delivery(point - 1).before.virtualTimeMs * 1e6),
		};
	}

	#delivery(point: number): Delivery {
		const delivery = this.#deliveries[point];
		if (delivery === undefined) {
			throw new RangeError(`no message ${point + 1} in a timeline of ${this.length}`);
		}

		return delivery;
	}

	#add(entry: TimelineEntry): boolean {
		if (this.full) {
			return false;
		}

		if (
			this.entries.length >= this.#limits.entries ||
			this.#deliveries.length >= this.#limits.messages
		) {
			this.full = true;
			// Listening costs (every message described, a snapshot each): it stops with the keeping.
			queueMicrotask(() => {
				this.detach();
			});
			return false;
		}

		this.entries.push(entry);
		return true;
	}

	#message(event: MessageEvent): void {
		const entry = this.#handedOver(event);
		if (!this.#add({kind: 'message', event}) || event.kind !== 'delivered') {
			return;
		}

		const previous = this.#deliveries.at(-1)?.before;
		const before = intern(this.#source.snapshot(), previous);
		const log = this.#source.actions() ?? [];
		const last = log.at(-1);
		// A message delivered by hand is an action logged just before it is handed over.
		const own = last?.action === 'deliver' && last.args[0] === event.message.id ? 1 : 0;
		// Listing costs (the messages in flight are put in order): only a class's few are kept.
		const inFlight =
			(before.paused || before.speed < 1) && before.inFlight <= inFlightKept
				? [event.message, ...this.#source.inFlight(inFlightKept)]
				: undefined;
		this.#deliveries.push({entry, before, actions: log.length - own, inFlight});
		if (previous !== undefined) {
			this.#mark(this.#deliveries.length - 1, previous, before);
		}
	}

	/**
	Where a message's point begins: its own entry, or, for one delivered by hand, the operator's
	event that announced it just before (so that the point before it does not show it).
	*/
	#handedOver(event: MessageEvent): number {
		const index = this.entries.length;
		const previous = this.entries[index - 1];
		return previous?.kind === 'event' &&
			previous.event.join('.') === handOverEvent &&
			previous.metadata.id === event.message.id
			? index - 1
			: index;
	}

	/** Marks what changed between two points: a new view, a crash, a restart, a cut or its heal. */
	#mark(point: number, was: ClusterSnapshot, is: ClusterSnapshot): void {
		const kinds = new Set<MarkKind>();
		if (is.view > was.view) {
			kinds.add('view');
		}

		for (const [index, node] of is.nodes.entries()) {
			const before = was.nodes[index];
			if (before === undefined) {
				continue;
			}

			if (node.status === 'crashed' && before.status !== 'crashed') {
				kinds.add('crash');
			}

			if (node.restarts > before.restarts) {
				kinds.add('restart');
			}

			const cut = (info: typeof node) =>
				info.network.isolated || info.network.partitioned || info.network.deaf || info.network.mute;
			if (cut(node) && !cut(before)) {
				kinds.add('partition');
			} else if (!cut(node) && cut(before)) {
				kinds.add('heal');
			}
		}

		for (const kind of kinds) {
			this.marks.push({point, kind});
		}
	}
}

/** A snapshot that shares what did not change with the one before (a long timeline keeps many). */
function intern(next: ClusterSnapshot, previous: ClusterSnapshot | undefined): ClusterSnapshot {
	if (previous === undefined) {
		return next;
	}

	if (sameSnapshot(previous, next)) {
		return previous;
	}

	const nodes = next.nodes.map((node, index) => {
		const before = previous.nodes[index];
		return before !== undefined && sameNode(before, node) ? before : node;
	});
	return {...next, nodes};
}
