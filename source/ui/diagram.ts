/**
The sequence diagram's rows, oldest first: each message delivered or dropped (from the cluster's
`onMessage`), the marks of what happened on a replica's column (a crash, a restart, a view
change, a commit: from telemetry) and notes across the diagram (a partition, a fault set from the
keyboard). The last `capacity` rows are kept, with and without heartbeats, so that hiding them
shows the last rows of the rest. How far the diagram is scrolled back is kept here too: new rows
then do not move what is on the screen.
*/
import type {Endpoint, MessageEvent} from '../cluster/operator-api.js';
import type {Metadata} from '../telemetry/telemetry.js';
import type {MessageType} from '../vsr/messages.js';

export type MarkKind = 'crash' | 'restart' | 'viewChange' | 'view' | 'commit' | 'cut';

export type DiagramRow =
	| {
			readonly kind: 'message';
			/** Virtual ms since the start. */
			readonly at: number;
			readonly id: number;
			readonly from: Endpoint;
			readonly to: Endpoint;
			readonly type: MessageType;
			/** `Prepare v0 op3`. */
			readonly label: string;
			readonly dropped: boolean;
			readonly reason: string | undefined;
			readonly heartbeat: boolean;
	  }
	| {readonly kind: 'mark'; readonly node: number; readonly mark: MarkKind; readonly text: string}
	| {readonly kind: 'note'; readonly text: string};

const shortNames: Readonly<Record<MessageType, string>> = {
	request: 'Request',
	reply: 'Reply',
	prepare: 'Prepare',
	prepare_ok: 'PrepareOk',
	commit: 'Commit',
	start_view_change: 'StartViewChange',
	do_view_change: 'DoViewChange',
	start_view: 'StartView',
	recovery: 'Recovery',
	recovery_response: 'RecoveryResponse',
	get_state: 'GetState',
	new_state: 'NewState',
};

/** A message's label on an arrow: its type and view/op, `Prepare v0 op3`, `Commit v0 c3`, `Request c1#4`. */
export function arrowLabel(message: MessageEvent['message']): string {
	if (message.type === 'request' || message.type === 'reply') {
		return message.label;
	}

	const view = message.view === undefined ? '' : ` v${message.view}`;
	const op =
		message.op === undefined
			? ''
			: message.type === 'commit'
				? ` c${message.op}`
				: ` op${message.op}`;
	return `${shortNames[message.type]}${view}${op}`;
}

const numberOf = (value: unknown): number | undefined =>
	typeof value === 'number' ? value : undefined;

class Rows {
	scroll = 0;
	readonly #capacity: number;
	#rows: DiagramRow[] = [];

	constructor(capacity: number) {
		this.#capacity = capacity;
	}

	push(row: DiagramRow): void {
		this.#rows.push(row);
		if (this.#rows.length >= this.#capacity * 2) {
			this.#rows = this.#rows.slice(-this.#capacity);
		}

		// Scrolled back, the same rows stay on the screen.
		if (this.scroll > 0) {
			this.scroll = Math.min(this.scroll + 1, this.size - 1);
		}
	}

	get size(): number {
		return Math.min(this.#rows.length, this.#capacity);
	}

	all(): readonly DiagramRow[] {
		return this.#rows.length > this.#capacity ? this.#rows.slice(-this.#capacity) : this.#rows;
	}

	clear(): void {
		this.#rows = [];
		this.scroll = 0;
	}
}

export class Diagram {
	readonly capacity: number;
	/** Every row. */
	readonly #all: Rows;
	/** Every row but heartbeats. */
	readonly #quiet: Rows;
	#messages = 0;

	constructor(capacity = 1000) {
		this.capacity = capacity;
		this.#all = new Rows(capacity);
		this.#quiet = new Rows(capacity);
	}

	/** Messages drawn since the start (or the last clear). */
	get messages(): number {
		return this.#messages;
	}

	message(event: MessageEvent): void {
		const {message} = event;
		const row: DiagramRow = {
			kind: 'message',
			at: event.at,
			id: message.id,
			from: message.from,
			to: message.to,
			type: message.type,
			label: arrowLabel(message),
			dropped: event.kind === 'dropped',
			reason: event.reason,
			heartbeat: message.heartbeat,
		};
		this.#messages++;
		this.#all.push(row);
		if (!message.heartbeat) {
			this.#quiet.push(row);
		}
	}

	mark(node: number, mark: MarkKind, text: string): void {
		this.#push({kind: 'mark', node, mark, text});
	}

	note(text: string): void {
		this.#push({kind: 'note', text});
	}

	/** Marks what a telemetry event shows (by its feed name), if it is one the diagram marks. */
	event(name: string, metadata: Metadata): void {
		const node = numberOf(metadata.node_id) ?? numberOf(metadata.node);
		const mark = (kind: MarkKind, text: string) => {
			if (node !== undefined) {
				this.mark(node, kind, text);
			}
		};

		switch (name) {
			case 'operator.crash': {
				mark('crash', `n${node} crashed`);
				break;
			}

			case 'operator.restart': {
				mark('restart', `n${node} restarted`);
				break;
			}

			case 'operator.timeout': {
				mark('viewChange', `n${node} times out (T)`);
				break;
			}

			case 'view_change.start': {
				mark('viewChange', `n${node} view change → v${String(metadata.new_view)}`);
				break;
			}

			case 'view_change.complete': {
				const role = metadata.is_primary === true ? ' primary' : '';
				mark('view', `n${node} in view ${String(metadata.view_number)}${role}`);
				break;
			}

			case 'replication.quorum_reached': {
				mark('commit', `n${node} commits op ${String(metadata.op)}`);
				break;
			}

			case 'operator.isolate': {
				mark('cut', `n${node} isolated`);
				break;
			}

			case 'operator.partition': {
				const side = (value: unknown): string =>
					Array.isArray(value) ? value.map((id) => `n${String(id)}`).join(' ') : '?';
				this.note(`partition: ${side(metadata.side_a)} | ${side(metadata.side_b)}`);
				break;
			}

			case 'operator.heal': {
				this.note('network healed');
				break;
			}

			default: {
				break;
			}
		}
	}

	/** The rows, oldest first, with or without heartbeats. */
	rows(heartbeatsHidden: boolean): readonly DiagramRow[] {
		return this.#rows(heartbeatsHidden).all();
	}

	/** Rows scrolled back from the newest (0: following the run). */
	scroll(heartbeatsHidden: boolean): number {
		return this.#rows(heartbeatsHidden).scroll;
	}

	/** Scrolls back (positive) or on (negative) by `rows`; returns how far back it now is. */
	scrollBy(heartbeatsHidden: boolean, rows: number): number {
		const shown = this.#rows(heartbeatsHidden);
		shown.scroll = Math.max(0, Math.min(shown.scroll + rows, Math.max(0, shown.size - 1)));
		return shown.scroll;
	}

	clear(): void {
		this.#all.clear();
		this.#quiet.clear();
		this.#messages = 0;
	}

	#rows(heartbeatsHidden: boolean): Rows {
		return heartbeatsHidden ? this.#quiet : this.#all;
	}

	#push(row: DiagramRow): void {
		this.#all.push(row);
		this.#quiet.push(row);
	}
}
