/**
The raw relay: what `bench` measures the cluster against. A relay child is
the same process as a replica (same entry, same spawn, same IPC and batching)
exchanging the same message pattern through the operator, with no protocol
logic: replica 0 turns each Request into a Prepare for every other replica and
replies once a quorum has acknowledged it; the others acknowledge what they
receive, one cumulative PrepareOk per batch, as replicas do; it ticks when the
process cluster's ticks arrive, as replicas do. No log, no state machine, no
validation, no telemetry.
*/
import process from 'node:process';
import type {Message, Prepare, Reply} from '../vsr/messages.js';
import {type ChildConfig, type FromChild, type ReplicaBound, isRecord} from './ipc.js';

type Pending = {clientId: number; requestNumber: number};

const numberOf = (value: unknown): number => (typeof value === 'number' ? value : 0);

export function runRelay(config: ChildConfig, send: (message: FromChild) => void): void {
	const n = config.replicaCount;
	const quorum = Math.floor(n / 2) + 1;
	const primary = config.id === 0;
	const out: ReplicaBound[][] = Array.from({length: n}, () => []);
	const replies: Reply[] = [];
	const acked = Array.from({length: n}, () => 0);
	const pending = new Map<number, Pending>();
	let opNumber = 0;
	let commit = 0;
	let sentCommit = 0;
	let received = 0;
	let scheduled = false;

	const sendBatch = (): void => {
		scheduled = false;
		if (!primary && received > 0) {
			out[0]!.push({type: 'prepare_ok', view: 0, op: received, from: config.id, incarnation: 0});
		}

		const batch: FromChild = {type: 'batch'};
		if (out.some((list) => list.length > 0)) {
			batch.out = out.map((list) => (list.length > 0 ? list : null));
		}

		if (replies.length > 0) {
			batch.replies = replies;
		}

		if (batch.out !== undefined || batch.replies !== undefined) {
			send(batch);
		}

		for (const list of out) {
			list.length = 0;
		}

		replies.length = 0;
		received = 0;
	};

	const schedule = (): void => {
		if (!scheduled) {
			scheduled = true;
			setImmediate(sendBatch);
		}
	};

	const advance = (): void => {
		acked[0] = opNumber;
		const sorted = acked.toSorted((a, b) => b - a);
		const committable = sorted[quorum - 1] ?? 0;
		for (let op = commit + 1; op <= committable; op++) {
			const request = pending.get(op)!;
			pending.delete(op);
			replies.push({
				type: 'reply',
				view: 0,
				clientId: request.clientId,
				requestNumber: request.requestNumber,
				result: {ok: true, value: 'ok'},
			});
		}

		commit = Math.max(commit, committable);
	};

	const onRequest = (message: Record<string, unknown>): void => {
		const clientId = numberOf(message.clientId);
		const requestNumber = numberOf(message.requestNumber);
		const op = ++opNumber;
		pending.set(op, {clientId, requestNumber});
		const prepare: Prepare = {
			type: 'prepare',
			view: 0,
			op,
			commit,
			entry: {op, view: 0, clientId, requestNumber, operation: message.operation},
			from: 0,
			incarnation: 0,
		};
		for (let replica = 1; replica < n; replica++) {
			out[replica]!.push(prepare);
		}

		if (n === 1) {
			advance();
		}
	};

	/** A tick, as the process cluster sends them: the primary's Commit when its commit moved. */
	const tick = (): void => {
		if (primary && commit > sentCommit) {
			sentCommit = commit;
			for (let replica = 1; replica < n; replica++) {
				out[replica]!.push({type: 'commit', view: 0, commit, from: 0, incarnation: 0});
			}
		}
	};

	process.on('message', (raw: unknown) => {
		if (!isRecord(raw) || raw.type !== 'deliver') {
			return;
		}

		for (const message of Array.isArray(raw.messages) ? raw.messages : []) {
			if (!isRecord(message)) {
				continue;
			}

			switch (message.type) {
				case 'request': {
					onRequest(message);
					break;
				}

				case 'prepare': {
					received = Math.max(received, numberOf(message.op));
					break;
				}

				case 'prepare_ok': {
					const from = numberOf(message.from);
					acked[from] = Math.max(acked[from] ?? 0, numberOf(message.op));
					advance();
					break;
				}

				default: {
					break;
				}
			}
		}

		if (typeof raw.ticks === 'number' && raw.ticks > 0) {
			tick();
		}

		schedule();
	});

	send({type: 'batch', status: [0, 0, 0, 0, primary ? 1 : 0, 0, -1]});
}
