/**
The narrated feed's sentences, newest first, in the order they were told: each message delivered
or dropped and each telemetry event the narrator has words for (`narrate.ts`). Heartbeats and
other timer traffic are marked, so that hiding them (H) leaves the rest.
*/
import type {MessageEvent} from '../cluster/operator-api.js';
import type {Measurements, Metadata} from '../telemetry/telemetry.js';
import {type Narration, Narrator} from './narrate.js';

export type NarrationEntry = Narration & {
	/** Told in this order. */
	readonly at: number;
	readonly heartbeat: boolean;
};

export class NarrationLog {
	readonly capacity: number;
	#narrator: Narrator;
	// Every sentence, and those that are not about heartbeats (which would crowd them out).
	#all: NarrationEntry[] = [];
	#quiet: NarrationEntry[] = [];
	#told = 0;

	constructor(replicas: number, capacity = 200) {
		this.capacity = capacity;
		this.#narrator = new Narrator(Math.max(1, replicas));
	}

	/** A cluster of another size (or a fresh one): the narrator starts counting again. */
	restart(replicas: number): void {
		this.#narrator = new Narrator(Math.max(1, replicas));
	}

	message(event: MessageEvent): void {
		this.#add(this.#narrator.message(event), event.message.heartbeat);
	}

	/** Tells a telemetry event (by its feed name) if the narrator has words for it; true if it did. */
	event(name: string, measurements: Measurements, metadata: Metadata): boolean {
		const narration = this.#narrator.event(name, measurements, metadata);
		if (narration === undefined) {
			return false;
		}

		this.#add(narration, false);
		return true;
	}

	clear(): void {
		this.#all = [];
		this.#quiet = [];
	}

	/** The newest sentences first, with or without heartbeats. */
	newest(limit: number, heartbeatsHidden: boolean): NarrationEntry[] {
		const entries = heartbeatsHidden ? this.#quiet : this.#all;
		return entries.slice(-Math.min(limit, this.capacity)).toReversed();
	}

	#add(narration: Narration, heartbeat: boolean): void {
		const entry = {...narration, at: this.#told++, heartbeat};
		this.#all = this.#keep(this.#all, entry);
		if (!heartbeat) {
			this.#quiet = this.#keep(this.#quiet, entry);
		}
	}

	#keep(entries: NarrationEntry[], entry: NarrationEntry): NarrationEntry[] {
		entries.push(entry);
		return entries.length >= this.capacity * 2 ? entries.slice(-this.capacity) : entries;
	}
}
