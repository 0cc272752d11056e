/**
A TypeScript counterpart of Erlang's `:telemetry`.

Units: every time this module produces (`monotonic_time`, `system_time`, `duration`, and the
`start` of a `SpanToken`) is a `bigint` in nanoseconds read from the bus's `Clock`.
`monotonic_time` only makes sense relative to other readings of the same clock;
`system_time` is nanoseconds since the Unix epoch.

Event names are arrays of strings. The bus remembers what it learnt about an array by its
identity, so an event name must not be mutated once it has been passed in (like an Erlang list,
it is treated as a value). Reusing the same array (the catalogue's constants) is what makes
`execute` cheap.

Every event is also published on the `diagnostics_channel` of its name (see channels.ts), while
that channel has a subscriber; "listened" below means a handler on this bus or such a subscriber.
*/
import type {Channel} from 'node:diagnostics_channel';
import {type ChannelMessage, channelOf} from './channels.js';
import type {EventName, Measurements, Metadata} from './event.js';

export type {EventName, Measurements, Metadata} from './event.js';
/** Called with every event it is attached to, and the `config` given to `attach`. */
export type Handler<C = unknown> = (
	event: EventName,
	measurements: Measurements,
	metadata: Metadata,
	config: C,
) => void;

/** Both readings are `bigint` nanoseconds. */
export type Clock = {
	/** Nanoseconds from an arbitrary origin that never goes back: for durations. */
	monotonicTime(): bigint;
	/** Nanoseconds since the Unix epoch. */
	systemTime(): bigint;
};

/** The process's clocks: `process.hrtime` for monotonic time, `Date.now` for system time. */
export const realClock: Clock = Object.freeze({
	monotonicTime: () => process.hrtime.bigint(),
	systemTime: () => BigInt(Date.now()) * 1_000_000n,
});

/** An attached handler, as `listHandlers` describes it (the fields of Erlang's handler map). */
export type HandlerInfo = {id: string; eventName: EventName; function: Handler; config: unknown};

/**
Returned by `spanStart`. `start` is the bus's monotonic time (ns) at the start event;
`metadata` is what the start event carried, `telemetry_span_context` included.
*/
export type SpanToken = {
	prefix: EventName;
	start: bigint;
	context: number;
	metadata: Metadata;
};

/**
Emitted when a handler throws (it is detached first): metadata `event_name`, `handler_id`,
`handler_config`, `kind`, `reason`, `stacktrace`.
*/
export const handlerFailureEvent: EventName = Object.freeze(['telemetry', 'handler', 'failure']);

type Entry = {
	readonly id: string;
	readonly eventName: EventName;
	readonly handler: Handler;
	readonly config: unknown;
	// Cleared on detach so that a dispatch already iterating a snapshot skips it.
	attached: boolean;
};

// Handlers of one event. `handlers` is replaced, never mutated, so a dispatch can iterate the
// array it read while handlers attach or detach. `channel`: the event's diagnostics channel.
type Slot = {handlers: readonly Entry[]; readonly channel: Channel};

/** The three event names of a span prefix. */
export type SpanEventNames = {
	readonly start: EventName;
	readonly stop: EventName;
	readonly exception: EventName;
};

const emptyHandlers: readonly Entry[] = Object.freeze([]);

// JSON keeps ['a.b'] and ['a', 'b'] apart, which a join would not.
const keyOf = (event: EventName): string => JSON.stringify(event);

const checkEventName = (event: unknown): EventName => {
	if (!Array.isArray(event) || !event.every((part) => typeof part === 'string')) {
		throw new TypeError(`event name must be an array of strings, got ${String(event)}`);
	}

	return Object.freeze([...event]);
};

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
	(typeof value === 'object' || typeof value === 'function') &&
	value !== null &&
	typeof (value as {then?: unknown}).then === 'function';

/** `kind` of an exception event: 'error' for an Error, 'throw' for any other thrown value. */
export const exceptionKind = (reason: unknown): 'error' | 'throw' =>
	reason instanceof Error ? 'error' : 'throw';

