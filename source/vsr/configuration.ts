import {assert} from './assert.js';

export const minReplicas = 1;
export const maxReplicas = 9;

/** A cluster of n replicas tolerates f = floor((n - 1) / 2) failures; quorum = floor(n / 2) + 1. */
export class Configuration {
	readonly quorum: number;
	readonly f: number;

	constructor(readonly replicaCount: number) {
		assert(
			Number.isInteger(replicaCount) && replicaCount >= minReplicas && replicaCount <= maxReplicas,
			`replica count must be an integer from ${minReplicas} to ${maxReplicas}`,
		);
		this.quorum = Math.floor(replicaCount / 2) + 1;
		this.f = replicaCount - this.quorum;
	}

	primaryOf(view: number): number {
		return view % this.replicaCount;
	}
}
