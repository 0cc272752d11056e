/** A lesson for the screen's tests: its caption state is set by the test, as the lesson player would. */
import type {CaptionSource} from '../source/ui/command-context.js';
import type {CaptionState} from '../source/lessons/lesson-show.js';

export class FakeLesson implements CaptionSource {
	state: CaptionState;
	readonly #listeners = new Set<() => void>();

	constructor(lesson: string, steps = 5) {
		this.state = {
			lesson,
			summary: `the ${lesson} lesson`,
			step: 1,
			steps,
			phase: 'watch',
			watch: 'Three replicas in view 0; n0 is its primary.',
			caption: undefined,
			atMs: undefined,
			error: undefined,
			forkedAt: undefined,
		};
	}

	onChange(listener: () => void): () => void {
		this.#listeners.add(listener);
		return () => {
			this.#listeners.delete(listener);
		};
	}

	/** What the player does as a step plays or ends. */
	set(change: Partial<CaptionState>): void {
		this.state = {...this.state, ...change};
		for (const listener of this.#listeners) {
			listener();
		}
	}
}
