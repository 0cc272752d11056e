/**
Prints one frame of the operator screen (JSON) for the colour test, which runs
this in a process of its own with FORCE_COLOR set: chalk decides at import time
whether to colour, before a test file could set it. Arguments: `help` renders the
`?` overlay; the env's NO_COLOR reaches the theme.
*/
import process from 'node:process';
import {createFakeOperator, fakeNode} from './ui-fake-operator.js';
import {renderApp} from './ui-harness.js';

const operator = createFakeOperator(5);
operator.state.nodes = [
	fakeNode(0, {isPrimary: true}),
	fakeNode(1, {isPrimary: false, status: 'view_change'}),
	fakeNode(2, {isPrimary: false, status: 'crashed', pid: undefined}),
	fakeNode(3, {isPrimary: false, status: 'recovering'}),
	fakeNode(4, {
		isPrimary: false,
		network: {
			isolated: true,
			partitioned: false,
			deaf: false,
			mute: false,
			frozen: false,
			side: undefined,
			dropRate: 0,
			delayMs: 0,
			jitterMs: 0,
		},
	}),
];
const env: Record<string, string> = {};
if (process.env.NO_COLOR !== undefined) {
	env.NO_COLOR = process.env.NO_COLOR;
}

const h = await renderApp({operator, env});
let frame = await h.waitFor((current) => current.includes('recovering'), 30_000);
if (process.argv.includes('help')) {
	h.press('?');
	frame = await h.waitFor((current) => current.includes('Keys 1/2 ('), 30_000);
}

h.dispose();
process.stdout.write(`${JSON.stringify({frame})}\n`);
