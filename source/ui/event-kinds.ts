/**
What the UI knows about each event name it listens to: its feed category, its
short name, and whether it ends a span that the timings pane measures. Built
once per name, so that ingesting an event does no string work.
*/
import {clusterEvents} from '../cluster/events.js';
import {
	additionEvents,
	eventKey,
	events,
	seedEvents,
	vsrEventName,
} from '../telemetry/catalogue.js';
import type {EventName} from '../telemetry/telemetry.js';

export const feedCategories = [
	'protocol',
	'view_change',
	'state',
	'state_machine',
	'state_transfer',
	'replication',
	'timer',
	'recovery',
	'operator',
] as const;

export type FeedCategory = (typeof feedCategories)[number];
export type FeedFilter = 'all' | FeedCategory;

/** The four timings the span pane shows. */
export const spanKinds = ['client_request', 'operation', 'view_change', 'state_transfer'] as const;
export type SpanKind = (typeof spanKinds)[number];

/** An event that ends a span the pane times; its `duration` was measured where it was raised. */
export type SpanRole = {readonly kind: SpanKind; readonly end: 'stop' | 'exception'};

export type EventKind = {
	/** `protocol.prepare.sent`: the name without the leading `vsr` (operator events keep `operator.`). */
	readonly name: string;
	readonly category: FeedCategory;
	readonly categoryIndex: number;
	readonly span: SpanRole | undefined;
	/** Raised in a replica process (so counted in its telemetry reports), not by the operator. */
	readonly fromReplica: boolean;
	/** The sequence diagram marks it, or the narration tells it. */
	readonly story: boolean;
};

/** The events the diagram marks or the narration tells (`diagram.ts`, `narrate.ts`), by feed name. */
const storyEvents: ReadonlySet<string> = new Set([
	'protocol.client_request.start',
	'protocol.client_request.stop',
	'protocol.client_request.exception',
	'protocol.prepare.sent',
	'protocol.prepare_ok.received',
	'replication.quorum_reached',
	'timer.primary_timeout',
	'view_change.start',
	'view_change.complete',
	'recovery.start',
	'recovery.complete',
	'operator.crash',
	'operator.restart',
	'operator.isolate',
	'operator.partition',
	'operator.heal',
	'operator.timeout',
]);

// Additions that belong with a seed category in the feed.
const categoryAliases: Readonly<Record<string, FeedCategory>> = {
	leadership: 'state',
	checkpoint: 'state_machine',
	client: 'protocol',
	storage: 'recovery',
};

function categoryOf(event: EventName): FeedCategory {
	if (event[0] === 'vsr_tui') {
		return 'operator';
	}

	const head = event[1] ?? '';
	const known = feedCategories.find((category) => category === head);
	return known ?? categoryAliases[head] ?? 'state';
}

/** The events that end a timed span, by name without the leading `vsr`. */
const spanEnds: ReadonlyMap<string, SpanRole> = new Map([
	[eventKey(events.clientRequestStop), {kind: 'client_request', end: 'stop'}],
	[eventKey(events.clientRequestException), {kind: 'client_request', end: 'exception'}],
	[eventKey(events.operationStop), {kind: 'operation', end: 'stop'}],
	[eventKey(events.operationException), {kind: 'operation', end: 'exception'}],
	[eventKey(events.viewChangeComplete), {kind: 'view_change', end: 'stop'}],
	[eventKey(events.snapshotReceived), {kind: 'state_transfer', end: 'stop'}],
]);

/** `view_change.complete` as `EventKind.name` spells it: the view it completes is established. */
export const viewChangeCompleteName = eventKey(events.viewChangeComplete);

export function describeEvent(event: EventName): EventKind {
	const parts = event[0] === 'vsr' ? event.slice(1) : event.slice(event[0] === 'vsr_tui' ? 1 : 0);
	const name = parts.join('.');
	const category = categoryOf(event);
	return {
		name,
		category,
		categoryIndex: feedCategories.indexOf(category),
		span: event[0] === 'vsr' ? spanEnds.get(name) : undefined,
		fromReplica: event[0] === 'vsr' || (event[0] === 'vsr_tui' && event[1] === 'replica'),
		story: storyEvents.has(name),
	};
}

/** Every event the UI listens to: the seed's, the additions, the operator's faults and the cluster's own. */
export const watchedEvents: readonly EventName[] = [
	...seedEvents,
	...additionEvents,
	...Object.values(clusterEvents),
	// The catalogue lists a span's exception only for client requests and operations.
	[...vsrEventName(events.leadership), 'exception'],
];
