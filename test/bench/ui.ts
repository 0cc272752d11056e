/**
The operator UI's benchmarks: how many events a second the UI store absorbs (goal:
at least 20,000), and the CPU the operator spends rendering at a steady load.

The render part runs in a child process (this file, with `--render`): Ink checks
`CI` when it is imported, and in CI mode it does not render until it exits, so the
child gets CI=false, a stand-in terminal of 80×24, and NODE_ENV=production as the
CLI sets it.
*/
import {EventEmitter} from 'node:events';
import process from 'node:process';
import {PassThrough} from 'node:stream';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {encodeHistogram, newDurationHistogram} from '../../source/cluster/histograms.js';
import {
	type ClusterSnapshot,
	type OperatorControls,
	type TelemetrySummary,
	noFaults,
} from '../../source/cluster/operator-api.js';
import {type EventName, type Metadata, Telemetry} from '../../source/telemetry/telemetry.js';
import {UiStore} from '../../source/ui/store.js';

const snapshot: ClusterSnapshot = {
	replicas: 3,
	nodes: [0, 1, 2].map((id) => ({
		id,
		pid: 1000 + id,
		status: 'normal',
		isPrimary: id === 0,
		view: 0,
		op: 0,
		commit: 0,
		restarts: 0,
		network: {
			isolated: false,
			partitioned: false,
			deaf: false,
			mute: false,
			frozen: false,
			side: undefined,
			dropRate: 0,
			delayMs: 0,
			jitterMs: 0,
		},
	})),
	primary: 0,
	view: 0,
	commit: 0,
	paused: false,
	held: 0,
	seed: undefined,
	speed: 1,
	virtualTimeMs: 0,
	inFlight: 0,
	dropRate: 0,
	delayMs: 0,
	load: true,
	acked: 0,
	outsideFailureModel: false,
};

function benchOperator(
	withReports = false,
): OperatorControls & {report?: (summary: TelemetrySummary) => void} {
	const noop = () => undefined;
	let listener: ((summary: TelemetrySummary) => void) | undefined;
	const operator: OperatorControls & {report?: (summary: TelemetrySummary) => void} = {
		telemetry: new Telemetry(),
		snapshot: () => snapshot,
		async submit() {
			throw new Error('not in the benchmark');
		},
		burst: noop,
		setLoad: noop,
		crash: noop,
		restart: noop,
		crashAll: noop,
		restartAll: noop,
		isolate: noop,
		partition: noop,
		heal: noop,
		setDropRate: noop,
		setDelay: noop,
		pause: noop,
		resume: noop,
		step: () => false,
		setSpeed: noop,
		inFlight: () => [],
		deliverNext: async () => undefined,
		deliver: async () => undefined,
		drop: () => false,
		advanceTick: async () => [],
		forceTimeout: noop,
		setDeaf: noop,
		setMute: noop,
		freeze: noop,
		setCut: noop,
		setNodeFaults: noop,
		setLinkFaults: noop,
		linkFaults: () => noFaults,
		onMessage: () => noop,
		reset: async () => undefined,
		stop: async () => undefined,
	};
	if (withReports) {
		operator.onTelemetryReport = (callback) => {
			listener = callback;
			return () => {
				listener = undefined;
			};
		};

		operator.report = (summary) => listener?.(summary);
	}

	return operator;
}

// One committed request on a 3-replica cluster, as the replicas raise it.
const pattern: Array<[EventName, (op: number) => Record<string, number | bigint>, number]> = [
	[
		['vsr', 'protocol', 'client_request', 'start'],
		() => ({monotonic_time: 1n, system_time: 1n}),
		0,
	],
	[['vsr', 'replication', 'log_append'], () => ({}), 0],
	[['vsr', 'protocol', 'prepare', 'sent'], () => ({count: 2}), 0],
	[['vsr', 'protocol', 'prepare', 'received'], () => ({}), 1],
	[['vsr', 'protocol', 'prepare', 'received'], () => ({}), 2],
	[['vsr', 'protocol', 'prepare_ok', 'sent'], () => ({}), 1],
	[['vsr', 'protocol', 'prepare_ok', 'sent'], () => ({}), 2],
	[['vsr', 'protocol', 'prepare_ok', 'received'], () => ({}), 0],
	[['vsr', 'replication', 'quorum_reached'], () => ({}), 0],
	[['vsr', 'state', 'commit_advance'], () => ({}), 0],
	[
		['vsr', 'state_machine', 'operation', 'stop'],
		(op) => ({duration: BigInt(2000 + (op % 500))}),
		0,
	],
	[
		['vsr', 'protocol', 'client_request', 'stop'],
		(op) => ({duration: BigInt(150_000 + (op % 997) * 100)}),
		0,
	],
];

