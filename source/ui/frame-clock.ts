/**
The store's frame clock and publishing: slices are marked as changed (`touch`, into the set
of changed slices this clock is given) as often as events arrive, but rebuilt and published at most once a frame (`maxFps` times a second, and at
once after a key), and only those that changed. Subscribers (`useSyncExternalStore`) are
notified once per published frame.
*/
import type {SliceName, View} from './slices.js';
import type {Sources, ViewBuilders} from './view-builders.js';

type Mutable<T> = {-readonly [K in keyof T]: T[K]};

export class FrameClock {
	readonly frameMs: number;
	readonly #builders: ViewBuilders;
	readonly #sources: Sources;
	readonly #listeners = new Set<() => void>();
	readonly #changed: Set<SliceName>;
	#view: View;
	#timer: NodeJS.Timeout | undefined;

	/** `changed` is where the parts mark the slices they changed (`touch`). */
	constructor(builders: ViewBuilders, sources: Sources, changed: Set<SliceName>, maxFps: number) {
		this.#builders = builders;
		this.#sources = sources;
		this.#changed = changed;
		this.frameMs = 1000 / Math.max(1, maxFps);
		const view: Partial<Mutable<View>> = {};
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- the keys of a ViewBuilders are the slice names
		for (const name of Object.keys(builders) as SliceName[]) {
			this.#rebuild(view, name);
		}

		// Every builder ran: the view is whole.
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion
		this.#view = view as View;
	}

	readonly subscribe = (listener: () => void): (() => void) => {
		this.#listeners.add(listener);
		return () => {
			this.#listeners.delete(listener);
		};
	};

	/** The current slices; the same object until a published frame changes something. */
	readonly getView = (): View => this.#view;

	/** Calls `frame` every frame until `stop`; the timer keeps no process alive. */
	start(frame: () => void): void {
		if (this.#timer !== undefined) {
			return;
		}

		this.#timer = setInterval(frame, this.frameMs);
		this.#timer.unref();
	}

	get running(): boolean {
		return this.#timer !== undefined;
	}

	stop(): void {
		if (this.#timer !== undefined) {
			clearInterval(this.#timer);
			this.#timer = undefined;
		}
	}

	/** Rebuilds the slices that changed and notifies the subscribers; nothing when none did. */
	publish(): void {
		if (this.#changed.size === 0) {
			return;
		}

		const view: Mutable<View> = {...this.#view};
		for (const name of this.#changed) {
			this.#rebuild(view, name);
		}

		this.#changed.clear();
		this.#view = view;
		for (const listener of this.#listeners) {
			listener();
		}
	}

	#rebuild<K extends SliceName>(view: Partial<Mutable<View>>, name: K): void {
		view[name] = this.#builders[name](this.#sources, view[name]);
	}
}
