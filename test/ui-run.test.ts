/** The operator mode around the screen: no terminal, the cluster starting, quitting and restoring the terminal. */
import process from 'node:process';
import {PassThrough} from 'node:stream';
import test from 'ava';
import type {OperatorControls} from '../source/cluster/operator-api.js';
import {Telemetry} from '../source/telemetry/telemetry.js';
import {noTerminalMessage, runOperatorMode} from '../source/ui/main.js';
import {enterScreen, leaveScreen, runOperatorUi} from '../source/ui/run-ui.js';
import {eraseEcho} from '../source/ui/screen.js';
import {StartingOperator} from '../source/ui/starting-operator.js';
import {UiStore} from '../source/ui/store.js';
import {createFakeOperator} from './ui-fake-operator.js';
import {captureStream} from './helpers/cli.js';
import {fakeTerminal} from './helpers/fake-terminal.js';
import {distDir} from './helpers/paths.js';

const deferred = <T>() => {
	let resolve: (value: T) => void = () => undefined;
	let reject: (error: unknown) => void = () => undefined;
	const promise = new Promise<T>((yes, no) => {
		resolve = yes;
		reject = no;
	});
	return {promise, resolve, reject};
};

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) {
			throw new Error('timed out');
		}

		await new Promise<void>((resolve) => {
			setTimeout(resolve, 5);
		});
	}
}

test('without a terminal: one line that points to run, sim and bench; exit 2', async (t) => {
	const stderr = captureStream();
	const stdout = captureStream();
	let started = false;
	const code = await runOperatorMode(
		{flags: {replicas: 3, drop: 0, delay: 0}, stdout, stderr},
		async () => {
			started = true;
			return createFakeOperator();
		},
		{
			// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- a pipe, not a terminal
			stdin: new PassThrough() as unknown as NodeJS.ReadStream,
			// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- a pipe, not a terminal
			stdout: new PassThrough() as unknown as NodeJS.WriteStream,
			// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- a pipe, not a terminal
			stderr: new PassThrough() as unknown as NodeJS.WriteStream,
			env: {},
		},
	);
	t.is(code, 2);
	t.is(stderr.text(), noTerminalMessage);
	t.regex(noTerminalMessage, /^vsr-tui: .*run.*sim.*bench.*\n$/v);
	t.is(stdout.text(), '');
	t.false(started, 'no cluster is started');
});

test('the screen opens at once: keys are the screen’s from the start, its first frame is up before the cluster starts, CI variables are gone', async (t) => {
	const {execa} = await import('execa');
	const {stdout} = await execa(process.execPath, [`${distDir}test/ui-opening.js`], {
		timeout: 60_000,
	});
	// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- the fixture's own line
	const result = JSON.parse(stdout) as {
		code: number;
		ci: boolean;
		continuousIntegration: boolean;
		atStart: {output: string; rawModes: number};
		rawModes: Array<{on: boolean; written: number}>;
	};
	t.like(result, {code: 0, ci: false, continuousIntegration: false});
	const {atStart, rawModes} = result;
	// Raw mode before anything is written: nothing typed from then on is echoed.
	t.deepEqual(rawModes[0], {on: true, written: 0});
	// When the cluster is asked to start, the screen already shows the nodes starting.
	t.true(atStart.output.startsWith(eraseEcho + enterScreen), 'the alternate screen first');
	t.regex(atStart.output, /3 replicas · f=1 · quorum 2 {2}view 0 {2}primary none/v);
	t.regex(atStart.output, /starting/v);
});

test('while the cluster starts: every node is starting, actions say so, a request waits for it', async (t) => {
	const starting = deferred<OperatorControls>();
	const bus = new Telemetry();
	const operator = new StartingOperator(3, bus, starting.promise);
	const store = new UiStore({operator});
	store.start();
	t.teardown(() => {
		store.dispose();
	});
	t.deepEqual(
		store.getView().nodes.nodes.map((node) => node.status),
		['starting', 'starting', 'starting'],
	);
	t.is(store.getView().header.primary, undefined);
	store.perform({action: 'crash'});
	t.is(store.getView().status?.text, 'crash failed: the cluster is still starting');
	const reports: number[] = [];
	const unsubscribe = operator.onTelemetryReport((summary) => {
		reports.push(summary.node);
	});
	const reply = operator.submit();

	const real = createFakeOperator();
	let forward: ((summary: {node: number}) => void) | undefined;
	const withReports: OperatorControls = {
		...real,
		onTelemetryReport(listener) {
			forward = listener;
			return () => undefined;
		},
	};
	starting.resolve(withReports);
	await operator.ready;
	const outcome = await reply;
	t.is(outcome.requestNumber, 1, 'the request went to the cluster once it was up');
	store.perform({action: 'crash'});
	t.deepEqual(real.calls.at(-1), {method: 'crash', args: [0]});
	store.frame();
	t.is(store.getView().nodes.nodes[0]?.status, 'crashed');
	forward?.({node: 2});
	unsubscribe();
	forward?.({node: 1});
	t.deepEqual(reports, [2]);
	await operator.stop();
	t.true(real.stopped);
});

