/**
What each colour means, in one place. With `NO_COLOR` set (to anything but the
empty string, https://no-color.org) no colour is used at all; the text carries
the same meaning by itself (role and status words, `>` for the selection).
*/

import type {DiagramTone} from './diagram-layout.js';
import type {FeedCategory} from './event-kinds.js';
import type {NarrationTone} from './narrate.js';

export type Tone =
	| 'primary'
	| 'backup'
	| 'crashed'
	| 'viewChange'
	| 'recovering'
	| 'starting'
	| 'isolated'
	| 'partitioned'
	| 'faulty'
	| 'ok'
	| 'warn'
	| 'error'
	| 'muted'
	| 'title'
	| 'key';

const colours: Record<Tone, string | undefined> = {
	primary: 'green',
	backup: undefined,
	crashed: 'red',
	viewChange: 'yellow',
	recovering: 'magenta',
	starting: 'gray',
	isolated: 'cyan',
	partitioned: 'cyan',
	faulty: 'yellow',
	ok: 'green',
	warn: 'yellow',
	error: 'red',
	muted: 'gray',
	title: 'blue',
	key: 'cyan',
};

// The feed's categories: the rare and telling ones stand out, the steady stream stays plain.
const categoryColours: Readonly<Record<FeedCategory, string | undefined>> = {
	protocol: undefined,
	view_change: 'yellow',
	state: 'blue',
	state_machine: undefined,
	state_transfer: 'magenta',
	replication: undefined,
	timer: 'gray',
	recovery: 'magenta',
	operator: 'cyan',
};

// Messages by what they are for, in the diagram and the message pane; the narration the same way.
const messageColours: Readonly<Record<DiagramTone, string | undefined>> = {
	time: 'gray',
	lifeline: 'gray',
	request: 'green',
	normal: undefined,
	heartbeat: 'gray',
	view: 'yellow',
	recovery: 'magenta',
	lost: 'red',
	crash: 'red',
	commit: 'green',
	note: 'cyan',
};

const narrationColours: Readonly<Record<NarrationTone, string | undefined>> = {
	message: undefined,
	lost: 'red',
	commit: 'green',
	view: 'yellow',
	recovery: 'magenta',
	operator: 'cyan',
};

export type Theme = {
	readonly colour: boolean;
	/** The colour for Ink's `color` prop, or undefined (no colour). */
	readonly color: (tone: Tone) => string | undefined;
	readonly categoryColor: (category: FeedCategory) => string | undefined;
	readonly messageColor: (tone: DiagramTone) => string | undefined;
	readonly narrationColor: (tone: NarrationTone) => string | undefined;
};

export function createTheme(env: Readonly<Record<string, string | undefined>>): Theme {
	const colour = env.NO_COLOR === undefined || env.NO_COLOR === '';
	return {
		colour,
		color: (tone) => (colour ? colours[tone] : undefined),
		categoryColor: (category) => (colour ? categoryColours[category] : undefined),
		messageColor: (tone) => (colour ? messageColours[tone] : undefined),
		narrationColor: (tone) => (colour ? narrationColours[tone] : undefined),
	};
}
