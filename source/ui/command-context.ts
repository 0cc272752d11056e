import type {OperatorControls} from '../cluster/operator-api.js';
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
};

/** What a key does. */
export type Run = (context: CommandContext, command: Command) => void;