function emitRequest(bus: Telemetry, op: number): number {
	for (const [event, measurements, node] of pattern) {
		const metadata: Metadata = {
			node_id: node,
			view_number: 0,
			status: 'normal',
			is_primary: node === 0,
			op_number: op,
			commit_number: op - 1,
			op,
		};
		bus.execute(event, measurements(op), metadata);
	}

	return pattern.length;
}

function line(label: string, value: string): void {
	console.log(`  ${label.padEnd(52)} ${value}`);
}

function benchIngest(): void {
	const operator = benchOperator();
	const store = new UiStore({operator});
	store.start();
	let op = 0;
	let events = 0;
	// Warm up, then measure a fixed count.
	while (events < 200_000) {
		events += emitRequest(operator.telemetry, ++op);
	}

	const target = 3_000_000;
	events = 0;
	const started = process.hrtime.bigint();
	while (events < target) {
		events += emitRequest(operator.telemetry, ++op);
	}

	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	store.flush();
	store.dispose();
	line(
		'UI store ingest, via the bus (goal >= 20,000/s)',
		`${Math.round(events / seconds).toLocaleString('en')} events/s`,
	);
}

function benchReports(): void {
	const operator = benchOperator(true);
	const store = new UiStore({operator});
	store.start();
	const histogram = newDurationHistogram();
	for (let index = 0; index < 500; index++) {
		histogram.recordValue(100_000 + index * 1000);
	}

	const encoded = encodeHistogram(histogram);
	const summary: TelemetrySummary = {
		node: 0,
		counts: Object.fromEntries(pattern.map(([event]) => [event.join('.'), 500])),
		spans: {
			'vsr.protocol.client_request.stop': encoded,
			'vsr.state_machine.operation.stop': encoded,
		},
	};
	const reports = 5000;
	const started = process.hrtime.bigint();
	for (let index = 0; index < reports; index++) {
		operator.report?.(summary);
	}

	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	store.dispose();
	line(
		'UI store, replica telemetry reports (2 histograms each)',
		`${Math.round(reports / seconds).toLocaleString('en')} reports/s`,
	);
}

/** A terminal of 80×24 that keeps nothing but the count of bytes. */
// eslint-disable-next-line unicorn/prefer-event-target -- Ink calls stdout.on('resize')
class NullTerminal extends EventEmitter {
	columns = 80;
	rows = 24;
	isTTY = true;
	bytes = 0;
	writes = 0;
	write(chunk: string): boolean {
		this.bytes += chunk.length;
		// Not the synchronized-output markers Ink writes around a frame.
		if (chunk.length > 16) {
			this.writes++;
		}

		return true;
	}
}

type RenderResult = {
	rate: number;
	seconds: number;
	cpu: number;
	baselineCpu: number;
	writes: number;
	bytes: number;
	/** Heap in use after a GC, one second in and at the end (bytes). */
	heapEarly: number;
	heapLate: number;
};

function heapAfterGc(): number {
	const gc: unknown = Reflect.get(globalThis, 'gc');
	if (typeof gc === 'function') {
		Reflect.apply(gc, undefined, []);
	}

	return process.memoryUsage().heapUsed;
}

