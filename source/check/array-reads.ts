// Reads at an index the caller knows is in range. Hot paths: noUncheckedIndexedAccess
// cannot see the bounds the algorithm guarantees.

/** Typed-array read for an index the caller knows is in range. */
export function at(array: Int32Array | Uint8Array | Float64Array, index: number): number {
	return array[index]!;
}

/** Array read for an index the caller knows is in range. */
export function nth<T>(array: readonly T[], index: number): T {
	const value = array[index];
	if (value === undefined) {
		throw new RangeError(`linearizability: index ${index} out of range`);
	}

	return value;
}
