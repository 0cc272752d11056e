import type {ReplicaAddress} from './cluster-file.js';

/** The flags of `vsr-tui cluster`, as its actions read them. */
export type ClusterCommandOptions = {
	readonly replicas: number;
	readonly hosts: readonly ReplicaAddress[] | undefined;
	readonly out: string | undefined;
	readonly cluster: string | undefined;
	readonly json: boolean;
};
