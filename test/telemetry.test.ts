import test from 'ava';
import {
	type Clock,
	type EventName,
	type Measurements,
	type Metadata,
	Telemetry,
	attach,
	attachMany,
	detach,
	execute,
	handlerFailureEvent,
	listHandlers,
	realClock,
	span,
	telemetry,
} from '../source/telemetry/telemetry.js';

type Seen = {event: EventName; measurements: Measurements; metadata: Metadata; config: unknown};

function recorder() {
	const seen: Seen[] = [];
	const handler = (
		event: EventName,
		measurements: Measurements,
		metadata: Metadata,
		config: unknown,
	) => {
		seen.push({event, measurements, metadata, config});
	};

	return {seen, handler};
}

function fakeClock(start = 1000n) {
	let now = start;
	const clock: Clock = {
		monotonicTime: () => now,
		systemTime: () => 1_700_000_000_000_000_000n + now,
	};
	return {
		clock,
		advance(ns: bigint) {
			now += ns;
		},
	};
}

const names = (seen: readonly Seen[]) => seen.map((item) => item.event.join('.'));

test('attach delivers event, measurements, metadata and config', (t) => {
	const bus = new Telemetry();
	const {seen, handler} = recorder();
	const event = ['a', 'b'];
	bus.attach('h', event, handler, {level: 2});
	const measurements = {count: 3, big: 5n};
	const metadata = {who: 'x'};
	bus.execute(event, measurements, metadata);
	t.is(seen.length, 1);
	t.is(seen[0]!.event, event);
	t.is(seen[0]!.measurements, measurements);
	t.is(seen[0]!.metadata, metadata);
	t.deepEqual(seen[0]!.config, {level: 2});
});

test('execute only reaches handlers of that exact event', (t) => {
	const bus = new Telemetry();
	const {seen, handler} = recorder();
	bus.attach('h', ['a', 'b'], handler);
	bus.execute(['a'], {}, {});
	bus.execute(['a', 'b', 'c'], {}, {});
	bus.execute(['a', 'c'], {}, {});
	t.is(seen.length, 0);
	bus.execute(['a', 'b'], {}, {});
	t.is(seen.length, 1);
});

test('names are compared by content, not joined: ["a.b"] is not ["a", "b"]', (t) => {
	const bus = new Telemetry();
	const {seen, handler} = recorder();
	bus.attach('h', ['a.b'], handler);
	bus.execute(['a', 'b'], {}, {});
	t.is(seen.length, 0);
	bus.execute(['a.b'], {}, {});
	t.is(seen.length, 1);
});

test('an array executed before any attach still sees a later attach', (t) => {
	const bus = new Telemetry();
	const event = ['late', 'comer'];
	bus.attach('other', ['x'], () => undefined);
	bus.execute(event, {}, {});
	t.false(bus.hasHandlers(event));
	const {seen, handler} = recorder();
	bus.attach('h', ['late', 'comer'], handler);
	t.true(bus.hasHandlers(event));
	bus.execute(event, {}, {});
	t.is(seen.length, 1);
	bus.detach('h');
	t.false(bus.hasHandlers(event));
	bus.execute(event, {}, {});
	t.is(seen.length, 1);
});

test('duplicate handler id throws and leaves the first handler attached', (t) => {
	const bus = new Telemetry();
	const {seen, handler} = recorder();
	bus.attach('dup', ['a'], handler);
	t.throws(
		() => {
			bus.attach('dup', ['b'], handler);
		},
		{message: 'handler already exists: dup'},
	);
	t.throws(
		() => {
			bus.attachMany('dup', [['c']], handler);
		},
		{
			message: 'handler already exists: dup',
		},
	);
	bus.execute(['b'], {}, {});
	bus.execute(['a'], {}, {});
	t.deepEqual(names(seen), ['a']);
});

test('attach rejects an event name that is not an array of strings', (t) => {
	const bus = new Telemetry();
	t.throws(
		() => {
			// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- a wrong input on purpose
			bus.attach('h', 'a.b' as unknown as EventName, () => undefined);
		},
		{
			instanceOf: TypeError,
		},
	);
	t.throws(
		() => {
			// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- a wrong input on purpose
			bus.attach('h', [1] as unknown as EventName, () => undefined);
		},
		{
			instanceOf: TypeError,
		},
	);
	t.throws(
		() => {
			bus.attachMany('h', [], () => undefined);
		},
		{instanceOf: TypeError},
	);
	t.deepEqual(bus.listHandlers([]), []);
});

