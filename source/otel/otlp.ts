/**
Export over OTLP/HTTP (`--otlp URL`): the bridge's spans and metrics, sent with the official
OpenTelemetry exporters (JSON over HTTP) to a collector, Jaeger, or anything that speaks OTLP.
The SDK is loaded only when an export starts, so the CLI starts as fast without one.
*/
import type {Telemetry} from '../telemetry/telemetry.js';
import {type OtelBridge, createOtelBridge} from './bridge.js';

/** Options of {@link startOtlpExport}. */
export type OtlpExportOptions = {
	/**
	The collector's base URL, e.g. `http://localhost:4318`: spans go to `<url>/v1/traces` and
	metrics to `<url>/v1/metrics`.
	*/
	readonly url: string;
	/** The bus whose events are exported. */
	readonly telemetry: Telemetry;
	/** The protocol's event counts (see `OtelBridgeOptions.counts`). */
	readonly counts?: () => Iterable<readonly [string, number]>;
	/** The `service.name` of the resource (default `vsr-tui`). */
	readonly serviceName?: string;
	/** How often metrics are sent, in ms (default 5000; they are sent once more at the end). */
	readonly metricsIntervalMs?: number;
};

/** A running export. */
export type OtlpExport = {
	readonly bridge: OtelBridge;
	/** Ends the open spans, sends everything still buffered and the final metrics, and stops. */
	shutdown(): Promise<void>;
};

/** The URL's path with `/v1/<signal>` appended (a trailing slash is dropped first). */
export function otlpEndpoint(url: string, signal: 'traces' | 'metrics'): string {
	const parsed = new URL(url);
	parsed.pathname = `${parsed.pathname.replace(/\/+$/v, '')}/v1/${signal}`;
	return parsed.toString();
}

/** Starts exporting the bus's spans and metrics to the collector at `url`. */
export async function startOtlpExport(options: OtlpExportOptions): Promise<OtlpExport> {
	const [
		{BasicTracerProvider, BatchSpanProcessor},
		{MeterProvider, PeriodicExportingMetricReader},
		{OTLPTraceExporter},
		{OTLPMetricExporter},
		{resourceFromAttributes},
	] = await Promise.all([
		import('@opentelemetry/sdk-trace-base'),
		import('@opentelemetry/sdk-metrics'),
		import('@opentelemetry/exporter-trace-otlp-http'),
		import('@opentelemetry/exporter-metrics-otlp-http'),
		import('@opentelemetry/resources'),
	]);
	const resource = resourceFromAttributes({'service.name': options.serviceName ?? 'vsr-tui'});
	const tracerProvider = new BasicTracerProvider({
		resource,
		spanProcessors: [
			new BatchSpanProcessor(new OTLPTraceExporter({url: otlpEndpoint(options.url, 'traces')})),
		],
	});
	const meterProvider = new MeterProvider({
		resource,
		readers: [
			new PeriodicExportingMetricReader({
				exporter: new OTLPMetricExporter({url: otlpEndpoint(options.url, 'metrics')}),
				exportIntervalMillis: options.metricsIntervalMs ?? 5000,
			}),
		],
	});
	const bridge = createOtelBridge({
		telemetry: options.telemetry,
		tracer: tracerProvider.getTracer('vsr-tui'),
		meter: meterProvider.getMeter('vsr-tui'),
		counts: options.counts,
	});
	let stopping: Promise<void> | undefined;
	return {
		bridge,
		async shutdown() {
			stopping ??= (async () => {
				bridge.close();
				// Shutting down flushes: the spans still batched, then the metrics once more.
				await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
			})();
			return stopping;
		},
	};
}
