/** The TCP transport's parts without sockets: the cluster file, frames and the handshake. */
import {Buffer} from 'node:buffer';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {
	ClusterFileError,
	newClusterFile,
	parseAddress,
	parseClusterFile,
	serializeClusterFile,
} from '../source/tcp/cluster-file.js';
import {FrameDecoder, FrameError, decodeFrame, encodeFrame} from '../source/tcp/frames.js';
import {
	DialerHandshake,
	type HandshakeMessage,
	ListenerHandshake,
	NonceCache,
	type Role,
	type Step,
} from '../source/tcp/handshake.js';
import {MarkerError, decideStart, writeMarker} from '../source/tcp/incarnation.js';

const file = newClusterFile([
	{host: '127.0.0.1', port: 7001},
	{host: '127.0.0.2', port: 7001},
	{host: '::1', port: 7003},
]);

test('a cluster file reads back as written, and names what is wrong with a bad one', (t) => {
	t.deepEqual(parseClusterFile(serializeClusterFile(file)), file);
	t.is(file.secret.length, 64);
	t.deepEqual(parseAddress('[::1]:7003'), {host: '::1', port: 7003});
	t.is(parseAddress('a:0'), undefined);
	t.is(parseAddress('a:70000'), undefined);
	t.is(parseAddress('a'), undefined);
	const bad: Array<[unknown, RegExp]> = [
		[{...file, version: 2}, /version 2/v],
		[{...file, cluster_id: 'a b'}, /cluster_id/v],
		[{...file, replicas: []}, /1 to 9/v],
		[
			{...file, replicas: [file.replicas[0], file.replicas[0]]},
			/address 127\.0\.0\.1:7001 of another/v,
		],
		[{...file, replicas: [{host: 'a', port: 'x'}]}, /replica 0/v],
		[{...file, secret: 'abcd'}, /secret of at least 16 bytes/v],
	];
	for (const [value, message] of bad) {
		const error = t.throws(() => parseClusterFile(JSON.stringify(value)), {
			instanceOf: ClusterFileError,
		});
		t.regex(error.message, message);
	}

	t.throws(() => parseClusterFile('{'), {message: 'is not JSON'});
});

test('frames: split anywhere, joined across chunks; oversized frames are refused before they are buffered', (t) => {
	const values = [{a: 1}, ['x', 'y'], 'é'.repeat(300), {nested: {deep: [1, 2, 3]}}];
	const stream = Buffer.concat(values.map((value) => encodeFrame(value)));
	for (const size of [1, 2, 3, 5, 7, 64, stream.length]) {
		const decoder = new FrameDecoder(10_000);
		const got: unknown[] = [];
		for (let offset = 0; offset < stream.length; offset += size) {
			decoder.push(stream.subarray(offset, offset + size));
			for (const frame of decoder.drain()) {
				got.push(decodeFrame(frame));
			}
		}

		t.deepEqual(got, values, `chunks of ${size} bytes`);
	}

	const decoder = new FrameDecoder(100);
	const header = Buffer.alloc(4);
	header.writeUInt32BE(4_000_000_000);
	decoder.push(header);
	t.throws(() => decoder.next(), {
		instanceOf: FrameError,
		message: 'a frame of 4000000000 bytes is over the limit of 100',
	});
	const garbage = Buffer.concat([Buffer.from([0, 0, 0, 5]), Buffer.from('hello')]);
	const garbageDecoder = new FrameDecoder(100);
	garbageDecoder.push(garbage);
	const frame = garbageDecoder.next();
	t.throws(() => decodeFrame(frame!), {instanceOf: FrameError, message: /is not JSON/v});
});

test('the limit may rise between two frames of one chunk (a handshake, then the first batch)', (t) => {
	const decoder = new FrameDecoder(100);
	decoder.push(Buffer.concat([encodeFrame({type: 'auth'}), encodeFrame(['x'.repeat(500)])]));
	t.deepEqual(decodeFrame(decoder.next()!), {type: 'auth'});
	decoder.maxBytes = 1000;
	t.deepEqual(decodeFrame(decoder.next()!), ['x'.repeat(500)]);
	t.is(decoder.next(), undefined);
});

const shared = (secret: string, role: Role, cluster = file.cluster_id) => ({
	cluster,
	secret,
	replicaCount: 3,
	role,
});

/** Runs a handshake between the two sides in memory; returns each side's last step. */
function handshake(
	dialer: DialerHandshake,
	listener: ListenerHandshake,
): {dialer: Step; listener: Step; wire: HandshakeMessage[]} {
	const wire: HandshakeMessage[] = [];
	let toListener: readonly HandshakeMessage[] = dialer.start();
	let dialerStep: Step = {kind: 'send', frames: toListener};
	let listenerStep: Step = {kind: 'send', frames: []};
	for (let round = 0; round < 4 && toListener.length > 0; round++) {
		wire.push(...toListener);
		listenerStep = listener.receive(toListener[0]);
		if (listenerStep.kind === 'fail') {
			break;
		}

		wire.push(...listenerStep.frames);
		const [answer] = listenerStep.frames;
		if (answer === undefined) {
			break;
		}

		dialerStep = dialer.receive(answer);
		toListener = dialerStep.kind === 'fail' ? [] : dialerStep.frames;
	}

	return {dialer: dialerStep, listener: listenerStep, wire};
}

