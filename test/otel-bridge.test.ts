import {SpanKind, SpanStatusCode} from '@opentelemetry/api';
import {
	AggregationTemporality,
	DataPointType,
	InMemoryMetricExporter,
	type MetricData,
	MeterProvider,
	PeriodicExportingMetricReader,
	type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import {
	BasicTracerProvider,
	InMemorySpanExporter,
	type ReadableSpan,
	SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import test from 'ava';
import {createOtelBridge, type OtelBridgeOptions} from '../source/otel/bridge.js';
import {Simulation} from '../source/sim/simulation.js';
import {operatorEvents} from '../source/telemetry/catalogue.js';
import {type Clock, Telemetry} from '../source/telemetry/telemetry.js';
import {VsrTelemetry} from '../source/telemetry/vsr-telemetry.js';
import type {Request} from '../source/vsr/messages.js';
import {Replica} from '../source/vsr/replica.js';

/** The SDK with its in-memory exporters: real spans and metrics, read back in the test. */
function sdk() {
	const spans = new InMemorySpanExporter();
	const tracerProvider = new BasicTracerProvider({
		spanProcessors: [new SimpleSpanProcessor(spans)],
	});
	const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
	const reader = new PeriodicExportingMetricReader({
		exporter: metricExporter,
		exportIntervalMillis: 3_600_000,
	});
	const meterProvider = new MeterProvider({readers: [reader]});
	const bridge = (options: Omit<OtelBridgeOptions, 'tracer' | 'meter'>) =>
		createOtelBridge({
			...options,
			tracer: tracerProvider.getTracer('test'),
			meter: meterProvider.getMeter('test'),
		});
	return {
		bridge,
		spans: () => spans.getFinishedSpans(),
		async metrics() {
			await meterProvider.forceFlush();
			return (
				metricExporter
					.getMetrics()
					.at(-1)
					?.scopeMetrics.flatMap((scope) => scope.metrics) ?? []
			);
		},
		async shutdown() {
			await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
		},
	};
}

/** The metric of that name when it is a sum (a counter's data). */
function sumOf(metrics: readonly MetricData[], name: string): SumMetricData | undefined {
	const metric = metrics.find((candidate) => candidate.descriptor.name === name);
	return metric?.dataPointType === DataPointType.SUM ? metric : undefined;
}

const named = (spans: readonly ReadableSpan[], name: string) =>
	spans.filter((span) => span.name === name);

/** A clock the test moves by hand (ns). */
function manualClock(): Clock & {advance(ns: bigint): void} {
	let now = 1_700_000_000_000_000_000n;
	return {
		monotonicTime: () => now,
		systemTime: () => now,
		advance(ns) {
			now += ns;
		},
	};
}

const request = (requestNumber: number): Request => ({
	type: 'request',
	clientId: 3,
	requestNumber,
	operation: {op: 'put', key: 'k', value: String(requestNumber)},
});

test('a client request is a server span inside the leadership of its primary, timed by its events', async (t) => {
	const otel = sdk();
	const clock = manualClock();
	const bus = new Telemetry({clock});
	const bridge = otel.bridge({telemetry: bus});
	const started = clock.systemTime();
	// A single replica is primary of view 0 from the start, and commits at once.
	const replica = new Replica({id: 0, replicaCount: 1, telemetry: new VsrTelemetry(bus)});
	clock.advance(5_000_000n);
	replica.onMessage(request(1));
	// A lone replica commits at once: the request's span has ended, the leadership goes on.
	t.deepEqual(
		otel.spans().map((span) => span.name),
		['vsr.protocol.client_request'],
	);
	bridge.close();

	const [leadership] = named(otel.spans(), 'vsr.leadership');
	const [client] = named(otel.spans(), 'vsr.protocol.client_request');
	t.truthy(leadership);
	t.truthy(client);
	t.is(client!.kind, SpanKind.SERVER);
	t.is(client!.parentSpanContext?.spanId, leadership!.spanContext().spanId);
	t.is(client!.spanContext().traceId, leadership!.spanContext().traceId);
	t.like(client!.attributes, {
		'vsr.node_id': 0,
		'vsr.view_number': 0,
		'vsr.status': 'normal',
		'vsr.is_primary': true,
		'vsr.client_id': 3,
		'vsr.request_number': 1,
		'vsr.commit_number': 1,
	});
	t.is(client!.status.code, SpanStatusCode.UNSET);
	// The span starts at the start event's system_time: 5 ms after the leadership began.
	const ns = ([seconds, nanos]: readonly [number, number]) =>
		BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
	t.is(ns(leadership!.startTime), started);
	t.is(ns(client!.startTime), started + 5_000_000n);
	t.true(ns(client!.endTime) >= ns(client!.startTime));
	t.like(leadership!.attributes, {'vsr.outcome': 'open at close', 'vsr.node_id': 0});
	await otel.shutdown();
});

test('a run of the simulator under faults: spans for every kind, the counts as metrics', async (t) => {
	const otel = sdk();
	const simulation = new Simulation({seed: 3, replicas: 3, ops: 200, faults: 'heavy'});
	const seen = new Map<string, number>();
	simulation.telemetry.attachMany(
		'count',
		[
			['vsr', 'protocol', 'client_request', 'stop'],
			['vsr', 'protocol', 'client_request', 'exception'],
			['vsr', 'view_change', 'complete'],
			['vsr', 'recovery', 'complete'],
			['vsr', 'state_transfer', 'snapshot_received'],
			['vsr', 'protocol', 'prepare', 'sent'],
		],
		(event) => {
			const key = event.join('.');
			seen.set(key, (seen.get(key) ?? 0) + 1);
		},
	);
	const bridge = otel.bridge({telemetry: simulation.telemetry});
	const result = simulation.run();
	t.is(result.violation, undefined);
	bridge.close();
	const spans = otel.spans();

	const requests = named(spans, 'vsr.protocol.client_request');
	const ok = requests.filter((span) => span.status.code !== SpanStatusCode.ERROR);
	t.is(
		ok.length,
		seen.get('vsr.protocol.client_request.stop') ?? 0,
		'one span per reply after a commit',
	);
	const failed = requests.filter((span) => span.status.code === SpanStatusCode.ERROR);
	// Dropped requests (an op that failed, a deposed primary) carry the reason as their status.
	const dropped = failed.filter((span) => span.attributes['vsr.kind'] === 'error');
	t.is(dropped.length, seen.get('vsr.protocol.client_request.exception') ?? 0);
	t.true(dropped.every((span) => span.status.message === span.attributes['vsr.reason']));
	t.true(dropped.some((span) => span.status.message === 'malformed put: value must be a string'));
	const leaderships = new Map(
		named(spans, 'vsr.leadership').map((span) => [span.spanContext().spanId, span]),
	);
	for (const span of requests) {
		const parent = leaderships.get(span.parentSpanContext?.spanId ?? '');
		t.truthy(parent, 'every client request is a child of a leadership');
		t.is(parent?.attributes['vsr.node_id'], span.attributes['vsr.node_id']);
	}

	const viewChanges = named(spans, 'vsr.view_change');
	const completed = viewChanges.filter((span) => span.attributes['vsr.outcome'] === 'complete');
	t.is(completed.length, seen.get('vsr.view_change.complete') ?? 0);
	t.true(completed.every((span) => typeof span.attributes['vsr.new_view'] === 'number'));
	t.true(viewChanges.some((span) => span.events.some((event) => event.name === 'vote_received')));
	const recoveries = named(spans, 'vsr.recovery');
	t.is(
		recoveries.filter((span) => span.attributes['vsr.outcome'] === 'complete').length,
		seen.get('vsr.recovery.complete') ?? 0,
	);
	t.true(
		recoveries.some((span) => span.events.some((event) => event.name === 'response_received')),
	);
	const transfers = named(spans, 'vsr.state_transfer');
	t.is(
		transfers.filter((span) => span.attributes['vsr.outcome'] === 'complete').length,
		seen.get('vsr.state_transfer.snapshot_received') ?? 0,
	);
	t.true(transfers.length > 0);
	// Crashes end the spans of the crashed replica with an error.
	t.true(spans.some((span) => span.status.message === 'replica crashed'));

	const metrics = await otel.metrics();
	const counter = sumOf(metrics, 'vsr.events');
	t.is(counter?.dataPointType, DataPointType.SUM);
	const prepares = counter?.dataPoints.find(
		(point) => point.attributes['vsr.event'] === 'vsr.protocol.prepare.sent',
	);
	t.is(prepares?.value, seen.get('vsr.protocol.prepare.sent'));
	const durations = metrics.find((metric) => metric.descriptor.name === 'vsr.span.duration');
	t.is(durations?.descriptor.unit, 's');
	t.true(durations?.dataPoints.some((point) => point.attributes['vsr.span'] === 'vsr.view_change'));
	await otel.shutdown();
});

test('with counts given, the metric reads them and the bridge listens to span events only', async (t) => {
	const otel = sdk();
	const bus = new Telemetry();
	otel.bridge({
		telemetry: bus,
		counts: () =>
			new Map([
				['vsr.protocol.prepare.sent', 41],
				['vsr.timer.heartbeat_sent', 7],
			]),
	});
	t.false(bus.hasHandlers(['vsr', 'protocol', 'prepare', 'sent']));
	t.true(bus.hasHandlers(['vsr', 'view_change', 'start']));
	const metrics = await otel.metrics();
	const counter = sumOf(metrics, 'vsr.events');
	t.deepEqual(
		counter?.dataPoints.map((point) => [point.attributes['vsr.event'], point.value]),
		[
			['vsr.protocol.prepare.sent', 41],
			['vsr.timer.heartbeat_sent', 7],
		],
	);
	await otel.shutdown();
});

test('without a bus, the bridge hears every bus in the process through diagnostics_channel', async (t) => {
	const otel = sdk();
	const bridge = otel.bridge({});
	const bus = new Telemetry();
	t.false(bus.hasAnyHandlers());
	const replica = new Replica({id: 0, replicaCount: 1, telemetry: new VsrTelemetry(bus)});
	replica.onMessage(request(1));
	replica.onMessage(request(2));
	// The operator crashes the replica: its open leadership ends with an error.
	bus.execute(operatorEvents.operatorCrash, {}, {node: 0});
	bridge.close();
	const spans = otel.spans();
	t.deepEqual(
		named(spans, 'vsr.protocol.client_request').map(
			(span) => span.attributes['vsr.request_number'],
		),
		[1, 2],
	);
	const [leadership] = named(spans, 'vsr.leadership');
	t.like(leadership?.status, {code: SpanStatusCode.ERROR, message: 'replica crashed'});
	t.is(leadership?.attributes['vsr.outcome'], 'replica crashed');
	// Closed: another bus's events reach nothing any more.
	const later = new Replica({id: 0, replicaCount: 1, telemetry: new VsrTelemetry(new Telemetry())});
	later.onMessage(request(1));
	t.is(otel.spans().length, spans.length);
	await otel.shutdown();
});