const stacktraceOf = (reason: unknown): string =>
	reason instanceof Error && typeof reason.stack === 'string' ? reason.stack : '';

/**
An event bus with the semantics of Erlang's `:telemetry`: handlers attach to event names by id,
`execute` calls them in attach order, a handler that throws is detached and reported, and
`span` wraps a function in start and stop (or exception) events. Besides its handlers, every
event goes to its `diagnostics_channel` while that has a subscriber.
*/
export class Telemetry {
	/** Where the bus reads the times it reports (the simulator gives it virtual time). */
	readonly clock: Clock;
	readonly #slotsByKey = new Map<string, Slot>();
	readonly #slotByArray = new WeakMap<EventName, Slot>();
	readonly #spanNames = new WeakMap<EventName, SpanEventNames>();
	// Insertion order is attach order, which listHandlers keeps.
	readonly #entriesById = new Map<string, readonly Entry[]>();
	// Number of (id, event) pairs: zero lets execute return before any lookup.
	#entryCount = 0;
	#lastSpanContext = 0;

	constructor(options: {clock?: Clock} = {}) {
		this.clock = options.clock ?? realClock;
	}

	/** Throws `Error('handler already exists: <id>')` when `id` is attached already. */
	attach<C>(id: string, event: EventName, handler: Handler<C>, config?: C): void {
		this.attachMany(id, [event], handler, config);
	}

	/** One handler id for several events; `detach(id)` removes it from all of them. */
	attachMany<C>(id: string, events: readonly EventName[], handler: Handler<C>, config?: C): void {
		if (typeof id !== 'string') {
			throw new TypeError('handler id must be a string');
		}

		if (typeof handler !== 'function') {
			throw new TypeError('handler must be a function');
		}

		if (!Array.isArray(events) || events.length === 0) {
			throw new TypeError('attachMany needs at least one event name');
		}

		if (this.#entriesById.has(id)) {
			throw new Error(`handler already exists: ${id}`);
		}

		const names = events.map((event) => checkEventName(event));
		const entries: Entry[] = [];
		const seen = new Set<string>();
		for (const eventName of names) {
			const key = keyOf(eventName);
			if (seen.has(key)) {
				continue;
			}

			seen.add(key);
			// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- only ever called with its own config
			const entry: Entry = {id, eventName, handler: handler as Handler, config, attached: true};
			entries.push(entry);
			const slot = this.#slotForKey(key, eventName);
			slot.handlers = [...slot.handlers, entry];
		}

		this.#entriesById.set(id, Object.freeze(entries));
		this.#entryCount += entries.length;
	}

	/** Returns false when no handler has this id. */
	detach(id: string): boolean {
		const entries = this.#entriesById.get(id);
		if (entries === undefined) {
			return false;
		}

		this.#entriesById.delete(id);
		this.#entryCount -= entries.length;
		for (const entry of entries) {
			entry.attached = false;
			const slot = this.#slotForKey(keyOf(entry.eventName), entry.eventName);
			const rest = slot.handlers.filter((other) => other !== entry);
			slot.handlers = rest.length === 0 ? emptyHandlers : rest;
		}

		return true;
	}

	/** Handlers whose event name starts with `prefix` (`[]` lists them all), in attach order. */
	listHandlers(prefix: EventName): HandlerInfo[] {
		const result: HandlerInfo[] = [];
		for (const entries of this.#entriesById.values()) {
			for (const entry of entries) {
				if (startsWith(entry.eventName, prefix)) {
					result.push({
						id: entry.id,
						eventName: entry.eventName,
						function: entry.handler,
						config: entry.config,
					});
				}
			}
		}

		return result;
	}

	/** Whether any handler is attached at all: a wrapper may skip its own lookups when none is. */
	hasAnyHandlers(): boolean {
		return this.#entryCount !== 0;
	}

	/** Cheap enough to call before building metadata on a hot path. */
	hasHandlers(event: EventName): boolean {
		return this.#entryCount !== 0 && this.#slot(event).handlers.length > 0;
	}

