import {readFileSync} from 'node:fs';

/** The version of this package (a recorded session names the one that wrote it). */
export function packageVersion(): string {
	try {
		// dist/source/cluster → the package root, in the repository and in an installed package alike.
		const text = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
		const value: unknown = JSON.parse(text);
		const version: unknown =
			typeof value === 'object' && value !== null ? Reflect.get(value, 'version') : undefined;
		return typeof version === 'string' ? version : 'unknown';
	} catch {
		return 'unknown';
	}
}
