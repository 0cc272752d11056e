// Time travel (`source/ui/time-travel.ts`): a seeded session under steady load until its timeline
// holds 10,000 delivered messages, then how long a point of its past takes to show (the issue asks
// for under a second), and how long a fork from its middle takes (fresh processes, the past replayed).
import {performance} from 'node:perf_hooks';
import {ForkingCluster, type StartSeeded} from '../../source/cluster/forking-cluster.js';
import {ProcessCluster} from '../../source/cluster/process-cluster.js';
import {Telemetry} from '../../source/telemetry/telemetry.js';
import {Tallies} from '../../source/ui/tallies.js';
import {TimeTravel} from '../../source/ui/time-travel.js';

const messages = 10_000;

function line(label: string, value: string): void {
	console.log(`  ${label.padEnd(52)} ${value}`);
}

function timed(run: () => void): number {
	const start = performance.now();
	run();
	return performance.now() - start;
}

export async function benchTimeTravel(): Promise<void> {
	console.log('time travel');
	await benchRun(false);
	await benchRun(true);
}

/** `full`: every event on the bus, as with `--record` (else counts, and a sample of the events). */
async function benchRun(full: boolean): Promise<void> {
	console.log(
		full ? ' every event in full (as with --record)' : ' events sampled (a plain --seed)',
	);
	const start: StartSeeded = async (actions, bus) =>
		ProcessCluster.start({
			replicas: 3,
			seed: 7,
			paused: true,
			telemetry: bus,
			actions,
			...(full
				? {
						events() {
							// Every event in full; the lines themselves are not needed here.
						},
					}
				: {}),
		});
	// A first run warms the code up, so that the run with a timeline and the one without compare.
	const warm = await start([], new Telemetry());
	try {
		warm.setLoad(true);
		for (let round = 0; round < 2000; round++) {
			await warm.advanceRound();
		}
	} finally {
		await warm.stop();
	}

	const forking = new ForkingCluster(await start([], new Telemetry()), start);
	const tallies = () =>
		new Tallies(forking, 200, () => {
			// The bench reads the tallies, not a screen.
		});
	const travel = new TimeTravel(forking, tallies);
	travel.start();
	const live = tallies();
	try {
		forking.setLoad(true);
		const heapBefore = process.memoryUsage().heapUsed;
		const began = performance.now();
		let rounds = 0;
		while (travel.timeline.length < messages) {
			await forking.cluster.advanceRound();
			rounds++;
		}

		const played = performance.now() - began;

		forking.setLoad(false);
		const {length} = travel.timeline;
		const entries = travel.timeline.entries.length;
		line(
			`a run of ${length.toLocaleString('en-US')} messages (steady load)`,
			`${entries.toLocaleString('en-US')} entries kept, played in ${(played / 1000).toFixed(1)} s`,
		);
		const grew = process.memoryUsage().heapUsed - heapBefore;
		line(
			'heap grown over the run (timeline, tallies, cluster)',
			`${(grew / 2 ** 20).toFixed(1)} MB, ${Math.round(grew / length)} bytes a message`,
		);
		const last = timed(() => {
			travel.back(live);
		});
		line(', from the present (folds every entry but the last)', `${last.toFixed(0)} ms`);
		const again = timed(() => {
			travel.back(live);
		});
		line(', once more (folds from the start again)', `${again.toFixed(0)} ms`);
		const middle = Math.floor(length / 2);
		const half = timed(() => {
			travel.goTo(middle, live);
		});
		line(`to message ${middle.toLocaleString('en-US')} (from the start)`, `${half.toFixed(0)} ms`);
		const forward = timed(() => {
			travel.forward(live);
		});
		line('. from there (one message folded on)', `${forward.toFixed(2)} ms`);
		const worst = Math.max(last, again, half);
		line(
			'slowest point against the goal of 1 s',
			`${(worst / 1000).toFixed(3)} s (${(1000 / worst).toFixed(1)}× under)`,
		);
		const plain = await start([], new Telemetry());
		try {
			plain.setLoad(true);
			const again = performance.now();
			for (let round = 0; round < rounds; round++) {
				await plain.advanceRound();
			}

			const without = performance.now() - again;
			line(
				'the same rounds without a timeline',
				`${(without / 1000).toFixed(1)} s (with it: ${((played / without - 1) * 100).toFixed(0)}% more)`,
			);
		} finally {
			await plain.stop();
		}

		const forkStart = performance.now();
		await travel.fork();
		line(
			`a fork from message ${(middle + 1).toLocaleString('en-US')} (fresh processes, the past replayed)`,
			`${((performance.now() - forkStart) / 1000).toFixed(1)} s`,
		);
	} finally {
		travel.stop();
		await forking.stop();
	}
}