const replica0: Role = {kind: 'replica', id: 0};
const replica1: Role = {kind: 'replica', id: 1};

test('the handshake: both sides prove the secret, which never travels', (t) => {
	const nonces = new NonceCache();
	const result = handshake(
		new DialerHandshake(shared(file.secret, replica0), replica1),
		new ListenerHandshake(shared(file.secret, replica1), nonces, () => undefined),
	);
	t.is(result.dialer.kind, 'done');
	t.is(result.listener.kind, 'done');
	t.deepEqual(result.listener.kind === 'done' && result.listener.peer, replica0);
	t.false(JSON.stringify(result.wire).includes(file.secret));
});

test('the handshake refuses a wrong secret, a foreign cluster, a replay and an unknown role', (t) => {
	const other = newClusterFile(file.replicas);
	const nonces = new NonceCache();
	const listener = () =>
		new ListenerHandshake(shared(file.secret, replica1), nonces, () => undefined);

	const wrongKey = handshake(
		new DialerHandshake(shared(other.secret, replica0), replica1),
		listener(),
	);
	t.like(wrongKey.listener, {kind: 'fail', tell: 'authentication failed'});
	t.regex(wrongKey.listener.kind === 'fail' ? wrongKey.listener.reason : '', /wrong secret/v);

	const foreign = handshake(
		new DialerHandshake(shared(file.secret, replica0, other.cluster_id), replica1),
		listener(),
	);
	t.like(foreign.listener, {kind: 'fail', tell: 'wrong cluster or protocol'});
	t.regex(
		foreign.listener.kind === 'fail' ? foreign.listener.reason : '',
		/names another cluster/v,
	);

	// A recorded hello played again: refused as a replay before anything is proved.
	const honest = new DialerHandshake(shared(file.secret, replica0), replica1);
	t.is(handshake(honest, listener()).listener.kind, 'done');
	const replay = listener().receive(honest.hello);
	t.like(replay, {kind: 'fail', tell: 'replayed handshake'});

	// A recorded proof does not answer a new challenge.
	const recorded = handshake(
		new DialerHandshake(shared(file.secret, replica0), replica1),
		listener(),
	);
	const oldProof = recorded.wire.find((message) => message.type === 'auth');
	const fresh = new DialerHandshake(shared(file.secret, replica0), replica1);
	const victim = listener();
	t.is(victim.receive(fresh.hello).kind, 'send');
	t.like(victim.receive(oldProof), {kind: 'fail', tell: 'authentication failed'});

	const stranger = listener().receive({
		type: 'hello',
		protocol: 'http',
		cluster: 'x',
		role: 'x',
		nonce: 'x',
	});
	t.is(stranger.kind, 'fail');
	const role = listener().receive({
		...new DialerHandshake(shared(file.secret, replica0), replica1).hello,
		role: 'replica 7',
	});
	t.like(role, {kind: 'fail', tell: 'unknown role'});
	t.like(listener().receive('GET / HTTP/1.1'), {kind: 'fail'});
});

test('a listener that is not the replica the dialer wanted is refused by the dialer', (t) => {
	const result = handshake(
		new DialerHandshake(shared(file.secret, replica0), {kind: 'replica', id: 2}),
		new ListenerHandshake(shared(file.secret, replica1), new NonceCache(), () => undefined),
	);
	t.like(result.dialer, {kind: 'fail', reason: 'says it is "replica 1"'});
});

test('a replica with a marker of its cluster recovers, with an incarnation above its last', (t) => {
	const directory = mkdtempSync(path.join(os.tmpdir(), 'vsr-tui-marker-'));
	try {
		const marker = path.join(directory, 'marker');
		const start = (now: number) =>
			decideStart({recover: false, marker, clusterId: file.cluster_id, replica: 1, now});
		const first = start(5000);
		t.like(first, {recovering: false, incarnation: 5000});
		writeMarker(marker, file.cluster_id, 1, first.incarnation);
		// Restarted later, or with a clock that went back: it recovers, and its incarnation grows.
		t.like(start(9000), {recovering: true, incarnation: 9000});
		t.like(start(10), {recovering: true, incarnation: 5001});
		// Another cluster's marker, or another replica's: a fresh start.
		t.like(decideStart({recover: false, marker, clusterId: 'other', replica: 1, now: 6000}), {
			recovering: false,
		});
		t.like(decideStart({recover: true, marker: undefined, clusterId: 'x', replica: 0, now: 1}), {
			recovering: true,
			why: '--recover',
		});
		writeFileSync(marker, 'not a marker');
		t.throws(() => start(1), {instanceOf: MarkerError, message: /is not a vsr-tui marker/v});
	} finally {
		rmSync(directory, {recursive: true, force: true});
	}
});
