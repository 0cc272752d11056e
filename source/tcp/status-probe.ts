import net from 'node:net';
import {type ClusterFile, formatAddress} from './cluster-file.js';
import {Connection} from './connection.js';
import {DialerHandshake} from './handshake.js';
import {type StatusReport, parseStatusReport} from './status.js';

/**
Asks one replica server for its status, as an operator: one connection, the handshake, one
query, one answer. Resolves to the report, or to a line that says why there is none.
*/
export async function probeStatus(
	cluster: ClusterFile,
	id: number,
	timeoutMs: number,
): Promise<StatusReport | string> {
	const answer = await askReplica(cluster, id, {type: 'status'}, timeoutMs);
	if (typeof answer === 'string') {
		return answer;
	}

	const {where, value} = answer;
	return parseStatusReport(value) ?? `${where} sent a status that does not parse`;
}

/**
Sends one operator request (`admin.ts`) to replica `id` and resolves to its answer (not checked:
it comes over the network), or to a line that says why there is none.
*/
export async function askReplica(
	cluster: ClusterFile,
	id: number,
	request: unknown,
	timeoutMs: number,
): Promise<{where: string; value: unknown} | string> {
	const address = cluster.replicas[id]!;
	const where = `replica ${id} at ${formatAddress(address)}`;
	return new Promise((resolve) => {
		let settled = false;
		const settle = (outcome: {where: string; value: unknown} | string) => {
			if (!settled) {
				settled = true;
				clearTimeout(timer);
				connection.close('stopping');
				resolve(outcome);
			}
		};

		const socket = net.connect({host: address.host, port: address.port});
		const connection: Connection = new Connection({
			socket,
			remote: formatAddress(address),
			handshake: new DialerHandshake(
				{
					cluster: cluster.cluster_id,
					secret: cluster.secret,
					replicaCount: cluster.replicas.length,
					role: {kind: 'operator'},
				},
				{kind: 'replica', id},
			),
			maxFrameBytes: () => 1024 * 1024,
			maxBufferedBytes: 1024 * 1024,
			events: {
				ready(ready) {
					ready.send([request]);
				},
				batch(_connection, items) {
					settle({where, value: items[0]});
				},
				closed(_connection, reason) {
					settle(`${where}: ${reason ?? 'closed the connection'}`);
				},
			},
		});
		const timer = setTimeout(() => {
			settle(`${where}: no answer in ${timeoutMs} ms`);
		}, timeoutMs);
		socket.once('connect', () => {
			connection.start();
		});
	});
}
