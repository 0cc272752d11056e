import {availableParallelism} from 'node:os';
import {Worker} from 'node:worker_threads';
import {type RunSummary, runSeed, type SeedsOptions, summarize} from './seeds.js';

/**
 * Runs the seeds on every core (worker threads), each seed deterministic on
 * its own; results come back in seed order. Small batches stay in this thread.
 */
export async function runSeeds(
	seeds: readonly number[],
	options: SeedsOptions,
	onResult: (summary: RunSummary) => void,
): Promise<void> {
	const threads = Math.min(availableParallelism(), Math.ceil(seeds.length / 20));
	if (threads <= 1) {
		for (const seed of seeds) {
			onResult(summarize(runSeed(seed, options)));
		}

		return;
	}

	const shares: number[][] = Array.from({length: threads}, () => []);
	for (const [index, seed] of seeds.entries()) {
		shares[index % threads]!.push(seed);
	}

	const results = new Map<number, RunSummary>();
	let next = 0;
	const flush = () => {
		for (let result = results.get(seeds[next]!); result; result = results.get(seeds[next]!)) {
			results.delete(seeds[next]!);
			next++;
			onResult(result);
		}
	};

	await Promise.all(
		shares.map(
			async (share) =>
				new Promise<void>((resolve, reject) => {
					const worker = new Worker(new URL('seed-worker.js', import.meta.url), {
						workerData: {seeds: share, options},
					});
					worker.on('message', (summary: RunSummary) => {
						results.set(summary.seed, summary);
						flush();
					});
					worker.once('error', reject);
					worker.once('exit', (code) => {
						if (code === 0) {
							resolve();
						} else {
							reject(new Error(`a simulator thread stopped with code ${code}`));
						}
					});
				}),
		),
	);
}
