import {Buffer} from 'node:buffer';
import {createHmac, randomBytes, timingSafeEqual} from 'node:crypto';

/**
The handshake every connection to a replica server starts with. Each side proves that it knows
the cluster's secret without sending it: an HMAC-SHA256, keyed with the secret, over a transcript
that holds the other side's fresh random challenge (its nonce), both nonces, both roles, the
cluster id and which side is speaking. So a proof is good for this one connection only: replayed
on another it answers a challenge nobody asked, reflected back it names the wrong side.

  dialer → listener   hello {protocol, cluster, role, nonce}
  listener → dialer   hello {protocol, cluster, role, nonce}   (or refused {reason}, then close)
  dialer → listener   auth {proof}                              (the dialer's proof comes first)
  listener → dialer   auth {proof}                              (or refused {reason}, then close)

The listener checks the dialer's hello (protocol, cluster id, a role it takes, a nonce it has not
seen before: a replayed hello is refused as such) before it answers, and the dialer's proof before
it proves anything itself, so a stranger learns nothing but that it was refused. Pure: the
connection (`connection.ts`) carries the frames and the clock.
*/

export const protocolName = 'vsr-tui/1';

/** Who is on a connection: a replica (by id), a client, or an operator. */
export type Role =
	| {readonly kind: 'replica'; readonly id: number}
	| {readonly kind: 'client'}
	| {readonly kind: 'operator'};

/** `replica 2`, `client`, `operator`: how a role travels and how logs write it. */
export function formatRole(role: Role): string {
	switch (role.kind) {
		case 'replica': {
			return `replica ${role.id}`;
		}

		case 'client':
		case 'operator': {
			return role.kind;
		}
	}
}

export function parseRole(text: string, replicaCount: number): Role | undefined {
	if (text === 'client' || text === 'operator') {
		return {kind: text};
	}

	const match = /^replica (?<id>\d)$/v.exec(text);
	const id = Number(match?.groups?.id);
	return match && id < replicaCount ? {kind: 'replica', id} : undefined;
}

export type Hello = {
	readonly type: 'hello';
	readonly protocol: string;
	readonly cluster: string;
	readonly role: string;
	readonly nonce: string;
};
export type Auth = {readonly type: 'auth'; readonly proof: string};
export type Refused = {readonly type: 'refused'; readonly reason: string};
export type HandshakeMessage = Hello | Auth | Refused;

const nonceBytes = 16;

export function newNonce(): string {
	return randomBytes(nonceBytes).toString('hex');
}

/** The transcript one side signs: which side it is, and everything both said. */
function transcript(
	side: 'dialer' | 'listener',
	cluster: string,
	dialer: Hello,
	listener: Hello,
): string {
	return JSON.stringify([
		protocolName,
		side,
		cluster,
		dialer.role,
		listener.role,
		dialer.nonce,
		listener.nonce,
	]);
}

export function proofOf(
	secret: string,
	side: 'dialer' | 'listener',
	dialer: Hello,
	listener: Hello,
): string {
	return createHmac('sha256', Buffer.from(secret, 'hex'))
		.update(transcript(side, dialer.cluster, dialer, listener))
		.digest('hex');
}

function sameProof(expected: string, got: string): boolean {
	const a = Buffer.from(expected, 'hex');
	const b = Buffer.from(got, 'hex');
	return a.length === b.length && timingSafeEqual(a, b);
}

/** Dialers' nonces seen lately: a hello that brings one again is a replay. */
export class NonceCache {
	private readonly seen = new Set<string>();

	constructor(private readonly capacity = 100_000) {}

	/** Records the nonce; false when it was seen before. */
	add(nonce: string): boolean {
		if (this.seen.has(nonce)) {
			return false;
		}

		if (this.seen.size >= this.capacity) {
			// Sets iterate in insertion order: forget the oldest.
			this.seen.delete(this.seen.values().next().value!);
		}

		this.seen.add(nonce);
		return true;
	}
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

const isHex = (value: unknown, bytes: number): value is string =>
	typeof value === 'string' && value.length === bytes * 2 && /^[\da-f]+$/v.test(value);

/** What a handshake step asks the connection to do. */
export type Step =
	/** Send these frames and wait for the next one. */
	| {readonly kind: 'send'; readonly frames: readonly HandshakeMessage[]}
	/** Send these frames (maybe none); the peer is authenticated. */
	| {readonly kind: 'done'; readonly frames: readonly HandshakeMessage[]; readonly peer: Role}
	/**
	Refused: `reason` for this side's log, `tell` (sent as `refused`, then the connection closes)
	for the peer, when it should be told.
	*/
	| {readonly kind: 'fail'; readonly reason: string; readonly tell?: string};

type Shared = {
	readonly cluster: string;
	readonly secret: string;
	readonly replicaCount: number;
	/** This side's role. */
	readonly role: Role;
};

function helloProblem(value: Record<string, unknown>, cluster: string): string | undefined {
	if (value.protocol !== protocolName) {
		return `speaks ${JSON.stringify(value.protocol)}, not ${protocolName}`;
	}

	if (typeof value.cluster !== 'string' || typeof value.role !== 'string') {
		return 'sent a hello without a cluster id or a role';
	}

	if (!isHex(value.nonce, nonceBytes)) {
		return 'sent a hello without a fresh challenge';
	}

	if (value.cluster !== cluster) {
		return `names another cluster (${JSON.stringify(value.cluster.slice(0, 64))})`;
	}

	return undefined;
}

function hello(shared: Shared): Hello {
	return {
		type: 'hello',
		protocol: protocolName,
		cluster: shared.cluster,
		role: formatRole(shared.role),
		nonce: newNonce(),
	};
}

/**
The side that accepted the connection (a replica server). `admit` says whether it takes a peer
in this role (undefined) or why not.
*/
export class ListenerHandshake {
	private dialerHello: Hello | undefined;
	private ownHello: Hello | undefined;
	private peer: Role | undefined;

