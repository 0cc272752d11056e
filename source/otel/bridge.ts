/**
The OpenTelemetry bridge: it listens to the telemetry events and turns the protocol's spans into
OpenTelemetry spans, and its counts into metrics.

Spans, one per replica at a time unless said otherwise, all named after their events' prefix:
- `vsr.leadership`: while a replica is primary (leadership.start → stop);
- `vsr.protocol.client_request` (kind server), a child of the leadership of the primary that took it:
  from accepting a request to replying after the commit (client_request.start → stop), or to
  dropping it (→ exception, status error); several at once;
- `vsr.view_change`: from entering a view change to the new view (view_change.start →
  complete), with the votes and DoViewChange messages as span events; a view change that moves
  on to a higher view ends (`vsr.outcome: superseded`) and a new one starts;
- `vsr.state_transfer`: from the first GetState to applying NewState (request_sent →
  snapshot_received), with resends and the serving replica's NewState as span events;
- `vsr.recovery`: from a restarted replica's first Recovery to its recovery (recovery.start →
  complete), with each response as a span event.
Attributes are the event's metadata as `vsr.<key>`: the common metadata (`vsr.node_id`,
`vsr.view_number`, `vsr.status`, `vsr.is_primary`, `vsr.op_number`, `vsr.commit_number`) as at
the start, then updated at the end, and each event's own fields. A replica that crashes (the
operator's crash event) or restarts ends its open spans with an error status.

Metrics: the counter `vsr.events` (attribute `vsr.event`, the dotted event name), and the
histogram `vsr.span.duration` in seconds (attribute `vsr.span`) of every span the bridge ends.

Times: events that carry `system_time` (span starts) and `duration` (span stops) place their
spans exactly; the others are timed by the clock of the bus (virtual time in the simulator).
*/
import {subscribe, unsubscribe} from 'node:diagnostics_channel';
import {
	type Attributes,
	type Counter,
	type Histogram,
	type Meter,
	ROOT_CONTEXT,
	type Span,
	SpanKind,
	SpanStatusCode,
	type Tracer,
	ValueType,
	metrics,
	trace,
} from '@opentelemetry/api';
import {
	additionEvents,
	eventKey,
	events,
	operatorEvents,
	seedEvents,
	vsrEventKey,
	vsrEventName,
} from '../telemetry/catalogue.js';
import {type ChannelMessage, channelName} from '../telemetry/channels.js';
import {
	type Clock,
	type EventName,
	type Measurements,
	type Metadata,
	type Telemetry,
	realClock,
} from '../telemetry/telemetry.js';
import {attributesOf, hrTime, nanoseconds} from './attributes.js';

/** Options of {@link createOtelBridge}. */
export type OtelBridgeOptions = {
	/**
	The bus to listen to. Without one, the bridge subscribes to the events' `diagnostics_channel`s
	and so hears every bus in the process.
	*/
	readonly telemetry?: Telemetry;
	/** Where the spans go (default: the global tracer provider's `vsr-tui` tracer). */
	readonly tracer?: Tracer;
	/** Where the metrics go (default: the global meter provider's `vsr-tui` meter). */
	readonly meter?: Meter;
	/**
	The protocol's event counts, read whenever the metrics are collected: cumulative totals by
	dotted name, such as `VsrTelemetry.counts()` or `ProcessCluster.eventCounts()`. Without it the
	bridge counts the events it hears itself, and so listens to every event of the catalogue
	(which makes each replica build every event's metadata).
	*/
	readonly counts?: () => Iterable<readonly [string, number]>;
};

/** A running bridge. */
export type OtelBridge = {
	/** Stops listening; spans still open end now, marked `vsr.outcome: open at close`. */
	close(): void;
};

/** A span the bridge has open, with its start in nanoseconds since the epoch. */
type Open = {readonly span: Span; readonly name: string; readonly start: bigint};

type NodeSpans = {
	leadership: Open | undefined;
	/** Client requests by span context. */
	readonly requests: Map<unknown, Open>;
	viewChange: Open | undefined;
	/** With the (view, op) it asked for, to tell a resend from a new transfer. */
	stateTransfer: (Open & {readonly request: string}) | undefined;
	recovery: Open | undefined;
};

