/**
`RemoteOperator`, the operator's controls on a running cluster of replica servers on 127.0.0.1,
127.0.0.2 and 127.0.0.3: two attached at once see the same primary, a request one sends, an
isolation one sets, a replica one stops and its process manager (here, the test) starts again;
what the transport cannot do says why in one line; one that leaves leaves the cluster serving.
*/
import {existsSync} from 'node:fs';
import test from 'ava';
import {LocalServers} from '../source/tcp/local-servers.js';
import {RemoteOperator} from '../source/tcp/remote-operator.js';
import {probeStatus} from '../source/tcp/status-probe.js';
import type {ClusterSnapshot} from '../source/cluster/operator-api.js';
import {Telemetry} from '../source/telemetry/telemetry.js';

const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

/** Resolves once `operator`'s snapshot satisfies `match`; fails after 60 s with the last one. */
async function until(
	operator: RemoteOperator,
	what: string,
	match: (snapshot: ClusterSnapshot) => boolean,
): Promise<ClusterSnapshot> {
	const deadline = Date.now() + 60_000;
	for (;;) {
		const snapshot = operator.snapshot();
		if (match(snapshot)) {
			return snapshot;
		}

		if (Date.now() > deadline) {
			throw new Error(`no snapshot with ${what} in 60 s: ${JSON.stringify(snapshot)}`);
		}

		await new Promise((resolve) => {
			setTimeout(resolve, 50);
		});
	}
}

test('two operators attached at once share one view of the cluster; one leaving leaves it serving', async (t) => {
	const local = await LocalServers.start({hosts});
	const operators: RemoteOperator[] = [];
	try {
		const busA = new Telemetry();
		const prepares: unknown[] = [];
		busA.attach(
			'test',
			['vsr', 'protocol', 'prepare', 'sent'],
			(_event, _measurements, metadata) => {
				prepares.push(metadata.node_id);
			},
		);
		const a = new RemoteOperator(local.cluster, busA, local.file);
		const b = new RemoteOperator(local.cluster, new Telemetry(), local.file);
		operators.push(a, b);
		const allNormal = (s: ClusterSnapshot) =>
			s.primary === 0 && s.nodes.every((node) => node.status === 'normal');
		for (const operator of [a, b]) {
			const snapshot = await until(operator, 'three normal nodes, primary 0', allNormal);
			t.is(snapshot.replicas, 3);
			t.is(snapshot.attached, local.file);
			t.deepEqual(
				snapshot.nodes.map((node) => node.isPrimary),
				[true, false, false],
			);
		}

		// A request from one: acknowledged, in the other's commit, and its events on the first's bus.
		const outcome = await a.submit({op: 'put', key: 'greeting', value: 'hello'});
		t.deepEqual(outcome.result, {ok: true, value: 'ok'});
		t.is(a.snapshot().acked, 1);
		await until(b, 'commit 1', (s) => s.commit >= 1);
		await until(a, 'a prepare on the bus', () => prepares.length > 0);
		t.is(prepares[0], 0);

		// An isolation set by one shows in the other's snapshot; a heal ends it.
		a.isolate(2);
		await until(b, 'node 2 isolated', (s) => s.nodes[2]!.network.isolated);
		b.heal();
		await until(a, 'node 2 healed', (s) => !s.nodes[2]!.network.isolated);

		// What the transport cannot do says why, in one line.
		t.throws(
			() => {
				a.pause();
			},
			{message: /^attached, cannot pause: replica servers run on their own clocks$/v},
		);
		t.throws(
			() => {
				b.freeze(1, true);
			},
			{message: /^attached, cannot freeze 1: its process runs on another host$/v},
		);

		// A crash stops the replica's process; its process manager starts it again.
		b.crash(1);
		t.is(await local.servers[1]!.exited, 0);
		await until(a, 'node 1 down', (s) => s.nodes[1]!.status === 'crashed');
		local.startReplica(1, ['--recover']);
		const back = await until(
			a,
			'node 1 back',
			(s) => s.nodes[1]!.status === 'normal' && s.nodes[1]!.restarts === 1,
		);
		t.false(back.nodes[1]!.isPrimary);

		// One operator leaves: the cluster serves the other, and every replica still answers.
		await a.stop();
		const later = await b.submit();
		t.deepEqual(later.result, {ok: true, value: 'ok'});
		for (const id of [0, 1, 2]) {
			const status = await probeStatus(local.cluster, id, 10_000);
			t.not(typeof status, 'string', `replica ${id}: ${JSON.stringify(status)}`);
		}
	} finally {
		for (const operator of operators) {
			await operator.stop();
		}

		await local.stop();
	}

	t.false(existsSync(local.directory));
});
