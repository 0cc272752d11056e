/**
The operator's keys, defined once as data: the input handler resolves keys
through this table, the `?` overlay and the help line print it, and a test
presses every key and checks the effect its description promises. A key that
is not here does nothing.
*/

export type Action =
	| 'selectPrevious'
	| 'selectNext'
	| 'selectNode'
	| 'mark'
	| 'submit'
	| 'burst'
	| 'toggleLoad'
	| 'crash'
	| 'restart'
	| 'forceTimeout'
	| 'crashAll'
	| 'restartAll'
	| 'isolate'
	| 'partition'
	| 'deaf'
	| 'mute'
	| 'freeze'
	| 'heal'
	| 'faultTarget'
	| 'dropUp'
	| 'dropDown'
	| 'delayUp'
	| 'delayDown'
	| 'jitterUp'
	| 'jitterDown'
	| 'togglePause'
	| 'faster'
	| 'slower'
	| 'step'
	| 'tick'
	| 'back'
	| 'forward'
	| 'toggleMessages'
	| 'focus'
	| 'deliverSelected'
	| 'dropSelected'
	| 'messageUp'
	| 'messageDown'
	| 'messageNumber'
	| 'toggleDiagram'
	| 'scrollBack'
	| 'scrollForward'
	| 'toggleNarration'
	| 'toggleHeartbeats'
	| 'filter'
	| 'filterBack'
	| 'clearFeed'
	| 'toggleFeed'
	| 'reset'
	| 'lessons'
	| 'confirm'
	| 'help'
	| 'closeHelp'
	| 'quit';

/**
A key as the handler sees it: one printable character, or a named special key (`up`, `down`,
`enter`, `tab`, `page-up`, `page-down`, `escape`, `ctrl-c`; others, such as `home` or `ctrl-x`,
are named only to say they do nothing).
*/
export type KeyName = string;

/** Where the keys act: on the node table (the usual), or on the message pane once it has the focus. */
export type Focus = 'nodes' | 'messages';

/** The overlay's sections, in its order. */
export const groups = {
	nodes: 'Nodes and requests',
	network: 'Network',
	time: 'Time and messages',
	screen: 'Screen',
	messages: 'In the message pane (tab)',
} as const;

export type Group = keyof typeof groups;

/** The `?` overlay's pages (`?` turns them, then closes it): the keys that act on the cluster, then the screen's. */
export const overlayPages: ReadonlyArray<readonly Group[]> = [
	['nodes', 'network', 'time', 'messages'],
	['screen'],
];

export type Binding = {
	readonly action: Action;
	/** Every key that triggers the action (for `selectNode` and `messageNumber`, the digit). */
	readonly keys: readonly KeyName[];
	/** How the overlay and the help line print the keys. */
	readonly label: string;
	/** What the key does, as the overlay says it: at most `descriptionWidth` columns. */
	readonly description: string;
	readonly group: Group;
	/** Only while the message pane has the focus, where it comes before the other bindings. */
	readonly focus?: 'messages';
	/** A word for the help line, which shows the main keys; absent when the key is only in the overlay. */
	readonly short?: string;
};

/** Descriptions fit in this many columns, so that the overlay shows them whole in two columns at 80. */
export const descriptionWidth = 33;

/** The number of requests `b` sends. */
export const burstSize = 100;

/** Drop rates that `+` and `-` step through. */
export const dropSteps: readonly number[] = [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1];

/** Delays (ms) that `]` and `[` step through. */
export const delaySteps: readonly number[] = [0, 5, 10, 20, 50, 100, 200, 500, 1000];

/** Jitters (ms) that `}` and `{` step through. */
export const jitterSteps: readonly number[] = [0, 1, 2, 5, 10, 20, 50, 100, 200];

/** Speeds of virtual time that `>` and `<` step through. */
export const speedSteps: readonly number[] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1];

/** Virtual time of one tick (`t`), in ms. */
export const tickMs = 10;