	/**
	Whether a handler on this bus or a `diagnostics_channel` subscriber listens to `event`: what
	`execute` would reach. Cheap enough to call before building metadata on a hot path.
	*/
	isListened(event: EventName): boolean {
		const slot = this.#slot(event);
		return slot.handlers.length > 0 || slot.channel.hasSubscribers;
	}

	/** `isListened` for the start, stop or exception event of the span `prefix`. */
	isSpanListened(prefix: EventName): boolean {
		const names = this.#namesFor(prefix);
		return (
			this.isListened(names.start) ||
			this.isListened(names.stop) ||
			this.isListened(names.exception)
		);
	}

	/** Whether a handler on this bus listens to the start, stop or exception event of `prefix`. */
	hasSpanHandlers(prefix: EventName): boolean {
		if (this.#entryCount === 0) {
			return false;
		}

		const names = this.#namesFor(prefix);
		return (
			this.hasHandlers(names.start) ||
			this.hasHandlers(names.stop) ||
			this.hasHandlers(names.exception)
		);
	}

	/** `prefix + start/stop/exception`, built once per prefix array. */
	spanEvents(prefix: EventName): SpanEventNames {
		return this.#namesFor(prefix);
	}

	/**
	Calls the event's handlers in attach order, then publishes the event on its
	`diagnostics_channel` when that has subscribers. A handler that throws is detached and a
	`['telemetry', 'handler', 'failure']` event is emitted; the caller never sees the throw.
	*/
	execute(event: EventName, measurements: Measurements, metadata: Metadata): void {
		const slot = this.#slot(event);
		if (this.#entryCount !== 0) {
			for (const entry of slot.handlers) {
				if (!entry.attached) {
					continue;
				}

				try {
					entry.handler(event, measurements, metadata, entry.config);
				} catch (error) {
					this.#handlerFailed(entry, event, error);
				}
			}
		}

		if (slot.channel.hasSubscribers) {
			const message: ChannelMessage = {event, measurements, metadata};
			slot.channel.publish(message);
		}
	}

	/**
	Runs `fn` between `prefix + start` and `prefix + stop` (or `prefix + exception`, after which the
	error is rethrown). When `fn` returns a thenable, stop/exception are emitted when it settles
	and the returned value is a promise of the same outcome. Times are ns from the bus clock.
	When nothing listens to any of the three events, `fn` runs bare.
	*/
	span<T>(prefix: EventName, startMetadata: Metadata, fn: () => T): T {
		if (!this.isSpanListened(prefix)) {
			return fn();
		}

		const token = this.spanStart(prefix, startMetadata);
		let result: T;
		try {
			result = fn();
		} catch (error) {
			this.spanException(token, exceptionKind(error), error, stacktraceOf(error));
			throw error;
		}

		if (isThenable(result)) {
			// T is a thenable here; the caller gets a promise of what it settles to.
			// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion
			return result.then(
				(value) => {
					this.spanStop(token);
					return value;
				},
				(error: unknown) => {
					this.spanException(token, exceptionKind(error), error, stacktraceOf(error));
					throw error;
				},
			) as T;
		}

		this.spanStop(token);
		return result;
	}

	/**
	Emits `prefix + start` (`monotonic_time`, `system_time`) with `metadata` plus a fresh
	`telemetry_span_context`, for spans that cross calls. End it with `spanStop` or `spanException`.
	*/
	spanStart(prefix: EventName, metadata: Metadata): SpanToken {
		const names = this.#namesFor(prefix);
		const context = ++this.#lastSpanContext;
		const start = this.clock.monotonicTime();
		const startMetadata = {...metadata, telemetry_span_context: context};
		if (this.isListened(names.start)) {
			this.execute(
				names.start,
				{monotonic_time: start, system_time: this.clock.systemTime()},
				startMetadata,
			);
		}

		return {prefix, start, context, metadata: startMetadata};
	}

