/**
The process cluster's time belongs to it: paused, nothing happens however long; stepped, one
message at a time, each with what it caused; seeded, the same run twice; slowed down, in
proportion. Real processes, so every wait is for an event, never a fixed sleep (but the pause,
whose length is the point).
*/
import {performance} from 'node:perf_hooks';
import {setTimeout as sleep} from 'node:timers/promises';
import test, {type ExecutionContext} from 'ava';
import type {LoggedAction} from '../source/cluster/action-log.js';
import type {InFlightMessage} from '../source/cluster/operator-api.js';
import type {ProcessCluster} from '../source/cluster/process-cluster.js';
import {operatorEvents} from '../source/telemetry/catalogue.js';
import {parseEvent} from '../source/telemetry/serialize.js';
import {startCluster, waitFor} from './fixtures/cluster.js';

const ms = 1_000_000;

const timerOrViewChange = (name: string) =>
	name.startsWith('vsr.timer.') || name.startsWith('vsr.view_change.');

test('paused for 10 s of wall time, nothing times out: no view change, no timer event, live or seeded', async (t) => {
	const live = await startCluster(t, {replicas: 3, clients: 2, fullEvents: true});
	const seeded = await startCluster(t, {replicas: 3, clients: 2, fullEvents: true, seed: 3});
	const heard = {recording: false, during: [] as string[], heartbeats: 0};
	const hear = (event: readonly string[]) => {
		heard.heartbeats++;
		if (heard.recording) {
			heard.during.push(event.join('.'));
		}
	};

	for (const cluster of [live, seeded]) {
		cluster.telemetry.attachMany(
			'pause-test',
			[
				['vsr', 'timer', 'heartbeat_sent'],
				['vsr', 'timer', 'heartbeat_received'],
				['vsr', 'timer', 'primary_timeout'],
				['vsr', 'view_change', 'start'],
				['vsr', 'view_change', 'complete'],
			],
			hear,
		);
		const outcome = await cluster.submit();
		t.true(outcome.result.ok);
	}

	await waitFor('heartbeats', () => heard.heartbeats > 6);
	for (const cluster of [live, seeded]) {
		cluster.pause();
		// What was raised before the pause reaches the bus before this answer does.
		await cluster.flushTelemetry();
	}

	const before = [live, seeded].map((cluster) => cluster.snapshot());
	const counts = [live, seeded].map((cluster) =>
		[...cluster.eventCounts()].filter(([name]) => timerOrViewChange(name)),
	);
	heard.recording = true;
	await sleep(10_000);
	for (const cluster of [live, seeded]) {
		await cluster.flushTelemetry();
	}

	heard.recording = false;
	t.deepEqual(heard.during, [], 'no timer or view-change event while paused');
	for (const [index, cluster] of [live, seeded].entries()) {
		const after = cluster.snapshot();
		t.true(after.paused);
		t.is(after.virtualTimeMs, before[index]!.virtualTimeMs, 'virtual time stood still');
		t.deepEqual(
			after.nodes.map((node) => [node.status, node.view]),
			before[index]!.nodes.map((node) => [node.status, node.view]),
		);
		t.deepEqual(
			[...cluster.eventCounts()].filter(([name]) => timerOrViewChange(name)),
			counts[index],
			'and none was counted',
		);
	}

	// Time runs again: the heartbeats come back, and requests commit.
	const beat = heard.heartbeats;
	heard.recording = true;
	for (const cluster of [live, seeded]) {
		cluster.resume();
	}

	await waitFor('heartbeats again', () => heard.heartbeats > beat + 4);
	t.true(
		heard.during.includes('vsr.timer.heartbeat_sent'),
		'the recorder hears heartbeats when they happen',
	);
	for (const cluster of [live, seeded]) {
		const outcome = await cluster.submit();
		t.true(outcome.result.ok);
		t.false(cluster.snapshot().paused);
	}
});

/** The first message in flight, after checking that it is the one the test expects. */
function expectNext(
	t: ExecutionContext,
	cluster: ProcessCluster,
	expected: Partial<InFlightMessage>,
): InFlightMessage {
	const [next] = cluster.inFlight(1);
	t.like(next, expected);
	return next!;
}

