/**
Runs the operator mode on a fake terminal, with a stand-in cluster, and prints (JSON) what the
terminal had when the cluster was asked to start, the raw-mode switches, the exit code and the
CI variables after. In a process of its own: the operator mode ends its process after quitting,
and the environment it changes is the process's.
*/
import {PassThrough} from 'node:stream';
import process from 'node:process';
import {runOperatorMode} from '../source/ui/main.js';
import {createFakeOperator} from './ui-fake-operator.js';
import {fakeTerminal} from './helpers/fake-terminal.js';

const terminal = fakeTerminal();
const env: NodeJS.ProcessEnv = {CI: 'true', CONTINUOUS_INTEGRATION: 'true'};
let atStart: {output: string; rawModes: number} | undefined;
const code = await runOperatorMode(
	{
		flags: {replicas: 3, drop: 0, delay: 0},
		stdout: terminal.stdout,

		stderr: new PassThrough(),
	},
	async () => {
		atStart = {output: terminal.output(), rawModes: terminal.rawModes.length};
		setTimeout(() => {
			terminal.type('q');
		}, 50);
		return createFakeOperator();
	},
	{
		stdin: terminal.stdin,
		stdout: terminal.stdout,
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- output is not read
		stderr: new PassThrough() as unknown as NodeJS.WriteStream,
		env,
	},
);
process.stdout.write(
	`${JSON.stringify({
		code,
		atStart,
		rawModes: terminal.rawModes,
		ci: 'CI' in env,
		continuousIntegration: 'CONTINUOUS_INTEGRATION' in env,
	})}\n`,
);
process.exit(0);
