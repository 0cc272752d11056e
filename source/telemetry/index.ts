/**
The `:telemetry`-style event bus and the VSR event catalogue: attach handlers to events by name,
wrap work in spans, build the common metadata of a replica's state (`VsrTelemetry`), write and
read events as NDJSON. Every event is also published on its `diagnostics_channel`.

@packageDocumentation
@module vsr-tui/telemetry
*/
export {
	type Clock,
	type EventName,
	type Handler,
	type HandlerInfo,
	type Measurements,
	type Metadata,
	type SpanEventNames,
	type SpanToken,
	Telemetry,
	attach,
	attachMany,
	detach,
	exceptionKind,
	execute,
	handlerFailureEvent,
	listHandlers,
	realClock,
	span,
	telemetry,
} from './telemetry.js';
export {
	type OperatorEventName,
	type VsrEventName,
	type VsrEvents,
	type VsrFullEventName,
	type VsrSpanPrefix,
	additionEvents,
	events,
	operatorEvents,
	seedEvents,
	vsrEventName,
} from './catalogue.js';
export {
	type CommonMetadata,
	type VsrStateView,
	type VsrStatus,
	VsrTelemetry,
	commonMetadata,
} from './vsr-telemetry.js';
export {type SerializedEvent, parseEvent, serializeEvent} from './serialize.js';
export {type ChannelMessage, channelName, channelOf} from './channels.js';