const digits = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const keymap: readonly Binding[] = [
	{
		action: 'selectPrevious',
		keys: ['up', 'k'],
		label: '↑/k',
		description: 'select the node above',
		group: 'nodes',
	},
	{
		action: 'selectNext',
		keys: ['down', 'j'],
		label: '↓/j',
		description: 'select the node below',
		group: 'nodes',
	},
	{
		action: 'selectNode',
		keys: digits,
		label: '1–9',
		description: 'select the node in that row',
		group: 'nodes',
	},
	{
		action: 'mark',
		keys: ['a'],
		label: 'a',
		description: 'mark or unmark the node (for P)',
		group: 'nodes',
	},
	{
		action: 'submit',
		keys: ['s'],
		label: 's',
		description: 'submit one request (a fresh put)',
		group: 'nodes',
		short: 'submit',
	},
	{
		action: 'burst',
		keys: ['b'],
		label: 'b',
		description: `submit a burst of ${burstSize} requests`,
		group: 'nodes',
	},
	{
		action: 'toggleLoad',
		keys: ['l'],
		label: 'l',
		description: 'turn steady load on or off',
		group: 'nodes',
	},
	{
		action: 'crash',
		keys: ['x'],
		label: 'x',
		description: 'crash the selected node (SIGKILL)',
		group: 'nodes',
		short: 'crash',
	},
	{
		action: 'restart',
		keys: ['r'],
		label: 'r',
		description: 'restart the selected node',
		group: 'nodes',
		short: 'restart',
	},
	{
		action: 'forceTimeout',
		keys: ['T'],
		label: 'T',
		description: 'the selected node times out now',
		group: 'nodes',
	},
	{
		action: 'freeze',
		keys: ['z'],
		label: 'z',
		description: 'freeze or thaw the node (SIGSTOP)',
		group: 'nodes',
	},
	{
		action: 'crashAll',
		keys: ['X'],
		label: 'X',
		description: 'crash every node at once (asks)',
		group: 'nodes',
	},
	{
		action: 'restartAll',
		keys: ['R'],
		label: 'R',
		description: 'restart every crashed node',
		group: 'nodes',
	},
	{
		action: 'isolate',
		keys: ['i'],
		label: 'i',
		description: 'isolate the selected node',
		group: 'network',
		short: 'isolate',
	},
	{
		action: 'partition',
		keys: ['P'],
		label: 'P',
		description: 'partition off the marked nodes',
		group: 'network',
	},
	{
		action: 'deaf',
		keys: ['D'],
		label: 'D',
		description: 'the node deaf: hears no replica',
		group: 'network',
	},
	{
		action: 'mute',
		keys: ['M'],
		label: 'M',
		description: 'the node mute: its sends are lost',
		group: 'network',
	},
	{
		action: 'heal',
		keys: ['h'],
		label: 'h',
		description: 'heal the network',
		group: 'network',
		short: 'heal',
	},
	{
		action: 'faultTarget',
		keys: ['o'],
		label: 'o',
		description: 'faults on: network, node, link',
		group: 'network',
	},
	{
		action: 'dropUp',
		keys: ['+', '='],
		label: '+',
		description: 'raise the drop rate',
		group: 'network',
	},
	{
		action: 'dropDown',
		keys: ['-', '_'],
		label: '-',
		description: 'lower the drop rate',
		group: 'network',
	},
	{
		action: 'delayUp',
		keys: [']'],
		label: ']',
		description: 'raise the message delay',
		group: 'network',
	},
	{
		action: 'delayDown',
		keys: ['['],
		label: '[',
		description: 'lower the message delay',
		group: 'network',
	},
	{
		action: 'jitterUp',
		keys: ['}'],
		label: '}',
		description: 'raise the jitter (extra delay)',
		group: 'network',
	},
	{
		action: 'jitterDown',
		keys: ['{'],
		label: '{',
		description: 'lower the jitter',
		group: 'network',
	},
	{
		action: 'togglePause',
		keys: [' '],
		label: 'space',
		description: 'pause or resume time',
		group: 'time',
		short: 'pause',
	},
	{
		action: 'faster',
		keys: ['>'],
		label: '>',
		description: 'time runs faster (up to 1×)',
		group: 'time',
	},
	{
		action: 'slower',
		keys: ['<'],
		label: '<',
		description: 'time runs slower (down to 0.01×)',
		group: 'time',
	},
	{
		action: 'step',
		keys: ['n'],
		label: 'n',
		description: 'deliver the next message (paused)',
		group: 'time',
		short: 'next',
	},
	{
		action: 'tick',
		keys: ['t'],
		label: 't',
		description: `one tick: ${tickMs} ms pass (paused)`,
		group: 'time',
	},
	{
		action: 'back',
		keys: [','],
		label: ',',
		description: 'back one message; acting forks',
		group: 'time',
	},
	{
		action: 'forward',
		keys: ['.'],
		label: '.',
		description: 'forward one message (up to now)',
		group: 'time',
	},
	{
		action: 'toggleMessages',
		keys: ['m'],
		label: 'm',
		description: 'show or hide messages in flight',
		group: 'time',
		short: 'messages',
	},
	{
		action: 'focus',
		keys: ['tab'],
		label: 'tab',
		description: 'keys act on messages or nodes',
		group: 'time',
	},
	{
		action: 'deliverSelected',
		keys: ['enter'],
		label: 'enter',
		description: 'deliver the selected message now',
		group: 'time',
	},
	{
		action: 'dropSelected',
		keys: ['d'],
		label: 'd',
		description: 'drop the selected message',
		group: 'time',
	},
	{
		action: 'messageUp',
		keys: ['up', 'k'],
		label: '↑/k',
		description: 'select the message above',
		group: 'messages',
		focus: 'messages',
	},
	{
		action: 'messageDown',
		keys: ['down', 'j'],
		label: '↓/j',
		description: 'select the message below',
		group: 'messages',
		focus: 'messages',
	},
	{
		action: 'messageNumber',
		keys: ['0', ...digits],
		label: '0–9',
		description: 'select a message: type its number',
		group: 'messages',
		focus: 'messages',
	},
	{
		action: 'toggleDiagram',
		keys: ['v'],
		label: 'v',
		description: 'the sequence diagram or the feed',
		group: 'screen',
		short: 'diagram',
	},
	{
		action: 'scrollBack',
		keys: ['page-up'],
		label: 'PgUp',
		description: 'diagram: scroll back',
		group: 'screen',
	},
	{
		action: 'scrollForward',
		keys: ['page-down'],
		label: 'PgDn',
		description: 'diagram: scroll on (to follow)',
		group: 'screen',
	},
	{
		action: 'toggleNarration',
		keys: ['N'],
		label: 'N',
		description: 'feed: plain sentences or events',
		group: 'screen',
	},
	{
		action: 'toggleHeartbeats',
		keys: ['H'],
		label: 'H',
		description: 'show or hide heartbeats, timers',
		group: 'screen',
	},
	{
		action: 'filter',
		keys: ['/', 'f'],
		label: '/ f',
		description: 'feed: the next event category',
		group: 'screen',
	},
	{
		action: 'filterBack',
		keys: ['F'],
		label: 'F',
		description: 'feed: the previous event category',
		group: 'screen',
	},
	{
		action: 'clearFeed',
		keys: ['c'],
		label: 'c',
		description: 'clear the feed and the diagram',
		group: 'screen',
	},
	{
		action: 'toggleFeed',
		keys: ['p'],
		label: 'p',
		description: 'freeze or unfreeze the feed',
		group: 'screen',
	},
	{
		action: 'reset',
		keys: ['W'],
		label: 'W',
		description: 'wipe: reset the cluster (asks)',
		group: 'screen',
	},
	{
		action: 'lessons',
		keys: ['g'],
		label: 'g',
		description: 'lessons: the list, enter starts',
		group: 'screen',
	},
	{
		action: 'confirm',
		keys: ['y'],
		label: 'y',
		description: 'yes: confirm what was asked',
		group: 'screen',
	},
	{
		action: 'help',
		keys: ['?'],
		label: '?',
		description: 'help: the next page, then close',
		group: 'screen',
		short: 'help',
	},
	{
		action: 'closeHelp',
		keys: ['escape'],
		label: 'esc',
		description: 'close this help',
		group: 'screen',
	},
	{
		action: 'quit',
		keys: ['q', 'ctrl-c'],
		label: 'q',
		description: 'quit (Ctrl-C too)',
		group: 'screen',
		short: 'quit',
	},
];

