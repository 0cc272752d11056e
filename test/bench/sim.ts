import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import {runSeeds} from '../../source/sim/parallel.js';
import {Simulation} from '../../source/sim/simulation.js';

/**
 * The simulator against its ceiling: the same message pattern (request,
 * prepare to each backup, prepare_ok back, reply) through a plain FIFO queue
 * with no protocol logic, no network model and no checks. Each is run twice
 * and the second run is the figure: a first run measures the JIT as much as
 * the code (the simulator's many functions take tens of thousands of ops to be
 * optimized, the ceiling's one loop much less), so it is shown beside it.
 */
export async function benchSim(): Promise<void> {
	console.log('\nsimulator (in-process, wall time)');
	const ops = 100_000;
	const ceilingFirst = ceilingOpsPerSecond(ops, 3, 8);
	const ceiling = ceilingOpsPerSecond(ops, 3, 8);
	const first = simulatorOpsPerSecond(ops);
	const simulated = simulatorOpsPerSecond(ops);
	const percent = (part: number, whole: number) => `${((part / whole) * 100).toFixed(1)} %`;
	console.log(
		`  ceiling: plain queue, same pattern    ${format(ceiling)} ops/s (first run ${format(ceilingFirst)})`,
	);
	console.log(
		`  simulator (3 replicas, 8 clients)     ${format(simulated.opsPerSecond)} ops/s, ${format(simulated.eventsPerSecond)} events/s (first run ${format(first.opsPerSecond)} ops/s)`,
	);
	console.log(
		`  ratio                                 ${percent(simulated.opsPerSecond, ceiling)} (goal ≥ 25 %; first runs ${percent(first.opsPerSecond, ceilingFirst)})`,
	);

	const checked = simulatorOpsPerSecond(20_000, true);
	console.log(`  with history and linearizability check ${format(checked.opsPerSecond)} ops/s`);

	const seeds = Array.from({length: 300}, (_, i) => i + 1);
	const started = performance.now();
	await runSeeds(
		seeds,
		{replicas: 3, ops: 200, clients: 3, faults: 'heavy', checkpointInterval: 32, bugs: []},
		() => undefined,
	);
	const perSecond = seeds.length / ((performance.now() - started) / 1000);
	console.log(
		`  heavy-fault seeds (200 ops, all cores) ${perSecond.toFixed(1)} seeds/s → 10,000 seeds in ${(10_000 / perSecond / 60).toFixed(1)} min`,
	);

	const gc = exposeGc();
	for (const count of [100_000, 1_000_000]) {
		const simulation = new Simulation({
			seed: 1,
			replicas: 3,
			ops: count,
			clients: 8,
			faults: 'none',
			checkpointInterval: 1000,
			recordHistory: false,
		});
		gc();
		const before = process.memoryUsage().heapUsed;
		const result = simulation.run();
		gc();
		const after = process.memoryUsage().heapUsed;
		console.log(
			`  heap with a live run of ${format(result.opsCommitted)} committed ops: ${mb(before)} before, ${mb(after)} after (checkpoint every 1000)`,
		);
	}
}

function simulatorOpsPerSecond(
	ops: number,
	recordHistory = false,
): {opsPerSecond: number; eventsPerSecond: number} {
	const started = performance.now();
	const result = new Simulation({
		seed: 1,
		replicas: 3,
		ops,
		clients: 8,
		faults: 'none',
		checkpointInterval: 1000,
		recordHistory,
	}).run();
	const seconds = (performance.now() - started) / 1000;
	return {opsPerSecond: result.opsCommitted / seconds, eventsPerSecond: result.events / seconds};
}

type Envelope = {
	to: number;
	type: 'request' | 'prepare' | 'prepare_ok' | 'reply';
	op: number;
	client: number;
};

/** Ops/s of the message pattern alone: every message through one FIFO queue, `inFlight` ops at a time. */
function ceilingOpsPerSecond(ops: number, replicas: number, inFlight: number): number {
	const queue: Envelope[] = [];
	let head = 0;
	let nextOp = 0;
	let done = 0;
	const acks = new Map<number, number>();
	const quorum = Math.floor(replicas / 2) + 1;
	const started = performance.now();
	for (let client = 0; client < inFlight; client++) {
		queue.push({to: 0, type: 'request', op: 0, client});
	}

	while (done < ops) {
		const message = queue[head++]!;
		switch (message.type) {
			case 'request': {
				const op = ++nextOp;
				acks.set(op, 1);
				for (let replica = 1; replica < replicas; replica++) {
					queue.push({to: replica, type: 'prepare', op, client: message.client});
				}

				break;
			}

			case 'prepare': {
				queue.push({to: 0, type: 'prepare_ok', op: message.op, client: message.client});
				break;
			}

			case 'prepare_ok': {
				const count = (acks.get(message.op) ?? 0) + 1;
				acks.set(message.op, count);
				if (count === quorum) {
					acks.delete(message.op);
					queue.push({to: -1, type: 'reply', op: message.op, client: message.client});
				}

				break;
			}

			case 'reply': {
				done++;
				queue.push({to: 0, type: 'request', op: 0, client: message.client});
				break;
			}
		}

		if (head > 65_536) {
			queue.splice(0, head);
			head = 0;
		}
	}

	return ops / ((performance.now() - started) / 1000);
}

function exposeGc(): () => void {
	setFlagsFromString('--expose-gc');
	// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- the flag just set makes gc a function
	const gc = runInNewContext('gc') as () => void;
	return () => {
		gc();
		gc();
	};
}

function format(value: number): string {
	return Math.round(value).toLocaleString('en-US');
}

function mb(bytes: number): string {
	return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
