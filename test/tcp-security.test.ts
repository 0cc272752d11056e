/**
Nobody gets in who does not belong: a live replica server is tried with a wrong secret, a
foreign cluster, a replayed handshake, garbage, oversized frames and malformed messages. Each
is refused with one line in its log, the connection is dropped, nothing reaches the core, and
the cluster keeps serving with nothing committed lost.
*/
import {Buffer} from 'node:buffer';
import {once} from 'node:events';
import {writeFileSync} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import test from 'ava';
import {execa} from 'execa';
import {
	type ClusterFile,
	newClusterFile,
	serializeClusterFile,
} from '../source/tcp/cluster-file.js';
import {Connection} from '../source/tcp/connection.js';
import {FrameDecoder, decodeFrame, encodeFrame} from '../source/tcp/frames.js';
import {DialerHandshake, type Role} from '../source/tcp/handshake.js';
import {LocalServers} from '../source/tcp/local-servers.js';
import {probeStatus} from '../source/tcp/status-probe.js';
import {cliPath} from './helpers/paths.js';

/** A plain socket to the replica: what it was sent back, and when it was closed. */
async function rawSocket(cluster: ClusterFile, id: number) {
	const {host, port} = cluster.replicas[id]!;
	const socket = net.connect({host, port});
	await once(socket, 'connect');
	const decoder = new FrameDecoder(1024 * 1024);
	const received: unknown[] = [];
	socket.on('data', (chunk: Buffer) => {
		decoder.push(chunk);
		for (const frame of decoder.drain()) {
			received.push(decodeFrame(frame));
		}
	});
	socket.on('error', () => undefined);
	const closed = once(socket, 'close').then(() => true);
	return {socket, received, closed};
}

/** Resolves when `check` holds, polling `received` as frames arrive; rejects after 30 s. */
async function until(check: () => boolean, what: string): Promise<void> {
	const deadline = Date.now() + 30_000;
	while (!check()) {
		if (Date.now() > deadline) {
			throw new Error(`timed out waiting for ${what}`);
		}

		await new Promise((resolve) => {
			setTimeout(resolve, 10);
		});
	}
}

/** An authenticated connection to replica `id` in `role`. */
async function member(cluster: ClusterFile, id: number, role: Role) {
	const {host, port} = cluster.replicas[id]!;
	const socket = net.connect({host, port});
	const batches: unknown[][] = [];
	let closedReason: string | undefined;
	const ready = new Promise<Connection>((resolve, reject) => {
		const connection = new Connection({
			socket,
			handshake: new DialerHandshake(
				{cluster: cluster.cluster_id, secret: cluster.secret, replicaCount: 3, role},
				{kind: 'replica', id},
			),
			maxFrameBytes: () => 1024 * 1024,
			maxBufferedBytes: 64 * 1024 * 1024,
			events: {
				ready: resolve,
				batch(_connection, items) {
					batches.push([...items]);
				},
				closed(_connection, reason) {
					closedReason = reason ?? 'closed';
					reject(new Error(`closed: ${closedReason}`));
				},
			},
		});
		socket.once('connect', () => {
			connection.start();
		});
	});
	const connection = await ready;
	const closed = once(socket, 'close').then(() => true);
	return {connection, socket, batches, closed, closedReason: () => closedReason};
}

const countLines = (log: string, pattern: RegExp) =>
	log.split('\n').filter((line) => pattern.test(line)).length;

