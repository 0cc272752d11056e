import type {ClusterFile} from './cluster-file.js';
import {type LinkFaults, isRecord, noFaults} from './link-faults.js';
import {askReplica} from './status-probe.js';

/**
What an operator does to a running cluster of replica servers, over authenticated operator
connections: faults move into each replica's transport (`link-faults.ts`), and a crash becomes
"stop this replica" (it exits 0; a process manager starts it again, with `--marker` or
`--recover`). Each call resolves to the problems met, one line each (empty: done everywhere).

Requests, operator → replica, one JSON object each: `{"type":"status"}` (answered with the
status report, `status.ts`), `{"type":"faults","drop","delay","cut_to","cut_from"}` (answered
with the faults now in force, or `{"type":"refused","reason"}`), `{"type":"stop"}` (answered
with `{"type":"stopping"}`, then the replica closes every connection and exits).
*/

const timeoutMs = 5000;

async function ask(cluster: ClusterFile, id: number, request: unknown, expected: string) {
	const answer = await askReplica(cluster, id, request, timeoutMs);
	if (typeof answer === 'string') {
		return [answer];
	}

	const {value, where} = answer;
	const type = isRecord(value) ? value.type : value;
	if (type === expected) {
		return [];
	}

	const reason =
		isRecord(value) && type === 'refused' ? String(value.reason) : JSON.stringify(value);
	return [`${where} refused: ${reason}`];
}

/** Sets the faults on replica `id`'s links (they replace what was set there). */
export async function setLinkFaults(
	cluster: ClusterFile,
	id: number,
	faults: Partial<LinkFaults>,
): Promise<string[]> {
	return ask(cluster, id, {type: 'faults', ...noFaults, ...faults}, 'faults');
}

/** Asks replica `id` to stop: its process exits. */
export async function stopReplica(cluster: ClusterFile, id: number): Promise<string[]> {
	return ask(cluster, id, {type: 'stop'}, 'stopping');
}

/**
Cuts the replicas into two sides (`side` and the rest): no message crosses, either way. An empty
side heals the network. Every replica is told; a replica that cannot be reached is named.
*/
export async function partition(cluster: ClusterFile, side: readonly number[]): Promise<string[]> {
	const ids = cluster.replicas.map((_, id) => id);
	const problems = await Promise.all(
		ids.map(async (id) => {
			const mine = side.includes(id);
			const others = side.length === 0 ? [] : ids.filter((other) => side.includes(other) !== mine);
			return setLinkFaults(cluster, id, {cut_to: others, cut_from: others});
		}),
	);
	return problems.flat();
}

/** Isolates replica `id` from the other replicas, both ways (clients still reach it). */
export async function isolate(cluster: ClusterFile, id: number): Promise<string[]> {
	return partition(cluster, [id]);
}

/** Ends every cut, drop and delay. */
export async function heal(cluster: ClusterFile): Promise<string[]> {
	return partition(cluster, []);
}
