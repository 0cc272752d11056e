/**
The VSR event catalogue: the seed's `Vsr.Telemetry` events (our contract) plus our additions,
as frozen readonly tuples so that a misspelt name does not compile. Names are given without the
leading 'vsr', which `VsrTelemetry` prepends (see `vsrEventName`). Keys ending in a span's name
without start/stop/exception (`clientRequest`, `stateMachineOperation`, `leadership`) are span
prefixes.
*/
import type {EventName} from './telemetry.js';

const name = <const T extends readonly string[]>(...parts: T): T => Object.freeze(parts);

/**
The catalogue: every event a replica or a client raises, by a constant name, without the leading
`vsr` (so `events.prepareSent` is `vsr.protocol.prepare.sent`). `clientRequest`,
`stateMachineOperation` and `leadership` are span prefixes: their events end in start, stop and
exception. Pass these constants (not copies) to the bus: it caches by array identity.
*/
export const events = Object.freeze({
	// --- Seed: protocol ---
	clientRequest: name('protocol', 'client_request'),
	clientRequestStart: name('protocol', 'client_request', 'start'),
	clientRequestStop: name('protocol', 'client_request', 'stop'),
	clientRequestException: name('protocol', 'client_request', 'exception'),
	prepareSent: name('protocol', 'prepare', 'sent'),
	prepareReceived: name('protocol', 'prepare', 'received'),
	prepareOkSent: name('protocol', 'prepare_ok', 'sent'),
	prepareOkReceived: name('protocol', 'prepare_ok', 'received'),
	commitSent: name('protocol', 'commit', 'sent'),
	commitReceived: name('protocol', 'commit', 'received'),
	// --- Seed: state machine ---
	stateMachineOperation: name('state_machine', 'operation'),
	operationStart: name('state_machine', 'operation', 'start'),
	operationStop: name('state_machine', 'operation', 'stop'),
	operationException: name('state_machine', 'operation', 'exception'),
	// --- Seed: view changes ---
	viewChangeStart: name('view_change', 'start'),
	voteReceived: name('view_change', 'vote_received'),
	doViewChangeSent: name('view_change', 'do_view_change', 'sent'),
	doViewChangeReceived: name('view_change', 'do_view_change', 'received'),
	viewChangeComplete: name('view_change', 'complete'),
	// --- Seed: state transitions ---
	statusChange: name('state', 'status_change'),
	stateViewChange: name('state', 'view_change'),
	roleChange: name('state', 'role_change'),
	commitAdvance: name('state', 'commit_advance'),
	// --- Seed: state transfer ---
	stateTransferRequestSent: name('state_transfer', 'request_sent'),
	stateTransferRequestReceived: name('state_transfer', 'request_received'),
	snapshotSent: name('state_transfer', 'snapshot_sent'),
	snapshotReceived: name('state_transfer', 'snapshot_received'),
	// --- Seed: replication ---
	logAppend: name('replication', 'log_append'),
	logConflict: name('replication', 'log_conflict'),
	quorumReached: name('replication', 'quorum_reached'),
	// --- Seed: timers ---
	heartbeatSent: name('timer', 'heartbeat_sent'),
	heartbeatReceived: name('timer', 'heartbeat_received'),
	primaryTimeout: name('timer', 'primary_timeout'),

	// --- Additions (not in the seed; same conventions) ---
	recoveryStart: name('recovery', 'start'),
	recoveryResponseReceived: name('recovery', 'response_received'),
	recoveryComplete: name('recovery', 'complete'),
	// Span prefix covering the time a node is primary.
	leadership: name('leadership'),
	leadershipStart: name('leadership', 'start'),
	leadershipStop: name('leadership', 'stop'),
	checkpoint: name('checkpoint', 'taken'),
	clientRetry: name('client', 'retry'),
	storageRestored: name('storage', 'restored'),
	storageLost: name('storage', 'lost'),
});

/** The type of the catalogue object. */
export type VsrEvents = typeof events;
/** Any event name of the catalogue, without the leading `vsr` (what `VsrTelemetry` takes). */
export type VsrEventName = VsrEvents[keyof VsrEvents];

