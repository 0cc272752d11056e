import {once} from 'node:events';
import {createServer} from 'node:http';
import {text} from 'node:stream/consumers';
import test, {type ExecutionContext} from 'ava';
import {Telemetry} from '../source/telemetry/telemetry.js';
import {startCluster} from '../source/ui/start-cluster.js';
import {lines, spawnCli} from './helpers/cli.js';

/**
`--otlp URL`: the official OTLP/HTTP exporters send JSON to `<URL>/v1/traces` and
`<URL>/v1/metrics`. A local receiver decodes what arrives and the tests read span names and
attributes from it, as a collector would.
*/

type AnyValue = {
	stringValue?: string;
	intValue?: number | string;
	boolValue?: boolean;
	doubleValue?: number;
};
type KeyValue = {key: string; value: AnyValue};
type OtlpSpan = {
	traceId: string;
	spanId: string;
	parentSpanId?: string;
	name: string;
	kind: number;
	attributes: KeyValue[];
	status?: {code?: number; message?: string};
	events?: Array<{name: string}>;
};
type Traces = {
	resourceSpans: Array<{
		resource: {attributes: KeyValue[]};
		scopeSpans: Array<{spans: OtlpSpan[]}>;
	}>;
};
type Metrics = {
	resourceMetrics: Array<{
		scopeMetrics: Array<{
			metrics: Array<{
				name: string;
				sum?: {
					dataPoints: Array<{attributes: KeyValue[]; asInt?: number | string; asDouble?: number}>;
				};
			}>;
		}>;
	}>;
};

/** The attribute's value as a plain JSON value (OTLP JSON writes 64-bit integers as strings). */
function value(attributes: readonly KeyValue[], key: string): unknown {
	const found = attributes.find((attribute) => attribute.key === key)?.value;
	if (found?.intValue !== undefined) {
		return Number(found.intValue);
	}

	return found?.stringValue ?? found?.boolValue ?? found?.doubleValue;
}

async function receiver(t: ExecutionContext) {
	const received: Array<{path: string; contentType: string; body: unknown}> = [];
	const server = createServer((request, response) => {
		void text(request).then((body) => {
			received.push({
				path: request.url ?? '',
				contentType: String(request.headers['content-type']),
				body: JSON.parse(body) as unknown,
			});
			response.writeHead(200, {'content-type': 'application/json'});
			response.end('{}');
		});
	});
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	t.teardown(() => {
		server.close();
	});
	const address = server.address();
	const port = typeof address === 'object' && address !== null ? address.port : 0;
	const spans = () =>
		received
			.filter((request) => request.path === '/v1/traces')
			.flatMap((request) =>
				// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- OTLP JSON; another shape fails the test
				(request.body as Traces).resourceSpans.flatMap((resource) =>
					resource.scopeSpans.flatMap((scope) => scope.spans),
				),
			);
	const metrics = () =>
		received
			.filter((request) => request.path === '/v1/metrics')
			.flatMap((request) =>
				// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- OTLP JSON; another shape fails the test
				(request.body as Metrics).resourceMetrics.flatMap((resource) =>
					resource.scopeMetrics.flatMap((scope) => scope.metrics),
				),
			);
	return {url: `http://127.0.0.1:${port}`, received, spans, metrics};
}

