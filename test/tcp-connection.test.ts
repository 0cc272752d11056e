/** Connections and dialers on real sockets in one process: backpressure, reconnecting with backoff. */
import {once} from 'node:events';
import net from 'node:net';
import test from 'ava';
import {newClusterFile} from '../source/tcp/cluster-file.js';
import {Connection, type ConnectionEvents} from '../source/tcp/connection.js';
import {Dialer} from '../source/tcp/dialer.js';
import {
	DialerHandshake,
	ListenerHandshake,
	NonceCache,
	type Role,
} from '../source/tcp/handshake.js';
import {freePort} from '../source/tcp/local-servers.js';

const cluster = newClusterFile([
	{host: '127.0.0.1', port: 1},
	{host: '127.0.0.1', port: 2},
]);
const shared = (role: Role) => ({
	cluster: cluster.cluster_id,
	secret: cluster.secret,
	replicaCount: 2,
	role,
});
const quiet: ConnectionEvents = {
	ready() {
		// Nothing to do.
	},
	batch() {
		// Nothing to do.
	},
	closed() {
		// Nothing to do.
	},
};

/** Resolves once `check` holds (polled every 10 ms), or after 30 s, when the test's assertions tell. */
async function until(check: () => boolean): Promise<void> {
	const deadline = Date.now() + 30_000;
	while (!check() && Date.now() < deadline) {
		await new Promise((resolve) => {
			setTimeout(resolve, 10);
		});
	}
}

/** A listener that authenticates replica 0 as replica 1 and reports its connections. */
async function listen(port: number, events: Partial<ConnectionEvents> = {}) {
	const accepted: Connection[] = [];
	const server = net.createServer((socket) => {
		accepted.push(
			new Connection({
				socket,
				handshake: new ListenerHandshake(
					shared({kind: 'replica', id: 1}),
					new NonceCache(),
					() => undefined,
				),
				maxFrameBytes: () => 64 * 1024 * 1024,
				maxBufferedBytes: 1024 * 1024,
				events: {...quiet, ...events},
			}),
		);
	});
	server.listen({host: '127.0.0.1', port});
	await once(server, 'listening');
	return {server, accepted};
}

test('a peer that does not read: batches beyond the bound are dropped and counted, then flow again once it drains', async (t) => {
	const port = await freePort('127.0.0.1');
	const congestion: Array<[boolean, number]> = [];
	let ready: (connection: Connection) => void = () => undefined;
	const isReady = new Promise<Connection>((resolve) => {
		ready = resolve;
	});
	const {server} = await listen(port, {
		ready,
		congestion(_connection, dropping, dropped) {
			congestion.push([dropping, dropped]);
		},
	});
	const socket = net.connect({host: '127.0.0.1', port});
	let received = 0;
	const dialer = new Connection({
		socket,
		handshake: new DialerHandshake(shared({kind: 'replica', id: 0}), {kind: 'replica', id: 1}),
		maxFrameBytes: () => 64 * 1024 * 1024,
		maxBufferedBytes: 1024 * 1024,
		events: {
			...quiet,
			batch(_connection, items) {
				received += items.length;
			},
		},
	});
	socket.once('connect', () => {
		dialer.start();
	});
	const listener = await isReady;
	try {
		socket.pause(); // The dialer stops reading: the listener's writes pile up.
		const batch = [{blob: 'x'.repeat(64 * 1024)}];
		let sent = 0;
		while (listener.dropped === 0 && sent < 100_000) {
			listener.send(batch);
			sent++;
		}

		t.true(listener.dropped > 0, 'batches were dropped once the queue passed its bound');
		t.deepEqual(congestion, [[true, 1]]);
		for (let more = 0; more < 9; more++) {
			listener.send(batch);
		}

		t.is(listener.dropped, 10);
		socket.resume();
		await until(() => congestion.length >= 2);

		t.deepEqual(congestion, [
			[true, 1],
			[false, 10],
		]);
		listener.send(batch);
		await until(() => received >= sent);

		// Every batch that was not dropped arrived (all but the first dropped, and one after the drain).
		t.is(received, sent);
	} finally {
		dialer.close('stopping');
		listener.close('stopping');
		server.close();
	}
});

test('a dialer keeps dialing a replica that is not there yet, and dials again when the connection ends', async (t) => {
	const port = await freePort('127.0.0.1');
	const events: string[] = [];
	let readyCount = 0;
	let onReady: () => void = () => undefined;
	const dialer = new Dialer({
		address: {host: '127.0.0.1', port},
		handshake: () =>
			new DialerHandshake(shared({kind: 'replica', id: 0}), {kind: 'replica', id: 1}),
		connection: {maxFrameBytes: () => 1024 * 1024, maxBufferedBytes: 1024 * 1024},
		minMs: 20,
		maxMs: 200,
		events: {
			...quiet,
			ready() {
				readyCount++;
				events.push('ready');
				onReady();
			},
			closed(_connection, reason) {
				events.push(reason ?? 'closed');
			},
		},
	});
	const nextReady = async () =>
		new Promise<void>((resolve) => {
			onReady = resolve;
		});
	dialer.start();
	let listening: Awaited<ReturnType<typeof listen>> | undefined;
	try {
		// Nothing listens: refused, again and again (with backoff).
		await until(() => events.filter((event) => event === 'ECONNREFUSED').length >= 3);

		t.true(events.filter((event) => event === 'ECONNREFUSED').length >= 3);
		const first = nextReady();
		listening = await listen(port);
		await first;
		t.is(readyCount, 1);
		// The listener ends the connection: the dialer comes back on its own.
		const second = nextReady();
		listening.accepted.at(-1)!.close('test');
		await second;
		t.is(readyCount, 2);
		t.true(dialer.connection?.ready);
	} finally {
		dialer.stop();
		for (const connection of listening?.accepted ?? []) {
			connection.close('stopping');
		}

		listening?.server.close();
	}
});
