import {type Buffer} from 'node:buffer';
import type {Socket} from 'node:net';
import {FrameDecoder, FrameError, decodeFrame, encodeFrame} from './frames.js';
import {
	type DialerHandshake,
	type HandshakeMessage,
	type ListenerHandshake,
	type Role,
	formatRole,
} from './handshake.js';

/**
One TCP connection between members of a cluster: the handshake (`handshake.ts`) first, then
frames that each hold a batch, a JSON array of messages. Until the peer has proved it knows the
secret, frames are limited to `handshakeFrameBytes` and nothing reaches the owner but the outcome;
a frame that breaks the rules (oversized, not JSON, not a batch) closes the connection with the
reason. Writes are bounded: a batch that would take the bytes waiting to be sent beyond
`maxBufferedBytes` is dropped (Viewstamped Replication resends what matters), and while the
socket is congested its reading can be paused (`pauseWhenCongested`), so a client that does not
read its replies stops being read.
*/

/** The largest handshake frame: a hello is about 150 bytes. */
export const handshakeFrameBytes = 1024;
/** A handshake not finished in this time ends the connection. */
export const handshakeTimeoutMs = 5000;

export type ConnectionEvents = {
	/** The peer proved it belongs; batches may flow. */
	readonly ready: (connection: Connection) => void;
	/** A batch from the authenticated peer (not yet validated: it is the outside world). */
	readonly batch: (connection: Connection, items: readonly unknown[]) => void;
	/**
	The connection ended. `reason` says why when it broke a rule or failed (an unauthenticated one
	always has one); undefined when the peer simply closed it.
	*/
	readonly closed: (connection: Connection, reason: string | undefined) => void;
	/** Batches began to be dropped (`dropping`), or the socket drained again (with the count dropped). */
	readonly congestion?: (connection: Connection, dropping: boolean, dropped: number) => void;
};

export type ConnectionOptions = {
	readonly socket: Socket;
	/** How to name the other end (default: the socket's remote address, known once connected). */
	readonly remote?: string;
	readonly handshake: DialerHandshake | ListenerHandshake;
	/** The largest batch frame the authenticated peer may send, by its role. */
	readonly maxFrameBytes: (peer: Role) => number;
	/** Bytes waiting to be written beyond which a batch is dropped. */
	readonly maxBufferedBytes: number | ((peer: Role) => number);
	/** Stop reading while writes are congested (clients: not replicas, which must not wait on each other). */
	readonly pauseWhenCongested?: (peer: Role) => boolean;
	readonly events: ConnectionEvents;
};

export class Connection {
	/** `host:port` of the other end. */
	readonly remote: string;
	/** Set once the handshake is done. */
	peer: Role | undefined;
	/** Messages dropped because the socket was congested, since the connection opened. */
	dropped = 0;
	private readonly socket: Socket;
	private readonly decoder = new FrameDecoder(handshakeFrameBytes);
	private readonly handshakeTimer: NodeJS.Timeout;
	private closed = false;
	private dropping = false;
	private droppedInEpisode = 0;
	private paused = false;

	constructor(private readonly options: ConnectionOptions) {
		const {socket} = options;
		this.socket = socket;
		this.remote =
			options.remote ?? `${socket.remoteAddress ?? '?'}:${String(socket.remotePort ?? '?')}`;
		socket.setNoDelay(true);
		socket.setKeepAlive(true, 5000);
		this.handshakeTimer = setTimeout(() => {
			this.close('did not finish the handshake in time');
		}, handshakeTimeoutMs);
		socket.on('data', (chunk: Buffer) => {
			this.onData(chunk);
		});
		socket.on('drain', () => {
			this.onDrain();
		});
		socket.on('error', (error: Error & {code?: string}) => {
			this.close(error.code ?? error.message);
		});
		socket.on('close', () => {
			this.close(undefined);
		});
	}

	/** Sends the dialer's hello: call once the socket is connected. */
	start(): void {
		const {handshake} = this.options;
		if ('start' in handshake) {
			this.writeHandshake(handshake.start());
		}
	}