test("`vsr-tui run --otlp URL` sends the run's spans and metrics to the collector", async (t) => {
	const collector = await receiver(t);
	const result = await spawnCli(
		[
			'run',
			'--requests',
			'60',
			'--clients',
			'3',
			'--crash',
			'primary@20',
			'--restart',
			'0@40',
			'--json',
			'--otlp',
			collector.url,
		],
		{timeout: 180_000},
	);
	t.is(result.exitCode, 0, `stderr: ${String(result.stderr)}`);
	const summary: unknown = JSON.parse(String(result.stdout));
	t.like(summary, {acked: 60, linearizable: true});
	t.true(collector.received.every((request) => request.contentType === 'application/json'));

	const spans = collector.spans();
	const requests = spans.filter((span) => span.name === 'vsr.protocol.client_request');
	const committed = requests.filter((span) => span.status?.code !== 2);
	// Every acknowledged request was committed by some primary (retries after the crash may add
	// a span on the new primary for a request the old one had taken).
	t.true(committed.length >= 60, `${committed.length} committed client request spans`);
	const keys = new Set(
		committed.map(
			(span) =>
				`${String(value(span.attributes, 'vsr.client_id'))}/${String(value(span.attributes, 'vsr.request_number'))}`,
		),
	);
	t.is(keys.size, 60, 'each of the 60 requests has a span');
	t.true(
		committed.every((span) => span.kind === 2),
		'server spans',
	);
	t.true(committed.every((span) => value(span.attributes, 'vsr.is_primary') === true));
	t.true(committed.every((span) => typeof value(span.attributes, 'vsr.node_id') === 'number'));

	const leaderships = spans.filter((span) => span.name === 'vsr.leadership');
	t.true(leaderships.length >= 2, 'the first primary and the one after the crash');
	const leadershipIds = new Set(leaderships.map((span) => span.spanId));
	t.true(committed.every((span) => leadershipIds.has(span.parentSpanId ?? '')));

	const viewChanges = spans.filter((span) => span.name === 'vsr.view_change');
	t.true(viewChanges.some((span) => value(span.attributes, 'vsr.outcome') === 'complete'));
	t.true(viewChanges.every((span) => typeof value(span.attributes, 'vsr.new_view') === 'number'));
	const recovery = spans.find((span) => span.name === 'vsr.recovery');
	t.is(value(recovery?.attributes ?? [], 'vsr.node_id'), 0);
	t.is(value(recovery?.attributes ?? [], 'vsr.outcome'), 'complete');
	t.true(spans.some((span) => span.status?.message === 'replica crashed'));

	const events = collector.metrics().filter((metric) => metric.name === 'vsr.events');
	t.true(events.length > 0, 'the counts arrived as a metric');
	const points = events.at(-1)?.sum?.dataPoints ?? [];
	const count = (name: string) =>
		Number(points.find((point) => value(point.attributes, 'vsr.event') === name)?.asInt ?? 0);
	// The metric agrees with the spans: every commit a replica counted is a span, and every span
	// of a replica that did not crash is counted (what the crashed primary counted since its
	// last report died with it).
	const stops = count('vsr.protocol.client_request.stop');
	const crashed = value(
		leaderships.find((span) => span.status?.message === 'replica crashed')?.attributes ?? [],
		'vsr.node_id',
	);
	t.is(typeof crashed, 'number', 'the crashed primary ended its leadership with an error');
	const survivors = committed.filter((span) => value(span.attributes, 'vsr.node_id') !== crashed);
	t.true(survivors.length > 0);
	t.true(stops >= survivors.length, `${stops} counted, ${survivors.length} spans after the crash`);
	t.true(stops <= committed.length, `${stops} counted, ${committed.length} spans`);
	t.true(count('vsr.recovery.complete') >= 1);
});

test('the operator exports over OTLP too: a request submitted from the UI arrives as a span', async (t) => {
	const collector = await receiver(t);
	const operator = await startCluster(
		{replicas: 3, drop: 0, delay: 0, otlp: collector.url},
		new Telemetry(),
	);
	try {
		const outcome = await operator.submit({op: 'put', key: 'otlp', value: 'yes'});
		t.like(outcome.result, {ok: true});
	} finally {
		await operator.stop();
	}

	const request = collector.spans().find((span) => span.name === 'vsr.protocol.client_request');
	t.like(
		{
			client: value(request?.attributes ?? [], 'vsr.client_id'),
			number: value(request?.attributes ?? [], 'vsr.request_number'),
			node: value(request?.attributes ?? [], 'vsr.node_id'),
			view: value(request?.attributes ?? [], 'vsr.view_number'),
		},
		{number: 1, node: 0, view: 0},
	);
	const leadership = collector.spans().find((span) => span.name === 'vsr.leadership');
	t.is(value(leadership?.attributes ?? [], 'vsr.outcome'), 'open at close');
});

test('--otlp takes an http or https URL; anything else is a usage error', async (t) => {
	for (const [mode, bad] of [
		['run', 'ftp://example'],
		['run', 'localhost:4318'],
		[undefined, 'not a url'],
	] as const) {
		const result = await spawnCli([...(mode ? [mode] : []), '--otlp', bad]);
		t.is(result.exitCode, 2);
		t.deepEqual(lines(result.stderr), [
			`vsr-tui: --otlp must be an http:// or https:// URL (got ${JSON.stringify(bad)})`,
		]);
	}
});
