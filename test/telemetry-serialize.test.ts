import {deepStrictEqual} from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import {parseEvent, serializeEvent} from '../source/telemetry/serialize.js';

test('serializes to one JSON line in event, measurements, metadata order', (t) => {
	const line = serializeEvent(
		['vsr', 'protocol', 'prepare', 'sent'],
		{count: 3, duration: 1500n},
		{node_id: 1, is_primary: true},
	);
	t.is(
		line,
		'{"event":["vsr","protocol","prepare","sent"],"measurements":{"count":3,"duration":1500},"metadata":{"node_id":1,"is_primary":true}}',
	);
	t.false(line.includes('\n'));
});

test('round trip keeps event, numbers and metadata', (t) => {
	const event = ['vsr', 'state', 'commit_advance'];
	const measurements = {count: 2, ratio: 0.5, negative: -4};
	const metadata = {from: 3, to: 4, nested: {list: [1, 'two', null]}, text: 'line\nbreak'};
	t.deepEqual(parseEvent(serializeEvent(event, measurements, metadata)), {
		event,
		measurements,
		metadata,
	});
});

test('bigints: safe ones become numbers, others decimal strings (bigints again in measurements)', (t) => {
	const huge = 2n ** 70n;
	const line = serializeEvent(
		['e'],
		{safe: 12n, huge, negativeHuge: -huge},
		{safe: 5n, huge, deep: {value: huge}},
	);
	t.true(line.includes('"safe":12'));
	t.true(line.includes(`"huge":"${huge}"`));
	t.true(line.includes(`"negativeHuge":"-${huge}"`));
	const parsed = parseEvent(line);
	t.deepEqual(parsed.measurements, {safe: 12, huge, negativeHuge: -huge});
	t.deepEqual(parsed.metadata, {safe: 5, huge: huge.toString(), deep: {value: huge.toString()}});
	// The limit is Number.MAX_SAFE_INTEGER itself.
	const edge = BigInt(Number.MAX_SAFE_INTEGER);
	t.deepEqual(parseEvent(serializeEvent(['e'], {edge, over: edge + 1n}, {})).measurements, {
		edge: Number.MAX_SAFE_INTEGER,
		over: edge + 1n,
	});
});

test('non-finite measurements survive; errors in metadata become strings', (t) => {
	const line = serializeEvent(
		['e'],
		{nan: Number.NaN, inf: Number.POSITIVE_INFINITY, ninf: Number.NEGATIVE_INFINITY},
		{reason: new TypeError('bad input'), inner: {error: new Error('x')}},
	);
	const parsed = parseEvent(line);
	t.true(Number.isNaN(parsed.measurements.nan));
	t.is(parsed.measurements.inf, Number.POSITIVE_INFINITY);
	t.is(parsed.measurements.ninf, Number.NEGATIVE_INFINITY);
	t.deepEqual(parsed.metadata, {reason: 'TypeError: bad input', inner: {error: 'Error: x'}});
});

test('serializing a measurement that is not a number fails clearly', (t) => {
	// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- a wrong input on purpose
	t.throws(() => serializeEvent(['e'], {bad: 'x' as unknown as number}, {}), {
		message: 'measurement bad must be a number or a bigint, got string',
	});
});

// [what, line, a fragment the error message must contain]
const malformed: Array<[string, string, string]> = [
	['not JSON', '{"event":', 'invalid JSON'],
	['empty line', '', 'invalid JSON'],
	['an array', '[]', 'expected a JSON object'],
	['null', 'null', 'expected a JSON object'],
	['missing event', '{"measurements":{},"metadata":{}}', '"event" must be a non-empty array'],
	['empty event', '{"event":[],"measurements":{},"metadata":{}}', '"event" must be a non-empty'],
	['non-string part', '{"event":["a",1],"measurements":{},"metadata":{}}', 'array of strings'],
	['missing measurements', '{"event":["a"],"metadata":{}}', '"measurements" must be an object'],
	['array measurements', '{"event":["a"],"measurements":[],"metadata":{}}', '"measurements"'],
	['null metadata', '{"event":["a"],"measurements":{},"metadata":null}', '"metadata" must be'],
	[
		'string measurement',
		'{"event":["a"],"measurements":{"d":"soon"},"metadata":{}}',
		'measurement "d" must be a number',
	],
	[
		'boolean measurement',
		'{"event":["a"],"measurements":{"d":true},"metadata":{}}',
		'measurement "d"',
	],
	[
		'hex measurement',
		'{"event":["a"],"measurements":{"d":"0x1f"},"metadata":{}}',
		'measurement "d" must be a number',
	],
	[
		'empty string measurement',
		'{"event":["a"],"measurements":{"d":""},"metadata":{}}',
		'measurement "d" must be a number',
	],
	[
		'unknown field',
		'{"event":["a"],"measurements":{},"metadata":{},"extra":1}',
		'unexpected field "extra"',
	],
	[
		'__proto__ measurement',
		'{"event":["a"],"measurements":{"__proto__":1},"metadata":{}}',
		'"__proto__" is not allowed',
	],
];

for (const [what, line, fragment] of malformed) {
	test(`parseEvent rejects ${what}`, (t) => {
		t.throws(() => parseEvent(line), {
			message: (message) =>
				message.startsWith('malformed telemetry event: ') && message.includes(fragment),
		});
	});
}

test('parseEvent quotes a shortened copy of a long bad line', (t) => {
	const error = t.throws(() => parseEvent(`[${'1,'.repeat(500)}1]`));
	t.true(error.message.includes('…'));
	t.true(error.message.length < 300);
});

test('property: parse(serialize(x)) gives x back, bigints by the documented rule', (t) => {
	const measurement = fc.oneof(
		fc
			.double({noNaN: true, noDefaultInfinity: true})
			.map((value) => (Object.is(value, -0) ? 0 : value)),
		fc.bigInt(),
	);
	const metadataValue = fc.jsonValue().map((value) => (Object.is(value, -0) ? 0 : value));
	const key = fc.string().filter((value) => value !== '__proto__');
	const details = fc.check(
		fc.property(
			fc.array(fc.string(), {minLength: 1, maxLength: 5}),
			fc.dictionary(key, measurement),
			fc.dictionary(key, metadataValue),
			(event, measurements, metadata) => {
				const parsed = parseEvent(serializeEvent(event, measurements, metadata));
				const expected = Object.fromEntries(
					Object.entries(measurements).map(([name, value]) => [
						name,
						typeof value === 'bigint' && Number.isSafeInteger(Number(value))
							? Number(value)
							: value,
					]),
				);
				// Node's assert throws, which lets fast-check shrink a failure.
				deepStrictEqual(parsed.event, event);
				deepStrictEqual(parsed.measurements, expected);
				// JSON's own round trip is the expectation (-0 becomes 0), not a deep clone.
				// eslint-disable-next-line unicorn/prefer-structured-clone
				deepStrictEqual(parsed.metadata, JSON.parse(JSON.stringify(metadata)) as unknown);
			},
		),
	);
	// Undefined when every run passed, else the shrunk counterexample.
	t.is(fc.defaultReportMessage(details), undefined);
});
