/**
What each key does: the operator call an action makes and the words the status line says,
one entry per action of the keymap (`keymap.ts` binds the keys to the actions; the compiler
asks for an entry here for every action there). A command reads the cluster as the store last
polled it, calls the operator, and says what it did; an operator call that throws ends up in
the status line, never in the screen's lap.
*/
import type {
	DeliveryReport,
	Endpoint,
	InFlightMessage,
	LinkFaults,
	OperatorControls,
} from '../cluster/operator-api.js';
import type {CommandContext, Run} from './command-context.js';
import {restartWords} from './diagnosis.js';
import {formatClock, formatCount, formatMs, formatPercent} from './format.js';
import {
	type Action,
	type Command,
	burstSize,
	delaySteps,
	dropSteps,
	jitterSteps,
	overlayPages,
	speedSteps,
	stepThrough,
	tickMs,
} from './keymap.js';
import {type FaultTarget, type Session, errorText, messagesListed} from './session.js';
import type {Touch} from './slices.js';
import type {Tallies} from './tallies.js';
import {openLessonList} from './lesson-list.js';
import {timeCommands, visibleMessage} from './time-commands.js';

export {deliveryWords, messageText, visibleMessage} from './time-commands.js';

export type {CommandContext} from './command-context.js';

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
	session.marked.clear();
	session.links.clear();
	operator.reset().then(
		() => {
			tallies.spans.newCluster();
			tallies.narration.restart(replicas);
			tallies.diagram.note('the cluster was reset');
			session.say(`the cluster was reset: ${replicas} fresh replicas, nothing committed`);
			flush();
		},
		(error: unknown) => {
			session.say(`reset failed: ${errorText(error)}`, 'error');
			flush();
		},
	);
}

type FaultSetting = 'dropRate' | 'delayMs' | 'jitterMs';

const settingSteps: Readonly<Record<FaultSetting, readonly number[]>> = {
	dropRate: dropSteps,
	delayMs: delaySteps,
	jitterMs: jitterSteps,
};

const settingWords = (setting: FaultSetting, value: number): string =>
	setting === 'dropRate'
		? `drop ${formatPercent(value)}`
		: setting === 'delayMs'
			? `delay ${value} ms`
			: `jitter ${value} ms`;

/** Steps one fault setting of what the network keys act on (`o`): the network, a node, or links. */
function stepFault(context: CommandContext, setting: FaultSetting, direction: 1 | -1): void {
	const {operator, session, tallies, touch} = context;
	const steps = settingSteps[setting];
	switch (session.faultTarget) {
		case 'network': {
			if (setting === 'jitterMs') {
				session.say('jitter is set per node or per link: o chooses which', 'warn');
				return;
			}

			const current = setting === 'dropRate' ? session.snapshot.dropRate : session.snapshot.delayMs;
			const value = stepThrough(steps, current, direction);
			if (setting === 'dropRate') {
				operator.setDropRate(value);
				session.say(`drop rate ${formatPercent(value)}`);
			} else {
				operator.setDelay(value);
				session.say(`delay ${value} ms`);
			}

			return;
		}

		case 'node': {
			const node = session.selectedNode();
			if (node === undefined) {
				session.say('no node is selected', 'warn');
				return;
			}

			const value = stepThrough(steps, node.network[setting], direction);
			operator.setNodeFaults(node.id, {[setting]: value});
			const words = `n${node.id}: ${settingWords(setting, value)}`;
			tallies.diagram.note(words);
			touch('diagram');
			session.say(`${words} (what it sends and receives)`);
			return;
		}

		case 'link': {
			const {from, to} = session.linkTargets();
			if (from === undefined || to.length === 0) {
				session.say(
					'mark the far end of the link with a (the link goes from the selected node)',
					'warn',
				);
				return;
			}

			const current: LinkFaults = operator.linkFaults(from, to[0]!);
			const value = stepThrough(steps, current[setting], direction);
			for (const end of to) {
				operator.setLinkFaults(from, end, {[setting]: value});
				session.links.add(`${from}>${end}`);
			}

			const words = `link ${from}→${to.join(',')}: ${settingWords(setting, value)}`;
			tallies.diagram.note(words);
			touch('diagram');
			touch('nodes');
			touch('header');
			session.say(`${words} (one way)`);
		}
	}
}

