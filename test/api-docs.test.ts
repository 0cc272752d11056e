import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import test from 'ava';
import {execa} from 'execa';
import ts from 'typescript';
import {readPackageJson} from './helpers/cli.js';
import {repoRoot} from './helpers/paths.js';

/**
Every symbol the package exports has a doc comment: each export of every entry point named in
package.json's `exports`, and each public member (static or not) of the classes among them. The
list is whatever the entry points export, read with the TypeScript compiler, never kept by hand.
A member marked `@internal` is not part of the API (tsc strips it from the declarations).
*/

/** The source of each entry point: `./dist/source/sim/index.d.ts` → `source/sim/index.ts`. */
function entrySources(): Array<{entry: string; file: string}> {
	const {exports} = readPackageJson();
	return Object.entries(exports).flatMap(([entry, target]) => {
		const types = typeof target === 'string' ? undefined : target.types;
		if (types === undefined) {
			return [];
		}

		const source = types.replace(/^\.\/dist\//v, '').replace(/\.d\.ts$/v, '.ts');
		return [{entry: path.posix.join('vsr-tui', entry), file: path.join(repoRoot, source)}];
	});
}

const sourceRoot = path.join(repoRoot, 'source');

function isOurs(declaration: ts.Declaration): boolean {
	return declaration.getSourceFile().fileName.startsWith(sourceRoot);
}

function isInternal(declaration: ts.Declaration): boolean {
	return ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === 'internal');
}

function isPublic(declaration: ts.Declaration): boolean {
	const flags = ts.getCombinedModifierFlags(declaration);
	const name = ts.getNameOfDeclaration(declaration);
	return (
		(flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) === 0 &&
		!(name !== undefined && ts.isPrivateIdentifier(name))
	);
}

function undocumented(): {entries: string[]; missing: string[]} {
	const sources = entrySources();
	const program = ts.createProgram(
		sources.map(({file}) => file),
		{
			module: ts.ModuleKind.NodeNext,
			moduleResolution: ts.ModuleResolutionKind.NodeNext,
			target: ts.ScriptTarget.ES2022,
			strict: true,
			noEmit: true,
			skipLibCheck: true,
		},
	);
	const checker = program.getTypeChecker();
	const missing: string[] = [];
	const documented = (symbol: ts.Symbol) =>
		symbol.getDocumentationComment(checker).some((part) => part.text.trim() !== '');

	for (const {entry, file} of sources) {
		const sourceFile = program.getSourceFile(file);
		const moduleSymbol = sourceFile && checker.getSymbolAtLocation(sourceFile);
		if (moduleSymbol === undefined) {
			missing.push(`${entry}: no such module`);
			continue;
		}

		for (const exported of checker.getExportsOfModule(moduleSymbol)) {
			const symbol =
				exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
			if (!documented(symbol)) {
				missing.push(`${entry}: ${exported.name}`);
			}

			if ((symbol.flags & ts.SymbolFlags.Class) === 0) {
				continue;
			}

			const instance = checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol));
			const statics = [...(symbol.exports?.values() ?? [])].filter(
				(member) => member.name !== 'prototype',
			);
			for (const member of [...instance, ...statics]) {
				const declarations = member.declarations ?? [];
				if (
					declarations.length === 0 ||
					!declarations.every((declaration) => isOurs(declaration) && isPublic(declaration)) ||
					declarations.some((declaration) => isInternal(declaration))
				) {
					continue;
				}

				if (!documented(member)) {
					missing.push(`${entry}: ${exported.name}.${member.name}`);
				}
			}
		}
	}

	return {entries: sources.map(({entry}) => entry), missing};
}

test('every export of every entry point, and every public class member, has a doc comment', (t) => {
	const {entries, missing} = undocumented();
	t.deepEqual(entries, [
		'vsr-tui',
		'vsr-tui/telemetry',
		'vsr-tui/sim',
		'vsr-tui/cluster',
		'vsr-tui/otel',
	]);
	t.deepEqual(missing, []);
});

test('the API reference builds with TypeDoc without a warning, one page per entry point', async (t) => {
	const out = mkdtempSync(path.join(tmpdir(), 'vsr-tui-docs-'));
	t.teardown(() => {
		rmSync(out, {recursive: true, force: true});
	});
	// What `npm run docs` runs (typedoc.json treats warnings as errors), into a temporary folder.
	const typedoc = path.join(repoRoot, 'node_modules', 'typedoc', 'bin', 'typedoc');
	const result = await execa('node', [typedoc, '--out', out], {
		cwd: repoRoot,
		reject: false,
		timeout: 120_000,
	});
	t.is(result.exitCode, 0, `typedoc: ${String(result.stdout)}`);
	for (const entry of [
		'vsr-tui',
		'vsr-tui_telemetry',
		'vsr-tui_sim',
		'vsr-tui_cluster',
		'vsr-tui_otel',
	]) {
		t.true(existsSync(path.join(out, 'modules', `${entry}.html`)), `${entry}.html`);
	}

	const replica = readFileSync(path.join(out, 'classes', 'vsr-tui.Replica.html'), 'utf8');
	t.true(replica.includes('Takes one message'), 'the doc comments are in the pages');
});
