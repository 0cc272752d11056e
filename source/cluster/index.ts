/**
The process cluster: one child process per replica, with this process as their network and
their clock, and clients that find the primary. It is what the terminal operator and
`vsr-tui run` drive, through `OperatorControls`; drive it from your own front end the same way.
See `examples/request-latencies.ts`.

@packageDocumentation
@module vsr-tui/cluster
*/
export {
	type FlushResult,
	ProcessCluster,
	type ProcessClusterOptions,
	type SpanTiming,
} from './process-cluster.js';
export type {
	ClusterSnapshot,
	NodeInfo,
	NodeNetwork,
	NodeStatus,
	OperatorControls,
	RequestOutcome,
	TelemetrySummary,
} from './operator-api.js';
export type {LinkFaults, NetworkStats} from './network.js';
export type {ChildExit} from './child-process.js';
export {clusterEvents} from './events.js';
