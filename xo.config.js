/** @type {import('xo').FlatXoConfig} */
const xoConfig = [
	{
		ignores: ['dist/**'],
	},
	{
		prettier: true,
		semicolon: true,
		react: true,
		rules: {
			// Telemetry metadata and JSON contracts are snake_case by design (the seed's names).
			'@typescript-eslint/naming-convention': 'off',
			// The PRNG and hashing use bit operations on purpose.
			'no-bitwise': 'off',
			// Protocol handlers read best as plain loops and early returns.
			'no-await-in-loop': 'off',
			'unicorn/no-array-reduce': 'off',
			'unicorn/prefer-top-level-await': 'off',
			'unicorn/no-process-exit': 'off',
			'n/prefer-global/process': 'off',
			'@typescript-eslint/no-restricted-types': 'off',
			'unicorn/prevent-abbreviations': 'off',
			'capitalized-comments': 'off',
			'unicorn/no-null': 'off',
			// Hashes and the PRNG truncate to 32 bits with `| 0` on purpose.
			'unicorn/prefer-math-trunc': 'off',
			// Prettier owns the layout; this rule fights it over empty bodies.
			'@stylistic/curly-newline': 'off',
		},
	},
	{
		files: ['examples/**'],
		rules: {
			// Examples import the package by name (`vsr-tui/sim`), as a user would: no file extension.
			'import-x/extensions': 'off',
		},
	},
	{
		files: ['test/**'],
		rules: {
			// AVA runs the compiled tests in dist/test, which xo cannot see.
			'ava/no-ignored-test-files': 'off',
		},
	},
];

export default xoConfig;