test('detach stops delivery and reports whether the id existed', (t) => {
	const bus = new Telemetry();
	const {seen, handler} = recorder();
	bus.attach('h', ['a'], handler);
	bus.execute(['a'], {}, {});
	t.true(bus.detach('h'));
	t.false(bus.detach('h'));
	t.false(bus.detach('never'));
	bus.execute(['a'], {}, {});
	t.is(seen.length, 1);
	// The id is free again.
	bus.attach('h', ['a'], handler);
	bus.execute(['a'], {}, {});
	t.is(seen.length, 2);
});

test('attachMany registers one id for several events and detach removes all', (t) => {
	const bus = new Telemetry();
	const {seen, handler} = recorder();
	bus.attachMany('many', [['a'], ['b', 'c']], handler, 'cfg');
	bus.execute(['a'], {}, {});
	bus.execute(['b', 'c'], {}, {});
	bus.execute(['b'], {}, {});
	t.deepEqual(names(seen), ['a', 'b.c']);
	t.deepEqual(
		seen.map((item) => item.config),
		['cfg', 'cfg'],
	);
	t.true(bus.detach('many'));
	bus.execute(['a'], {}, {});
	bus.execute(['b', 'c'], {}, {});
	t.is(seen.length, 2);
	t.deepEqual(bus.listHandlers([]), []);
});

test('listHandlers filters by prefix, keeps attach order and describes each handler', (t) => {
	const bus = new Telemetry();
	const h1 = () => undefined;
	const h2 = () => undefined;
	bus.attach('one', ['vsr', 'protocol', 'prepare', 'sent'], h1, 1);
	bus.attachMany('two', [['vsr', 'state', 'view_change'], ['other']], h2, 2);
	bus.attach('three', ['vsr', 'protocol', 'commit', 'sent'], h1);

	t.deepEqual(
		bus.listHandlers([]).map((info) => [info.id, info.eventName.join('.')]),
		[
			['one', 'vsr.protocol.prepare.sent'],
			['two', 'vsr.state.view_change'],
			['two', 'other'],
			['three', 'vsr.protocol.commit.sent'],
		],
	);
	t.deepEqual(
		bus.listHandlers(['vsr', 'protocol']).map((info) => info.id),
		['one', 'three'],
	);
	t.deepEqual(
		bus.listHandlers(['vsr', 'protocol', 'prepare', 'sent']).map((info) => info.id),
		['one'],
	);
	t.deepEqual(bus.listHandlers(['vsr', 'protocol', 'prepare', 'sent', 'more']), []);
	t.deepEqual(bus.listHandlers(['vsr', 'proto']), []);
	const [info] = bus.listHandlers(['other']);
	t.is(info?.function, h2);
	t.is(info?.config, 2);
	t.deepEqual(info?.eventName, ['other']);
});

test('handlers of one event run in attach order', (t) => {
	const bus = new Telemetry();
	const order: string[] = [];
	for (const id of ['first', 'second', 'third']) {
		bus.attach(id, ['e'], () => {
			order.push(id);
		});
	}

	bus.execute(['e'], {}, {});
	t.deepEqual(order, ['first', 'second', 'third']);
	// Re-attaching puts a handler last.
	bus.detach('first');
	bus.attach('first', ['e'], () => {
		order.push('first');
	});
	order.length = 0;
	bus.execute(['e'], {}, {});
	t.deepEqual(order, ['second', 'third', 'first']);
});

