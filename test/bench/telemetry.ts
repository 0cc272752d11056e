import {events} from '../../source/telemetry/catalogue.js';
import {type EventName, type Handler, Telemetry} from '../../source/telemetry/telemetry.js';
import {type VsrStateView, VsrTelemetry} from '../../source/telemetry/vsr-telemetry.js';

const iterations = 3_000_000;
const warmup = 300_000;

let sink = 0;
const handler: Handler = () => {
	sink++;
};

const state: VsrStateView = {
	nodeId: 1,
	view: 3,
	status: 'normal',
	isPrimary: true,
	opNumber: 1000,
	commitNumber: 999,
};

function measure(label: string, run: (n: number) => void): void {
	run(warmup);
	const start = process.hrtime.bigint();
	run(iterations);
	const elapsed = process.hrtime.bigint() - start;
	const nsPerCall = Number(elapsed) / iterations;
	console.log(`  ${label.padEnd(52)} ${nsPerCall.toFixed(1).padStart(8)} ns/call`);
}

function busWith(handlers: number, event: EventName): Telemetry {
	const bus = new Telemetry();
	for (let index = 0; index < handlers; index++) {
		bus.attach(`h${index}`, event, handler);
	}

	return bus;
}

export async function benchTelemetry(): Promise<void> {
	const event: EventName = ['vsr', 'protocol', 'prepare', 'sent'];
	const measurements = {count: 1};
	const metadata = {op_number: 1};
	console.log(`telemetry (${iterations.toLocaleString('en')} calls each)`);

	for (const handlers of [0, 1, 10]) {
		const bus = busWith(handlers, event);
		measure(`Telemetry.execute, ${handlers} handler(s)`, (n) => {
			for (let index = 0; index < n; index++) {
				bus.execute(event, measurements, metadata);
			}
		});
	}

	const busy = busWith(1, ['vsr', 'other']);
	measure('Telemetry.execute, 0 for this event, 1 elsewhere', (n) => {
		for (let index = 0; index < n; index++) {
			busy.execute(event, measurements, metadata);
		}
	});

	for (const handlers of [0, 1]) {
		const vsr = new VsrTelemetry(busWith(handlers, event));
		measure(`VsrTelemetry.execute, ${handlers} handler(s)`, (n) => {
			for (let index = 0; index < n; index++) {
				vsr.execute(events.prepareSent, state, measurements);
			}
		});
	}

	const elsewhere = new VsrTelemetry(busWith(1, ['vsr', 'other']));
	measure('VsrTelemetry.execute, 0 for this event, 1 elsewhere', (n) => {
		for (let index = 0; index < n; index++) {
			elsewhere.execute(events.prepareSent, state, measurements);
		}
	});

	// Keeps the handlers' work observable so that it cannot be optimised away.
	if (sink < 0) {
		console.log(sink);
	}
}