test('one request step by step: every message of it, in order, with what it caused', async (t) => {
	const cluster = await startCluster(t, {replicas: 3, clients: 1, seed: 11, paused: true});
	const outcome = cluster.submit({op: 'put', key: 'x', value: '1'});
	await waitFor('the request in flight', () => cluster.snapshot().inFlight === 1);
	t.like(cluster.snapshot(), {paused: true, seed: 11, speed: 1, virtualTimeMs: 0, held: 1});

	const steps: Array<
		[label: string, from: number | 'client', to: number | 'client', caused: readonly string[]]
	> = [
		['Request c1#1', 'client', 0, ['appended op 1', 'sent Prepare to 1, 2']],
		['Prepare v0 op 1', 0, 1, ['appended op 1', 'sent PrepareOk']],
		['Prepare v0 op 1', 0, 2, ['appended op 1', 'sent PrepareOk']],
		['PrepareOk v0 op 1', 1, 0, ['committed op 1', 'replied to client 1']],
		['PrepareOk v0 op 1', 2, 0, ['nothing changed']],
		['Reply c1#1', 0, 'client', ['client 1 has its reply']],
	];
	for (const [label, from, to, caused] of steps) {
		const next = expectNext(t, cluster, {label, from, to, heartbeat: false, dueInMs: 0});
		const report = await cluster.deliverNext();
		t.deepEqual(report, {message: next, caused}, `${label} ${from}→${to}`);
	}

	t.deepEqual(cluster.inFlight(), [], 'nothing else moved: time stood still');
	const {result} = await outcome;
	t.deepEqual(result, {ok: true, value: 'ok'});
	t.is(await cluster.deliverNext(), undefined);
	t.deepEqual(
		cluster.snapshot().nodes.map((node) => [node.op, node.commit]),
		[
			[1, 1],
			[1, 0],
			[1, 0],
		],
		'the backups learn of the commit with the next Commit',
	);

	// A tick: the primary's Commit carries the commit number to the backups.
	const reports = await cluster.advanceTick();
	t.deepEqual(reports, []);
	t.is(cluster.snapshot().virtualTimeMs, 10.25, 'one tick (and the round it falls in) passed');
	t.deepEqual(
		cluster.inFlight().map((message) => [message.label, message.from, message.to]),
		[
			['Commit v0 commit 1', 0, 1],
			['Commit v0 commit 1', 0, 2],
		],
	);
	const delivered = await cluster.advanceTick();
	t.deepEqual(
		delivered.slice(0, 2).map((report) => [report.message.label, report.caused]),
		[
			['Commit v0 commit 1', ['committed op 1', 'sent PrepareOk']],
			['Commit v0 commit 1', ['committed op 1', 'sent PrepareOk']],
		],
	);

	// The timeout by hand: a backup asks for a view change at once, the primary beats at once.
	cluster.forceTimeout(1);
	await waitFor('the backup to ask', () =>
		cluster.inFlight().some((message) => message.type === 'start_view_change'),
	);
	t.like(
		cluster.inFlight().filter((message) => message.type === 'start_view_change'),
		[
			{label: 'StartViewChange v1', from: 1, to: 0},
			{label: 'StartViewChange v1', from: 1, to: 2},
		],
	);
	t.like(cluster.actions().at(-1), {action: 'forceTimeout', args: [1]});
});

test('the only PrepareOk dropped: nothing commits, and the primary sends the Prepare again', async (t) => {
	const cluster = await startCluster(t, {replicas: 3, clients: 1, seed: 12, paused: true});
	cluster.crash(2); // Replica 1's ack is the only one the primary can get.
	const outcome = cluster.submit();
	await waitFor('the request in flight', () => cluster.snapshot().inFlight === 1);
	t.like(await cluster.deliverNext(), {caused: ['appended op 1', 'sent Prepare to 1, 2']});
	t.like(await cluster.deliverNext(), {
		message: {to: 1},
		caused: ['appended op 1', 'sent PrepareOk'],
	});
	t.like(await cluster.deliverNext(), {message: {to: 2}, caused: ['lost: node 2 is down']});
	const ack = expectNext(t, cluster, {label: 'PrepareOk v0 op 1', from: 1, to: 0});
	t.true(cluster.drop(ack.id));
	t.false(cluster.drop(ack.id), 'it is gone');
	t.deepEqual(cluster.inFlight(), []);

	// Time passes. The backup would ack op 1 again in its answer to a heartbeat: the heartbeats
	// are lost too, so that no ack reaches the primary.
	let resent: InFlightMessage | undefined;
	for (let tick = 0; tick < 40 && resent === undefined; tick++) {
		await cluster.advanceTick();
		const acks = cluster
			.inFlight()
			.filter((message) => message.type === 'commit' || message.type === 'prepare_ok');
		t.true(acks.every((message) => cluster.drop(message.id)));

		resent = cluster
			.inFlight()
			.find((message) => message.label === 'Prepare v0 op 1' && message.to === 1);
		t.is(cluster.snapshot().commit, 0, 'no quorum holds op 1: nothing commits');
	}

	t.like(resent, {from: 0, to: 1, heartbeat: true}, 'the primary sent the Prepare again');
	t.true(cluster.snapshot().virtualTimeMs >= 200, 'after its resend timeout (20 ticks)');
	// Let it through now: op 1 commits, and the client has its reply.
	for (let tick = 0; tick < 5 && cluster.snapshot().commit === 0; tick++) {
		await cluster.advanceTick();
	}

	t.is(cluster.snapshot().commit, 1);
	await cluster.advanceTick();
	const done = await outcome;
	t.true(done.result.ok);
	const log = cluster.actions().map((action) => action.action);
	t.deepEqual(log.slice(0, 6), ['crash', 'submit', 'deliver', 'deliver', 'deliver', 'drop']);
	t.true(log.slice(6).every((action) => action === 'drop'));
});

