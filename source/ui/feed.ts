/**
The event feed's state: the newest events in the order they happened, for every event and per
category (so a filter shows the last events of its kind even when others flood in), the counts
per category, the filter, freezing, and whether heartbeats and other timer events are hidden.
*/
import type {Measurements, Metadata} from '../telemetry/telemetry.js';
import {type EventKind, type FeedCategory, type FeedFilter, feedCategories} from './event-kinds.js';
import {TimeOrdered} from './time-ordered.js';

export type FeedEntry = {
	/**
	Milliseconds since the operator started, on the cluster's clock: when the event was raised
	(its `monotonic_time`), wherever it was raised.
	*/
	readonly at: number;
	readonly kind: EventKind;
	readonly node: number | undefined;
	readonly measurements: Measurements;
	readonly metadata: Metadata;
};

export type FeedSlice = {
	/** Newest first. */
	readonly entries: readonly FeedEntry[];
	readonly filter: FeedFilter;
	/** Timer events (heartbeats, timeouts) are left out of the feed of all events. */
	readonly timersHidden: boolean;
	readonly frozen: boolean;
	/** Events that arrived while the feed was frozen. */
	readonly missed: number;
	/** Events counted per category since the start (every event, shown or not). */
	readonly counts: Readonly<Record<FeedCategory, number>>;
};

/** The filters in the order `/` steps through them. */
export const feedFilters: readonly FeedFilter[] = ['all', ...feedCategories];

const timerIndex = feedCategories.indexOf('timer');

export class Feed {
	readonly #all: TimeOrdered<FeedEntry>;
	readonly #allButTimers: TimeOrdered<FeedEntry>;
	readonly #byCategory: Array<TimeOrdered<FeedEntry>>;
	readonly #counts: number[] = feedCategories.map(() => 0);
	#filter: FeedFilter = 'all';
	// Heartbeats alone fill an idle feed (three events every 100 ms): hidden until asked for,
	// so a request's own events stay in view.
	#timersHidden = true;
	#frozen = false;
	#missed = 0;

	constructor(capacity: number) {
		this.#all = new TimeOrdered(capacity);
		this.#allButTimers = new TimeOrdered(capacity);
		this.#byCategory = feedCategories.map(() => new TimeOrdered<FeedEntry>(capacity));
	}

	get filter(): FeedFilter {
		return this.#filter;
	}

	get timersHidden(): boolean {
		return this.#timersHidden;
	}

	get frozen(): boolean {
		return this.#frozen;
	}

	/** Takes another feed's filter and whether it hides timers (the past's feed shows as the present's). */
	showAs(other: Feed): void {
		this.#filter = other.#filter;
		this.#timersHidden = other.#timersHidden;
	}

	/** Counts `count` events of a category (every event, whether it is shown or not). */
	count(categoryIndex: number, count = 1): void {
		this.#counts[categoryIndex]! += count;
	}

	/** Shows an event (unless the feed is frozen). */
	add(entry: FeedEntry): void {
		if (this.#frozen) {
			this.#missed++;
			return;
		}

		this.#all.push(entry);
		if (entry.kind.categoryIndex !== timerIndex) {
			this.#allButTimers.push(entry);
		}

		this.#byCategory[entry.kind.categoryIndex]!.push(entry);
	}

	clear(): void {
		this.#all.clear();
		this.#allButTimers.clear();
		for (const ring of this.#byCategory) {
			ring.clear();
		}

		this.#missed = 0;
	}

	/** The next filter (`direction` 1) or the previous one (-1), round the list. */
	stepFilter(direction: 1 | -1): FeedFilter {
		const index = feedFilters.indexOf(this.#filter);
		this.#filter =
			feedFilters[(index + direction + feedFilters.length) % feedFilters.length] ?? 'all';
		return this.#filter;
	}

	toggleTimers(): boolean {
		this.#timersHidden = !this.#timersHidden;
		return this.#timersHidden;
	}

	toggleFrozen(): boolean {
		this.#frozen = !this.#frozen;
		this.#missed = 0;
		return this.#frozen;
	}

	/** What the feed shows now. */
	view(): FeedSlice {
		const filter = this.#filter;
		const ring =
			filter === 'all'
				? this.#timersHidden
					? this.#allButTimers
					: this.#all
				: this.#byCategory[feedCategories.indexOf(filter)]!;
		const counts: Record<FeedCategory, number> = {
			protocol: 0,
			view_change: 0,
			state: 0,
			state_machine: 0,
			state_transfer: 0,
			replication: 0,
			timer: 0,
			recovery: 0,
			operator: 0,
		};
		for (const [index, category] of feedCategories.entries()) {
			counts[category] = this.#counts[index] ?? 0;
		}

		return {
			entries: ring.newest(),
			filter,
			timersHidden: this.#timersHidden,
			frozen: this.#frozen,
			missed: this.#missed,
			counts,
		};
	}
}
