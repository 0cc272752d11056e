/**
A recording replays identically whatever moment the person at the keyboard acted at: in the middle
of a round, between a round's end and the next one's start, while a restarted replica starts,
during a reset, just before the session ends. Each session is recorded as `--record` does
(`SessionRecorder`) on real replica processes and replayed in fresh ones (`vsr-tui replay`).
*/
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import test, {type ExecutionContext} from 'ava';
import {ProcessCluster} from '../source/cluster/process-cluster.js';
import {SessionRecorder} from '../source/cluster/session-recorder.js';
import {readSession, replayHeadless} from '../source/cluster/session-replay.js';
import {waitFor} from './fixtures/cluster.js';
import {temporaryDirectory} from './helpers/files.js';

const settings = {replicas: 3, clients: 8} as const;

/** A seeded session recorded to a file, stopped (and its replicas with it) when the test ends. */
async function record(
	t: ExecutionContext,
	seed: number,
	paused: boolean,
): Promise<{cluster: ProcessCluster; file: string}> {
	const file = path.join(temporaryDirectory(t, 'vsr-tui-replay-'), 'session.ndjson');
	const recorder = new SessionRecorder(file, seed, settings);
	const cluster: ProcessCluster = await ProcessCluster.start({
		...settings,
		seed,
		paused,
		startTimeoutMs: 60_000,
		events: recorder.take,
		beforeStop: async () => recorder.finish(cluster),
	});
	t.teardown(async () => {
		await cluster.stop();
	});
	return {cluster, file};
}

/** Writes the recording (the session ends), replays it in fresh processes: the verdict's line. */
async function replayOf(cluster: ProcessCluster, file: string): Promise<string> {
	await cluster.stop();
	const session = readSession(file);
	const verdict = await replayHeadless(session, {startTimeoutMs: 60_000});
	return verdict.summary;
}

const random = (below: number) => Math.floor(Math.random() * below);

test('actions at every awkward moment of a running session replay identically', async (t) => {
	t.timeout(240_000);
	for (let run = 0; run < 2; run++) {
		const seed = 40 + run;
		const {cluster, file} = await record(t, seed, false);
		let inRound = 0;
		const unlisten = cluster.onMessage((event) => {
			// Told while a round is being played: these wait for its end, each after the one before.
			if (event.kind === 'delivered' && inRound < 2) {
				inRound++;
				cluster.forceTimeout(random(3));
				cluster.crash(2);
				cluster.restart(2);
				void cluster.submit().catch(() => undefined);
			}
		});
		void cluster.submit().catch(() => undefined);
		await waitFor('two rounds with an action in each', () => inRound === 2, 60_000);
		unlisten();
		await waitFor(
			'every replica normal',
			() => cluster.snapshot().nodes.every((node) => node.status === 'normal'),
			60_000,
		);
		// A restart, and at once (its process starting) a forced timeout and a request; a reset, and
		// during it a crash and a restart; then keys at random moments, a few milliseconds apart.
		cluster.restart(1);
		cluster.forceTimeout(1);
		void cluster.submit().catch(() => undefined);
		await waitFor('node 1 up', () => cluster.snapshot().nodes[1]?.status === 'normal', 60_000);
		const reset = cluster.reset();
		cluster.crash(0);
		cluster.restart(0);
		await reset;
		for (let key = 0; key < 12; key++) {
			await sleep(random(3));
			const node = random(3);
			switch (random(7)) {
				case 0: {
					void cluster.submit().catch(() => undefined);
					break;
				}

				case 1: {
					cluster.forceTimeout(node);
					break;
				}

				case 2: {
					cluster.crash(node);
					break;
				}

				case 3: {
					cluster.restart(node);
					break;
				}

				case 4: {
					cluster.freeze(node, random(2) === 0);
					break;
				}

				case 5: {
					cluster.isolate(node);
					break;
				}

				default: {
					cluster.heal();
				}
			}
		}

		// The last key just before the end: what it queued was played before the session ended.
		void cluster.submit().catch(() => undefined);
		await sleep(random(20));
		const verdict = await replayOf(cluster, file);
		// What the session recorded: the 15 keys above that always act, and the random ones that did
		// (a crash of a crashed node, say, does nothing and is not an action).
		const actions = readSession(file).actions.length;
		t.regex(verdict, /^identical: /v, `seed ${seed}, ${actions} actions`);
		t.true(actions >= 15, `${actions} actions`);
	}
});

test('a session stepped by hand, ended right after a request went out, replays identically', async (t) => {
	t.timeout(120_000);
	const {cluster, file} = await record(t, 9, true);
	await cluster.advanceTick();
	// The request is sent between rounds; the next round (not a tick's) takes it to the primary,
	// and the session ends there, long before the next tick.
	void cluster.submit().catch(() => undefined);
	const before = cluster.snapshot().virtualTimeMs;
	await cluster.advanceRound();
	t.true(cluster.snapshot().virtualTimeMs < before + 5, 'the round is the request, not a tick');
	cluster.forceTimeout(1);
	cluster.crash(2);
	await cluster.advanceRound();
	const verdict = await replayOf(cluster, file);
	t.regex(verdict, /^identical: /v);
	t.notRegex(verdict, /^identical: [0-2] events/v);
});