const durationBuckets = [
	0.0001, 0.000_25, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Open client requests per replica, at most: beyond it the oldest never saw its end. */
const maxOpenRequests = 10_000;

/** The events the spans are made of, and the operator's crash (which ends a replica's spans), by key. */
const on = {
	leadershipStart: vsrEventKey(events.leadershipStart),
	leadershipStop: vsrEventKey(events.leadershipStop),
	leadershipException: eventKey([...vsrEventName(events.leadership), 'exception']),
	clientRequestStart: vsrEventKey(events.clientRequestStart),
	clientRequestStop: vsrEventKey(events.clientRequestStop),
	clientRequestException: vsrEventKey(events.clientRequestException),
	viewChangeStart: vsrEventKey(events.viewChangeStart),
	voteReceived: vsrEventKey(events.voteReceived),
	doViewChangeSent: vsrEventKey(events.doViewChangeSent),
	doViewChangeReceived: vsrEventKey(events.doViewChangeReceived),
	viewChangeComplete: vsrEventKey(events.viewChangeComplete),
	stateTransferRequestSent: vsrEventKey(events.stateTransferRequestSent),
	snapshotSent: vsrEventKey(events.snapshotSent),
	snapshotReceived: vsrEventKey(events.snapshotReceived),
	recoveryStart: vsrEventKey(events.recoveryStart),
	recoveryResponseReceived: vsrEventKey(events.recoveryResponseReceived),
	recoveryComplete: vsrEventKey(events.recoveryComplete),
	operatorCrash: eventKey(operatorEvents.operatorCrash),
} as const;

const spanEventNames: readonly string[] = Object.values(on);

/** The span of a client request (a server span) is named after the catalogue's span prefix. */
const clientRequestSpan = vsrEventKey(events.clientRequest);

/** The whole catalogue (the operator's events among the additions). */
const allEventNames: readonly EventName[] = [...seedEvents, ...additionEvents];

/**
Starts turning telemetry events into OpenTelemetry spans and metrics (see the module's
description for what becomes what). Needs `@opentelemetry/api`, an optional peer dependency of
this package; install an SDK (or use `vsr-tui run --otlp URL`) to export what it makes.
*/
export function createOtelBridge(options: OtelBridgeOptions = {}): OtelBridge {
	return new Bridge(options);
}

class Bridge implements OtelBridge {
	readonly #tracer: Tracer;
	readonly #clock: Clock;
	readonly #nodes = new Map<number, NodeSpans>();
	readonly #counter: Counter | undefined;
	readonly #durations: Histogram;
	readonly #stop: () => void;

	constructor(options: OtelBridgeOptions) {
		this.#tracer = options.tracer ?? trace.getTracer('vsr-tui');
		const meter = options.meter ?? metrics.getMeter('vsr-tui');
		this.#clock = options.telemetry?.clock ?? realClock;
		this.#durations = meter.createHistogram('vsr.span.duration', {
			description: 'Duration of the protocol spans (client requests, leaderships, view changes…)',
			unit: 's',
			// From 100 µs (a request on an idle machine) to 10 s (a slow view change).
			advice: {explicitBucketBoundaries: durationBuckets},
		});
		const {counts} = options;
		const description = 'Telemetry events raised, by event name';
		if (counts) {
			meter
				.createObservableCounter('vsr.events', {
					description,
					unit: '{event}',
					valueType: ValueType.INT,
				})
				.addCallback((result) => {
					for (const [event, count] of counts()) {
						result.observe(count, {'vsr.event': event});
					}
				});
		} else {
			this.#counter = meter.createCounter('vsr.events', {
				description,
				unit: '{event}',
				valueType: ValueType.INT,
			});
		}

		const names = counts
			? spanEventNames
			: [...new Set([...allEventNames.map((event) => channelName(event)), ...spanEventNames])];
		this.#stop = options.telemetry
			? this.#attach(options.telemetry, names)
			: this.#subscribe(names);
	}

	close(): void {
		this.#stop();
		const now = this.#clock.systemTime();
		for (const node of this.#nodes.keys()) {
			this.#endAll(node, now, {'vsr.outcome': 'open at close'});
		}
	}

	#attach(bus: Telemetry, names: readonly string[]): () => void {
		const id = `vsr-tui-otel-${++bridges}`;
		bus.attachMany(
			id,
			names.map((name) => name.split('.')),
			(event, measurements, metadata) => {
				this.#onEvent(event, measurements, metadata);
			},
		);
		return () => {
			bus.detach(id);
		};
	}

	#subscribe(names: readonly string[]): () => void {
		const listener = (message: unknown) => {
			// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- what the bus publishes on these channels
			const {event, measurements, metadata} = message as ChannelMessage;
			this.#onEvent(event, measurements, metadata);
		};

		for (const name of names) {
			subscribe(name, listener);
		}

		return () => {
			for (const name of names) {
				unsubscribe(name, listener);
			}
		};
	}

	// eslint-disable-next-line complexity -- one case per event, each a line or two
	#onEvent(event: EventName, measurements: Measurements, metadata: Metadata): void {
		const name = event.join('.');
		this.#counter?.add(1, {'vsr.event': name});
		const node = nodeOf(metadata);
		if (node === undefined) {
			return;
		}

		switch (name) {
			case on.leadershipStart: {
				const spans = this.#spans(node);
				this.#end(spans.leadership, this.#clock.systemTime(), {'vsr.outcome': 'no stop seen'});
				spans.leadership = this.#start('vsr.leadership', measurements, metadata);
				break;
			}

			case on.leadershipStop:
			case on.leadershipException: {
				const spans = this.#spans(node);
				this.#stopSpan(spans.leadership, measurements, metadata);
				spans.leadership = undefined;
				break;
			}

			case on.clientRequestStart: {
				const spans = this.#spans(node);
				const context = metadata.telemetry_span_context;
				this.#end(spans.requests.get(context), this.#clock.systemTime(), {
					'vsr.outcome': 'no stop seen',
				});
				spans.requests.delete(context);
				if (spans.requests.size >= maxOpenRequests) {
					const [oldest] = spans.requests;
					spans.requests.delete(oldest![0]);
					this.#end(oldest![1], this.#clock.systemTime(), {'vsr.outcome': 'no stop seen'});
				}

				spans.requests.set(
					context,
					this.#start(clientRequestSpan, measurements, metadata, spans.leadership),
				);
				break;
			}

			case on.clientRequestStop:
			case on.clientRequestException: {
				const {requests} = this.#spans(node);
				const context = metadata.telemetry_span_context;
				this.#stopSpan(requests.get(context), measurements, metadata);
				requests.delete(context);
				break;
			}

			case on.viewChangeStart: {
				const spans = this.#spans(node);
				const now = this.#clock.systemTime();
				this.#end(spans.viewChange, now, {'vsr.outcome': 'superseded'});
				// A view change abandons a state transfer in progress.
				this.#end(spans.stateTransfer, now, {'vsr.outcome': 'abandoned'});
				spans.stateTransfer = undefined;
				spans.viewChange = this.#start('vsr.view_change', measurements, metadata);
				break;
			}

			case on.voteReceived:
			case on.doViewChangeSent:
			case on.doViewChangeReceived: {
				this.#addEvent(this.#spans(node).viewChange, event, metadata);
				break;
			}

			case on.viewChangeComplete: {
				const spans = this.#spans(node);
				this.#stopSpan(spans.viewChange, measurements, metadata, {'vsr.outcome': 'complete'});
				spans.viewChange = undefined;
				break;
			}

			case on.stateTransferRequestSent: {
				const spans = this.#spans(node);
				const request = `${String(metadata.view)}/${String(metadata.from_op)}`;
				if (spans.stateTransfer?.request === request) {
					this.#addEvent(spans.stateTransfer, event, metadata);
					break;
				}

				this.#end(spans.stateTransfer, this.#clock.systemTime(), {'vsr.outcome': 'superseded'});
				spans.stateTransfer = {
					...this.#start('vsr.state_transfer', measurements, metadata),
					request,
				};
				break;
			}

			case on.snapshotSent: {
				// The serving replica's side, on the span of the replica it serves.
				const {to} = metadata;
				const served = typeof to === 'number' ? this.#nodes.get(to)?.stateTransfer : undefined;
				this.#addEvent(served, event, metadata, measurements);
				break;
			}

			case on.snapshotReceived: {
				const spans = this.#spans(node);
				this.#stopSpan(spans.stateTransfer, measurements, metadata, {
					'vsr.outcome': 'complete',
					'vsr.entries': Number(measurements.entries ?? 0),
				});
				spans.stateTransfer = undefined;
				break;
			}

			case on.recoveryStart: {
				// A new incarnation: what its previous life left open never ends.
				const now = this.#clock.systemTime();
				this.#endAll(node, now, {'vsr.outcome': 'replica restarted'}, 'replica restarted');
				this.#spans(node).recovery = this.#start('vsr.recovery', measurements, metadata);
				break;
			}

			case on.recoveryResponseReceived: {
				this.#addEvent(this.#spans(node).recovery, event, metadata);
				break;
			}

			case on.recoveryComplete: {
				const spans = this.#spans(node);
				this.#stopSpan(spans.recovery, measurements, metadata, {'vsr.outcome': 'complete'});
				spans.recovery = undefined;
				break;
			}

			case on.operatorCrash: {
				const now = this.#clock.systemTime();
				this.#endAll(node, now, {'vsr.outcome': 'replica crashed'}, 'replica crashed');
				break;
			}

			default: {
				break;
			}
		}
	}

	#spans(node: number): NodeSpans {
		let spans = this.#nodes.get(node);
		if (spans === undefined) {
			spans = {
				leadership: undefined,
				requests: new Map(),
				viewChange: undefined,
				stateTransfer: undefined,
				recovery: undefined,
			};
			this.#nodes.set(node, spans);
		}

		return spans;
	}

	#start(name: string, measurements: Measurements, metadata: Metadata, parent?: Open): Open {
		const start = nanoseconds(measurements.system_time) ?? this.#clock.systemTime();
		const span = this.#tracer.startSpan(
			name,
			{
				kind: name === clientRequestSpan ? SpanKind.SERVER : SpanKind.INTERNAL,
				startTime: hrTime(start),
				attributes: attributesOf(metadata),
			},
			parent ? trace.setSpan(ROOT_CONTEXT, parent.span) : ROOT_CONTEXT,
		);
		return {span, name, start};
	}

	/** Ends a span at its start plus the event's `duration`, or now; an exception is an error. */
	#stopSpan(
		open: Open | undefined,
		measurements: Measurements,
		metadata: Metadata,
		extra?: Attributes,
	): void {
		if (open === undefined) {
			return;
		}

		const duration = nanoseconds(measurements.duration);
		const end = duration === undefined ? this.#clock.systemTime() : open.start + duration;
		open.span.setAttributes(attributesOf(metadata));
		const failed = metadata.kind !== undefined && metadata.reason !== undefined;
		this.#end(open, end, extra, failed ? String(metadata.reason) : undefined);
	}

	#end(open: Open | undefined, end: bigint, attributes?: Attributes, error?: string): void {
		if (open === undefined) {
			return;
		}

		if (attributes) {
			open.span.setAttributes(attributes);
		}

		if (error !== undefined) {
			open.span.setStatus({code: SpanStatusCode.ERROR, message: error});
		}

		const at = end < open.start ? open.start : end;
		open.span.end(hrTime(at));
		this.#durations.record(Number(at - open.start) / 1e9, {'vsr.span': open.name});
	}

	#endAll(node: number, now: bigint, attributes: Attributes, error?: string): void {
		const spans = this.#nodes.get(node);
		if (spans === undefined) {
			return;
		}

		for (const open of spans.requests.values()) {
			this.#end(open, now, attributes, error);
		}

		spans.requests.clear();
		for (const key of ['leadership', 'viewChange', 'stateTransfer', 'recovery'] as const) {
			this.#end(spans[key], now, attributes, error);
			spans[key] = undefined;
		}
	}

	#addEvent(
		open: Open | undefined,
		event: EventName,
		metadata: Metadata,
		measurements?: Measurements,
	): void {
		if (open === undefined) {
			return;
		}

		const attributes = attributesOf(metadata);
		for (const [key, value] of Object.entries(measurements ?? {})) {
			attributes[`vsr.${key}`] = Number(value);
		}

		// `view_change.vote_received`, `recovery.response_received` …: the name after the category.
		open.span.addEvent(event.slice(2).join('.'), attributes, hrTime(this.#clock.systemTime()));
	}
}

let bridges = 0;

/** The replica an event is about: `node_id` for replica events, `node` for the operator's. */
function nodeOf(metadata: Metadata): number | undefined {
	const node = metadata.node_id ?? metadata.node;
	return typeof node === 'number' ? node : undefined;
}
