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
	| 'clearFeed'
	| 'toggleFeed'
	| 'help'
	| 'closeHelp'
	| 'quit';

/** A key as the handler sees it: one printable character, or a named special key. */
export type KeyName = string | 'up' | 'down' | 'escape' | 'ctrl-c';

export type Binding = {
	readonly action: Action;
	/** Every key that triggers the action (for `selectNode`, the digit is the row). */
	readonly keys: readonly KeyName[];
	/** How the overlay and the help line print the keys. */
	readonly label: string;
	/** What the key does, as the overlay says it. */
	readonly description: string;
	/** A word for the help line, which shows the main keys; absent when the key is only in the overlay. */
	readonly short?: string;
};

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
		description: 'submit one request (a put of a fresh key); its reply is shown',
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
		description: 'toggle steady load on or off',
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
		description: 'restart the selected node (a new process; it recovers, then catches up)',
		short: 'restart',
	},
	{
		action: 'isolate',
		keys: ['i'],
		label: 'i',
		description: 'isolate the selected node from the others',
		short: 'isolate',
	},
	{
		action: 'heal',
		keys: ['h'],
		label: 'h',
		description: 'heal the network (end isolations and partitions)',
		short: 'heal',
	},
	{
		action: 'dropUp',
		keys: ['+', '='],
		label: '+',
		description: `raise the drop rate (${dropSteps.map((rate) => `${rate * 100}`).join(', ')} %)`,
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
		description: `raise the message delay (${delaySteps.join(', ')} ms)`,
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
		description: 'deliver the next held message (while paused)',
	},
	{
		action: 'filter',
		keys: ['/', 'f'],
		label: '/ f',
		description: 'filter the feed: the next event category',
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
		description: 'freeze or unfreeze the feed (events are still counted)',
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
		description: 'quit (Ctrl-C too): stop every replica, restore the terminal',
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
	readonly escape?: boolean;
	readonly ctrl?: boolean;
};

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
		return input === 'c' ? ['ctrl-c'] : [];
	}

	if (key.escape && input === '') {
		return ['escape'];
	}

	const names: KeyName[] = [];
	for (const character of input) {
		names.push(character === '\u0003' ? 'ctrl-c' : character);
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
