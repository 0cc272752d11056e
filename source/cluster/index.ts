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
	type NetworkStats,
	ProcessCluster,
	type ProcessClusterOptions,
	type SpanTiming,
	seededSliceNs,
} from './process-cluster.js';
export {
	type ClusterSnapshot,
	type DeliveryReport,
	type Endpoint,
	type Forkable,
	type ForkPoint,
	type ForkWatcher,
	type ForkedCluster,
	type InFlightMessage,
	type LinkFaults,
	type MessageEvent,
	type NodeInfo,
	type NodeNetwork,
	type NodeStatus,
	type OperatorControls,
	type RequestOutcome,
	type TelemetrySummary,
	noFaults,
	speeds,
} from './operator-api.js';
export {type ActionName, type LoggedAction, actionNames} from './action-log.js';
export type {ChildExit} from './child-process.js';
export {clusterEvents} from './events.js';
export type {DataDir} from './data-dir.js';
