/**
What each key does: the operator call an action makes and the words the status line says,
one entry per action of the keymap (`keymap.ts` binds the keys to the actions; the compiler
asks for an entry here for every action there). A command reads the cluster as the store last
polled it, calls the operator, and says what it did; an operator call that throws ends up in
the status line, never in the screen's lap.
*/
import type {OperatorControls} from '../cluster/operator-api.js';
import {restartWords} from './diagnosis.js';
import {formatCount, formatMs, formatPercent} from './format.js';
import {
	type Action,
	type Command,
	burstSize,
	delaySteps,
	dropSteps,
	stepThrough,
} from './keymap.js';
import {type Session, errorText} from './session.js';
import type {Touch} from './slices.js';
import type {Tallies} from './tallies.js';

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

type Run = (context: CommandContext, command: Command) => void;

function submit({operator, session, flush}: CommandContext): void {
	const sequence = ++session.requestSequence;
	session.setLastRequest({state: 'pending', sentAt: session.elapsedMs()});
	session.say('submitted a put of a fresh key');
	operator.submit().then(
		(outcome) => {
			if (sequence === session.requestSequence) {
				session.setLastRequest({state: 'done', outcome});
				session.say(
					`request ${outcome.requestNumber} of client ${outcome.clientId} committed in ${formatMs(outcome.latencyMs)}`,
				);
				flush();
			}
		},
		(error: unknown) => {
			if (sequence === session.requestSequence) {
				session.setLastRequest({state: 'failed', error: errorText(error)});
				session.say(`request failed: ${errorText(error)}`, 'error');
				flush();
			}
		},
	);
}

function resetCluster({operator, session, tallies, flush}: CommandContext): void {
	const {replicas} = session.snapshot;
	session.say(`resetting the cluster: ${replicas} fresh replicas are starting`);
	operator.reset().then(
		() => {
			tallies.spans.newCluster();
			session.say(`the cluster was reset: ${replicas} fresh replicas, nothing committed`);
			flush();
		},
		(error: unknown) => {
			session.say(`reset failed: ${errorText(error)}`, 'error');
			flush();
		},
	);
}

function stepDrop({operator, session}: CommandContext, direction: 1 | -1): void {
	const rate = stepThrough(dropSteps, session.snapshot.dropRate, direction);
	operator.setDropRate(rate);
	session.say(`drop rate ${formatPercent(rate)}`);
}

function stepDelay({operator, session}: CommandContext, direction: 1 | -1): void {
	const ms = stepThrough(delaySteps, session.snapshot.delayMs, direction);
	operator.setDelay(ms);
	session.say(`delay ${ms} ms`);
}

function stepFilter({session, tallies, touch}: CommandContext, direction: 1 | -1): void {
	const filter = tallies.feed.stepFilter(direction);
	touch('feed');
	session.say(filter === 'all' ? 'feed: all events' : `feed: ${filter} events`);
}

