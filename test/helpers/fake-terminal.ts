/** A terminal's two ends for tests of the operator mode: keys in, frames out, 80×24. */
import {EventEmitter} from 'node:events';
import {PassThrough} from 'node:stream';

/**
A terminal: keys in (raw mode accepted; `rawModes` records each switch with how much had been
written by then), frames out, 80×24.
*/
export function fakeTerminal() {
	const rawModes: Array<{readonly on: boolean; readonly written: number}> = [];
	const stdin = Object.assign(new PassThrough(), {
		isTTY: true,
		setRawMode(on: boolean) {
			rawModes.push({on, written: stdout.output.length});
			return stdin;
		},
		ref() {
			return stdin;
		},
		unref() {
			return stdin;
		},
	});
	// eslint-disable-next-line unicorn/prefer-event-target -- Ink calls stdout.on('resize')
	const stdout = Object.assign(new EventEmitter(), {
		columns: 80,
		rows: 24,
		isTTY: true,
		output: '',
		write(chunk: string) {
			stdout.output += chunk;
			return true;
		},
	});
	return {
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- stand-ins for a terminal
		stdin: stdin as unknown as NodeJS.ReadStream,
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- stand-ins for a terminal
		stdout: stdout as unknown as NodeJS.WriteStream,
		output: () => stdout.output,
		rawModes,
		type(keys: string) {
			stdin.write(keys);
		},
	};
}
