/**
The seed's `Vsr.Telemetry`, bound to a bus: event names get 'vsr' prepended and the metadata
gets the common fields built from replica state. Times are bigint nanoseconds from the bus clock.
*/
import type {Channel} from 'node:diagnostics_channel';
import {type VsrEventName, vsrEventName} from './catalogue.js';
import {channelOf} from './channels.js';
import {
	type EventName,
	type Measurements,
	type Metadata,
	type SpanToken,
	type Telemetry,
	telemetry as defaultBus,
} from './telemetry.js';

/** A replica's status, as the common metadata's `status` field spells it. */
export type VsrStatus = 'normal' | 'view_change' | 'recovering' | 'state_transfer';

/** What the common metadata is built from: a replica (`Replica` implements it) or a stand-in. */
export type VsrStateView = {
	readonly nodeId: number;
	readonly view: number;
	readonly status: VsrStatus;
	readonly isPrimary: boolean;
	readonly opNumber: number;
	readonly commitNumber: number;
};

/** Spelt exactly as the seed's common metadata, because events are exported as data. */
export type CommonMetadata = {
	node_id: number;
	view_number: number;
	status: VsrStatus;
	is_primary: boolean;
	op_number: number;
	commit_number: number;
};

/** The common metadata of a replica's state, with the seed's field names. */
export function commonMetadata(state: VsrStateView): CommonMetadata {
	return {
		node_id: state.nodeId,
		view_number: state.view,
		status: state.status,
		is_primary: state.isPrimary,
		op_number: state.opNumber,
		commit_number: state.commitNumber,
	};
}

// Shared by calls that pass no measurements; frozen because handlers receive it.
const noMeasurements: Measurements = Object.freeze({});

// Common fields first, so that the event's own metadata wins (the seed's Map.merge order).
// Built field by field: an object spread costs several times more on this hot path.
const merge = (state: VsrStateView, metadata: Metadata | undefined): Metadata => {
	const merged: Metadata = commonMetadata(state);
	return metadata === undefined ? merged : Object.assign(merged, metadata);
};

/**
The token of a span that nothing listened to when it started: its stop is counted but not
emitted (a handler attached later sees only whole spans). Context 0 is never a real one.
*/
const silentTokens = new WeakMap<EventName, SpanToken>();
const silentToken = (prefix: EventName): SpanToken => {
	let token = silentTokens.get(prefix);
	if (token === undefined) {
		token = Object.freeze({prefix, start: 0n, context: 0, metadata: Object.freeze({})});
		silentTokens.set(prefix, token);
	}

	return token;
};

/**
How often one emitted event (a full name array) was counted, and its diagnostics channel: the
fast path reads `channel.hasSubscribers` beside the bus's handler check.
*/
type Counter = {readonly event: EventName; count: number; readonly channel: Channel};

/**
What the wrapper knows about one name it is called with (a catalogue constant, or the full
prefix a span token carries), so that an event costs one map lookup: its full name, its counter,
and for a span prefix the counters of its start, stop and exception events.
*/
type Slot = {
	readonly full: EventName;
	readonly counter: Counter;
	span: {readonly start: Counter; readonly stop: Counter; readonly exception: Counter} | undefined;
};

/**
The seed's `Vsr.Telemetry` bound to a bus: event names get `vsr` prepended, metadata gets the
common fields of the replica's state, and every event is counted whether or not anyone listens
(building no metadata for an event nobody listens to). Replicas and clients take one.
*/
export class VsrTelemetry {
	/** The bus the events are executed on. */
	readonly bus: Telemetry;
	/**
	How often each event was emitted through this wrapper, whether or not anything listened:
	counting is cheap where building metadata is not, so the simulator and the replica processes
	report counts without attaching a handler. One counter per full name array (`vsrEventName`),
	shared by every array of the same dotted name: an event can be counted through a catalogue
	constant when nothing listens and through a span's names when something does, and both
	are the same event.
	*/
	readonly #counters = new Map<EventName, Counter>();
	readonly #countersByName = new Map<string, Counter>();
	/** The counters of the events emitted so far, in the order of their first emission. */
	readonly #emitted: Counter[] = [];
	/** By catalogue constant, and by the full prefix that span tokens carry. */
	readonly #slots = new Map<VsrEventName, Slot>();
	readonly #prefixSlots = new Map<EventName, Slot>();

	constructor(bus: Telemetry = defaultBus) {
		this.bus = bus;
	}

	/** Emitted events by full name, e.g. 'vsr.protocol.prepare.sent' → 12. */
	counts(): Map<string, number> {
		const counts = new Map<string, number>();
		for (const {event, count} of this.#emitted) {
			counts.set(event.join('.'), count);
		}

		return counts;
	}

	/** How many events this wrapper emitted in all. */
	total(): number {
		let total = 0;
		for (const {count} of this.#emitted) {
			total += count;
		}

		return total;
	}

	/** Whether a handler or a `diagnostics_channel` subscriber listens to `['vsr', ...event]`. */
	enabled(event: VsrEventName): boolean {
		const {full, counter} = this.#slot(event);
		return this.bus.hasHandlers(full) || counter.channel.hasSubscribers;
	}

	/** `enabled` for the start, stop or exception of the span `['vsr', ...event]`. */
	spanEnabled(event: VsrEventName): boolean {
		return this.#spanListened(this.#slot(event));
	}