test('a throwing handler is detached, a failure event is emitted, the caller is unaffected', (t) => {
	const clock = fakeClock(42n);
	const bus = new Telemetry({clock: clock.clock});
	const failures = recorder();
	bus.attach('watch-failures', handlerFailureEvent, failures.handler);
	const after = recorder();
	const boom = new Error('boom');
	const event = ['e'];
	bus.attach(
		'bad',
		event,
		() => {
			throw boom;
		},
		{cfg: true},
	);
	bus.attach('good', event, after.handler);

	t.notThrows(() => {
		bus.execute(event, {}, {});
	});
	t.is(after.seen.length, 1, 'later handlers still run');
	t.deepEqual(
		bus.listHandlers(event).map((info) => info.id),
		['good'],
	);
	t.is(failures.seen.length, 1);
	const failure = failures.seen[0]!;
	t.deepEqual(failure.event, ['telemetry', 'handler', 'failure']);
	t.deepEqual(failure.measurements, {
		monotonic_time: 42n,
		system_time: 1_700_000_000_000_000_042n,
	});
	t.is(failure.metadata.event_name, event);
	t.is(failure.metadata.handler_id, 'bad');
	t.deepEqual(failure.metadata.handler_config, {cfg: true});
	t.is(failure.metadata.kind, 'error');
	t.is(failure.metadata.reason, boom);
	t.true(String(failure.metadata.stacktrace).includes('boom'));

	bus.execute(event, {}, {});
	t.is(failures.seen.length, 1, 'the failed handler is gone');
	t.is(after.seen.length, 2);
});

test('a handler throwing a non-Error is detached from all its events', (t) => {
	const bus = new Telemetry();
	const failures = recorder();
	bus.attach('watch', handlerFailureEvent, failures.handler);
	let calls = 0;
	bus.attachMany('bad', [['a'], ['b']], () => {
		calls++;
		// eslint-disable-next-line @typescript-eslint/only-throw-error
		throw 'nope';
	});
	bus.execute(['a'], {}, {});
	bus.execute(['b'], {}, {});
	t.is(calls, 1);
	t.is(failures.seen[0]?.metadata.reason, 'nope');
	t.is(failures.seen[0]?.metadata.stacktrace, '');
	t.deepEqual(
		bus.listHandlers([]).map((info) => info.id),
		['watch'],
	);
});

test('a failing failure handler is detached too, without looping', (t) => {
	const bus = new Telemetry();
	let calls = 0;
	bus.attach('bad-watch', handlerFailureEvent, () => {
		calls++;
		throw new Error('again');
	});
	bus.attach('bad', ['e'], () => {
		throw new Error('first');
	});
	t.notThrows(() => {
		bus.execute(['e'], {}, {});
	});
	t.is(calls, 1);
	t.deepEqual(bus.listHandlers([]), []);
});

test('detaching during dispatch is safe and takes effect at once', (t) => {
	const bus = new Telemetry();
	const order: string[] = [];
	bus.attach('self', ['e'], () => {
		order.push('self');
		bus.detach('self');
	});
	bus.attach('killer', ['e'], () => {
		order.push('killer');
		bus.detach('victim');
		bus.attach('newcomer', ['e'], () => {
			order.push('newcomer');
		});
	});
	bus.attach('victim', ['e'], () => {
		order.push('victim');
	});
	bus.attach('last', ['e'], () => {
		order.push('last');
	});

	bus.execute(['e'], {}, {});
	t.deepEqual(order, ['self', 'killer', 'last'], 'newcomer waits for the next event');
	order.length = 0;
	bus.detach('killer');
	bus.execute(['e'], {}, {});
	t.deepEqual(order, ['last', 'newcomer']);
});

test('hasHandlers follows attach and detach', (t) => {
	const bus = new Telemetry();
	t.false(bus.hasHandlers(['a']));
	bus.attach('h', ['a'], () => undefined);
	t.true(bus.hasHandlers(['a']));
	t.false(bus.hasHandlers(['a', 'b']));
	bus.detach('h');
	t.false(bus.hasHandlers(['a']));
});

test('span (sync) emits start and stop with shared context and ns durations', (t) => {
	const clock = fakeClock(1000n);
	const bus = new Telemetry({clock: clock.clock});
	const {seen, handler} = recorder();
	const prefix = ['work'];
	bus.attachMany(
		'h',
		[
			['work', 'start'],
			['work', 'stop'],
			['work', 'exception'],
		],
		handler,
	);

	const result = bus.span(prefix, {job: 7}, () => {
		clock.advance(250n);
		return 'done';
	});

	t.is(result, 'done');
	t.deepEqual(names(seen), ['work.start', 'work.stop']);
	const [start, stop] = seen;
	t.deepEqual(start!.measurements, {
		monotonic_time: 1000n,
		system_time: 1_700_000_000_000_001_000n,
	});
	t.deepEqual(stop!.measurements, {monotonic_time: 1250n, duration: 250n});
	t.is(start!.metadata.job, 7);
	t.is(stop!.metadata.job, 7);
	t.is(typeof start!.metadata.telemetry_span_context, 'number');
	t.is(start!.metadata.telemetry_span_context, stop!.metadata.telemetry_span_context);
});