	get ready(): boolean {
		return this.peer !== undefined && !this.closed;
	}

	/** Sends one batch as one frame, unless the connection is not ready or too congested. */
	send(items: readonly unknown[]): void {
		if (!this.ready || items.length === 0) {
			return;
		}

		const {maxBufferedBytes} = this.options;
		const limit =
			typeof maxBufferedBytes === 'number' ? maxBufferedBytes : maxBufferedBytes(this.peer!);
		if (this.socket.writableLength > limit) {
			this.dropped += items.length;
			this.droppedInEpisode += items.length;
			if (!this.dropping) {
				this.dropping = true;
				this.options.events.congestion?.(this, true, this.droppedInEpisode);
			}

			return;
		}

		this.socket.write(encodeFrame(items));
		if (
			this.socket.writableNeedDrain &&
			!this.paused &&
			this.options.pauseWhenCongested?.(this.peer!)
		) {
			this.paused = true;
			this.socket.pause();
		}
	}

	/** Ends the connection; `reason` goes to the `closed` event. */
	close(reason: string | undefined): void {
		if (this.closed) {
			return;
		}

		this.closed = true;
		clearTimeout(this.handshakeTimer);
		this.socket.destroy();
		this.options.events.closed(
			this,
			reason ?? (this.peer === undefined ? 'closed before the end of the handshake' : undefined),
		);
	}

	/** Tells the peer why, then ends the connection. */
	private refuse(reason: string, tell: string | undefined): void {
		if (tell !== undefined && !this.closed) {
			this.socket.end(encodeFrame({type: 'refused', reason: tell}));
			// Let the refusal go out, then close (destroy discards what is not written yet).
			const {socket} = this;
			setTimeout(() => {
				socket.destroy();
			}, 1000).unref();
			this.closed = true;
			clearTimeout(this.handshakeTimer);
			this.options.events.closed(this, reason);
			return;
		}

		this.close(reason);
	}

	private onData(chunk: Buffer): void {
		if (this.closed) {
			return;
		}

		this.decoder.push(chunk);
		// One frame at a time: the handshake's end raises the limit for the frames after it.
		while (!this.closed) {
			let frame: Buffer | undefined;
			let value: unknown;
			try {
				frame = this.decoder.next();
				if (frame === undefined) {
					return;
				}

				value = decodeFrame(frame);
			} catch (error) {
				this.close(describe(error));
				return;
			}

			if (this.peer === undefined) {
				this.onHandshake(value);
			} else if (Array.isArray(value)) {
				this.options.events.batch(this, value);
			} else {
				this.close('sent a frame that is not a batch (a JSON array of messages)');
				return;
			}
		}
	}

	private onHandshake(value: unknown): void {
		const step = this.options.handshake.receive(value);
		switch (step.kind) {
			case 'send': {
				this.writeHandshake(step.frames);
				break;
			}

			case 'done': {
				this.writeHandshake(step.frames);
				clearTimeout(this.handshakeTimer);
				this.peer = step.peer;
				this.decoder.maxBytes = this.options.maxFrameBytes(step.peer);
				this.options.events.ready(this);
				break;
			}

			case 'fail': {
				this.refuse(step.reason, step.tell);
				break;
			}
		}
	}

	private writeHandshake(frames: readonly HandshakeMessage[]): void {
		for (const frame of frames) {
			this.socket.write(encodeFrame(frame));
		}
	}

	private onDrain(): void {
		if (this.paused) {
			this.paused = false;
			this.socket.resume();
		}

		if (this.dropping) {
			this.dropping = false;
			this.options.events.congestion?.(this, false, this.droppedInEpisode);
			this.droppedInEpisode = 0;
		}
	}
}

function describe(error: unknown): string {
	return error instanceof FrameError
		? error.message
		: error instanceof Error
			? error.message
			: String(error);
}

/** How logs name the other end: its role once known, and its address. */
export function describePeer(connection: Connection): string {
	return connection.peer === undefined
		? connection.remote
		: `${formatRole(connection.peer)} (${connection.remote})`;
}