/** In the child: feed `rate` events a second for a few seconds, with and without the UI, and measure the CPU. */
async function renderChild(rate: number): Promise<RenderResult> {
	const seconds = 6;
	const run = async (withUi: boolean) => {
		const operator = benchOperator();
		const stdout = new NullTerminal();
		let unmount = () => undefined as void;
		let store: UiStore | undefined;
		if (withUi) {
			const {createElement} = await import('react');
			const {render} = await import('ink');
			const {App} = await import('../../source/ui/app.js');
			const {StoreProvider} = await import('../../source/ui/context.js');
			const {createTheme} = await import('../../source/ui/theme.js');
			store = new UiStore({operator, maxFps: 10});
			store.start();
			const instance = render(
				createElement(StoreProvider, {store, theme: createTheme({}), children: createElement(App)}),
				{
					// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- a stand-in terminal
					stdout: stdout as unknown as NodeJS.WriteStream,
					// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- no keys in the benchmark
					stdin: new PassThrough() as unknown as NodeJS.ReadStream,
					patchConsole: false,
					exitOnCtrlC: false,
					maxFps: 30,
				},
			);
			unmount = () => {
				instance.unmount();
			};
		}

		let op = 0;
		let emitted = 0;
		let heapEarly = 0;
		const cpuBefore = process.cpuUsage();
		const started = performance.now();
		await new Promise<void>((resolve) => {
			// Every 10 ms, the events due by now: a steady rate however late the timer fires.
			const timer = setInterval(() => {
				const now = performance.now();
				const due = ((now - started) / 1000) * rate;
				while (emitted + pattern.length <= due) {
					emitted += emitRequest(operator.telemetry, ++op);
				}

				if (heapEarly === 0 && now - started >= 1000) {
					heapEarly = heapAfterGc();
				}

				if (now - started >= seconds * 1000) {
					clearInterval(timer);
					resolve();
				}
			}, 10);
		});
		const heapLate = heapAfterGc();
		const elapsed = (performance.now() - started) / 1000;
		const cpu = process.cpuUsage(cpuBefore);
		unmount();
		store?.dispose();
		return {
			cpu: (cpu.user + cpu.system) / 1e6 / elapsed,
			eventsPerSecond: emitted / elapsed,
			writes: stdout.writes,
			bytes: stdout.bytes,
			elapsed,
			heapEarly,
			heapLate,
		};
	};

	const baseline = await run(false);
	const ui = await run(true);
	return {
		rate: ui.eventsPerSecond,
		seconds: ui.elapsed,
		cpu: ui.cpu,
		baselineCpu: baseline.cpu,
		writes: ui.writes,
		bytes: ui.bytes,
		heapEarly: ui.heapEarly,
		heapLate: ui.heapLate,
	};
}

function withoutCi(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
	delete env.CI;
	delete env.CONTINUOUS_INTEGRATION;
	return env;
}

async function benchRender(): Promise<void> {
	const self = fileURLToPath(import.meta.url);
	for (const rate of [20_000, 100_000]) {
		const {stdout} = await execa(
			process.execPath,
			['--expose-gc', self, '--render', String(rate)],
			{
				// Without CI variables, as the operator runs (Ink's CI mode draws nothing until exit).
				env: withoutCi({...process.env, NODE_ENV: 'production'}),
				extendEnv: false,
				timeout: 120_000,
			},
		);
		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- what the child wrote, just above
		const result = JSON.parse(stdout) as RenderResult;
		const percent = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;
		line(
			`UI rendering at ${Math.round(result.rate).toLocaleString('en')} events/s, 80x24`,
			`${percent(result.cpu - result.baselineCpu)} of a core (${percent(result.cpu)} with the event source)`,
		);
		line(
			'  frames written to the terminal',
			`${(result.writes / result.seconds).toFixed(1)}/s, ${Math.round(result.bytes / result.seconds).toLocaleString('en')} bytes/s`,
		);
		const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
		line(
			'  heap in use after 1 s / at the end',
			`${mb(result.heapEarly)} / ${mb(result.heapLate)}`,
		);
	}
}

export async function benchUi(): Promise<void> {
	console.log('operator UI');
	benchIngest();
	benchReports();
	await benchRender();
}

if (process.argv[2] === '--render') {
	const result = await renderChild(Number(process.argv[3] ?? 20_000));
	process.stdout.write(`${JSON.stringify(result)}\n`);
	process.exit(0);
}
