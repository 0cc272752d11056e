/** Colours carry meaning, and NO_COLOR turns every colour off. */
import process from 'node:process';
import test from 'ava';
import {execa} from 'execa';
import {distDir} from './helpers/paths.js';

// SGR colour codes: foreground 30–37, 90–97, 38;…; background 40–47, 100–107, 48;….
// eslint-disable-next-line no-control-regex
const colourCode = /\u001B\[(?:3[0-8]|9[0-7]|4[0-8]|10[0-7])(?:;[\d;]*)?m/v;

async function frameOf(env: Record<string, string>, ...args: string[]): Promise<string> {
	const {NO_COLOR: _ignored, ...rest} = process.env;
	const result = await execa('node', [`${distDir}test/ui-colour-frames.js`, ...args], {
		env: {...rest, FORCE_COLOR: '1', ...env},
		extendEnv: false,
		timeout: 30_000,
	});
	const parsed: unknown = JSON.parse(result.stdout);
	return typeof parsed === 'object' && parsed !== null ? String(Reflect.get(parsed, 'frame')) : '';
}

const sgr = (code: number) => new RegExp(`\u001B\\[${code}m`, 'v');

const line = (frame: string, text: string): string =>
	frame.split('\n').find((candidate) => candidate.includes(text)) ?? '';

test('the primary is green, crashed red, view change yellow, recovering magenta, isolated cyan', async (t) => {
	const frame = await frameOf({});
	t.regex(line(frame, 'primary  '), sgr(32), 'primary: green');
	t.regex(line(frame, 'crashed'), sgr(31), 'crashed: red');
	t.regex(line(frame, 'view_change'), sgr(33), 'view change: yellow');
	t.regex(line(frame, 'recovering'), sgr(35), 'recovering: magenta');
	t.regex(line(frame, 'isolated'), sgr(36), 'isolated: cyan');
});

test('NO_COLOR: no colour at all, and the words still say it', async (t) => {
	const frame = await frameOf({NO_COLOR: '1'});
	t.notRegex(frame, colourCode);
	for (const word of ['primary', 'crashed', 'view_change', 'recovering', 'isolated']) {
		t.true(frame.includes(word), `${word} is shown`);
	}

	t.notRegex(await frameOf({NO_COLOR: '1'}, 'help'), colourCode, 'the help overlay too');
});

test('NO_COLOR set to the empty string does not count', async (t) => {
	t.regex(await frameOf({NO_COLOR: ''}), colourCode);
});
