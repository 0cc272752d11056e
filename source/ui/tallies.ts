/**
The store's ingest: it listens to the cluster's telemetry bus and reports, and keeps the
tallies the panes show: every event counted, the feed's rings (`feed.ts`), the span
timings (`span-timings.ts`), and the story of the run: the sequence diagram's rows
(`diagram.ts`) and the narration (`narration-log.ts`), from the messages the cluster reports
(while someone looks) and the telemetry events they mark or tell. Ingesting is cheap and never
renders: it counts the event, records a duration, puts the event in the rings, and marks the
slices that changed.
*/
import type {MessageEvent, OperatorControls, TelemetrySummary} from '../cluster/operator-api.js';
import type {EventName, Measurements, Metadata, Telemetry} from '../telemetry/telemetry.js';
import {
	type EventKind,
	describeEvent,
	viewChangeCompleteName,
	watchedEvents,
} from './event-kinds.js';
import {Diagram} from './diagram.js';
import {Feed} from './feed.js';
import {nanosOf} from './format.js';
import {NarrationLog} from './narration-log.js';
import type {Touch} from './slices.js';
import {SpanTimings} from './span-timings.js';

const handlerPrefix = 'vsr-tui-ui';

export class Tallies {
	readonly feed: Feed;
	readonly spans = new SpanTimings();
	readonly diagram = new Diagram();
	readonly narration: NarrationLog;
	readonly #operator: OperatorControls;
	readonly #touch: Touch;
	readonly #kinds = new Map<string, EventKind>();
	/**
	Where feed times count from, in ns: the operator's bus clock when the store started, or 0
	in a seeded session, whose events carry virtual time since the session started.
	*/
	readonly #clockOrigin: number;
	/** A seeded session: its events carry virtual time. */
	readonly #seeded: boolean;
	// The operator reports counts and histograms: replica events on the bus are a sample.
	readonly #summaries: boolean;
	#events = 0;
	#bus: Telemetry | undefined;
	#attachedIds: string[] = [];
	#unsubscribeReports: (() => void) | undefined;
	#unsubscribeMessages: (() => void) | undefined;

	constructor(operator: OperatorControls, feedCapacity: number, touch: Touch) {
		this.#operator = operator;
		this.#touch = touch;
		this.feed = new Feed(feedCapacity);
		this.narration = new NarrationLog(operator.snapshot().replicas, feedCapacity);
		this.#summaries = typeof operator.onTelemetryReport === 'function';
		this.#seeded = operator.snapshot().seed !== undefined;
		this.#clockOrigin = this.#seeded ? 0 : Number(operator.telemetry.clock.monotonicTime());
	}

	/** Events counted since the start. */
	get events(): number {
		return this.#events;
	}

