import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import type {ExecutionContext} from 'ava';

/** A fresh directory under the system's temporary one, removed when the test ends. */
export function temporaryDirectory(t: ExecutionContext, prefix = 'vsr-tui-'): string {
	const directory = mkdtempSync(path.join(tmpdir(), prefix));
	t.teardown(() => {
		rmSync(directory, {recursive: true, force: true});
	});
	return directory;
}

/** Every file under a directory with its bytes, to show that nothing changed. */
export function snapshot(root: string): Record<string, string> {
	const files: Record<string, string> = {};
	const walk = (directory: string) => {
		for (const name of readdirSync(directory).toSorted()) {
			const where = path.join(directory, name);
			if (statSync(where).isDirectory()) {
				walk(where);
			} else {
				files[path.relative(root, where)] = readFileSync(where).toString('hex');
			}
		}
	};

	walk(root);
	return files;
}
