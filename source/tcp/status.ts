import type {TelemetryReport} from '../cluster/ipc.js';
import type {VsrStatus} from '../telemetry/vsr-telemetry.js';
import type {LinkFaults} from './link-faults.js';

/**
A replica server's status, the answer to an authenticated operator's `{"type":"status"}` (the
other requests are in `admin.ts`). `vsr-tui run --cluster` reads the event counts before and
after its workload (view changes, recoveries, state transfers); `vsr-tui cluster status` prints
it.
*/

export type StatusQuery = {readonly type: 'status'};

export type StatusReport = {
	readonly type: 'status';
	readonly replica: number;
	readonly incarnation: number;
	readonly status: VsrStatus;
	readonly view: number;
	readonly op: number;
	readonly commit: number;
	readonly primary: boolean;
	/** For each replica id, whether this one is connected to it (true for itself). */
	readonly peers: readonly boolean[];
	/** Every event the replica raised since it started, by name (`vsr.recovery.complete`). */
	readonly events: Readonly<Record<string, number>>;
};

/** An operator's subscription to a replica's admin stream: `{"type":"subscribe"}`. */
export type Subscribe = {readonly type: 'subscribe'};

/** What a subscribed operator gets every 250 ms (and once at once). */
export type AdminReport = {
	readonly type: 'report';
	readonly status: StatusReport;
	/** The faults on this replica's links to the others, as an operator set them. */
	readonly faults: LinkFaults;
	/** Since the previous report: event counts, duration histograms, a bounded sample of events in full. */
	readonly telemetry?: TelemetryReport;
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

export const isStatusQuery = (value: unknown): value is StatusQuery =>
	isRecord(value) && value.type === 'status' && Object.keys(value).length === 1;

export const isSubscribe = (value: unknown): value is Subscribe =>
	isRecord(value) && value.type === 'subscribe' && Object.keys(value).length === 1;

const isCount = (value: unknown): value is number =>
	typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

const statuses: ReadonlySet<unknown> = new Set<VsrStatus>([
	'normal',
	'view_change',
	'recovering',
	'state_transfer',
]);

/** A replica's answer, checked (it comes over the network). */
export function parseStatusReport(value: unknown): StatusReport | undefined {
	if (
		!isRecord(value) ||
		value.type !== 'status' ||
		!isCount(value.replica) ||
		!isCount(value.incarnation) ||
		!statuses.has(value.status) ||
		!isCount(value.view) ||
		!isCount(value.op) ||
		!isCount(value.commit) ||
		typeof value.primary !== 'boolean' ||
		!Array.isArray(value.peers) ||
		!value.peers.every((peer) => typeof peer === 'boolean') ||
		!isRecord(value.events) ||
		!Object.values(value.events).every((count) => isCount(count))
	) {
		return undefined;
	}

	// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- every field checked above
	return value as StatusReport;
}
