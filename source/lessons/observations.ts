import type {MessageEvent, RequestOutcome} from '../cluster/operator-api.js';
import {parseEvent} from '../telemetry/serialize.js';
import type {Message} from '../vsr/messages.js';
import type {ObservedEvent, ObservedMessage} from './scenario.js';

const nsPerMs = 1_000_000;

/** What a lesson saw of its run: every event (from the event stream), every message delivered or dropped, the replies. */
export class Observations {
	readonly events: ObservedEvent[] = [];
	readonly messages: ObservedMessage[] = [];
	readonly replies: RequestOutcome[] = [];

	/** One line of the event stream (NDJSON). */
	readonly takeLine = (line: string): void => {
		const {event, metadata, measurements} = parseEvent(line);
		const node = metadata.node_id;
		this.events.push({
			name: event.join('.'),
			node: typeof node === 'number' ? node : undefined,
			atMs: Number(measurements.monotonic_time ?? 0) / nsPerMs,
			metadata,
			measurements,
		});
	};

	readonly takeMessage = (event: MessageEvent): void => {
		if (event.content === undefined) {
			return;
		}

		this.messages.push({
			kind: event.kind,
			atMs: event.at,
			from: event.message.from,
			to: event.message.to,
			content: event.content,
		});
	};

	eventsNamed(name: string, node?: number): ObservedEvent[] {
		return this.events.filter(
			(event) =>
				(event.name === name || event.name.endsWith(`.${name}`)) &&
				(node === undefined || event.node === node),
		);
	}

	messagesOf(type: Message['type'], kind: ObservedMessage['kind']): ObservedMessage[] {
		return this.messages.filter((each) => each.kind === kind && each.content.type === type);
	}
}