	/**
	Counts the event; builds no metadata and allocates nothing when no handler and no
	`diagnostics_channel` subscriber listens.
	*/
	execute(
		event: VsrEventName,
		state: VsrStateView,
		measurements?: Measurements,
		metadata?: Metadata,
	): void {
		const {full, counter} = this.#slot(event);
		this.#count(counter);
		if (!this.bus.hasHandlers(full) && !counter.channel.hasSubscribers) {
			return;
		}

		this.bus.execute(full, measurements ?? noMeasurements, merge(state, metadata));
	}

	/**
	`execute` with up to two named numbers as the event's own metadata, for hot paths: the
	metadata object is built only when a handler listens.
	*/
	// eslint-disable-next-line max-params -- two named numbers, without allocating when unheard
	executeFields(
		event: VsrEventName,
		state: VsrStateView,
		key: string,
		value: number,
		key2?: string,
		value2?: number,
	): void {
		const {full, counter} = this.#slot(event);
		this.#count(counter);
		if (!this.bus.hasHandlers(full) && !counter.channel.hasSubscribers) {
			return;
		}

		const metadata: Metadata = {[key]: value};
		if (key2 !== undefined) {
			metadata[key2] = value2;
		}

		this.bus.execute(full, noMeasurements, merge(state, metadata));
	}

	/** An event that belongs to no replica (a client's retry): 'vsr' is prepended, no common metadata. */
	emit(event: VsrEventName, measurements: Measurements, metadata: Metadata): void {
		const {full, counter} = this.#slot(event);
		this.#count(counter);
		this.bus.execute(full, measurements, metadata);
	}

	/** `Telemetry.span` on `['vsr', ...event]` with the common metadata of `state` at the start. */
	span<T>(event: VsrEventName, state: VsrStateView, metadata: Metadata, fn: () => T): T {
		const slot = this.#slot(event);
		const counters = this.#spanCounters(slot);
		this.#count(counters.start);
		let result: T;
		try {
			result = this.#spanListened(slot)
				? this.bus.span(slot.full, merge(state, metadata), fn)
				: fn();
		} catch (error) {
			this.#count(counters.exception);
			throw error;
		}

		this.#count(counters.stop);
		return result;
	}

	/**
	A span across calls. When nothing listens to the span, the common metadata is not built (the
	stop or exception event still carries the state at its own time).
	*/
	spanStart(event: VsrEventName, state: VsrStateView, metadata: Metadata): SpanToken {
		const slot = this.#slot(event);
		this.#count(this.#spanCounters(slot).start);
		if (!this.#spanListened(slot)) {
			return silentToken(slot.full);
		}

		return this.bus.spanStart(slot.full, merge(state, metadata));
	}

	/** The stop event carries the common metadata of `state` at the stop (e.g. the new commit). */
	spanStop(token: SpanToken, state: VsrStateView, metadata?: Metadata): void {
		const {stop} = this.#spanCounters(this.#prefixSlot(token.prefix));
		this.#count(stop);
		if (token.context !== 0 && (this.bus.hasHandlers(stop.event) || stop.channel.hasSubscribers)) {
			this.bus.spanStop(token, merge(state, metadata));
		}
	}

	/**
	Ends a span from `spanStart` with its exception event: `kind`, `reason`, `stacktrace`, and the
	common metadata of `state` at that time.
	*/
	// eslint-disable-next-line max-params -- Telemetry.spanException plus the state
	spanException(
		token: SpanToken,
		state: VsrStateView,
		kind: string,
		reason: unknown,
		stacktrace?: string,
		metadata?: Metadata,
	): void {
		const {exception} = this.#spanCounters(this.#prefixSlot(token.prefix));
		this.#count(exception);
		if (
			token.context !== 0 &&
			(this.bus.hasHandlers(exception.event) || exception.channel.hasSubscribers)
		) {
			this.bus.spanException(token, kind, reason, stacktrace, merge(state, metadata));
		}
	}

	#slot(event: VsrEventName): Slot {
		let slot = this.#slots.get(event);
		if (slot === undefined) {
			slot = this.#newSlot(vsrEventName(event));
			this.#slots.set(event, slot);
		}

		return slot;
	}

	/** The slot of the full prefix a span token carries. */
	#prefixSlot(prefix: EventName): Slot {
		let slot = this.#prefixSlots.get(prefix);
		if (slot === undefined) {
			slot = this.#newSlot(prefix);
			this.#prefixSlots.set(prefix, slot);
		}

		return slot;
	}

	#newSlot(full: EventName): Slot {
		return {full, counter: this.#counter(full), span: undefined};
	}

	/** A handler or a diagnostics subscriber on the span's start, stop or exception. */
	#spanListened(slot: Slot): boolean {
		const {start, stop, exception} = this.#spanCounters(slot);
		return (
			this.bus.hasSpanHandlers(slot.full) ||
			start.channel.hasSubscribers ||
			stop.channel.hasSubscribers ||
			exception.channel.hasSubscribers
		);
	}

	#spanCounters(slot: Slot): NonNullable<Slot['span']> {
		if (slot.span === undefined) {
			const names = this.bus.spanEvents(slot.full);
			slot.span = {
				start: this.#counter(names.start),
				stop: this.#counter(names.stop),
				exception: this.#counter(names.exception),
			};
		}

		return slot.span;
	}

	#counter(event: EventName): Counter {
		let counter = this.#counters.get(event);
		if (counter === undefined) {
			const name = event.join('.');
			counter = this.#countersByName.get(name);
			if (counter === undefined) {
				counter = {event, count: 0, channel: channelOf(event)};
				this.#countersByName.set(name, counter);
			}

			this.#counters.set(event, counter);
		}

		return counter;
	}

	#count(counter: Counter): void {
		if (counter.count++ === 0) {
			this.#emitted.push(counter);
		}
	}
}
