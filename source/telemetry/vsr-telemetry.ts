/**
The seed's `Vsr.Telemetry`, bound to a bus: event names get 'vsr' prepended and the metadata
gets the common fields built from replica state. Times are bigint nanoseconds from the bus clock.
*/
import {type VsrEventName, vsrEventName} from './catalogue.js';
import {
	type EventName,
	type Measurements,
	type Metadata,
	type SpanToken,
	type Telemetry,
	telemetry as defaultBus,
} from './telemetry.js';

export type VsrStatus = 'normal' | 'view_change' | 'recovering' | 'state_transfer';

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

export class VsrTelemetry {
	readonly bus: Telemetry;
	/**
	How often each event was emitted through this wrapper, whether or not anything listened:
	counting is cheap where building metadata is not, so the simulator and the replica processes
	report counts without attaching a handler. Keyed by the full name array (`vsrEventName`).
	*/
	readonly #counts = new Map<EventName, number>();

	constructor(bus: Telemetry = defaultBus) {
		this.bus = bus;
	}

	/** Emitted events by full name, e.g. 'vsr.protocol.prepare.sent' → 12. */
	counts(): Map<string, number> {
		const counts = new Map<string, number>();
		for (const [event, count] of this.#counts) {
			counts.set(event.join('.'), count);
		}

		return counts;
	}

	/** How many events this wrapper emitted in all. */
	total(): number {
		let total = 0;
		for (const count of this.#counts.values()) {
			total += count;
		}

		return total;
	}

	/** Whether any handler listens to `['vsr', ...event]`. */
	enabled(event: VsrEventName): boolean {
		return this.bus.hasHandlers(vsrEventName(event));
	}

	/** Whether any handler listens to the start, stop or exception of the span `['vsr', ...event]`. */
	spanEnabled(event: VsrEventName): boolean {
		return this.bus.hasSpanHandlers(vsrEventName(event));
	}

	/** Builds no metadata and allocates nothing when no handler listens. */
	execute(
		event: VsrEventName,
		state: VsrStateView,
		measurements?: Measurements,
		metadata?: Metadata,
	): void {
		const full = vsrEventName(event);
		this.#count(full);
		if (!this.bus.hasHandlers(full)) {
			return;
		}

		this.bus.execute(full, measurements ?? noMeasurements, merge(state, metadata));
	}

	/** An event that belongs to no replica (a client's retry): 'vsr' is prepended, no common metadata. */
	emit(event: VsrEventName, measurements: Measurements, metadata: Metadata): void {
		const full = vsrEventName(event);
		this.#count(full);
		this.bus.execute(full, measurements, metadata);
	}

	/** `Telemetry.span` on `['vsr', ...event]` with the common metadata of `state` at the start. */
	span<T>(event: VsrEventName, state: VsrStateView, metadata: Metadata, fn: () => T): T {
		const full = vsrEventName(event);
		const names = this.bus.spanEvents(full);
		this.#count(names.start);
		let result: T;
		try {
			result = this.bus.hasSpanHandlers(full)
				? this.bus.span(full, merge(state, metadata), fn)
				: fn();
		} catch (error) {
			this.#count(names.exception);
			throw error;
		}

		this.#count(names.stop);
		return result;
	}

	/**
	A span across calls. When nothing listens to the span, the common metadata is not built (the
	stop or exception event still carries the state at its own time).
	*/
	spanStart(event: VsrEventName, state: VsrStateView, metadata: Metadata): SpanToken {
		const full = vsrEventName(event);
		this.#count(this.bus.spanEvents(full).start);
		if (!this.bus.hasSpanHandlers(full)) {
			return silentToken(full);
		}

		return this.bus.spanStart(full, merge(state, metadata));
	}

	/** The stop event carries the common metadata of `state` at the stop (e.g. the new commit). */
	spanStop(token: SpanToken, state: VsrStateView, metadata?: Metadata): void {
		const {stop} = this.bus.spanEvents(token.prefix);
		this.#count(stop);
		if (token.context !== 0 && this.bus.hasHandlers(stop)) {
			this.bus.spanStop(token, merge(state, metadata));
		}
	}

	// eslint-disable-next-line max-params -- Telemetry.spanException plus the state
	spanException(
		token: SpanToken,
		state: VsrStateView,
		kind: string,
		reason: unknown,
		stacktrace?: string,
		metadata?: Metadata,
	): void {
		const {exception} = this.bus.spanEvents(token.prefix);
		this.#count(exception);
		if (token.context !== 0 && this.bus.hasHandlers(exception)) {
			this.bus.spanException(token, kind, reason, stacktrace, merge(state, metadata));
		}
	}

	#count(event: EventName): void {
		this.#counts.set(event, (this.#counts.get(event) ?? 0) + 1);
	}
}
