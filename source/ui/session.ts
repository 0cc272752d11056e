/**
What the operator's screen holds between frames that is not a tally: the cluster as last polled,
the selected row, the last request, the status line, the overlay, a question asked (R: reset?),
and the rates of the header. Commands (`commands.ts`) change it; the view builders read it.
*/
import {
	type ClusterSnapshot,
	type NodeInfo,
	type OperatorControls,
	startingSnapshot,
} from '../cluster/operator-api.js';
import type {LastRequestSlice, StatusSlice, StatusTone, Touch} from './slices.js';

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
	a.delayMs === b.delayMs;

const sameNode = (a: NodeInfo, b: NodeInfo): boolean =>
	a.id === b.id &&
	a.pid === b.pid &&
	a.status === b.status &&
	a.isPrimary === b.isPrimary &&
	a.view === b.view &&
	a.op === b.op &&
	a.commit === b.commit &&
	a.restarts === b.restarts &&
	sameNetwork(a.network, b.network);

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
		a.nodes.length === b.nodes.length &&
		a.nodes.every((node, index) => sameNode(node, b.nodes[index]!))
	);
}

/** A question the status line asked, answered by y; any other key cancels it. */
export type Question = 'reset';

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
	readonly #touch: Touch;
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

	/** Read the cluster's snapshot; the slices that show it change only when it did. */
	poll(): void {
		let next: ClusterSnapshot;
		try {
			next = this.operator.snapshot();
		} catch (error: unknown) {
			this.say(`snapshot failed: ${errorText(error)}`, 'error');
			return;
		}

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

	setHelp(help: boolean): void {
		if (help !== this.help) {
			this.help = help;
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
