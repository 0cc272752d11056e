import type {Fact} from './scenario.js';

/** Fills `{name}` placeholders from `facts`; a placeholder without a fact is an error (a caption must not show a hole). */
export function fillCaption(template: string, facts: Readonly<Record<string, Fact>>): string {
	return template.replaceAll(/\{(\w+)\}/gv, (_, name: string) => {
		const value = facts[name];
		if (value === undefined) {
			throw new Error(`the caption needs {${name}}, which the step's facts do not give`);
		}

		return String(value);
	});
}

/** `n1, n2` / `n1` / `nobody`: replicas named as the screen names them, each once, in order. */
export function nodeList(nodes: readonly number[]): string {
	const each = [...new Set(nodes)].toSorted((a, b) => a - b);
	return each.length === 0 ? 'nobody' : each.map((node) => `n${node}`).join(', ');
}