	/** Listen to the operator's bus and its telemetry reports. */
	attach(): void {
		const bus = this.#operator.telemetry;
		this.#bus = bus;
		const handler = (
			event: EventName,
			measurements: Measurements,
			metadata: Metadata,
			kind: EventKind,
		): void => {
			this.ingest(event, measurements, metadata, kind);
		};

		for (const event of watchedEvents) {
			const id = `${handlerPrefix}:${event.join('.')}`;
			if (bus.listHandlers(event).some((info) => info.id === id)) {
				continue;
			}

			bus.attach(id, event, handler, this.#kindOf(event));
			this.#attachedIds.push(id);
		}

		this.#unsubscribeReports = this.#operator.onTelemetryReport?.((summary) => {
			this.ingestSummary(summary);
		});
	}

	/**
	Listen to every message delivered or dropped (on), or stop (off): the cluster reports them
	only while someone listens, which costs on a loaded cluster, so the store listens while the
	diagram or the narration is on the screen, or time is paused or slowed.
	*/
	listenToMessages(on: boolean): void {
		if (on && this.#unsubscribeMessages === undefined) {
			this.#unsubscribeMessages = this.#operator.onMessage((event) => {
				this.message(event);
			});
		} else if (!on && this.#unsubscribeMessages !== undefined) {
			this.#unsubscribeMessages();
			this.#unsubscribeMessages = undefined;
		}
	}

	get listeningToMessages(): boolean {
		return this.#unsubscribeMessages !== undefined;
	}

	/** One message delivered or dropped: a row of the diagram, a sentence of the narration. */
	message(event: MessageEvent): void {
		this.diagram.message(event);
		this.narration.message(event);
		this.#touch('diagram');
		this.#touch('narration');
	}

	/** Empties the feed, the diagram and the narration (the counts stay). */
	clear(): void {
		this.feed.clear();
		this.diagram.clear();
		this.narration.clear();
		this.#touch('feed');
		this.#touch('diagram');
		this.#touch('narration');
	}

	detach(): void {
		this.listenToMessages(false);
		this.#unsubscribeReports?.();
		this.#unsubscribeReports = undefined;
		if (this.#bus !== undefined) {
			for (const id of this.#attachedIds) {
				this.#bus.detach(id);
			}

			this.#attachedIds = [];
			this.#bus = undefined;
		}
	}

	/**
	Count one event from the bus and remember it for the feed and the timings. Never renders.
	When the operator reports summaries, a replica's events are counted and timed from those
	instead (the bus then carries a sample of them), and only the operator's own are counted here.
	*/
	ingest(
		event: EventName,
		measurements: Measurements,
		metadata: Metadata,
		known?: EventKind,
	): void {
		const kind = known ?? this.#kindOf(event);
		const counted = !(this.#summaries && kind.fromReplica);
		if (counted) {
			this.#events++;
			this.feed.count(kind.categoryIndex);
		}

		if (kind.span !== undefined && counted) {
			this.#recordSpan(kind, measurements);
		}

		// When it was raised, on the cluster's clock (the bus's, on which replicas stamp their
		// events, or virtual time in a seeded session); an event without a time was raised here, now.
		const raised = nanosOf(measurements.monotonic_time) ?? this.#now();
		const at = (raised - this.#clockOrigin) / 1_000_000;
		if (kind.story) {
			this.diagram.event(kind.name, metadata);
			this.narration.event(kind.name, measurements, metadata);
			this.#touch('diagram');
			this.#touch('narration');
		}

		if (kind.name === viewChangeCompleteName && typeof metadata.view_number === 'number') {
			this.spans.viewEstablished(metadata.view_number);
			this.#touch('spans');
		}

		this.feed.add({
			at,
			kind,
			node: typeof metadata.node_id === 'number' ? metadata.node_id : undefined,
			measurements,
			metadata,
		});
		this.#touch('feed');
		this.#touch('header');
	}

	/** Count the events of one replica's telemetry report and merge its duration histograms. */
	ingestSummary(summary: TelemetrySummary): void {
		for (const [name, count] of Object.entries(summary.counts ?? {})) {
			if (!Number.isFinite(count) || count <= 0) {
				continue;
			}

			const kind = this.#kindOfKey(name);
			this.#events += count;
			this.feed.count(kind.categoryIndex, count);
			if (kind.span?.end === 'exception') {
				this.spans.recordError(kind.span.kind, count);
				this.#touch('spans');
			} else if (kind.span?.end === 'stop') {
				// Timed from the report's histograms (perhaps a sample of them); counted here.
				this.spans.addCount(kind.span.kind, count);
				this.#touch('spans');
			}
		}

		for (const [name, encoded] of Object.entries(summary.spans ?? {})) {
			const role = this.#kindOfKey(name).span;
			if (role?.end === 'stop') {
				try {
					this.spans.merge(role.kind, encoded);
					this.#touch('spans');
				} catch {
					// A histogram that does not decode is skipped; the counts above still hold.
				}
			}
		}

		this.#touch('header');
		this.#touch('feed');
	}

	#kindOf(event: EventName): EventKind {
		return this.#kindOfKey(event.join('.'), event);
	}

	#kindOfKey(key: string, event: EventName = key.split('.')): EventKind {
		let kind = this.#kinds.get(key);
		if (kind === undefined) {
			kind = describeEvent(event);
			this.#kinds.set(key, kind);
		}

		return kind;
	}

	/** A span's end, from the bus (when no report times it): its duration, or an exception. */
	#recordSpan(kind: EventKind, measurements: Measurements): void {
		const role = kind.span;
		if (role === undefined) {
			return;
		}

		if (role.end === 'exception') {
			this.spans.recordError(role.kind);
		} else {
			const nanos = nanosOf(measurements.duration);
			if (nanos === undefined) {
				this.spans.addCount(role.kind, 1);
			} else {
				this.spans.record(role.kind, nanos);
			}
		}

		this.#touch('spans');
	}

	/** Now on the clock events are stamped with (ns). */
	#now(): number {
		return this.#seeded
			? this.#operator.snapshot().virtualTimeMs * 1_000_000
			: Number(this.#operator.telemetry.clock.monotonicTime());
	}
}
