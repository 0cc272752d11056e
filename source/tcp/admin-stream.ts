import type {TelemetryReport} from '../cluster/ipc.js';
import type {ClusterFile} from './cluster-file.js';
import {Dialer} from './dialer.js';
import {DialerHandshake} from './handshake.js';
import {type LinkFaults, isRecord, parseLinkFaults} from './link-faults.js';
import {type AdminReport, parseStatusReport} from './status.js';

/**
An operator's subscription to one replica server's admin stream (`{"type":"subscribe"}`): the
replica's reports (status, the faults on its links, telemetry) as they come, every 250 ms. The
connection is authenticated as `operator` and dialed again, with backoff, whenever it ends (the
replica stopped, and its process manager starts it again): each new connection subscribes anew.
What a replica sends is checked before it is handed on; a report that does not parse is skipped.
*/

export type AdminStreamEvents = {
	readonly report: (report: AdminReport) => void;
	/** The connection ended (`reason`); it is dialed again. */
	readonly lost?: (reason: string) => void;
};

function parseTelemetry(value: unknown): TelemetryReport | undefined {
	if (!isRecord(value)) {
		return undefined;
	}

	const {events} = value;
	if (
		events !== undefined &&
		!(Array.isArray(events) && events.every((e) => typeof e === 'string'))
	) {
		return undefined;
	}

	return value;
}

/** A replica's report, checked (it comes over the network); undefined when it does not parse. */
export function parseAdminReport(value: unknown, replicaCount: number): AdminReport | undefined {
	if (!isRecord(value) || value.type !== 'report' || !isRecord(value.faults)) {
		return undefined;
	}

	const status = parseStatusReport(value.status);
	const faults: LinkFaults | string = parseLinkFaults(value.faults, replicaCount);
	const telemetry = value.telemetry === undefined ? undefined : parseTelemetry(value.telemetry);
	if (
		status === undefined ||
		typeof faults === 'string' ||
		(value.telemetry !== undefined && telemetry === undefined)
	) {
		return undefined;
	}

	return telemetry === undefined
		? {type: 'report', status, faults}
		: {type: 'report', status, faults, telemetry};
}

export class AdminStream {
	private readonly dialer: Dialer;

	constructor(cluster: ClusterFile, id: number, events: AdminStreamEvents) {
		const replicaCount = cluster.replicas.length;
		this.dialer = new Dialer({
			address: cluster.replicas[id]!,
			handshake: () =>
				new DialerHandshake(
					{
						cluster: cluster.cluster_id,
						secret: cluster.secret,
						replicaCount,
						role: {kind: 'operator'},
					},
					{kind: 'replica', id},
				),
			connection: {maxFrameBytes: () => 64 * 1024 * 1024, maxBufferedBytes: 1024 * 1024},
			events: {
				ready(connection) {
					connection.send([{type: 'subscribe'}]);
				},
				batch(_connection, items) {
					for (const item of items) {
						const report = parseAdminReport(item, replicaCount);
						if (report !== undefined) {
							events.report(report);
						}
					}
				},
				closed(_connection, reason) {
					if (reason !== 'stopping') {
						events.lost?.(reason ?? 'it closed the connection');
					}
				},
			},
			maxMs: 1000,
		});
		this.dialer.start();
	}

	/** Ends the subscription: the replica goes on as before. */
	close(): void {
		this.dialer.stop();
	}
}