/** The help line's keys, most wanted first: as many as fit, shown in keymap order. */
export const helpLineOrder: readonly Action[] = [
	'help',
	'quit',
	'submit',
	'togglePause',
	'step',
	'toggleMessages',
	'toggleDiagram',
	'crash',
	'restart',
	'isolate',
	'heal',
];

export type Command = {readonly action: Action; readonly digit?: number};

const byKey = new Map<KeyName, Binding>();
const byKeyInMessages = new Map<KeyName, Binding>();
for (const binding of keymap) {
	const table = binding.focus === 'messages' ? byKeyInMessages : byKey;
	for (const key of binding.keys) {
		if (table.has(key)) {
			throw new Error(`key ${key} is bound twice`);
		}

		table.set(key, binding);
	}
}

/** The binding a key has where the keys act now: the message pane's own come first there. */
export function bindingFor(key: KeyName, focus: Focus = 'nodes'): Binding | undefined {
	return (focus === 'messages' ? byKeyInMessages.get(key) : undefined) ?? byKey.get(key);
}

/** The command a key triggers where the keys act now, or undefined. */
export function commandFor(key: KeyName, focus: Focus = 'nodes'): Command | undefined {
	const binding = bindingFor(key, focus);
	if (binding === undefined) {
		return undefined;
	}

	return binding.action === 'selectNode' || binding.action === 'messageNumber'
		? {action: binding.action, digit: Number(key)}
		: {action: binding.action};
}