test('span (sync) emits exception with kind, reason, stacktrace and rethrows', (t) => {
	const clock = fakeClock(0n);
	const bus = new Telemetry({clock: clock.clock});
	const {seen, handler} = recorder();
	bus.attachMany(
		'h',
		[
			['w', 'start'],
			['w', 'stop'],
			['w', 'exception'],
		],
		handler,
	);
	const error = new RangeError('bad range');

	const thrown = t.throws(() =>
		bus.span(['w'], {a: 1}, () => {
			clock.advance(9n);
			throw error;
		}),
	);
	t.is(thrown, error);
	t.deepEqual(names(seen), ['w.start', 'w.exception']);
	const exception = seen[1]!;
	t.deepEqual(exception.measurements, {monotonic_time: 9n, duration: 9n});
	t.is(exception.metadata.kind, 'error');
	t.is(exception.metadata.reason, error);
	t.true(String(exception.metadata.stacktrace).includes('bad range'));
	t.is(exception.metadata.a, 1);
	t.is(exception.metadata.telemetry_span_context, seen[0]!.metadata.telemetry_span_context);
});

test('span reports a thrown non-Error as kind "throw"', (t) => {
	const bus = new Telemetry();
	const {seen, handler} = recorder();
	bus.attach('h', ['w', 'exception'], handler);
	const value = {code: 3};
	const thrown = t.throws(
		() =>
			bus.span(['w'], {}, () => {
				// eslint-disable-next-line @typescript-eslint/only-throw-error
				throw value;
			}),
		{any: true},
	);
	t.true(Object.is(thrown, value));
	t.is(seen[0]?.metadata.kind, 'throw');
	t.is(seen[0]?.metadata.reason, value);
	t.is(seen[0]?.metadata.stacktrace, '');
});

test('span (async) emits stop when the promise resolves', async (t) => {
	const clock = fakeClock(100n);
	const bus = new Telemetry({clock: clock.clock});
	const {seen, handler} = recorder();
	bus.attachMany(
		'h',
		[
			['a', 'start'],
			['a', 'stop'],
			['a', 'exception'],
		],
		handler,
	);
	let release!: () => void;
	const gate = new Promise<void>((resolve) => {
		release = resolve;
	});

	const pending = bus.span(['a'], {}, async () => {
		await gate;
		clock.advance(1_000_000n);
		return 42;
	});
	t.deepEqual(names(seen), ['a.start'], 'no stop before the promise settles');
	release();
	t.is(await pending, 42);
	t.deepEqual(names(seen), ['a.start', 'a.stop']);
	t.deepEqual(seen[1]!.measurements, {monotonic_time: 1_000_100n, duration: 1_000_000n});
	t.is(seen[0]!.metadata.telemetry_span_context, seen[1]!.metadata.telemetry_span_context);
});

test('span (async) emits exception when the promise rejects and rejects the same way', async (t) => {
	const clock = fakeClock(0n);
	const bus = new Telemetry({clock: clock.clock});
	const {seen, handler} = recorder();
	bus.attachMany(
		'h',
		[
			['a', 'start'],
			['a', 'stop'],
			['a', 'exception'],
		],
		handler,
	);
	const error = new Error('async boom');

	await t.throwsAsync(
		bus.span(['a'], {}, async () => {
			await Promise.resolve();
			clock.advance(5n);
			throw error;
		}),
		{is: error},
	);
	t.deepEqual(names(seen), ['a.start', 'a.exception']);
	t.deepEqual(seen[1]!.measurements, {monotonic_time: 5n, duration: 5n});
	t.is(seen[1]!.metadata.kind, 'error');
	t.is(seen[1]!.metadata.reason, error);
});

test('span contexts are unique and increase on one bus', (t) => {
	const bus = new Telemetry();
	const {seen, handler} = recorder();
	bus.attach('h', ['s', 'start'], handler);
	bus.span(['s'], {}, () => 1);
	bus.span(['s'], {}, () => 2);
	bus.spanStart(['s'], {});
	const contexts = seen.map((item) => Number(item.metadata.telemetry_span_context));
	t.is(contexts.length, 3);
	t.true(contexts[0]! < contexts[1]! && contexts[1]! < contexts[2]!);
});

