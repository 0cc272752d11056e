import {parentPort, workerData} from 'node:worker_threads';
import {runSeed, type SeedsOptions, summarize} from './seeds.js';

/** Runs its share of the seeds and posts one summary per seed, in order. */
// The parent posts exactly this shape (parallel.ts).
const {seeds, options} = workerData as {seeds: number[]; options: SeedsOptions}; // eslint-disable-line @typescript-eslint/no-unsafe-type-assertion
for (const seed of seeds) {
	parentPort?.postMessage(summarize(runSeed(seed, options)));
}
