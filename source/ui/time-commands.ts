/**
The commands of time and of the messages in flight (pause, speed, step, tick, the message pane):
their table entries, and the words for a delivered message that the status line and the store
use.
*/
import type {DeliveryReport, InFlightMessage} from '../cluster/operator-api.js';
import type {CommandContext, Run} from './command-context.js';
import {formatClock} from './format.js';
import {type Action, speedSteps, stepThrough, tickMs} from './keymap.js';
import {messagesListed} from './session.js';
import type {Tallies} from './tallies.js';

/** `0`, `client`: an end of a message, as the status line names it. */
const endpointText = String;

/** `Prepare v0 op 3 0→2`. */
export const messageText = (message: InFlightMessage): string =>
	`${message.label} ${endpointText(message.from)}→${endpointText(message.to)}`;

/** `delivered Prepare v0 op 3 0→2 → 2 appended op 3, sent PrepareOk`. */
export function deliveryWords(report: DeliveryReport): string {
	const caused = report.caused.length === 0 ? 'nothing came of it' : report.caused.join(', ');
	const receiver = endpointText(report.message.to);
	// `client 1 has its reply` names the receiver itself.
	const what = caused.startsWith(`${receiver} `) ? caused : `${receiver} ${caused}`;
	return `delivered ${messageText(report.message)} → ${what}`;
}

/** Whether the message pane and `n` show a message: heartbeats only while they are not hidden. */
export const visibleMessage =
	(tallies: Tallies) =>
	(message: InFlightMessage): boolean =>
		!(message.heartbeat && tallies.feed.timersHidden);

/** After a delivery: the cluster, the pane and the screen as they are now. */
function afterDelivery({session, tallies, flush}: CommandContext): void {
	session.poll();
	session.listMessages(visibleMessage(tallies));
	flush();
}

const speedText = (speed: number): string => `${speed}×`;

function stepSpeed({operator, session}: CommandContext, direction: 1 | -1): void {
	const current = session.snapshot.speed;
	const speed = stepThrough(speedSteps, current, direction);
	if (speed === current) {
		session.say(
			direction > 0
				? `time already runs at ${speedText(speed)}, the fastest`
				: `${speedText(speed)} is the slowest`,
			'warn',
		);
		return;
	}

	operator.setSpeed(speed);
	const tick = tickMs / speed;
	session.say(
		`speed ${speedText(speed)}: a ${tickMs} ms tick takes ${tick >= 1000 ? `${tick / 1000} s` : `${tick} ms`}`,
	);
}

/** Delivers one message (the next, or a chosen one) after those asked for before, and says what it caused. */
function deliverOne(
	context: CommandContext,
	deliver: () => Promise<DeliveryReport | undefined>,
): void {
	const {session} = context;
	session.serially(async () => {
		const report = await deliver();
		session.say(
			report === undefined ? 'that message is no longer in flight' : deliveryWords(report),
			report === undefined ? 'warn' : 'info',
		);
		afterDelivery(context);
	});
}