/** The subset of Ink's `Key` that the handler reads. */
export type KeyFlags = {
	readonly upArrow?: boolean;
	readonly downArrow?: boolean;
	readonly leftArrow?: boolean;
	readonly rightArrow?: boolean;
	readonly pageUp?: boolean;
	readonly pageDown?: boolean;
	readonly home?: boolean;
	readonly end?: boolean;
	readonly return?: boolean;
	readonly tab?: boolean;
	readonly backspace?: boolean;
	readonly delete?: boolean;
	readonly escape?: boolean;
	readonly ctrl?: boolean;
};

// Special keys with no character of their own, by the name the keymap (or the status line) gives them.
const specialKeys = [
	['leftArrow', 'left'],
	['rightArrow', 'right'],
	['pageUp', 'page-up'],
	['pageDown', 'page-down'],
	['home', 'home'],
	['end', 'end'],
	['return', 'enter'],
	['tab', 'tab'],
	['backspace', 'backspace'],
	['delete', 'delete'],
] as const;

/** How the status line names a character that is not printable. */
function characterName(character: string): string {
	const code = character.codePointAt(0) ?? 0;
	if (character === '\r' || character === '\n') {
		return 'enter';
	}

	if (character === '\t') {
		return 'tab';
	}

	if (code === 0x7f || code === 0x08) {
		return 'backspace';
	}

	return code < 0x20 ? `ctrl-${String.fromCodePoint(code + 0x60)}` : character;
}

/**
Turn what Ink's `useInput` reports into key names. Several characters can arrive
in one chunk (fast typing, a paste, tmux send-keys): each is a key of its own.
*/
export function keysOf(input: string, key: KeyFlags): KeyName[] {
	if (key.upArrow) {
		return ['up'];
	}

	if (key.downArrow) {
		return ['down'];
	}

	if (key.ctrl) {
		return input === '' ? [] : [`ctrl-${input}`];
	}

	if (key.escape && input === '') {
		return ['escape'];
	}

	if (input === '') {
		const special = specialKeys.find(([flag]) => key[flag] === true);
		return special === undefined ? [] : [special[1]];
	}

	const names: KeyName[] = [];
	for (const character of input) {
		names.push(character === '\u0003' ? 'ctrl-c' : characterName(character));
	}

	return names;
}

/** The next value of `steps` above (`direction` 1) or below (-1) `current`, clamped to the ends. */
export function stepThrough(steps: readonly number[], current: number, direction: 1 | -1): number {
	const epsilon = 1e-9;
	if (direction > 0) {
		return steps.find((step) => step > current + epsilon) ?? steps.at(-1) ?? current;
	}

	return steps.findLast((step) => step < current - epsilon) ?? steps[0] ?? current;
}
