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
Cuts a byte stream into frames. Whole frames inside a chunk are views of it (no copy); a frame
split across chunks is gathered and copied once, when it is complete.
*/
export class FrameDecoder {
	/** Chunks of an incomplete frame (header included). */
	private readonly parts: Buffer[] = [];
	private buffered = 0;
	/** The incomplete frame's total size (header included), once its header is in; else -1. */
	private expected = -1;

	/** `maxBytes`: the largest frame body accepted; it may change between chunks (after a handshake). */
	constructor(public maxBytes: number) {}

	/** The complete frames in the stream so far; throws a `FrameError` on an oversized one. */
	push(chunk: Buffer): Buffer[] {
		const frames: Buffer[] = [];
		let data = chunk;
		if (this.buffered > 0) {
			this.parts.push(chunk);
			this.buffered += chunk.length;
			if (this.expected === -1) {
				if (this.buffered < headerBytes) {
					return frames;
				}

				this.expected = this.frameSize(Buffer.concat(this.parts, headerBytes).readUInt32BE(0));
			}

			if (this.buffered < this.expected) {
				return frames;
			}

			data = Buffer.concat(this.parts, this.buffered);
			this.parts.length = 0;
			this.buffered = 0;
			this.expected = -1;
		}

		let offset = 0;
		while (data.length - offset >= headerBytes) {
			const size = this.frameSize(data.readUInt32BE(offset));
			if (data.length - offset < size) {
				break;
			}

			frames.push(data.subarray(offset + headerBytes, offset + size));
			offset += size;
		}

		if (offset < data.length) {
			const rest = data.subarray(offset);
			this.parts.push(rest);
			this.buffered = rest.length;
			this.expected = rest.length >= headerBytes ? this.frameSize(rest.readUInt32BE(0)) : -1;
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
