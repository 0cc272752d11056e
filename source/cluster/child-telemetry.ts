import type * as hdr from 'hdr-histogram-js';
import {type VsrEventName, events, eventKey, vsrEventKey} from '../telemetry/catalogue.js';
import {serializeEvent} from '../telemetry/serialize.js';
import type {
	EventName,
	Handler,
	Measurements,
	Metadata,
	Telemetry,
} from '../telemetry/telemetry.js';
import type {VsrTelemetry} from '../telemetry/vsr-telemetry.js';
import type * as histogramModule from './histograms.js';
import type {TelemetryMode, TelemetryReport} from './ipc.js';

/**
The child's side of telemetry forwarding, built so that an event costs as
little as possible at full load:

- **counts**: `VsrTelemetry` counts every event it emits whether or not a
  handler listens (no metadata is built for an event nobody listens to); the
  report sends the differences. The process's own events are counted here.
- **durations**: one handler on the events that carry a `duration` (the stop
  and exception of spans, `view_change.complete`) records it in an hdr
  histogram per event; the report sends each as compressed base64 and resets it.
- **full events for the feed**: in sampled mode a handler on the frequent
  protocol events is attached while their budget per second lasts and detached
  when it is spent (so between refills they cost nothing); rare events (view
  changes, recovery, state transfer, errors …) have their own budget. In full
  mode (`--events`) every event is kept, serialized as `serializeEvent` does.
*/

const keys = (...names: VsrEventName[]): ReadonlySet<string> =>
	new Set(names.map((name) => vsrEventKey(name)));

/** Events raised for every op or message: sampled hard in sampled mode. */
const frequentKeys = keys(
	events.clientRequestStart,
	events.clientRequestStop,
	events.prepareSent,
	events.prepareReceived,
	events.prepareOkSent,
	events.prepareOkReceived,
	events.commitSent,
	events.commitReceived,
	events.operationStart,
	events.operationStop,
	events.commitAdvance,
	events.logAppend,
	events.quorumReached,
	events.heartbeatSent,
	events.heartbeatReceived,
	events.checkpoint,
);

/** Events with a `duration` measurement. */
const timedKeys = keys(
	events.clientRequestStop,
	events.clientRequestException,
	events.operationStop,
	events.operationException,
	events.leadershipStop,
	events.viewChangeComplete,
	// From the first GetState to the installed NewState, measured by the replica.
	events.snapshotReceived,
);

/**
Spans that start and stop within one call (applying an op), on every replica
for every op. Measuring a span costs far more than counting it (its metadata,
token and bigint times are built only when a handler listens), so at full load
their durations are sampled: the handler is attached while the budget of the
report interval lasts. Attaching and detaching happen between calls, so no
span is cut in half and the sample is not biased. Counts stay exact.
*/
const sampledTimedKeys = keys(events.operationStop, events.operationException);

/**
hdr-histogram-js takes over 100 ms of CPU to load, so a replica loads it (through the one
histogram factory, `histograms.ts`) in the background and keeps durations in plain arrays until
a report encodes them: the replica is up (and reports its status) without waiting for it.
*/
let histograms: typeof histogramModule | undefined;
let loading: Promise<void> | undefined;

/** Starts loading the histogram library (once); resolves when it is loaded. */
export async function loadHistograms(): Promise<void> {
	loading ??= import('./histograms.js').then(
		(module) => {
			histograms = module;
		},
		() => undefined,
	);
	return loading;
}

/** Durations kept per event between reports, at most (the counts stay exact beyond it). */
const maxPending = 200_000;

type Timed = {
	readonly key: string;
	/** Kept in full on the frequent events' budget, or (view changes, state transfers …) the rare one. */
	readonly frequent: boolean;
	values: number[];
	histogram: hdr.Histogram | undefined;
};

const handlerIds = {
	timed: 'vsr-tui-durations',
	sampledTimed: 'vsr-tui-sampled-durations',
	frequent: 'vsr-tui-feed-frequent',
	rare: 'vsr-tui-feed-rare',
} as const;

