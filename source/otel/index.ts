/**
OpenTelemetry for the protocol: spans for client requests, leaderships, view changes, state
transfers and recoveries, and the event counts as metrics, from the telemetry events of any bus
(or of every bus in the process, through `diagnostics_channel`). Needs `@opentelemetry/api`
(an optional peer dependency) and, to send anything, an OpenTelemetry SDK; `startOtlpExport`
brings its own and sends over OTLP/HTTP, which is what `vsr-tui run --otlp URL` uses.

@packageDocumentation
@module vsr-tui/otel
*/
export {type OtelBridge, type OtelBridgeOptions, createOtelBridge} from './bridge.js';
export {type OtlpExport, type OtlpExportOptions, otlpEndpoint, startOtlpExport} from './otlp.js';