	/**
	Emits `prefix + stop` (`monotonic_time`, `duration`). Its metadata is the start metadata,
	overlaid with `metadata` when given, and the same `telemetry_span_context`.
	*/
	spanStop(token: SpanToken, metadata?: Metadata): void {
		const names = this.#namesFor(token.prefix);
		if (!this.isListened(names.stop)) {
			return;
		}

		const now = this.clock.monotonicTime();
		this.execute(
			names.stop,
			{monotonic_time: now, duration: now - token.start},
			metadata === undefined
				? token.metadata
				: {...token.metadata, ...metadata, telemetry_span_context: token.context},
		);
	}

	/**
	Emits `prefix + exception` (`monotonic_time`, `duration`) with the start metadata, `metadata`
	when given, and `kind`, `reason`, `stacktrace` (`''` when unknown).
	*/
	// eslint-disable-next-line max-params -- mirrors the span exception's fields
	spanException(
		token: SpanToken,
		kind: string,
		reason: unknown,
		stacktrace?: string,
		metadata?: Metadata,
	): void {
		const names = this.#namesFor(token.prefix);
		if (!this.isListened(names.exception)) {
			return;
		}

		const now = this.clock.monotonicTime();
		this.execute(
			names.exception,
			{monotonic_time: now, duration: now - token.start},
			{
				...token.metadata,
				...metadata,
				telemetry_span_context: token.context,
				kind,
				reason,
				stacktrace: stacktrace ?? '',
			},
		);
	}

	#slot(event: EventName): Slot {
		let slot = this.#slotByArray.get(event);
		if (slot === undefined) {
			// Slots outlive their handlers so that a cached array sees later attaches.
			slot = this.#slotForKey(keyOf(event), event);
			this.#slotByArray.set(event, slot);
		}

		return slot;
	}

	#slotForKey(key: string, event: EventName): Slot {
		let slot = this.#slotsByKey.get(key);
		if (slot === undefined) {
			slot = {handlers: emptyHandlers, channel: channelOf(event)};
			this.#slotsByKey.set(key, slot);
		}

		return slot;
	}

	#namesFor(prefix: EventName): SpanEventNames {
		let names = this.#spanNames.get(prefix);
		if (names === undefined) {
			names = {
				start: Object.freeze([...prefix, 'start']),
				stop: Object.freeze([...prefix, 'stop']),
				exception: Object.freeze([...prefix, 'exception']),
			};
			this.#spanNames.set(prefix, names);
		}

		return names;
	}

	#handlerFailed(entry: Entry, event: EventName, error: unknown): void {
		// Erlang detaches by id, so every event of an attachMany handler goes.
		this.detach(entry.id);
		if (!this.isListened(handlerFailureEvent)) {
			return;
		}

		this.execute(
			handlerFailureEvent,
			{monotonic_time: this.clock.monotonicTime(), system_time: this.clock.systemTime()},
			{
				event_name: event,
				handler_id: entry.id,
				handler_config: entry.config,
				kind: 'error',
				reason: error,
				stacktrace: stacktraceOf(error),
			},
		);
	}
}

function startsWith(name: EventName, prefix: EventName): boolean {
	if (prefix.length > name.length) {
		return false;
	}

	for (const [index, part] of prefix.entries()) {
		if (name[index] !== part) {
			return false;
		}
	}

	return true;
}

/** The default, process-wide bus. */
export const telemetry = new Telemetry();

/** `attach` on the default bus, as Erlang's `:telemetry.attach/4`. */
export const attach = telemetry.attach.bind(telemetry);
/** `attachMany` on the default bus, as `:telemetry.attach_many/4`. */
export const attachMany = telemetry.attachMany.bind(telemetry);
/** `detach` on the default bus, as `:telemetry.detach/1`. */
export const detach = telemetry.detach.bind(telemetry);
/** `listHandlers` on the default bus, as `:telemetry.list_handlers/1`. */
export const listHandlers = telemetry.listHandlers.bind(telemetry);
/** `execute` on the default bus, as `:telemetry.execute/3`. */
export const execute = telemetry.execute.bind(telemetry);
/** `span` on the default bus, as `:telemetry.span/3`. */
export const span = telemetry.span.bind(telemetry);