test('span without handlers runs the function and passes results and errors through', async (t) => {
	const bus = new Telemetry();
	bus.attach('unrelated', ['x'], () => undefined);
	t.is(
		bus.span(['s'], {}, () => 'plain'),
		'plain',
	);
	t.is(await bus.span(['s'], {}, async () => 'later'), 'later');
	t.throws(
		() =>
			bus.span(['s'], {}, () => {
				throw new Error('through');
			}),
		{message: 'through'},
	);
});

test('manual spans: spanStop merges metadata, spanException adds kind/reason/stacktrace', (t) => {
	const clock = fakeClock(10n);
	const bus = new Telemetry({clock: clock.clock});
	const {seen, handler} = recorder();
	bus.attachMany(
		'h',
		[
			['req', 'start'],
			['req', 'stop'],
			['req', 'exception'],
		],
		handler,
	);

	const token = bus.spanStart(['req'], {client_id: 1});
	t.is(token.start, 10n);
	t.deepEqual(token.prefix, ['req']);
	t.is(token.metadata.telemetry_span_context, token.context);
	clock.advance(30n);
	bus.spanStop(token, {reply: 'ok'});
	t.deepEqual(seen[1]!.measurements, {monotonic_time: 40n, duration: 30n});
	t.deepEqual(seen[1]!.metadata, {
		client_id: 1,
		reply: 'ok',
		telemetry_span_context: token.context,
	});

	const second = bus.spanStart(['req'], {client_id: 2});
	t.not(second.context, token.context);
	clock.advance(5n);
	bus.spanException(second, 'lost_primacy', 'view changed', undefined, {view: 3});
	t.deepEqual(names(seen), ['req.start', 'req.stop', 'req.start', 'req.exception']);
	t.deepEqual(seen[3]!.measurements, {monotonic_time: 45n, duration: 5n});
	t.deepEqual(seen[3]!.metadata, {
		client_id: 2,
		view: 3,
		telemetry_span_context: second.context,
		kind: 'lost_primacy',
		reason: 'view changed',
		stacktrace: '',
	});
});

test('spanStop without extra metadata reuses the start metadata', (t) => {
	const bus = new Telemetry();
	const {seen, handler} = recorder();
	bus.attachMany(
		'h',
		[
			['r', 'start'],
			['r', 'stop'],
		],
		handler,
	);
	const token = bus.spanStart(['r'], {k: 'v'});
	bus.spanStop(token);
	t.is(seen[1]!.metadata, seen[0]!.metadata);
	t.deepEqual(seen[1]!.metadata, {k: 'v', telemetry_span_context: token.context});
});

test('the default bus is shared by the bound functions', (t) => {
	const {seen, handler} = recorder();
	const event = ['default-bus-test', 'e'];
	attach('default-bus-test', event, handler, 'c');
	try {
		t.true(telemetry.hasHandlers(event));
		t.deepEqual(
			listHandlers(['default-bus-test']).map((info) => info.id),
			['default-bus-test'],
		);
		execute(event, {n: 1}, {});
		t.deepEqual(seen[0]?.measurements, {n: 1});
		t.is(seen[0]?.config, 'c');
	} finally {
		t.true(detach('default-bus-test'));
	}

	attachMany('default-bus-span', [['default-bus-span', 'stop']], handler);
	try {
		t.is(
			span(['default-bus-span'], {}, () => 5),
			5,
		);
		t.deepEqual(seen.at(-1)?.event, ['default-bus-span', 'stop']);
	} finally {
		detach('default-bus-span');
	}

	t.false(telemetry.hasHandlers(event));
});

test('the real clock gives bigint nanoseconds', (t) => {
	const before = realClock.monotonicTime();
	const wall = realClock.systemTime();
	const after = realClock.monotonicTime();
	t.is(typeof before, 'bigint');
	t.true(after >= before);
	const wallMs = Number(wall / 1_000_000n);
	t.true(Math.abs(wallMs - Date.now()) < 1000);
	t.is(new Telemetry().clock, realClock);
});
