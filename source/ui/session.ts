/**
What the operator's screen holds between frames that is not a tally: the cluster as last polled,
the selected row and the marked ones, the last request, the status line, the overlay, a question
asked (W: reset? X: crash every node?), the rates of the header, what the network keys act on, the message pane (shown,
focused, its selection and the messages in flight as last listed), and which view the lower part
of the screen shows (the feed, narrated or not, or the diagram, and how far it is scrolled back).
Commands (`commands.ts`) change it; the view builders read it.
*/
import {
	type ClusterSnapshot,
	type InFlightMessage,
	type NodeInfo,
	type OperatorControls,
	startingSnapshot,
} from '../cluster/operator-api.js';
import type {CaptionState} from '../lessons/lesson-show.js';
import type {Focus} from './keymap.js';
import type {
	FaultTarget,
	LastRequestSlice,
	LowerPane,
	StatusSlice,
	StatusTone,
	Touch,
} from './slices.js';

export type {FaultTarget, LowerPane} from './slices.js';

const emptySnapshot = startingSnapshot(0);

// Rates are measured over this window.
const rateWindowMs = 2000;

type Sample = {readonly at: number; readonly acked: number; readonly events: number};

export const errorText = (error: unknown): string =>
	error instanceof Error ? error.message : String(error);

const sameNetwork = (a: NodeInfo['network'], b: NodeInfo['network']): boolean =>
	a.isolated === b.isolated &&
	a.partitioned === b.partitioned &&
	a.dropRate === b.dropRate &&
	a.delayMs === b.delayMs &&
	a.jitterMs === b.jitterMs &&
	a.deaf === b.deaf &&
	a.mute === b.mute &&
	a.frozen === b.frozen &&
	a.side === b.side;

export const sameNode = (a: NodeInfo, b: NodeInfo): boolean =>
	a.id === b.id &&
	a.pid === b.pid &&
	a.status === b.status &&
	a.isPrimary === b.isPrimary &&
	a.view === b.view &&
	a.op === b.op &&
	a.commit === b.commit &&
	a.restarts === b.restarts &&
	a.durableOp === b.durableOp &&
	sameNetwork(a.network, b.network);

const sameMessage = (a: InFlightMessage, b: InFlightMessage): boolean =>
	a.id === b.id && a.dueInMs === b.dueInMs;

function sameMessages(a: readonly InFlightMessage[], b: readonly InFlightMessage[]): boolean {
	return a.length === b.length && a.every((message, index) => sameMessage(message, b[index]!));
}

/** Whether two snapshots show the same thing (the operator may build a new object per call). */
export function sameSnapshot(a: ClusterSnapshot, b: ClusterSnapshot): boolean {
	if (a === b) {
		return true;
	}

	return (
		a.replicas === b.replicas &&
		a.primary === b.primary &&
		a.view === b.view &&
		a.commit === b.commit &&
		a.paused === b.paused &&
		a.held === b.held &&
		a.dropRate === b.dropRate &&
		a.delayMs === b.delayMs &&
		a.load === b.load &&
		a.acked === b.acked &&
		a.outsideFailureModel === b.outsideFailureModel &&
		a.played === b.played &&
		a.seed === b.seed &&
		a.speed === b.speed &&
		a.virtualTimeMs === b.virtualTimeMs &&
		a.inFlight === b.inFlight &&
		a.dataDir === b.dataDir &&
		a.nodes.length === b.nodes.length &&
		a.nodes.every((node, index) => sameNode(node, b.nodes[index]!))
	);
}

/** A question the status line asked, answered by y; any other key cancels it. */
export type Question = 'reset' | 'crashAll';

/** Messages the pane lists at most (and asks the cluster for). */
export const messagesListed = 200;

export class Session {
	readonly operator: OperatorControls;
	snapshot: ClusterSnapshot = emptySnapshot;
	selected = 0;
	lastRequest: LastRequestSlice = {state: 'none'};
	/** Numbers the requests `s` sent: only the last one's reply is shown. */
	requestSequence = 0;
	status: StatusSlice;
	help = false;
	quitting = false;
	asking: Question | undefined;
	/** Nodes marked for a partition (`a`), by id. */
	readonly marked = new Set<number>();
	faultTarget: FaultTarget = 'network';
	/** Links whose faults were set here (`from>to`): the node table shows them. */
	readonly links = new Set<string>();
	messagesShown = false;
	focus: Focus = 'nodes';
	/** The selected message's number, while it is in flight. */
	selectedMessage: number | undefined;
	/** Digits typed in the message pane, for a message's number. */
	typed = '';
	/** The messages in flight as last listed (while the pane is shown). */
	messages: readonly InFlightMessage[] = [];
	lower: LowerPane = 'feed';
	narration = false;
	/** Rows of the diagram scrolled back from its newest (0: it follows the run). */
	diagramScroll = 0;
	/** Rows the diagram shows at once (the screen tells), for PgUp and PgDn. */
	diagramPage = 10;
	/** Which overlay page is open (while `help`). */
	helpPage = 0;
	/** The lesson list (`g`) is open with this row chosen; undefined: closed. */
	lessonList: number | undefined;
	/** The lesson on the screen, as its caption pane shows it. */
	caption: CaptionState | undefined;
	/** While time travels, the point of the past shown (undefined: the present). */
	past: (() => ClusterSnapshot | undefined) | undefined;
	/** While time travels, the messages in flight at the point shown (undefined: the present). */
	pastInFlight: (() => readonly InFlightMessage[] | undefined) | undefined;
	readonly #touch: Touch;
	/** Deliveries (n, enter, t) run one after the other, in the order the keys came. */
	#deliveries: Promise<void> = Promise.resolve();
	readonly #now: () => number;
	readonly #startedAt: number;
	readonly #samples: Sample[] = [];

