/**
The seed's `Vsr.Telemetry`, bound to a bus: event names get 'vsr' prepended and the metadata
gets the common fields built from replica state. Times are bigint nanoseconds from the bus clock.
*/
import {type VsrEventName, vsrEventName} from './catalogue.js';
import {
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
const merge = (state: VsrStateView, metadata: Metadata | undefined): Metadata =>
	metadata === undefined ? commonMetadata(state) : {...commonMetadata(state), ...metadata};

export class VsrTelemetry {
	readonly bus: Telemetry;

	constructor(bus: Telemetry = defaultBus) {
		this.bus = bus;
	}

	/** Whether any handler listens to `['vsr', ...event]`. */
	enabled(event: VsrEventName): boolean {
		return this.bus.hasHandlers(vsrEventName(event));
	}

	/** Builds no metadata and allocates nothing when no handler listens. */
	execute(
		event: VsrEventName,
		state: VsrStateView,
		measurements?: Measurements,
		metadata?: Metadata,
	): void {
		const full = vsrEventName(event);
		if (!this.bus.hasHandlers(full)) {
			return;
		}

		this.bus.execute(full, measurements ?? noMeasurements, merge(state, metadata));
	}

	/** `Telemetry.span` on `['vsr', ...event]` with the common metadata of `state` at the start. */
	span<T>(event: VsrEventName, state: VsrStateView, metadata: Metadata, fn: () => T): T {
		const full = vsrEventName(event);
		if (!this.bus.hasSpanHandlers(full)) {
			return fn();
		}

		return this.bus.span(full, merge(state, metadata), fn);
	}

	/**
	A span across calls. When nothing listens to the span, the common metadata is not built (the
	stop or exception event still carries the state at its own time).
	*/
	spanStart(event: VsrEventName, state: VsrStateView, metadata: Metadata): SpanToken {
		const full = vsrEventName(event);
		return this.bus.spanStart(
			full,
			this.bus.hasSpanHandlers(full) ? merge(state, metadata) : metadata,
		);
	}

	/** The stop event carries the common metadata of `state` at the stop (e.g. the new commit). */
	spanStop(token: SpanToken, state: VsrStateView, metadata?: Metadata): void {
		if (this.bus.hasHandlers(this.bus.spanEvents(token.prefix).stop)) {
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
		if (this.bus.hasHandlers(this.bus.spanEvents(token.prefix).exception)) {
			this.bus.spanException(token, kind, reason, stacktrace, merge(state, metadata));
		}
	}
}