/** Every action's command, by the action's name in the keymap. */
export const commands: Readonly<Record<Action, Run>> = {
	selectPrevious({session}) {
		session.select(session.selected - 1);
	},

	selectNext({session}) {
		session.select(session.selected + 1);
	},

	selectNode({session}, command) {
		const row = (command.digit ?? 1) - 1;
		if (row < session.snapshot.nodes.length) {
			session.select(row);
		} else {
			session.say(`there is no node in row ${row + 1}`, 'warn');
		}
	},

	submit,

	burst({operator, session}) {
		operator.burst(burstSize);
		session.say(`sent a burst of ${burstSize} requests`);
	},

	toggleLoad({operator, session}) {
		const on = !session.snapshot.load;
		operator.setLoad(on);
		session.say(on ? 'steady load on' : 'steady load off');
	},

	crash({operator, session}) {
		const node = session.selectedNode();
		if (node === undefined) {
			session.say('no node is selected', 'warn');
		} else if (node.status === 'crashed') {
			session.say(`node ${node.id} is already down (r restarts it)`, 'warn');
		} else {
			operator.crash(node.id);
			session.say(`crashed node ${node.id} (SIGKILL)`);
		}
	},

	restart({operator, session}) {
		const node = session.selectedNode();
		if (node === undefined) {
			session.say('no node is selected', 'warn');
		} else {
			const words = restartWords(session.snapshot, node);
			operator.restart(node.id);
			session.say(words.text, words.tone);
		}
	},

	isolate({operator, session}) {
		const node = session.selectedNode();
		if (node === undefined) {
			session.say('no node is selected', 'warn');
		} else {
			operator.isolate(node.id);
			session.say(`isolated node ${node.id} (h heals)`);
		}
	},

	heal({operator, session}) {
		operator.heal();
		session.say('healed the network');
	},

	dropUp(context) {
		stepDrop(context, 1);
	},

	dropDown(context) {
		stepDrop(context, -1);
	},

	delayUp(context) {
		stepDelay(context, 1);
	},

	delayDown(context) {
		stepDelay(context, -1);
	},

	togglePause({operator, session}) {
		if (session.snapshot.paused) {
			operator.resume();
			session.say('delivery resumed');
		} else {
			operator.pause();
			session.say('delivery paused: n delivers one message, space resumes');
		}
	},

	step({operator, session}) {
		const delivered = operator.step();
		if (delivered) {
			session.poll();
			session.say(`delivered one message (${session.snapshot.held} held)`);
		} else if (session.snapshot.paused) {
			session.say('no message is held');
		} else {
			session.say('delivery is not paused (space pauses it)', 'warn');
		}
	},

	filter(context) {
		stepFilter(context, 1);
	},

	filterBack(context) {
		stepFilter(context, -1);
	},

	toggleTimers({session, tallies, touch}) {
		const hidden = tallies.feed.toggleTimers();
		touch('feed');
		session.say(
			hidden
				? 'feed: heartbeats and other timer events hidden (t shows them)'
				: 'feed: heartbeats and other timer events shown (t hides them)',
		);
	},

	clearFeed({session, tallies, touch}) {
		tallies.feed.clear();
		touch('feed');
		session.say('feed cleared');
	},

	toggleFeed({session, tallies, touch}) {
		const frozen = tallies.feed.toggleFrozen();
		touch('feed');
		session.say(frozen ? 'feed frozen (p resumes it)' : 'feed live');
	},

	reset({session}) {
		const {replicas, commit} = session.snapshot;
		session.asking = 'reset';
		session.say(
			commit > 0
				? `y resets the cluster: its ${formatCount(commit)} committed ops are lost; any other key cancels`
				: `y resets the cluster to ${replicas} fresh replicas; any other key cancels`,
			'warn',
		);
	},

	confirm(context) {
		const {session} = context;
		if (session.asking === 'reset') {
			session.asking = undefined;
			resetCluster(context);
		} else {
			session.say('nothing to confirm (y answers a question, such as R’s)', 'warn');
		}
	},

	help({session}) {
		session.setHelp(!session.help);
	},

	closeHelp({session}) {
		session.setHelp(false);
	},

	quit({session, onQuit}) {
		session.quit();
		session.say('stopping the cluster…');
		onQuit?.();
	},
};

/**
Carry out one key's command on the cluster as it is now (not as the last frame saw it): any key
but `?` and `q` closes the overlay, and any key but `y` and `q` cancels a question.
*/
export function perform(context: CommandContext, command: Command): void {
	const {session} = context;
	if (session.quitting) {
		return;
	}

	session.poll();
	if (command.action !== 'help' && command.action !== 'quit') {
		session.setHelp(false);
	}

	if (session.asking !== undefined && command.action !== 'confirm' && command.action !== 'quit') {
		session.asking = undefined;
		session.say('reset cancelled: nothing changed');
		context.flush();
		return;
	}

	try {
		commands[command.action](context, command);
	} catch (error: unknown) {
		session.say(`${command.action} failed: ${errorText(error)}`, 'error');
	}

	context.flush();
}

/** A key that is not in the keymap: say so (it also answers a question with no). */
export function unknownKey(context: CommandContext, label: string): void {
	const {session} = context;
	if (session.quitting) {
		return;
	}

	if (session.asking === undefined) {
		session.say(`${label}: no such key (? shows the keys)`, 'warn');
	} else {
		session.asking = undefined;
		session.say('reset cancelled: nothing changed');
	}

	context.flush();
}