/** The catalogue keys that name a span prefix rather than an event. */
export type VsrSpanPrefix = VsrEvents['clientRequest' | 'stateMachineOperation' | 'leadership'];

/**
Addition: the operator's faults. These are full names under their own prefix (not 'vsr'), so they
are executed on a bus directly, not through `VsrTelemetry`.
*/
export const operatorEvents = Object.freeze({
	operatorCrash: name('vsr_tui', 'operator', 'crash'),
	operatorRestart: name('vsr_tui', 'operator', 'restart'),
	operatorIsolate: name('vsr_tui', 'operator', 'isolate'),
	operatorHeal: name('vsr_tui', 'operator', 'heal'),
	operatorDrop: name('vsr_tui', 'operator', 'drop'),
	operatorDelay: name('vsr_tui', 'operator', 'delay'),
	operatorPartition: name('vsr_tui', 'operator', 'partition'),
});

/** Any of the operator's event names (full names, under `vsr_tui`). */
export type OperatorEventName = (typeof operatorEvents)[keyof typeof operatorEvents];

/** A catalogue name with its leading `vsr`: the name handlers and channels see. */
export type VsrFullEventName = readonly ['vsr', ...VsrEventName];

const fullNames = new WeakMap<VsrEventName, VsrFullEventName>();

/**
`['vsr', ...event]`, built once per constant and frozen, so that hot paths reuse the same array
(the bus caches what it knows about an event name by array identity).
*/
export function vsrEventName(event: VsrEventName): VsrFullEventName {
	let full = fullNames.get(event);
	if (full === undefined) {
		full = Object.freeze(['vsr', ...event] as const);
		fullNames.set(event, full);
	}

	return full;
}

/**
An event's name joined with dots (`vsr.protocol.prepare.sent`, or `protocol.prepare.sent` for a
catalogue constant without its `vsr`): how counts, reports and channels key an event.
*/
export const eventKey = (event: EventName): string => event.join('.');

const fullKeys = new WeakMap<VsrEventName, string>();

/** The dotted full name of a catalogue event, `vsr` first: `vsrEventKey(events.prepareSent)`. */
export function vsrEventKey(event: VsrEventName): string {
	let key = fullKeys.get(event);
	if (key === undefined) {
		key = eventKey(vsrEventName(event));
		fullKeys.set(event, key);
	}

	return key;
}

/** The seed's 31 event names, 'vsr' first, in the seed's order (client_request.exception, which
the seed lists under `span`, is placed beside client_request.stop). */
export const seedEvents: readonly EventName[] = Object.freeze(
	[
		events.clientRequestStart,
		events.clientRequestStop,
		events.clientRequestException,
		events.prepareSent,
		events.prepareReceived,
		events.prepareOkSent,
		events.prepareOkReceived,
		events.commitSent,
		events.commitReceived,
		events.operationStart,
		events.operationStop,
		events.operationException,
		events.viewChangeStart,
		events.voteReceived,
		events.doViewChangeSent,
		events.doViewChangeReceived,
		events.viewChangeComplete,
		events.statusChange,
		events.stateViewChange,
		events.roleChange,
		events.commitAdvance,
		events.stateTransferRequestSent,
		events.stateTransferRequestReceived,
		events.snapshotSent,
		events.snapshotReceived,
		events.logAppend,
		events.logConflict,
		events.quorumReached,
		events.heartbeatSent,
		events.heartbeatReceived,
		events.primaryTimeout,
	].map((event) => vsrEventName(event)),
);

/** Full names of the events added beyond the seed, operator faults included. */
export const additionEvents: readonly EventName[] = Object.freeze([
	...[
		events.recoveryStart,
		events.recoveryResponseReceived,
		events.recoveryComplete,
		events.leadershipStart,
		events.leadershipStop,
		events.checkpoint,
		events.clientRetry,
		events.storageRestored,
		events.storageLost,
	].map((event) => vsrEventName(event)),
	...Object.values(operatorEvents),
]);
