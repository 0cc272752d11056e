import type {DoViewChange, Message} from '../vsr/messages.js';
import type {LessonRun, ObservedMessage} from './scenario.js';

/** Readings of a run that several lessons' captions and claims share. */

/** The DoViewChange messages delivered to `node` for `view`: each sender's last normal view and op number. */
export function doViewChangesTo(
	run: LessonRun,
	node: number,
	view: number,
): Array<{from: number; lastNormalView: number; op: number}> {
	const votes = new Map<number, {from: number; lastNormalView: number; op: number}>();
	for (const message of run.messages('do_view_change')) {
		const {content} = message;
		if (message.to === node && content.type === 'do_view_change' && content.view === view) {
			votes.set(content.from, dvcSummary(content));
		}
	}

	return [...votes.values()];
}

function dvcSummary(content: DoViewChange): {from: number; lastNormalView: number; op: number} {
	return {from: content.from, lastNormalView: content.lastNormalView, op: content.opNumber};
}

/** The first message of `type` delivered after virtual ms `since`, that passes `test`. */
export function firstMessage(
	run: LessonRun,
	type: Message['type'],
	since: number,
	test: (message: ObservedMessage) => boolean = () => true,
): ObservedMessage | undefined {
	return run.messages(type).find((message) => message.atMs >= since && test(message));
}

/** The replica that raised the first event named `name` at or after `since`, or undefined. */
export function firstNode(run: LessonRun, name: string, since = 0): number | undefined {
	return run.events(name).find((event) => event.atMs >= since)?.node;
}

/** VR's better log: the later last normal view, then the higher op number. */
export function betterLog(
	a: {lastNormalView: number; op: number},
	b: {lastNormalView: number; op: number},
): boolean {
	return (
		a.lastNormalView > b.lastNormalView || (a.lastNormalView === b.lastNormalView && a.op > b.op)
	);
}