function crashEveryNode({operator, session}: CommandContext): void {
	operator.crashAll();
	session.say(
		session.snapshot.dataDir === undefined
			? 'crashed every node (SIGKILL): their memory is gone (R restarts them, empty)'
			: 'crashed every node (SIGKILL); their logs are on disk (R restarts them all)',
	);
}

const nextTarget: Readonly<Record<FaultTarget, FaultTarget>> = {
	network: 'node',
	node: 'link',
	link: 'network',
};

/** What a forced timeout does to a replica in its state, in words. */
function timeoutWords(session: Session, id: number): string {
	const node = session.snapshot.nodes.find((each) => each.id === id);
	const pausedNote = session.snapshot.paused
		? ' (its messages wait in flight: n delivers them)'
		: '';
	if (node?.status === 'recovering') {
		return `n${id} times out: it sends Recovery again${pausedNote}`;
	}

	if (node?.status === 'view_change') {
		return `n${id}'s view change times out: it asks for the next view${pausedNote}`;
	}

	return node?.isPrimary
		? `n${id} (primary) times out: it sends its heartbeat now${pausedNote}`
		: `n${id} times out waiting for its primary: it asks for a view change${pausedNote}`;
}

function toggleCut(context: CommandContext, cut: 'deaf' | 'mute'): void {
	const {operator, session, tallies, touch} = context;
	const node = session.selectedNode();
	if (node === undefined) {
		session.say('no node is selected', 'warn');
		return;
	}

	const on = !node.network[cut];
	if (cut === 'deaf') {
		operator.setDeaf(node.id, on);
	} else {
		operator.setMute(node.id, on);
	}

	const words =
		cut === 'deaf'
			? on
				? `n${node.id} is deaf: it hears no replica (D again hears)`
				: `n${node.id} hears again`
			: on
				? `n${node.id} is mute: what it sends to replicas is lost (M again speaks)`
				: `n${node.id} speaks again`;
	tallies.diagram.note(on ? `n${node.id} ${cut}` : `n${node.id} no longer ${cut}`);
	touch('diagram');
	session.say(words);
}

function scrollDiagram({session, tallies, touch}: CommandContext, direction: 1 | -1): void {
	if (session.lower !== 'diagram') {
		session.say(`${direction > 0 ? 'PgUp' : 'PgDn'} scrolls the diagram (v shows it)`, 'warn');
		return;
	}

	const back = tallies.diagram.scrollBy(
		tallies.feed.timersHidden,
		direction * Math.max(1, session.diagramPage),
	);
	touch('diagram');
	session.say(
		back === 0
			? 'diagram: following the run'
			: `diagram: ${formatCount(back)} rows back (PgDn goes on)`,
	);
}

function stepFilter({session, tallies, touch}: CommandContext, direction: 1 | -1): void {
	const filter = tallies.feed.stepFilter(direction);
	touch('feed');
	session.say(filter === 'all' ? 'feed: all events' : `feed: ${filter} events`);
}

function cancelled(question: NonNullable<Session['asking']>): string {
	return question === 'reset' ? 'reset cancelled' : 'crash of every node cancelled';
}

