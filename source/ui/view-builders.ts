/**
How each slice of the view is built from the session and the tallies, one builder per slice:
the frame clock calls the builders of the slices that changed. A builder may return the
previous slice when nothing a pane shows changed (the pane then does not render again).
*/
import {Configuration} from '../vsr/configuration.js';
import {stuckWords} from './diagnosis.js';
import type {Session} from './session.js';
import type {View} from './slices.js';
import type {Tallies} from './tallies.js';

export type Sources = {readonly session: Session; readonly tallies: Tallies};

export type ViewBuilders = {
	readonly [K in keyof View]: (sources: Sources, previous: View[K] | undefined) => View[K];
};

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
			})),
			selected: session.selected,
		};
	},

	feed: ({tallies}) => tallies.feed.view(),

	spans: ({tallies}) => ({rows: tallies.spans.rows()}),

	lastRequest: ({session}) => session.lastRequest,

	status: ({session}) => session.status,

	ui: ({session}) => ({help: session.help, quitting: session.quitting}),

	alert({session}, previous) {
		const text = stuckWords(session.snapshot);
		return previous !== undefined && previous.text === text ? previous : {text};
	},
};
