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
	| 'submit'
	| 'burst'
	| 'toggleLoad'
	| 'crash'
	| 'restart'
	| 'isolate'
	| 'heal'
	| 'dropUp'
	| 'dropDown'
	| 'delayUp'
	| 'delayDown'
	| 'togglePause'
	| 'step'
	| 'filter'
	| 'filterBack'
	| 'toggleTimers'
	| 'clearFeed'
	| 'toggleFeed'
	| 'reset'
	| 'confirm'
	| 'help'
	| 'closeHelp'
	| 'quit';

/**
A key as the handler sees it: one printable character, or a named special key (`up`, `down`,
`escape`, `ctrl-c`; others, such as `enter` or `ctrl-x`, are named only to say they do nothing).
*/
export type KeyName = string;

export type Binding = {
	readonly action: Action;
	/** Every key that triggers the action (for `selectNode`, the digit is the row). */
	readonly keys: readonly KeyName[];
	/** How the overlay and the help line print the keys. */
	readonly label: string;
	/** What the key does, as the overlay says it: at most `descriptionWidth` columns. */
	readonly description: string;
	/** A word for the help line, which shows the main keys; absent when the key is only in the overlay. */
	readonly short?: string;
};

/** Descriptions fit in this many columns, so that the overlay shows them whole in two columns at 80. */
export const descriptionWidth = 33;

/** The number of requests `b` sends. */
export const burstSize = 100;

/** Drop rates that `+` and `-` step through. */
export const dropSteps: readonly number[] = [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5];

/** Delays (ms) that `]` and `[` step through. */
export const delaySteps: readonly number[] = [0, 5, 10, 20, 50, 100, 200, 500, 1000];

const digits = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const keymap: readonly Binding[] = [
	{
		action: 'selectPrevious',
		keys: ['up', 'k'],
		label: '↑/k',
		description: 'select the node above',
	},
	{
		action: 'selectNext',
		keys: ['down', 'j'],
		label: '↓/j',
		description: 'select the node below',
	},
	{
		action: 'selectNode',
		keys: digits,
		label: '1–9',
		description: 'select the node in that row',
	},
	{
		action: 'submit',
		keys: ['s'],
		label: 's',
		description: 'submit one request (a fresh put)',
		short: 'submit',
	},
	{
		action: 'burst',
		keys: ['b'],
		label: 'b',
		description: `submit a burst of ${burstSize} requests`,
	},
	{
		action: 'toggleLoad',
		keys: ['l'],
		label: 'l',
		description: 'turn steady load on or off',
	},
	{
		action: 'crash',
		keys: ['x'],
		label: 'x',
		description: 'crash the selected node (SIGKILL)',
		short: 'crash',
	},
	{
		action: 'restart',
		keys: ['r'],
		label: 'r',
		description: 'restart the selected node',
		short: 'restart',
	},
	{
		action: 'isolate',
		keys: ['i'],
		label: 'i',
		description: 'isolate the selected node',
		short: 'isolate',
	},
	{
		action: 'heal',
		keys: ['h'],
		label: 'h',
		description: 'heal the network',
		short: 'heal',
	},
	{
		action: 'dropUp',
		keys: ['+', '='],
		label: '+',
		description: 'raise the drop rate',
	},
	{
		action: 'dropDown',
		keys: ['-', '_'],
		label: '-',
		description: 'lower the drop rate',
	},
	{
		action: 'delayUp',
		keys: [']'],
		label: ']',
		description: 'raise the message delay',
	},
	{
		action: 'delayDown',
		keys: ['['],
		label: '[',
		description: 'lower the message delay',
	},
	{
		action: 'togglePause',
		keys: [' '],
		label: 'space',
		description: 'pause or resume message delivery',
		short: 'pause',
	},
	{
		action: 'step',
		keys: ['n'],
		label: 'n',
		description: 'deliver one held message (paused)',
	},
	{
		action: 'filter',
		keys: ['/', 'f'],
		label: '/ f',
		description: 'feed: the next event category',
	},
	{
		action: 'filterBack',
		keys: ['F'],
		label: 'F',
		description: 'feed: the previous event category',
	},
	{
		action: 'toggleTimers',
		keys: ['t'],
		label: 't',
		description: 'feed: show or hide timer events',
	},
	{
		action: 'clearFeed',
		keys: ['c'],
		label: 'c',
		description: 'clear the feed',
	},
	{
		action: 'toggleFeed',
		keys: ['p'],
		label: 'p',
		description: 'freeze or unfreeze the feed',
	},
	{
		action: 'reset',
		keys: ['R'],
		label: 'R',
		description: 'reset the cluster (asks first)',
	},
	{
		action: 'confirm',
		keys: ['y'],
		label: 'y',
		description: 'yes: confirm what was asked',
	},
	{
		action: 'help',
		keys: ['?'],
		label: '?',
		description: 'show or hide this help',
		short: 'help',
	},
	{
		action: 'closeHelp',
		keys: ['escape'],
		label: 'esc',
		description: 'close this help',
	},
	{
		action: 'quit',
		keys: ['q', 'ctrl-c'],
		label: 'q',
		description: 'quit (Ctrl-C too)',
		short: 'quit',
	},
];

export type Command = {readonly action: Action; readonly digit?: number};

const byKey = new Map<KeyName, Binding>();
for (const binding of keymap) {
	for (const key of binding.keys) {
		if (byKey.has(key)) {
			throw new Error(`key ${key} is bound twice`);
		}

		byKey.set(key, binding);
	}
}

/** The command a key triggers, or undefined. */
export function commandFor(key: KeyName): Command | undefined {
	const binding = byKey.get(key);
	if (binding === undefined) {
		return undefined;
	}

	return binding.action === 'selectNode'
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

// Special keys no binding uses, by the name the status line gives them.
const unboundSpecialKeys = [
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
		const special = unboundSpecialKeys.find(([flag]) => key[flag] === true);
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
