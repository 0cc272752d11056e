/** The readme's operator section stays true to the keymap and the overlay's legend. */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {keymap} from '../source/ui/keymap.js';
import {legend} from '../source/ui/legend.js';
import {repoRoot} from './helpers/paths.js';

const readme = readFileSync(path.join(repoRoot, 'readme.md'), 'utf8');
const section = readme.slice(readme.indexOf('## The operator: `vsr-tui`'));

test('the readme has the operator section', (t) => {
	t.true(readme.includes('## The operator: `vsr-tui`'));
});

test('the readme lists every key as the keymap defines it, in the same order', (t) => {
	// | `key` | what the overlay says | more |
	const rows = [...section.matchAll(/^\| `([^`]+)` \| ([^\|]+?) \|.*\|$/gmv)]
		.map((match) => [match[1], match[2]] as const)
		.filter(([label]) => keymap.some((binding) => binding.label === label));
	t.deepEqual(
		rows,
		keymap.map((binding) => [binding.label, binding.description] as const),
	);
});

test('the readme explains the numbers as the overlay’s legend does', (t) => {
	const rows = [...section.matchAll(/^- `([^`]+)`: (.+)\.$/gmv)]
		.map((match) => [match[1], match[2]] as const)
		.filter(([term]) => legend.some((line) => line.term === term));
	t.deepEqual(
		rows,
		legend.map((line) => [line.term, line.meaning] as const),
	);
});