/** The keys of time and of the messages in flight: pause, speed, step, tick, and the message pane. */
export const timeCommands = {
	togglePause({operator, session}) {
		if (session.snapshot.paused) {
			operator.resume();
			session.say('time runs again');
		} else {
			operator.pause();
			session.say('time paused: n delivers the next message, t lets one tick pass, space resumes');
		}
	},

	faster(context) {
		stepSpeed(context, 1);
	},

	slower(context) {
		stepSpeed(context, -1);
	},

	step(context) {
		const {operator, session, tallies} = context;
		if (!session.snapshot.paused) {
			session.say('n delivers one message while time is paused (space pauses)', 'warn');
			return;
		}

		// The next message the pane shows (heartbeats hidden: the next that is not one).
		const listed = operator.inFlight(messagesListed);
		const next = listed.find(visibleMessage(tallies)) ?? listed[0];
		if (next === undefined && session.snapshot.played === true) {
			// A lesson or a replay: its rounds play on (ticks too) to the next message delivered.
			deliverOne(context, async () => operator.deliverNext());
			return;
		}

		if (next === undefined) {
			session.say('nothing is in flight (s submits a request, t lets a tick pass)');
			return;
		}

		deliverOne(context, async () =>
			next.id === listed[0]?.id ? operator.deliverNext() : operator.deliver(next.id),
		);
	},

	tick(context) {
		const {operator, session} = context;
		if (!session.snapshot.paused) {
			session.say('t lets one tick pass while time is paused (space pauses)', 'warn');
			return;
		}

		session.serially(async () => {
			const reports = await operator.advanceTick();
			session.poll();
			const now = formatClock(session.snapshot.virtualTimeMs);
			if (reports.length === 0) {
				session.say(`one tick (${tickMs} ms), time ${now}: nothing fell due`);
			} else if (reports.length === 1) {
				session.say(`one tick, time ${now}: ${deliveryWords(reports[0]!)}`);
			} else {
				const messages = reports.map((report) => messageText(report.message)).join(', ');
				session.say(`one tick, time ${now}: delivered ${reports.length}: ${messages}`);
			}

			afterDelivery(context);
		});
	},

	// With a timeline (a seeded session) the store travels in time instead (`time-travel.ts`).
	back({session}) {
		session.say(', and . travel in time in a seeded session (--seed); this one is live', 'warn');
	},

	forward({session}) {
		session.say(', and . travel in time in a seeded session (--seed); this one is live', 'warn');
	},

	toggleMessages({session, tallies}) {
		session.messagesShown = !session.messagesShown;
		session.focus = session.messagesShown ? 'messages' : 'nodes';
		session.typed = '';
		session.touch('ui', 'messages');
		session.listMessages(visibleMessage(tallies));
		session.say(
			session.messagesShown
				? 'messages in flight: ↑/↓ or a number selects, enter delivers, d drops, tab gives the keys to the nodes'
				: 'message pane hidden',
		);
	},

	focus({session}) {
		if (!session.messagesShown) {
			session.say('tab moves the keys to the message pane (m shows it)', 'warn');
			return;
		}

		session.focus = session.focus === 'messages' ? 'nodes' : 'messages';
		session.touch('ui', 'messages');
		session.say(
			session.focus === 'messages'
				? 'keys act on the messages: ↑/↓ or a number selects one'
				: 'keys act on the nodes: ↑/↓ and 1–9 select one',
		);
	},

	deliverSelected(context) {
		const {operator, session} = context;
		const message = session.messagesShown ? session.selectedInFlight() : undefined;
		if (!session.messagesShown) {
			session.say('enter delivers the message selected in the message pane (m shows it)', 'warn');
		} else if (message === undefined) {
			session.say('no message is selected: nothing is in flight', 'warn');
		} else {
			deliverOne(context, async () => operator.deliver(message.id));
		}
	},

	dropSelected(context) {
		const {operator, session, tallies} = context;
		const message = session.messagesShown ? session.selectedInFlight() : undefined;
		if (!session.messagesShown) {
			session.say('d drops the message selected in the message pane (m shows it)', 'warn');
		} else if (message === undefined) {
			session.say('no message is selected: nothing is in flight', 'warn');
		} else if (operator.drop(message.id)) {
			session.say(`dropped #${message.id} ${messageText(message)}`);
			session.poll();
			session.listMessages(visibleMessage(tallies));
		} else {
			session.say(`#${message.id} is no longer in flight`, 'warn');
		}
	},

	messageUp({session}) {
		const index = session.messages.findIndex((message) => message.id === session.selectedMessage);
		session.selectMessage(session.messages[Math.max(0, index - 1)]?.id);
	},

	messageDown({session}) {
		const index = session.messages.findIndex((message) => message.id === session.selectedMessage);
		session.selectMessage(session.messages[Math.min(session.messages.length - 1, index + 1)]?.id);
	},

	messageNumber({session}, command) {
		// Numbers grow long on a long run; more digits than any number in flight start again.
		const typed = `${session.typed}${command.digit ?? ''}`.slice(-9);
		session.typed = typed;
		session.touch('messages');
		const id = Number(typed);
		if (session.messages.some((message) => message.id === id)) {
			session.selectMessage(id);
			session.say(`#${id} selected: enter delivers it, d drops it`);
		} else {
			session.say(`#${typed}: no such message in flight (yet: type on)`, 'warn');
		}
	},
} satisfies Partial<Record<Action, Run>>;
