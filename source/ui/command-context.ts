import type {OperatorControls} from '../cluster/operator-api.js';
import type {CaptionState} from '../lessons/lesson-show.js';
import type {Command} from './keymap.js';
import type {Session} from './session.js';
import type {Touch} from './slices.js';
import type {Tallies} from './tallies.js';

/** What a command reads and calls: the operator, the session, the tallies, and the screen's hooks. */
export type CommandContext = {
	readonly operator: OperatorControls;
	readonly session: Session;
	readonly tallies: Tallies;
	readonly touch: Touch;
	/** Poll and publish at once: for an answer that arrives after the key (a reply, a reset). */
	readonly flush: () => void;
	/** Called once when the user asks to quit. */
	readonly onQuit: (() => void) | undefined;
	/** Starts a lesson in the cluster's place (`g`); undefined where there is none to start. */
	readonly launchLesson: LessonLauncher | undefined;
	/** The caption pane follows this lesson from now on. */
	readonly followLesson: (source: CaptionSource) => void;
};

/** A lesson on the screen, as the caption pane follows it. */
export type CaptionSource = {
	readonly state: CaptionState;
	/** Calls `listener` whenever the state changes; returns the unsubscribe. */
	onChange(listener: () => void): () => void;
};

/** Replaces the cluster with a lesson's and plays it; rejects when it cannot start. */
export type LessonLauncher = (name: string) => Promise<CaptionSource>;

/** What a key does. */
export type Run = (context: CommandContext, command: Command) => void;