/** Every action's command, by the action's name in the keymap. */
export const commands: Readonly<Record<Action, Run>> = {
	...timeCommands,
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

	mark({session}) {
		const node = session.selectedNode();
		if (node === undefined) {
			session.say('no node is selected', 'warn');
			return;
		}

		if (session.marked.has(node.id)) {
			session.marked.delete(node.id);
		} else {
			session.marked.add(node.id);
		}

		session.touch('nodes', 'header');
		const marked = [...session.marked].toSorted((a, b) => a - b);
		session.say(
			marked.length === 0
				? 'no node is marked'
				: `marked ${marked.map((id) => `n${id}`).join(', ')}: P cuts them off from the rest`,
		);
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
			session.say(
				session.snapshot.attached === undefined
					? `crashed node ${node.id} (SIGKILL)`
					: `stopped node ${node.id}: its process exits, and its process manager starts it again`,
			);
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

	forceTimeout({operator, session}) {
		const node = session.selectedNode();
		if (node === undefined) {
			session.say('no node is selected', 'warn');
		} else if (node.status === 'crashed' || node.status === 'starting') {
			session.say(`node ${node.id} is ${node.status}: it has no timeout to run out`, 'warn');
		} else {
			const words = timeoutWords(session, node.id);
			operator.forceTimeout(node.id);
			session.say(words);
		}
	},

	crashAll({session}) {
		const up = session.snapshot.nodes.filter((node) => node.status !== 'crashed').length;
		if (up === 0) {
			session.say('every node is down already (R restarts them all)', 'warn');
			return;
		}

		session.asking = 'crashAll';
		session.say(
			session.snapshot.dataDir === undefined
				? `y crashes every node: ${formatCount(session.snapshot.commit)} committed ops lost (no --data-dir); other keys cancel`
				: 'y crashes every node at once (logs stay on disk); other keys cancel',
			'warn',
		);
	},

	restartAll({operator, session}) {
		const crashed = session.snapshot.nodes.filter((node) => node.status === 'crashed');
		if (crashed.length === 0) {
			session.say('no node is down (X crashes them all)', 'warn');
			return;
		}

		operator.restartAll();
		session.say(
			`restarting ${crashed.length === 1 ? `node ${crashed[0]!.id}` : `${crashed.length} nodes`}${session.snapshot.dataDir === undefined ? '' : ' from their disks'}`,
		);
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

	partition({operator, session}) {
		const ids = session.snapshot.nodes.map((node) => node.id);
		const sideA = ids.filter((id) => session.marked.has(id));
		const sideB = ids.filter((id) => !session.marked.has(id));
		if (sideA.length === 0) {
			session.say('mark the nodes of one side with a, then P', 'warn');
			return;
		}

		if (sideB.length === 0) {
			session.say('every node is marked: unmark the other side (a)', 'warn');
			return;
		}

		operator.partition(sideA, sideB);
		session.marked.clear();
		session.touch('nodes', 'header');
		const names = (side: readonly number[]) => side.map((id) => `n${id}`).join(', ');
		session.say(`partitioned ${names(sideA)} | ${names(sideB)} (h heals)`);
	},

	deaf(context) {
		toggleCut(context, 'deaf');
	},

	mute(context) {
		toggleCut(context, 'mute');
	},

	freeze({operator, session, tallies, touch}) {
		const node = session.selectedNode();
		if (node === undefined || node.status === 'crashed') {
			session.say(node === undefined ? 'no node is selected' : `n${node.id} is down`, 'warn');
			return;
		}

		const on = !node.network.frozen;
		operator.freeze(node.id, on);
		tallies.diagram.note(on ? `n${node.id} frozen` : `n${node.id} thawed`);
		touch('diagram');
		session.say(
			on
				? `n${node.id} is frozen: it takes no input and its clock stops, as in a long GC pause (z thaws)`
				: `n${node.id} thawed: it goes on with its state and what waited for it`,
		);
	},

	heal({operator, session}) {
		operator.heal();
		session.say('healed the network');
	},

	faultTarget({session}) {
		session.faultTarget = nextTarget[session.faultTarget];
		session.touch('header');
		switch (session.faultTarget) {
			case 'network': {
				session.say('+ - ] [ act on the whole network');
				break;
			}

			case 'node': {
				const node = session.selectedNode();
				session.say(
					`+ - ] [ } { act on the selected node${node === undefined ? '' : ` (n${node.id})`}: what it sends and receives`,
				);
				break;
			}

			case 'link': {
				const {from, to} = session.linkTargets();
				session.say(
					to.length === 0
						? `+ - ] [ } { act on links from n${from ?? '?'}: mark the other end with a`
						: `+ - ] [ } { act on the link ${from ?? '?'}→${to.join(',')} (one way)`,
				);
				break;
			}
		}
	},

	dropUp(context) {
		stepFault(context, 'dropRate', 1);
	},

	dropDown(context) {
		stepFault(context, 'dropRate', -1);
	},

	delayUp(context) {
		stepFault(context, 'delayMs', 1);
	},

	delayDown(context) {
		stepFault(context, 'delayMs', -1);
	},

	jitterUp(context) {
		stepFault(context, 'jitterMs', 1);
	},

	jitterDown(context) {
		stepFault(context, 'jitterMs', -1);
	},

	toggleDiagram({session}) {
		session.lower = session.lower === 'diagram' ? 'feed' : 'diagram';
		session.touch('ui', 'diagram');
		session.say(
			session.lower === 'diagram'
				? 'sequence diagram: PgUp scrolls back, v shows the feed'
				: session.narration
					? 'feed, in plain sentences'
					: 'feed',
		);
	},

	scrollBack(context) {
		scrollDiagram(context, 1);
	},

	scrollForward(context) {
		scrollDiagram(context, -1);
	},

	toggleNarration({session}) {
		session.narration = !session.narration;
		session.lower = 'feed';
		session.touch('ui', 'narration', 'feed');
		session.say(
			session.narration
				? 'feed in plain sentences, one per message and step (N shows the events)'
				: 'feed: events (N tells them in sentences)',
		);
	},

	toggleHeartbeats({session, tallies, touch}) {
		const hidden = tallies.feed.toggleTimers();
		touch('feed');
		touch('messages');
		touch('diagram');
		touch('narration');
		session.listMessages(visibleMessage(tallies));
		session.say(
			hidden
				? 'heartbeats and timer events hidden from the feed, the messages and the diagram (H shows them)'
				: 'heartbeats and timer events shown (H hides them)',
		);
	},

	filter(context) {
		stepFilter(context, 1);
	},

	filterBack(context) {
		stepFilter(context, -1);
	},

	clearFeed({session, tallies}) {
		tallies.clear();
		session.say('feed and diagram cleared');
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

	lessons: openLessonList,

	confirm(context) {
		const {session} = context;
		if (session.asking === 'reset') {
			session.asking = undefined;
			resetCluster(context);
		} else if (session.asking === 'crashAll') {
			session.asking = undefined;
			crashEveryNode(context);
		} else {
			session.say('nothing to confirm (y answers a question, such as W’s or X’s)', 'warn');
		}
	},

	help({session}) {
		if (!session.help) {
			session.setHelp(true, 0);
		} else if (session.helpPage + 1 < overlayPages.length) {
			session.setHelp(true, session.helpPage + 1);
		} else {
			session.setHelp(false);
		}
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
	session.listMessages(visibleMessage(context.tallies));
	if (command.action !== 'help' && command.action !== 'quit') {
		session.setHelp(false);
	}

	// A message's number is typed in one go: any other key ends it.
	if (command.action !== 'messageNumber' && session.typed !== '') {
		session.typed = '';
		context.touch('messages');
	}

	if (session.asking !== undefined && command.action !== 'confirm' && command.action !== 'quit') {
		session.say(`${cancelled(session.asking)}: nothing changed`);
		session.asking = undefined;
		context.flush();
		return;
	}

	try {
		commands[command.action](context, command);
	} catch (error: unknown) {
		session.say(`${command.action} failed: ${errorText(error)}`, 'error');
	}

	session.listMessages(visibleMessage(context.tallies));
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
		session.say(`${cancelled(session.asking)}: nothing changed`);
		session.asking = undefined;
	}

	context.flush();
}
