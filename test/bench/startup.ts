/**
How soon the operator's screen opens, as a person sees it: `vsr-tui` in a tmux server of its
own at 80×24, the screen read every few milliseconds, from launching the command to the first
text on the screen, to the full screen (the node table), and to every replica normal.
*/
import process from 'node:process';
import {setTimeout as delay} from 'node:timers/promises';
import {execa} from 'execa';
import {cliPath} from '../helpers/paths.js';
import {tmuxSession} from '../helpers/tmux.js';

const runs = 5;

type Timing = {readonly text: number; readonly table: number; readonly normal: number};

async function once(): Promise<Timing> {
	const session = tmuxSession();
	const env = {...process.env};
	delete env.CI;
	delete env.CONTINUOUS_INTEGRATION;
	const started = performance.now();
	await execa(
		'tmux',
		[
			'-L',
			session.socket,
			'new-session',
			'-d',
			'-s',
			'ui',
			'-x',
			'80',
			'-y',
			'24',
			`${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)}; exec cat`,
		],
		{env, extendEnv: false, timeout: 10_000},
	);
	const seen: Partial<Record<keyof Timing, number>> = {};
	try {
		await session.locate();
		while (seen.normal === undefined && performance.now() - started < 60_000) {
			const screen = await session.screen();
			const at = performance.now() - started;
			if (seen.text === undefined && screen.trim() !== '') {
				seen.text = at;
			}

			if (seen.table === undefined && screen.includes(' id role')) {
				seen.table = at;
			}

			if ((screen.match(/ normal /gv)?.length ?? 0) >= 3) {
				seen.normal = at;
			}

			await delay(5);
		}

		// Quit, and wait for the operator to have stopped its replicas.
		await session.keys('q');
		const deadline = Date.now() + 10_000;
		while ((await session.format('#{pane_current_command}')) === 'node' && Date.now() < deadline) {
			await delay(50);
		}
	} finally {
		await session.kill();
	}

	return {
		text: seen.text ?? Number.NaN,
		table: seen.table ?? Number.NaN,
		normal: seen.normal ?? Number.NaN,
	};
}

export async function benchStartup(): Promise<void> {
	console.log('operator start-up (tmux, 80x24, from launching the command)');
	const timings: Timing[] = [];
	for (let run = 0; run < runs; run++) {
		timings.push(await once());
	}

	const range = (key: keyof Timing): string => {
		const values = timings.map((timing) => timing[key]).toSorted((a, b) => a - b);
		const median = values[Math.floor(values.length / 2)]!;
		return `median ${Math.round(median)} ms (${Math.round(values[0]!)}–${Math.round(values.at(-1)!)} ms over ${runs} runs)`;
	};

	console.log(`  ${'first text on the screen'.padEnd(52)} ${range('text')}`);
	console.log(`  ${'the full screen (node table)'.padEnd(52)} ${range('table')}`);
	console.log(`  ${'every replica normal'.padEnd(52)} ${range('normal')}`);
}
