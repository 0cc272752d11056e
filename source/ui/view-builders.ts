/**
How each slice of the view is built from the session and the tallies, one builder per slice:
the frame clock calls the builders of the slices that changed. A builder may return the
previous slice when nothing a pane shows changed (the pane then does not render again).
*/
import {type LinkFaults, noFaults} from '../cluster/operator-api.js';
import {Configuration} from '../vsr/configuration.js';
import {stuckWords} from './diagnosis.js';
import {delayText, formatPercent} from './format.js';
import type {Session} from './session.js';
import {type FaultsShown, type View, type TravelSlice} from './slices.js';
import type {Tallies} from './tallies.js';
import type {TimeTravel} from './time-travel.js';

export type Sources = {
	readonly session: Session;
	readonly tallies: Tallies;
	/** A seeded session's time travel (undefined: live, no timeline). */
	readonly travel?: TimeTravel | undefined;
};

const noTimeline: TravelSlice = {
	shown: false,
	point: undefined,
	length: 0,
	marks: [],
	forks: 0,
	forkedAt: undefined,
	forking: false,
	full: false,
};

export type ViewBuilders = {
	readonly [K in keyof View]: (sources: Sources, previous: View[K] | undefined) => View[K];
};

function linkFaultsOf(session: Session, from: number, to: number): LinkFaults {
	try {
		return session.operator.linkFaults(from, to);
	} catch {
		return noFaults;
	}
}

/** What the network keys act on now, and its settings. */
function faultsShown(session: Session): FaultsShown {
	const {snapshot} = session;
	switch (session.faultTarget) {
		case 'network': {
			return {
				target: 'network',
				name: '',
				dropRate: snapshot.dropRate,
				delayMs: snapshot.delayMs,
				jitterMs: undefined,
			};
		}

		case 'node': {
			const node = session.selectedNode();
			return {
				target: 'node',
				name: node === undefined ? 'n?' : `n${node.id}`,
				dropRate: node?.network.dropRate ?? 0,
				delayMs: node?.network.delayMs ?? 0,
				jitterMs: node?.network.jitterMs ?? 0,
			};
		}

		case 'link': {
			const {from, to} = session.linkTargets();
			const faults =
				from === undefined || to[0] === undefined ? noFaults : linkFaultsOf(session, from, to[0]);
			return {
				target: 'link',
				name: `${from ?? '?'}→${to.length === 0 ? '?' : to.join(',')}`,
				dropRate: faults.dropRate,
				delayMs: faults.delayMs,
				jitterMs: faults.jitterMs,
			};
		}
	}
}

/** The links from `node` whose faults were set: `→2 drop 50% delay 20ms`. */
function linksText(session: Session, node: number): string {
	const parts: string[] = [];
	for (const key of session.links) {
		const [from, to] = key.split('>').map(Number);
		if (from !== node || to === undefined) {
			continue;
		}

		const faults = linkFaultsOf(session, from, to);
		const settings: string[] = [];
		if (faults.dropRate > 0) {
			settings.push(`drop ${formatPercent(faults.dropRate)}`);
		}

		if (faults.delayMs > 0 || faults.jitterMs > 0) {
			settings.push(delayText(faults.delayMs, faults.jitterMs));
		}

		if (settings.length > 0) {
			parts.push(`→${to} ${settings.join(' ')}`);
		}
	}

	return parts.join(' ');
}

export const viewBuilders: ViewBuilders = {
	header({session, tallies}) {
		const {snapshot} = session;
		const configuration = new Configuration(Math.max(1, snapshot.replicas));
		return {
			replicas: snapshot.replicas,
			f: configuration.f,
			quorum: configuration.quorum,
			view: snapshot.view,
			primary: snapshot.primary,
			commit: snapshot.commit,
			requestsPerSecond: session.rate('acked'),
			acked: snapshot.acked,
			events: tallies.events,
			eventsPerSecond: session.rate('events'),
			elapsedMs: session.elapsedMs(),
			paused: snapshot.paused,
			held: snapshot.held,
			load: snapshot.load,
			dropRate: snapshot.dropRate,
			delayMs: snapshot.delayMs,
			outsideFailureModel: snapshot.outsideFailureModel,
			seed: snapshot.seed,
			attached: snapshot.attached,
			speed: snapshot.speed,
			virtualTimeMs: snapshot.virtualTimeMs,
			inFlight: snapshot.inFlight,
			faults: faultsShown(session),
		};
	},

	nodes({session}) {
		const {nodes, view} = session.snapshot;
		// The primary of the cluster's view; an older view's primary that was cut off is stale.
		const primary = nodes.find(
			(node) => node.isPrimary && node.status === 'normal' && node.view === view,
		);
		return {
			nodes: nodes.map((node) => ({
				...node,
				lag:
					primary === undefined || node.status === 'crashed'
						? undefined
						: Math.max(0, primary.op - node.op),
				stalePrimary: node.isPrimary && node.status === 'normal' && node.view < view,
				marked: session.marked.has(node.id),
				links: session.links.size === 0 ? '' : linksText(session, node.id),
			})),
			selected: session.selected,
			durable: session.snapshot.dataDir !== undefined,
		};
	},

	feed: ({tallies}) => tallies.feed.view(),

	spans: ({tallies}) => ({rows: tallies.spans.rows()}),

	lastRequest: ({session}) => session.lastRequest,

	status: ({session}) => session.status,

	ui: ({session}) => ({
		help: session.help,
		helpPage: session.helpPage,
		quitting: session.quitting,
		lower: session.lower,
		narration: session.narration,
		messagesShown: session.messagesShown,
		focus: session.focus,
		lessonList: session.lessonList,
	}),

	caption: ({session}) => session.caption,

	messages: ({session, tallies}) => ({
		messages: session.messages,
		selected: session.selectedMessage,
		focused: session.messagesShown && session.focus === 'messages',
		inFlight: session.snapshot.inFlight,
		heartbeatsHidden: tallies.feed.timersHidden,
		paused: session.snapshot.paused,
		typed: session.typed,
	}),

	diagram({session, tallies}) {
		const hidden = tallies.feed.timersHidden;
		return {
			rows: tallies.diagram.rows(hidden),
			replicas: session.snapshot.replicas,
			scroll: tallies.diagram.scroll(hidden),
			messages: tallies.diagram.messages,
			heartbeatsHidden: hidden,
			listening: tallies.listeningToMessages,
		};
	},

	narration: ({tallies}) => ({
		entries: tallies.narration.newest(tallies.narration.capacity, tallies.feed.timersHidden),
		heartbeatsHidden: tallies.feed.timersHidden,
		listening: tallies.listeningToMessages,
	}),

	travel: ({travel}) => travel?.slice() ?? noTimeline,

	alert({session}, previous) {
		const text = stuckWords(session.snapshot);
		return previous !== undefined && previous.text === text ? previous : {text};
	},
};