	constructor(operator: OperatorControls, now: () => number, touch: Touch) {
		this.operator = operator;
		this.#now = now;
		this.#touch = touch;
		this.#startedAt = now();
	}

	elapsedMs(): number {
		return this.#now() - this.#startedAt;
	}

	/** Read the cluster's snapshot (or the point of the past shown); the slices change only when it did. */
	poll(): void {
		let next: ClusterSnapshot;
		try {
			next = this.past?.() ?? this.operator.snapshot();
		} catch (error: unknown) {
			this.say(`snapshot failed: ${errorText(error)}`, 'error');
			return;
		}

		this.show(next);
	}

	/** Show this snapshot of the cluster (a point of the past while time travels; else polled). */
	show(next: ClusterSnapshot): void {
		if (sameSnapshot(next, this.snapshot)) {
			return;
		}

		this.snapshot = next;
		if (this.selected >= next.nodes.length) {
			this.selected = Math.max(0, next.nodes.length - 1);
		}

		this.#touch('header');
		this.#touch('nodes');
		this.#touch('alert');
		this.#touch('messages');
	}

	/** List the messages in flight again (while the pane is shown); keep the selection on one of them. */
	listMessages(visible: (message: InFlightMessage) => boolean): void {
		if (!this.messagesShown) {
			return;
		}

		let listed: InFlightMessage[];
		try {
			// The past's, while time travels.
			listed = [...(this.pastInFlight?.() ?? this.operator.inFlight(messagesListed))];
		} catch {
			listed = [];
		}

		const shown = listed.filter((message) => visible(message));
		if (!sameMessages(shown, this.messages)) {
			this.messages = shown;
			this.#touch('messages');
		}

		if (!shown.some((message) => message.id === this.selectedMessage)) {
			const next = shown[0]?.id;
			if (next !== this.selectedMessage) {
				this.selectedMessage = next;
				this.#touch('messages');
			}
		}
	}

	/** The selected message, if it is still listed. */
	selectedInFlight(): InFlightMessage | undefined {
		return this.messages.find((message) => message.id === this.selectedMessage);
	}

	selectMessage(id: number | undefined): void {
		this.selectedMessage = id;
		this.#touch('messages');
	}

	/** Runs one delivery after those before it; its failure is said, never thrown. */
	serially(run: () => Promise<void>): void {
		this.#deliveries = this.#deliveries.then(run).catch((error: unknown) => {
			this.say(errorText(error), 'error');
		});
	}

	/** Resolves once every delivery asked for so far is done (for tests). */
	async settled(): Promise<void> {
		return this.#deliveries;
	}

	/** The node in the selected row. */
	selectedNode(): NodeInfo | undefined {
		return this.snapshot.nodes[this.selected];
	}

	select(row: number): void {
		const count = this.snapshot.nodes.length;
		if (count === 0) {
			return;
		}

		this.selected = Math.min(count - 1, Math.max(0, row));
		this.#touch('nodes');
		this.#touch('header');
	}

	/** The links the network keys act on (target `link`): from the selected node to each marked one. */
	linkTargets(): {readonly from: number | undefined; readonly to: readonly number[]} {
		const from = this.selectedNode()?.id;
		return {from, to: [...this.marked].filter((node) => node !== from).toSorted((a, b) => a - b)};
	}

	/** Marks the screen's parts that show these settings as changed. */
	touch(...slices: Array<Parameters<Touch>[0]>): void {
		for (const slice of slices) {
			this.#touch(slice);
		}
	}

	/** What the status line says. */
	say(text: string, tone: StatusTone = 'info'): void {
		this.status = {text, tone, at: this.elapsedMs()};
		this.#touch('status');
	}

	setLastRequest(lastRequest: LastRequestSlice): void {
		this.lastRequest = lastRequest;
		this.#touch('lastRequest');
	}

	setHelp(help: boolean, page = 0): void {
		if (help !== this.help || page !== this.helpPage) {
			this.help = help;
			this.helpPage = help ? page : 0;
			this.#touch('ui');
		}
	}

	quit(): void {
		this.quitting = true;
		this.#touch('ui');
	}

	/** Sample the committed requests and the events counted, once a frame, for the rates. */
	sampleRates(events: number): void {
		const at = this.#now();
		this.#samples.push({at, acked: this.snapshot.acked, events});
		while (this.#samples.length > 2 && at - this.#samples[1]!.at >= rateWindowMs) {
			this.#samples.shift();
		}
	}

	/** Committed requests or events a second over the last samples (0 before a quarter second). */
	rate(field: 'acked' | 'events'): number {
		const first = this.#samples[0];
		const last = this.#samples.at(-1);
		if (first === undefined || last === undefined || last.at - first.at < 250) {
			return 0;
		}

		return ((last[field] - first[field]) * 1000) / (last.at - first.at);
	}
}