test('strangers, foreign clusters, replays, garbage and oversized frames are refused, and the cluster keeps serving', async (t) => {
	const local = await LocalServers.start({hosts: ['127.0.0.1', '127.0.0.2', '127.0.0.3']});
	try {
		const {cluster} = local;
		const replica = local.servers[0]!;
		await replica.waitFor(/connected to replica 2/v);
		const client = async (file: string, ...args: string[]) =>
			execa('node', [cliPath, 'client', '--cluster', file, ...args], {
				reject: false,
				stdin: 'ignore',
				timeout: 60_000,
			});
		const put = await client(local.file, '--timeout', '30', 'put', 'kept', 'safe');
		t.is(put.exitCode, 0);
		const before = await probeStatus(cluster, 0, 10_000);
		if (typeof before === 'string') {
			throw new TypeError(before);
		}

		// A wrong secret: the client is refused and says so in one line; the replica logs one line.
		const wrongKey = path.join(local.directory, 'wrong-key.json');
		writeFileSync(wrongKey, serializeClusterFile({...cluster, secret: newClusterFile([]).secret}), {
			mode: 0o600,
		});
		// The timeout leaves time for a start on a busy machine, and for the client to dial again.
		const refused = await client(wrongKey, '--timeout', '5', 'get', 'kept');
		t.is(refused.exitCode, 1);
		t.is(refused.stdout, '');
		t.is(String(refused.stderr).split('\n').length, 1);
		t.regex(
			String(refused.stderr),
			/^vsr-tui client: no answer from the cluster .* in 5 s: replica 0 at 127\.0\.0\.1:\d+: refused the connection: authentication failed/v,
		);
		await replica.waitFor(
			/refused 127\.0\.0\.1:\d+: client failed to prove it knows the secret \(wrong secret\)/v,
		);
		// The client kept dialing; the log said it once.
		t.is(countLines(replica.log, /wrong secret/v), 1);

		// A foreign cluster: another cluster's file, same addresses.
		const foreign = path.join(local.directory, 'foreign.json');
		writeFileSync(foreign, serializeClusterFile({...newClusterFile(cluster.replicas)}), {
			mode: 0o600,
		});
		const stranger = await client(foreign, '--timeout', '5', 'get', 'kept');
		t.is(stranger.exitCode, 1);
		t.regex(String(stranger.stderr), /refused the connection: wrong cluster or protocol/v);
		await replica.waitFor(/refused 127\.0\.0\.1:\d+: names another cluster/v);

		// A replayed handshake: a hello seen before is refused before anything is proved.
		const honest = new DialerHandshake(
			{
				cluster: cluster.cluster_id,
				secret: cluster.secret,
				replicaCount: 3,
				role: {kind: 'client'},
			},
			{kind: 'replica', id: 0},
		);
		const first = await rawSocket(cluster, 0);
		first.socket.write(encodeFrame(honest.hello));
		await until(() => first.received.length > 0, 'the listener hello');
		const replay = await rawSocket(cluster, 0);
		replay.socket.write(encodeFrame(honest.hello));
		t.true(await replay.closed);
		t.deepEqual(replay.received, [{type: 'refused', reason: 'replayed handshake'}]);
		await replica.waitFor(/refused 127\.0\.0\.1:\d+: client replayed a handshake/v);
		first.socket.destroy();

		// Garbage: an HTTP request reads as a 1.2 GB frame, refused before it is buffered.
		const garbage = await rawSocket(cluster, 0);
		garbage.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
		t.true(await garbage.closed);
		await replica.waitFor(
			/refused 127\.0\.0\.1:\d+: a frame of 1195725856 bytes is over the limit of 1024/v,
		);

		// Not JSON, within the limit.
		const notJson = await rawSocket(cluster, 0);
		notJson.socket.write(Buffer.concat([Buffer.from([0, 0, 0, 4]), Buffer.from([0xff, 0, 1, 2])]));
		t.true(await notJson.closed);
		await replica.waitFor(/refused 127\.0\.0\.1:\d+: a frame of 4 bytes is not JSON/v);

		// Oversized after authenticating: one line, the connection is dropped.
		const big = await member(cluster, 0, {kind: 'client'});
		const header = Buffer.alloc(4);
		header.writeUInt32BE(8 * 1024 * 1024);
		big.socket.write(header);
		t.true(await big.closed);
		await replica.waitFor(
			/client \(127\.0\.0\.1:\d+\) closed: a frame of 8388608 bytes is over the limit of 1048576/v,
		);
		t.is(countLines(replica.log, /8388608 bytes/v), 1);

		// Malformed messages from a member are refused one by one; the connection stays.
		const sloppy = await member(cluster, 0, {kind: 'client'});
		sloppy.connection.send([
			{
				type: 'request',
				clientId: -1,
				requestNumber: 1,
				operation: {op: 'put', key: 'x', value: 'y'},
			},
			{type: 'commit', view: 0, commit: 10_000, from: 1, incarnation: 1},
		]);
		await replica.waitFor(/rejected a message from client \(127\.0\.0\.1:\d+\)/v);
		// A member in one role cannot speak for another: a replica's message on a client's connection.
		t.is(sloppy.closedReason(), undefined);
		sloppy.socket.destroy();
		const impostor = await member(cluster, 0, {kind: 'operator'});
		impostor.connection.send([
			{
				type: 'request',
				clientId: 9,
				requestNumber: 1,
				operation: {op: 'put', key: 'kept', value: 'gone'},
			},
		]);
		await replica.waitFor(
			/rejected a message from operator .*an operator asks for the status, a subscription, faults or a stop/v,
		);
		impostor.socket.destroy();

		// Nothing reached the core: the op number did not move; the cluster still serves, nothing lost.
		const after = await probeStatus(cluster, 0, 10_000);
		t.like(after, {op: before.op, commit: before.commit, status: 'normal'});
		const kept = await client(local.file, '--json', '--timeout', '30', 'get', 'kept');
		t.is(kept.exitCode, 0);
		t.like(JSON.parse(String(kept.stdout)), {ok: true, result: 'safe'});
		t.true(replica.running);
	} finally {
		await local.stop();
	}
});
