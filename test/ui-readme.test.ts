/** The readme's operator section stays true to the keymap. */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {keymap} from '../source/ui/keymap.js';
import {repoRoot} from './helpers/paths.js';

const readme = readFileSync(path.join(repoRoot, 'readme.md'), 'utf8');
const section = readme.slice(readme.indexOf('## The operator: `vsr-tui`'));

test('the readme has the operator section', (t) => {
	t.true(readme.includes('## The operator: `vsr-tui`'));
});

test('the readme lists every key as the keymap defines it, in the same order', (t) => {
	const rows = [...section.matchAll(/^\| `([^`]+)` \| (.+) \|$/gmv)]
		.map((match) => [match[1], match[2]] as const)
		.filter(([label]) => keymap.some((binding) => binding.label === label));
	t.deepEqual(
		rows,
		keymap.map((binding) => [binding.label, binding.description] as const),
	);
});