export class TelemetryCollector {
	private fullMode: boolean;
	private readonly timed = new Map<EventName, Timed>();
	/** Totals of the events counted here (not through VsrTelemetry). */
	private readonly local = new Map<string, number>();
	/** Totals as of the previous report, by key. */
	private readonly reported = new Map<string, number>();
	private events: string[] = [];
	/** Events kept in full since the previous report. */
	private kept = 0;
	private frequentBudget: number;
	private rareBudget: number;
	private lastRefill = Date.now();
	private frequentAttached = false;
	private durationBudget: number;
	private sampledTimedAttached = false;
	private readonly sampledTimedNames: EventName[];
	private readonly frequentNames: EventName[];
	private readonly rareNames: EventName[];

	constructor(
		private readonly bus: Telemetry,
		private readonly vsr: VsrTelemetry,
		names: readonly EventName[],
		private readonly mode: TelemetryMode,
	) {
		this.fullMode = mode.full;
		this.frequentBudget = mode.feedRate;
		this.rareBudget = mode.rareRate;
		this.durationBudget = mode.durationRate;
		const timedNames = names.filter(
			(name) => timedKeys.has(eventKey(name)) && !sampledTimedKeys.has(eventKey(name)),
		);
		this.sampledTimedNames = names.filter((name) => sampledTimedKeys.has(eventKey(name)));
		const untimed = names.filter((name) => !timedKeys.has(eventKey(name)));
		this.frequentNames = untimed.filter((name) => frequentKeys.has(eventKey(name)));
		this.rareNames = untimed.filter((name) => !frequentKeys.has(eventKey(name)));
		bus.attachMany(handlerIds.timed, timedNames, this.onTimed);
		this.attachSampledTimed();
		bus.attachMany(handlerIds.rare, this.rareNames, this.onRare);
		this.attachFrequent();
	}

	get full(): boolean {
		return this.fullMode;
	}

	set full(full: boolean) {
		this.fullMode = full;
		if (full) {
			this.attachFrequent();
			this.attachSampledTimed();
		}
	}

	/** Counts an event raised outside VsrTelemetry; `always` keeps it in full whatever the budget. */

	count(event: EventName, measurements: Measurements, metadata: Metadata, always = false): void {
		const key = eventKey(event);
		this.local.set(key, (this.local.get(key) ?? 0) + 1);
		if (this.fullMode || always || this.rareBudget > 0) {
			this.rareBudget--;
			this.keep(event, measurements, metadata);
		}
	}

	/** Events in full waiting to be sent (full mode sends them with every batch). */
	get pendingEvents(): number {
		return this.events.length;
	}

	takeEvents(): string[] | undefined {
		if (this.events.length === 0) {
			return undefined;
		}

		const taken = this.events;
		this.events = [];
		return taken;
	}

	/**
	Counts, histograms and (unless `withEvents` is false: they wait for `takeEvents`) events since
	the previous report, or undefined when nothing happened.
	*/
	report(withEvents = true): TelemetryReport | undefined {
		this.refill();
		let counts: Record<string, number> | undefined;
		let raised = 0;
		for (const [key, total] of this.totals()) {
			const delta = total - (this.reported.get(key) ?? 0);
			if (delta > 0) {
				counts ??= {};
				counts[key] = delta;
				raised += delta;
				this.reported.set(key, total);
			}
		}

		const sampledOut = Math.max(0, raised - this.kept);
		this.kept = 0;

		let spans: Record<string, string> | undefined;
		const library = histograms;
		for (const timed of library === undefined ? [] : this.timed.values()) {
			if (timed.values.length > 0) {
				timed.histogram ??= library!.newDurationHistogram();
				for (const value of timed.values) {
					timed.histogram.recordValue(value);
				}

				timed.values.length = 0;
				spans ??= {};
				spans[timed.key] = library!.encodeHistogram(timed.histogram);
				timed.histogram.reset();
			}
		}

		const events = withEvents ? this.takeEvents() : undefined;
		if (counts === undefined && spans === undefined && events === undefined) {
			return undefined;
		}

		const report: TelemetryReport = {};
		if (counts !== undefined) {
			report.counts = counts;
		}

		if (spans !== undefined) {
			report.spans = spans;
		}

		if (events !== undefined) {
			report.events = events;
		}

		if (sampledOut > 0) {
			report.sampledOut = sampledOut;
		}

		return report;
	}

