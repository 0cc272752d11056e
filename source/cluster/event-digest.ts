import {Buffer} from 'node:buffer';
import {createHash} from 'node:crypto';

/**
The fingerprint of an event stream: a SHA-256 of every line in order, and a 32-bit hash of each
line (FNV-1a), so that a replay that differs can name the first event that differs without the
recording keeping the events themselves.
*/
export class EventDigest {
	count = 0;
	private readonly sha = createHash('sha256');
	private readonly hashes: number[] = [];

	add(line: string): void {
		this.sha.update(line);
		this.sha.update('\n');
		this.hashes.push(fnv1a(line));
		this.count++;
	}

	/** The SHA-256 of the stream so far, in hex (the digest can go on after it). */
	digest(): string {
		return this.sha.copy().digest('hex');
	}

	/** Each event's hash, 4 bytes each, in base64. */
	packedHashes(): string {
		const bytes = Buffer.alloc(this.hashes.length * 4);
		for (const [index, hash] of this.hashes.entries()) {
			bytes.writeUInt32BE(hash, index * 4);
		}

		return bytes.toString('base64');
	}

	hashAt(index: number): number | undefined {
		return this.hashes[index];
	}
}

/** The per-event hashes of `packedHashes`, or undefined when the text is not such a list. */
export function unpackHashes(text: string): number[] | undefined {
	if (!/^[\w+\/]*={0,2}$/v.test(text)) {
		return undefined;
	}

	const bytes = Buffer.from(text, 'base64');
	if (bytes.length % 4 !== 0) {
		return undefined;
	}

	return Array.from({length: bytes.length / 4}, (_, index) => bytes.readUInt32BE(index * 4));
}

function fnv1a(text: string): number {
	let hash = 0x81_1c_9d_c5;
	for (let index = 0; index < text.length; index++) {
		hash ^= text.codePointAt(index)!;
		hash = Math.imul(hash, 0x01_00_01_93);
	}

	return hash >>> 0;
}
