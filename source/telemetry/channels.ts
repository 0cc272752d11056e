/**
Every telemetry event is also published on Node's `diagnostics_channel`, one channel per event
name: `['vsr', 'protocol', 'prepare', 'sent']` on `vsr.protocol.prepare.sent`. APM agents and
anyone using `diagnostics_channel.subscribe` see the events of every bus in the process without
this package's API. A message is published only while its channel has a subscriber; checking
that is one property read on a channel object cached here, so nobody pays for it otherwise.
*/
import {type Channel, channel} from 'node:diagnostics_channel';
import type {EventName, Measurements, Metadata} from './event.js';

/** What a subscriber of an event's channel receives: the event as the bus's handlers see it. */
export type ChannelMessage = {
	/** The full event name, e.g. `['vsr', 'protocol', 'prepare', 'sent']`. */
	readonly event: EventName;
	/** The event's measurements (times are bigint nanoseconds). */
	readonly measurements: Measurements;
	/** The event's metadata (for `vsr` events, the common metadata first). */
	readonly metadata: Metadata;
};

/**
The `diagnostics_channel` name of an event: its parts joined with dots, e.g.
`vsr.protocol.prepare.sent`.
*/
export function channelName(event: EventName): string {
	return event.join('.');
}

const channels = new WeakMap<EventName, Channel>();

/**
The channel an event is published on, cached by the identity of the name array (like the bus
caches what it knows of a name): hold on to it and read `hasSubscribers` on hot paths.
*/
export function channelOf(event: EventName): Channel {
	let found = channels.get(event);
	if (found === undefined) {
		found = channel(channelName(event));
		channels.set(event, found);
	}

	return found;
}