	/** Every event raised since the start, by dotted name. */
	raised(): Record<string, number> {
		return Object.fromEntries(this.totals());
	}

	private totals(): Map<string, number> {
		const totals = this.vsr.counts();
		for (const [key, count] of this.local) {
			totals.set(key, (totals.get(key) ?? 0) + count);
		}

		return totals;
	}

	private readonly onSampledTimed: Handler = (event, measurements, metadata) => {
		this.onTimed(event, measurements, metadata, undefined);
		if (!this.fullMode && --this.durationBudget <= 0 && this.sampledTimedAttached) {
			this.bus.detach(handlerIds.sampledTimed);
			this.sampledTimedAttached = false;
		}
	};

	private readonly onTimed: Handler = (event, measurements, metadata) => {
		let timed = this.timed.get(event);
		if (timed === undefined) {
			const key = eventKey(event);
			// One entry per name, whichever array carries it.
			timed = [...this.timed.values()].find((each) => each.key === key) ?? {
				key,
				frequent: frequentKeys.has(key),
				values: [],
				histogram: undefined,
			};
			this.timed.set(event, timed);
		}

		if (timed.values.length < maxPending) {
			const duration = Number(measurements.duration ?? 0);
			timed.values.push(Math.max(duration, 0));
		}

		if (this.fullMode || (timed.frequent ? this.frequentBudget-- > 0 : this.rareBudget-- > 0)) {
			this.keep(event, measurements, metadata);
		}
	};

	private readonly onFrequent: Handler = (event, measurements, metadata) => {
		this.keep(event, measurements, metadata);
		if (!this.fullMode && --this.frequentBudget <= 0) {
			this.detachFrequent();
		}
	};

	private readonly onRare: Handler = (event, measurements, metadata) => {
		if (this.fullMode || this.rareBudget-- > 0) {
			this.keep(event, measurements, metadata);
		}
	};

	/**
	Every event sent in full carries when it was raised (`monotonic_time`, on the cluster's clock:
	the bus's), so the operator can show events of every replica in the order they happened.
	*/
	private keep(event: EventName, measurements: Measurements, metadata: Metadata): void {
		this.kept++;
		const stamped =
			measurements.monotonic_time === undefined
				? {...measurements, monotonic_time: this.bus.clock.monotonicTime()}
				: measurements;
		this.events.push(serializeEvent(event, stamped, metadata));
	}

	private attachSampledTimed(): void {
		if (!this.sampledTimedAttached && this.sampledTimedNames.length > 0) {
			this.bus.attachMany(handlerIds.sampledTimed, this.sampledTimedNames, this.onSampledTimed);
			this.sampledTimedAttached = true;
		}
	}

	private attachFrequent(): void {
		if (!this.frequentAttached && this.frequentNames.length > 0) {
			this.bus.attachMany(handlerIds.frequent, this.frequentNames, this.onFrequent);
			this.frequentAttached = true;
		}
	}

	private detachFrequent(): void {
		if (this.frequentAttached && !this.fullMode) {
			this.bus.detach(handlerIds.frequent);
			this.frequentAttached = false;
		}
	}

	private refill(): void {
		const now = Date.now();
		const seconds = (now - this.lastRefill) / 1000;
		this.lastRefill = now;
		this.frequentBudget = Math.min(
			this.mode.feedRate,
			Math.max(0, this.frequentBudget) + Math.ceil(this.mode.feedRate * seconds),
		);
		this.rareBudget = Math.min(
			this.mode.rareRate,
			Math.max(0, this.rareBudget) + Math.ceil(this.mode.rareRate * seconds),
		);
		if (this.frequentBudget > 0) {
			this.attachFrequent();
		}

		this.durationBudget = Math.min(
			this.mode.durationRate,
			Math.max(0, this.durationBudget) + Math.ceil(this.mode.durationRate * seconds),
		);
		if (this.durationBudget > 0) {
			this.attachSampledTimed();
		}
	}
}