test('a lesson replaces the cluster (g): the old one stops, the screen shows the new one starting, then follows it', async (t) => {
	const bus = new Telemetry();
	const first = createFakeOperator(3, bus);
	const operator = new StartingOperator(3, bus, Promise.resolve(first));
	await operator.ready;
	const seen: string[] = [];
	operator.onMessage((event) => {
		seen.push(event.message.label);
	});
	t.is(first.messageListeners, 1);

	const second = createFakeOperator(5, bus);
	const up = deferred<OperatorControls>();
	const replaced = operator.replace(async () => up.promise, 5, 7);
	await until(() => first.stopped);
	t.like(operator.snapshot(), {replicas: 5, seed: 7});
	t.deepEqual(
		operator.snapshot().nodes.map((node) => node.status),
		['starting', 'starting', 'starting', 'starting', 'starting'],
	);
	t.is(first.messageListeners, 0, 'the old cluster is no longer listened to');
	t.throws(
		() => {
			operator.crash(0);
		},
		{message: 'the cluster is still starting'},
	);
	up.resolve(second);
	t.is(await replaced, second);
	t.is(operator.snapshot().replicas, 5);
	t.is(second.messageListeners, 1, 'the listeners follow the new cluster');
	operator.crash(4);
	t.deepEqual(
		second.calls.filter((call) => call.method === 'crash').map((call) => call.args),
		[[4]],
	);
	await operator.stop();
	t.true(second.stopped, 'stop stops the cluster up now');
});

test('a lesson that cannot start: replace rejects, and the screen has no cluster', async (t) => {
	const bus = new Telemetry();
	const first = createFakeOperator(3, bus);
	const operator = new StartingOperator(3, bus, Promise.resolve(first));
	await operator.ready;
	await t.throwsAsync(
		operator.replace(
			async () => {
				throw new Error('replica 1 did not start');
			},
			3,
			1,
		),
		{message: 'replica 1 did not start'},
	);
	t.true(first.stopped);
	t.throws(
		() => {
			operator.crash(0);
		},
		{message: 'the cluster did not start'},
	);
	await operator.stop();
});

test('a cluster that fails to start: actions say so, stop resolves', async (t) => {
	const starting = deferred<OperatorControls>();
	const operator = new StartingOperator(3, new Telemetry(), starting.promise);
	starting.reject(new Error('replicas did not start within 15000 ms'));
	await t.throwsAsync(operator.ready, {message: /did not start/v});
	t.throws(
		() => {
			operator.heal();
		},
		{message: 'the cluster did not start'},
	);
	await t.notThrowsAsync(operator.stop());
});

test('q stops the cluster, then leaves the alternate screen; exit 0', async (t) => {
	const terminal = fakeTerminal();
	const operator = createFakeOperator();
	const running = runOperatorUi({
		operator,
		stdin: terminal.stdin,
		stdout: terminal.stdout,
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- output is not read
		stderr: new PassThrough() as unknown as NodeJS.WriteStream,
		env: {NO_COLOR: '1'},
		alternateScreen: true,
	});
	await until(() => terminal.output().includes('span timings'));
	t.true(terminal.output().startsWith(enterScreen));
	terminal.type('q');
	t.is(await running, 0);
	t.true(operator.stopped);
	t.true(terminal.output().endsWith(leaveScreen), 'the terminal is given back last');
	t.is(operator.calls.at(-1)?.method, 'stop');
});

test('a cluster that cannot start ends the screen with exit 1', async (t) => {
	const terminal = fakeTerminal();
	const operator = createFakeOperator();
	const code = await runOperatorUi({
		operator,
		stdin: terminal.stdin,
		stdout: terminal.stdout,
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- output is not read
		stderr: new PassThrough() as unknown as NodeJS.WriteStream,
		env: {},
		alternateScreen: true,
		failed: Promise.resolve(),
	});
	t.is(code, 1);
	t.true(terminal.output().endsWith(leaveScreen));
});

test('a stop that hangs does not keep the terminal: the UI gives up after the timeout', async (t) => {
	const terminal = fakeTerminal();
	const operator = createFakeOperator();
	operator.stop = async () =>
		new Promise<void>(() => {
			// Never stops.
		});
	const started = Date.now();
	const running = runOperatorUi({
		operator,
		stdin: terminal.stdin,
		stdout: terminal.stdout,
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- output is not read
		stderr: new PassThrough() as unknown as NodeJS.WriteStream,
		env: {},
		alternateScreen: true,
		stopTimeoutMs: 200,
	});
	await until(() => terminal.output().includes('span timings'));
	terminal.type('\u0003');
	t.is(await running, 0);
	t.true(Date.now() - started < 5000);
	t.true(terminal.output().endsWith(leaveScreen));
});