/** A seeded session run to `until` ms of virtual time with these actions: its event stream up to `upTo` ms. */
async function seededRun(
	t: ExecutionContext,
	actions: readonly LoggedAction[],
	until: number,
	upTo: number,
): Promise<{lines: string[]; log: readonly LoggedAction[]}> {
	const lines: string[] = [];
	const cluster = await startCluster(t, {
		replicas: 3,
		clients: 2,
		seed: 2024,
		actions,
		events(line) {
			lines.push(line);
		},
	});
	await waitFor('the run', () => cluster.snapshot().virtualTimeMs >= until, 120_000);
	cluster.pause();
	const log = [...cluster.actions()];
	await cluster.stop();
	return {
		lines: lines.filter((line) => Number(parseEvent(line).measurements.monotonic_time) < upTo * ms),
		log,
	};
}

test('a seeded session: the same seed and the same actions at the same virtual times give the same event stream, byte for byte', async (t) => {
	const actions: LoggedAction[] = [
		{at: 0, action: 'setLoad', args: [true]},
		{at: 200 * ms, action: 'setDropRate', args: [0.05]},
		{at: 400 * ms, action: 'crash', args: [0]},
		{at: 700 * ms, action: 'setDelay', args: [3]},
		{at: 2000 * ms, action: 'restart', args: [0]},
	];
	const first = await seededRun(t, actions, 3200, 3000);
	const second = await seededRun(t, actions, 3200, 3000);
	t.true(first.lines.length > 2000, `${first.lines.length} events`);
	t.is(second.lines.length, first.lines.length);
	t.true(second.lines.join('\n') === first.lines.join('\n'), 'byte-identical');
	const names = new Set(first.lines.map((line) => parseEvent(line).event.join('.')));
	for (const name of [
		'vsr_tui.operator.crash',
		'vsr_tui.operator.restart',
		'vsr.view_change.complete',
		'vsr.recovery.complete',
		'vsr.protocol.client_request.stop',
	]) {
		t.true(names.has(name), `${name} is in the stream`);
	}

	// The log is the replay's own, at the times the actions took effect: the same in both runs.
	t.deepEqual(
		first.log.map((action) => action.action),
		actions.map((action) => action.action),
	);
	t.deepEqual(second.log, first.log);
	t.true(first.log.every((action, index) => action.at >= actions[index]!.at));
});

/** Wall ms between the crash of the primary and the first backup's primary timeout, and the virtual ms. */
async function timeoutAfterCrash(
	t: ExecutionContext,
	speed: number,
): Promise<{wall: number; virtual: number}> {
	const cluster = await startCluster(t, {
		replicas: 3,
		clients: 1,
		seed: 99,
		speed,
		actions: [{at: 50 * ms, action: 'crash', args: [0]}],
	});
	let crashed: {wall: number; virtual: bigint} | undefined;
	let timedOut: {wall: number; virtual: bigint} | undefined;
	cluster.telemetry.attachMany(
		'speed-test',
		[operatorEvents.operatorCrash, ['vsr', 'timer', 'primary_timeout']],
		(event, measurements) => {
			const mark = {wall: performance.now(), virtual: BigInt(measurements.monotonic_time ?? 0)};
			if (event[0] === 'vsr_tui') {
				crashed = mark;
			} else {
				timedOut ??= mark;
			}
		},
	);
	await waitFor('a backup to time out', () => timedOut !== undefined, 60_000);
	await cluster.stop();
	return {
		wall: timedOut!.wall - crashed!.wall,
		virtual: Number(timedOut!.virtual - crashed!.virtual) / ms,
	};
}

test('at 0.1× a timeout takes ten times as long in wall time as at 1×', async (t) => {
	const fast = await timeoutAfterCrash(t, 1);
	const slow = await timeoutAfterCrash(t, 0.1);
	t.is(slow.virtual, fast.virtual, 'the same timeout in virtual time (the same seed)');
	t.true(fast.virtual >= 1000, `a backup waits 1 to 2 s (${fast.virtual} ms)`);
	// Rounds never run ahead of the clock, but after a stall of the machine they run behind it
	// and catch up: at 0.1× the timeout takes about ten times its virtual length in wall time.
	t.true(slow.wall >= fast.virtual * 9, `${slow.wall} ms at 0.1×`);
	const ratio = slow.wall / fast.wall;
	t.log(
		`${fast.virtual} ms of virtual time took ${fast.wall.toFixed(0)} ms at 1× and ${slow.wall.toFixed(0)} ms at 0.1×: ${ratio.toFixed(2)}×`,
	);
	// Bounds no busy machine can break: 1× would have to stall for seconds.
	t.true(ratio > 4 && ratio < 12, `ratio ${ratio}`);
});
