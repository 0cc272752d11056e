import {Buffer} from 'node:buffer';

/**
Length-prefixed frames on a TCP stream: a 4-byte big-endian length, then that many bytes of
UTF-8 JSON. The decoder enforces a size limit before it buffers a frame's body, so a peer cannot
make a replica hold more than the limit (which is small until the peer has authenticated).
*/

export const headerBytes = 4;

/** A stream that breaks the framing (oversized, unreadable): the connection cannot go on. */
export class FrameError extends Error {
	override name = 'FrameError';
}

/** One frame holding `value` as JSON. */
export function encodeFrame(value: unknown): Buffer {
	const json = JSON.stringify(value);
	const length = Buffer.byteLength(json);
	const frame = Buffer.allocUnsafe(headerBytes + length);
	frame.writeUInt32BE(length, 0);
	frame.write(json, headerBytes, 'utf8');
	return frame;
}

/** A frame's JSON; throws a `FrameError` when it is not JSON. */
export function decodeFrame(frame: Buffer): unknown {
	try {
		return JSON.parse(frame.toString('utf8'));
	} catch {
		const start = frame.subarray(0, 24).toString('utf8');
		throw new FrameError(
			`a frame of ${frame.length} bytes is not JSON (it starts ${JSON.stringify(start)})`,
		);
	}
}

/**
Cuts a byte stream into frames, one at a time (`next`), so that the limit may change between two
frames of one chunk: a peer's first frame after its handshake often arrives with its proof.
Whole frames inside a chunk are views of it (no copy); a frame split across chunks is gathered
and copied once, when it is complete. A frame's header is checked against the limit as soon as
it is in, before its body is buffered.
*/
export class FrameDecoder {
	/** The bytes being read, from `offset`. */
	private data: Buffer = Buffer.alloc(0);
	private offset = 0;
	/** Chunks that came after `data`, not yet joined to it. */
	private parts: Buffer[] = [];
	private partsBytes = 0;

	/** `maxBytes`: the largest frame body accepted; it may change between frames (after a handshake). */
	constructor(public maxBytes: number) {}

	push(chunk: Buffer): void {
		if (this.offset >= this.data.length) {
			this.data = chunk;
			this.offset = 0;
		} else {
			this.parts.push(chunk);
			this.partsBytes += chunk.length;
		}
	}

	/** The next complete frame, or undefined; throws a `FrameError` on an oversized one. */
	next(): Buffer | undefined {
		for (;;) {
			const available = this.data.length - this.offset;
			if (available >= headerBytes) {
				const size = this.frameSize(this.data.readUInt32BE(this.offset));
				if (available >= size) {
					const frame = this.data.subarray(this.offset + headerBytes, this.offset + size);
					this.offset += size;
					return frame;
				}

				if (available + this.partsBytes < size) {
					return undefined;
				}
			} else if (available + this.partsBytes < headerBytes || this.parts.length === 0) {
				return undefined;
			}

			// Enough bytes for the header or the frame, over several chunks: join them.
			this.data = Buffer.concat([this.data.subarray(this.offset), ...this.parts]);
			this.offset = 0;
			this.parts = [];
			this.partsBytes = 0;
		}
	}

	/** Every complete frame so far, under the current limit. */
	drain(): Buffer[] {
		const frames: Buffer[] = [];
		for (let frame = this.next(); frame !== undefined; frame = this.next()) {
			frames.push(frame);
		}

		return frames;
	}

	private frameSize(length: number): number {
		if (length > this.maxBytes) {
			throw new FrameError(`a frame of ${length} bytes is over the limit of ${this.maxBytes}`);
		}

		return headerBytes + length;
	}
}
