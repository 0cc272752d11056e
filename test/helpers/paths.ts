import path from 'node:path';
import {fileURLToPath} from 'node:url';

/**
Paths for tests, which run compiled from dist/test/: this file is
dist/test/helpers/paths.js, so the build output is two folders up and the
repository root three.
*/
export const distDir = fileURLToPath(new URL('../../', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** The compiled bin, as package.json's `bin` names it. */
export const cliPath = path.join(distDir, 'cli.js');
