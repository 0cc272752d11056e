import {assert} from './assert.js';

/** The smallest cluster. */
export const minReplicas = 1;
/** The largest cluster. */
export const maxReplicas = 9;

/** A cluster of n replicas tolerates f = floor((n - 1) / 2) failures; quorum = floor(n / 2) + 1. */
export class Configuration {
	/** Replicas that make a quorum: floor(n / 2) + 1. */
	readonly quorum: number;
	/** Failures tolerated: n - quorum. */
	readonly f: number;

	/** @param replicaCount - n, from `minReplicas` to `maxReplicas`. */
	constructor(
		/** The cluster's size, n. */
		readonly replicaCount: number,
	) {
		assert(
			Number.isInteger(replicaCount) && replicaCount >= minReplicas && replicaCount <= maxReplicas,
			`replica count must be an integer from ${minReplicas} to ${maxReplicas}`,
		);
		this.quorum = Math.floor(replicaCount / 2) + 1;
		this.f = replicaCount - this.quorum;
	}

	/** The primary of a view: view mod n. */
	primaryOf(view: number): number {
		return view % this.replicaCount;
	}
}
