import {Box} from 'ink';
import React from 'react';
import {Alert, alertLines} from './alert.js';
import {useSelect, useSlice} from './context.js';
import {CaptionPane, captionHeight} from './caption-pane.js';
import {EventFeed} from './event-feed.js';
import {Header, headerHeight} from './header.js';
import {HelpLine, HelpOverlay} from './help.js';
import {LastRequest} from './last-request.js';
import {LessonListOverlay} from './lesson-list-overlay.js';
import {MessagePane} from './message-pane.js';
import {NarrationFeed} from './narration-feed.js';
import {NodeTable, nodeTableHeight} from './node-table.js';
import {SpanTimingsPane, spanTimingsHeight, spanTimingsWidth} from './span-timings-pane.js';
import {SequenceDiagram} from './sequence-diagram.js';
import {StatusLine} from './status-line.js';
import {TimelineBar, timelineBarHeight} from './timeline-bar.js';
import {useKeys} from './use-keys.js';
import {type TerminalSize, useTerminalSize} from './use-terminal-size.js';

/** Narrower than this, the last request is left out (the status line still reports each reply). */
const lastRequestMinWidth = 16;

export type Layout = {
	readonly spans: boolean;
	readonly status: boolean;
	readonly help: boolean;
	/** Lines for the alert of a stuck cluster (0: none, or no room). */
	readonly alert: number;
	/** Lines for the message pane, its title included (0: hidden, or no room). */
	readonly messages: number;
	/** Lines for the feed (or the diagram in its place), its title included (0: no room). */
	readonly feed: number;
	/** Lines for a lesson's caption pane (0: no lesson, or no room). */
	readonly caption: number;
};

/** The message pane takes this share of the lines left, within these bounds. */
const messagesShare = 0.4;
const messagesMin = 3;
const messagesMax = 12;

/**
Which panes fit in `rows - 1` lines (Ink redraws the whole screen, flickering, once a
frame is as tall as the terminal): the header and the node table always, then the help
line, the status line, a lesson's caption, the alert of a stuck cluster (as many of its lines as fit), then
the message pane when it is shown (in the span timings' place) or the span timings, and the
feed (or the diagram) gets what is left.
*/
export function layoutFor(
	rows: number,
	nodes: number,
	alert = 0,
	messagesShown = false,
	caption = 0,
): Layout {
	let budget = rows - 1 - headerHeight - nodeTableHeight(nodes);
	const take = (lines: number): boolean => {
		if (budget >= lines) {
			budget -= lines;
			return true;
		}

		return false;
	};

	const help = take(1);
	const status = take(1);
	const captionShown = Math.min(caption, Math.max(0, budget));
	budget -= captionShown;
	const alertShown = Math.min(alert, Math.max(0, budget));
	budget -= alertShown;
	let messages = 0;
	if (messagesShown) {
		messages = Math.min(
			budget,
			Math.max(messagesMin, Math.min(messagesMax, Math.floor(budget * messagesShare))),
		);
		budget -= messages;
	}

	const spans = !messagesShown && take(spanTimingsHeight);
	const feed = budget >= 2 ? budget : 0;
	return {spans, status, help, alert: alertShown, messages, feed, caption: captionShown};
}

/** The lower part of the screen: the feed (events or sentences) or the diagram. */
function LowerPane(props: {readonly lines: number; readonly width: number}) {
	const ui = useSlice('ui');
	if (ui.lower === 'diagram') {
		return <SequenceDiagram lines={props.lines} width={props.width} />;
	}

	return ui.narration ? (
		<NarrationFeed lines={props.lines} width={props.width} />
	) : (
		<EventFeed lines={props.lines} width={props.width} />
	);
}

/**
The operator screen: header, node table, span timings beside the last request (or the messages in
flight), status, feed (or the sequence diagram), help line.
*/
export function App(props: {readonly size?: TerminalSize}) {
	useKeys();
	const {columns, rows} = useTerminalSize(props.size);
	const nodes = useSelect((view) => view.nodes.nodes.length);
	const ui = useSlice('ui');
	const alert = useSlice('alert');
	const caption = useSlice('caption');
	const bar = useSelect((view) => (view.travel.shown ? timelineBarHeight : 0));
	const attached = useSelect((view) => view.header.attached !== undefined);

	const width = Math.max(20, columns);
	if (ui.help) {
		return (
			<Box flexDirection="column" width={width}>
				<HelpOverlay width={width} lines={rows - 1} page={ui.helpPage} attached={attached} />
			</Box>
		);
	}

	if (ui.lessonList !== undefined) {
		return (
			<Box flexDirection="column" width={width}>
				<LessonListOverlay width={width} />
				<StatusLine />
			</Box>
		);
	}

	const layout = layoutFor(
		rows - bar,
		nodes,
		alertLines(alert.text, width),
		ui.messagesShown,
		captionHeight(caption, width),
	);
	return (
		<Box flexDirection="column" width={width}>
			<Header width={width} />
			<TimelineBar width={width} />
			<NodeTable width={width} />
			{layout.caption > 0 ? <CaptionPane width={width} lines={layout.caption} /> : undefined}
			{layout.spans ? (
				<Box flexDirection="row" height={spanTimingsHeight}>
					<SpanTimingsPane width={width} />
					{width - spanTimingsWidth - 2 >= lastRequestMinWidth ? (
						<Box flexDirection="column" marginLeft={2} width={width - spanTimingsWidth - 2}>
							<LastRequest />
						</Box>
					) : undefined}
				</Box>
			) : undefined}
			{layout.messages > 0 ? <MessagePane lines={layout.messages} width={width} /> : undefined}
			{layout.status ? <StatusLine /> : undefined}
			{layout.alert > 0 ? (
				<Box flexDirection="column" height={layout.alert} overflow="hidden">
					<Alert width={width} />
				</Box>
			) : undefined}
			{layout.feed > 0 ? <LowerPane lines={layout.feed} width={width} /> : undefined}
			{layout.help ? <HelpLine width={width} /> : undefined}
		</Box>
	);
}
