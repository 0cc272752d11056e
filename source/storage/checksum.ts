import {crc32c} from '@aws-crypto/crc32c';

/**
 * CRC32C (Castagnoli) of the bytes, from AWS's maintained implementation: it detects every
 * burst of up to 32 flipped bits, which is what a torn or rotten sector looks like.
 */
export function checksum(bytes: Uint8Array): number {
	return crc32c(bytes);
}