	constructor(
		private readonly shared: Shared,
		private readonly nonces: NonceCache,
		private readonly admit: (peer: Role) => string | undefined,
	) {}

	receive(value: unknown): Step {
		if (!isRecord(value)) {
			return {kind: 'fail', reason: 'sent something other than a handshake'};
		}

		if (this.dialerHello === undefined) {
			return this.onHello(value);
		}

		if (value.type !== 'auth' || typeof value.proof !== 'string') {
			return {kind: 'fail', reason: 'sent something other than its proof'};
		}

		const expected = proofOf(this.shared.secret, 'dialer', this.dialerHello, this.ownHello!);
		if (!sameProof(expected, value.proof)) {
			return {
				kind: 'fail',
				reason: `${this.dialerHello.role} failed to prove it knows the secret (wrong secret)`,
				tell: 'authentication failed',
			};
		}

		const proof = proofOf(this.shared.secret, 'listener', this.dialerHello, this.ownHello!);
		return {kind: 'done', frames: [{type: 'auth', proof}], peer: this.peer!};
	}

	private onHello(value: Record<string, unknown>): Step {
		if (value.type !== 'hello') {
			return {kind: 'fail', reason: 'did not start with a hello (a stranger)'};
		}

		const problem = helloProblem(value, this.shared.cluster);
		if (problem !== undefined) {
			return {kind: 'fail', reason: problem, tell: 'wrong cluster or protocol'};
		}

		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- checked by helloProblem
		const dialer = value as Hello;
		const peer = parseRole(dialer.role, this.shared.replicaCount);
		if (peer === undefined) {
			return {
				kind: 'fail',
				reason: `claims an unknown role ${JSON.stringify(dialer.role.slice(0, 40))}`,
				tell: 'unknown role',
			};
		}

		const refusal = this.admit(peer);
		if (refusal !== undefined) {
			return {kind: 'fail', reason: `${dialer.role}: ${refusal}`, tell: refusal};
		}

		if (!this.nonces.add(dialer.nonce)) {
			return {
				kind: 'fail',
				reason: `${dialer.role} replayed a handshake (its challenge was seen before)`,
				tell: 'replayed handshake',
			};
		}

		this.dialerHello = dialer;
		this.peer = peer;
		this.ownHello = hello(this.shared);
		return {kind: 'send', frames: [this.ownHello]};
	}
}

/** The side that dialed (a replica reaching a higher id, a client, an operator). */
export class DialerHandshake {
	readonly hello: Hello;
	private listenerHello: Hello | undefined;

	constructor(
		private readonly shared: Shared,
		/** Whom it dialed: the listener must say it is this replica. */
		private readonly expected: Role,
	) {
		this.hello = hello(shared);
	}

	/** The first frame, sent as soon as the connection is up. */
	start(): HandshakeMessage[] {
		return [this.hello];
	}

	receive(value: unknown): Step {
		if (!isRecord(value)) {
			return {kind: 'fail', reason: 'answered with something other than a handshake'};
		}

		if (value.type === 'refused') {
			const reason = typeof value.reason === 'string' ? value.reason.slice(0, 200) : 'no reason';
			return {kind: 'fail', reason: `refused the connection: ${reason}`};
		}

		if (this.listenerHello === undefined) {
			if (value.type !== 'hello') {
				return {kind: 'fail', reason: 'did not answer with a hello'};
			}

			const problem = helloProblem(value, this.shared.cluster);
			if (problem !== undefined) {
				return {kind: 'fail', reason: problem};
			}

			if (value.role !== formatRole(this.expected)) {
				return {kind: 'fail', reason: `says it is ${JSON.stringify(value.role)}`};
			}

			// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- checked above
			this.listenerHello = value as Hello;
			const proof = proofOf(this.shared.secret, 'dialer', this.hello, this.listenerHello);
			return {kind: 'send', frames: [{type: 'auth', proof}]};
		}

		if (value.type !== 'auth' || typeof value.proof !== 'string') {
			return {kind: 'fail', reason: 'did not answer with its proof'};
		}

		const expected = proofOf(this.shared.secret, 'listener', this.hello, this.listenerHello);
		if (!sameProof(expected, value.proof)) {
			return {kind: 'fail', reason: 'failed to prove it knows the secret (wrong secret)'};
		}

		return {kind: 'done', frames: [], peer: this.expected};
	}
}
