import {subscribe, unsubscribe} from 'node:diagnostics_channel';
import {Simulation} from '../../source/sim/simulation.js';
import {
	additionEvents,
	events,
	seedEvents,
	vsrEventName,
} from '../../source/telemetry/catalogue.js';
import {channelName} from '../../source/telemetry/channels.js';
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

function measure(label: string, run: (n: number) => void): number {
	run(warmup);
	const start = process.hrtime.bigint();
	run(iterations);
	const elapsed = process.hrtime.bigint() - start;
	const nsPerCall = Number(elapsed) / iterations;
	console.log(`  ${label.padEnd(60)} ${nsPerCall.toFixed(1).padStart(8)} ns/call`);
	return nsPerCall;
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

	benchDiagnosticsChannel(measurements);

	// Keeps the handlers' work observable so that it cannot be optimised away.
	if (sink < 0) {
		console.log(sink);
	}
}

/**
What publishing on `diagnostics_channel` costs: nothing measurable while nobody subscribes (the
fast path reads one property more), and building the metadata plus the publish when someone
does. The floor is what the fast path cannot avoid: finding the event's counter and counting.
*/
function benchDiagnosticsChannel(measurements: {count: number}): void {
	console.log('diagnostics_channel (each event also published on its own channel)');
	const floorCounters = new Map<unknown, {count: number}>([[events.prepareSent, {count: 0}]]);
	const floor = measure('floor: find the counter and count, nothing else', (n) => {
		for (let index = 0; index < n; index++) {
			floorCounters.get(events.prepareSent)!.count++;
		}
	});
	const quiet = new VsrTelemetry(new Telemetry());
	const fast = measure('VsrTelemetry.execute, no handler, no subscriber', (n) => {
		for (let index = 0; index < n; index++) {
			quiet.execute(events.prepareSent, state, measurements);
		}
	});
	const listener = () => {
		sink++;
	};

	const other = channelName(vsrEventName(events.commitSent));
	subscribe(other, listener);
	const elsewhere = measure('VsrTelemetry.execute, a subscriber on another channel only', (n) => {
		for (let index = 0; index < n; index++) {
			quiet.execute(events.prepareSent, state, measurements);
		}
	});
	unsubscribe(other, listener);
	const own = channelName(vsrEventName(events.prepareSent));
	subscribe(own, listener);
	const published = measure("VsrTelemetry.execute, a subscriber on the event's channel", (n) => {
		for (let index = 0; index < n; index++) {
			quiet.execute(events.prepareSent, state, measurements);
		}
	});
	unsubscribe(own, listener);
	console.log(
		`  fast path ${(fast / floor).toFixed(2)}× the floor; a subscriber elsewhere ${(elsewhere / fast).toFixed(2)}× the fast path; publishing ${(published / fast).toFixed(1)}×`,
	);

	// The simulator end to end: every replica event goes through the fast path.
	const simulate = () => {
		const started = performance.now();
		new Simulation({
			seed: 7,
			replicas: 3,
			ops: 20_000,
			clients: 8,
			faults: 'none',
			recordHistory: false,
		}).run();
		return performance.now() - started;
	};

	simulate();
	const bare = Math.min(simulate(), simulate());
	const names = [...seedEvents, ...additionEvents].map((event) => channelName(event));
	for (const name of names) {
		subscribe(name, listener);
	}

	const subscribed = Math.min(simulate(), simulate());
	for (const name of names) {
		unsubscribe(name, listener);
	}

	console.log(
		`  simulator, 20,000 ops: nobody subscribed ${bare.toFixed(0)} ms; every event's channel subscribed ${subscribed.toFixed(0)} ms (${(subscribed / bare).toFixed(1)}×)`,
	);
}
