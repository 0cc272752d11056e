/**
A fake `OperatorControls` for the UI tests: a real telemetry bus, a snapshot the
test can change, and every call recorded. Actions change the snapshot the way
the real cluster would (crash empties the pid, isolate marks the node, ...).
*/
import {
	type ClusterSnapshot,
	type NodeInfo,
	type OperatorControls,
	type RequestOutcome,
	noFaults,
} from '../source/cluster/operator-api.js';
import type {KvOperation} from '../source/vsr/kv-store.js';
import {Telemetry} from '../source/telemetry/telemetry.js';

export type Call = {readonly method: string; readonly args: readonly unknown[]};

type Mutable<T> = {-readonly [K in keyof T]: T[K]};

export type FakeOperator = OperatorControls & {
	readonly calls: Call[];
	state: Mutable<ClusterSnapshot>;
	/** How the next submit ends: a reply (default), a rejection, or never. */
	nextSubmit: 'reply' | 'reject' | 'hang';
	stopped: boolean;
	/** Replace one node's fields. */
	setNode(id: number, fields: Partial<NodeInfo>): void;
};

export function fakeNode(id: number, fields: Partial<NodeInfo> = {}): NodeInfo {
	return {
		id,
		pid: 4000 + id,
		status: 'normal',
		isPrimary: id === 0,
		view: 0,
		op: 10,
		commit: 10,
		restarts: 0,
		network: {
			isolated: false,
			partitioned: false,
			deaf: false,
			mute: false,
			side: undefined,
			dropRate: 0,
			delayMs: 0,
			jitterMs: 0,
		},
		...fields,
	};
}

export function createFakeOperator(replicas = 3, telemetry = new Telemetry()): FakeOperator {
	const calls: Call[] = [];
	let requestNumber = 0;
	const record = (method: string, ...args: unknown[]) => {
		calls.push({method, args});
	};

	const fake: FakeOperator = {
		calls,
		telemetry,
		nextSubmit: 'reply',
		stopped: false,
		state: {
			replicas,
			nodes: Array.from({length: replicas}, (_, id) => fakeNode(id)),
			primary: 0,
			view: 0,
			commit: 10,
			paused: false,
			held: 0,
			seed: undefined,
			speed: 1,
			virtualTimeMs: 0,
			inFlight: 0,
			dropRate: 0,
			delayMs: 0,
			load: false,
			acked: 10,
			outsideFailureModel: false,
		},
		setNode(id, fields) {
			fake.state.nodes = fake.state.nodes.map((node) =>
				node.id === id ? {...node, ...fields} : node,
			);
		},
		snapshot() {
			return {...fake.state};
		},
		async submit(operation?: KvOperation) {
			record('submit', operation);
			requestNumber++;
			const outcome: RequestOutcome = {
				clientId: 1,
				requestNumber,
				operation: operation ?? {op: 'put', key: `k${requestNumber}`, value: `v${requestNumber}`},
				result: {ok: true, value: 'ok'},
				latencyMs: 2.5,
			};
			switch (fake.nextSubmit) {
				case 'reject': {
					throw new Error('no primary answered');
				}

				case 'hang': {
					return new Promise<RequestOutcome>(() => {
						// Never settles.
					});
				}

				case 'reply': {
					fake.state.acked++;
					return outcome;
				}
			}
		},
		burst(count) {
			record('burst', count);
		},
		setLoad(on) {
			record('setLoad', on);
			fake.state.load = on;
		},
		crash(node) {
			record('crash', node);
			fake.setNode(node, {status: 'crashed', pid: undefined, isPrimary: false});
		},
		restart(node) {
			record('restart', node);
			fake.setNode(node, {status: 'recovering', pid: 5000 + node});
		},
		isolate(node) {
			record('isolate', node);
			const current = fake.state.nodes.find((candidate) => candidate.id === node);
			if (current !== undefined) {
				fake.setNode(node, {network: {...current.network, isolated: true}});
			}
		},
		partition(sideA, sideB) {
			record('partition', sideA, sideB);
		},
		heal() {
			record('heal');
			fake.state.nodes = fake.state.nodes.map((node) => ({
				...node,
				network: {...node.network, isolated: false, partitioned: false},
			}));
		},
		setDropRate(rate) {
			record('setDropRate', rate);
			fake.state.dropRate = rate;
		},
		setDelay(ms) {
			record('setDelay', ms);
			fake.state.delayMs = ms;
		},
		pause() {
			record('pause');
			fake.state.paused = true;
			fake.state.held = 3;
		},
		resume() {
			record('resume');
			fake.state.paused = false;
			fake.state.held = 0;
		},
		step() {
			record('step');
			if (fake.state.held > 0) {
				fake.state.held--;
				return true;
			}

			return false;
		},
		setSpeed(speed) {
			record('setSpeed', speed);
			fake.state.speed = speed;
		},
		inFlight() {
			return [];
		},
		async deliverNext() {
			record('deliverNext');
			return undefined;
		},
		async deliver(id) {
			record('deliver', id);
			return undefined;
		},
		drop(id) {
			record('drop', id);
			return false;
		},
		async advanceTick() {
			record('advanceTick');
			return [];
		},
		forceTimeout(node) {
			record('forceTimeout', node);
		},
		setDeaf(node, on) {
			record('setDeaf', node, on);
		},
		setMute(node, on) {
			record('setMute', node, on);
		},
		setNodeFaults(node, faults) {
			record('setNodeFaults', node, faults);
		},
		setLinkFaults(from, to, faults) {
			record('setLinkFaults', from, to, faults);
		},
		linkFaults() {
			return noFaults;
		},
		onMessage() {
			return () => undefined;
		},
		async reset() {
			record('reset');
			fake.state.nodes = fake.state.nodes.map((node) =>
				fakeNode(node.id, {pid: 6000 + node.id, op: 0, commit: 0, network: node.network}),
			);
			fake.state.view = 0;
			fake.state.primary = 0;
			fake.state.commit = 0;
			fake.state.outsideFailureModel = false;
		},
		async stop() {
			record('stop');
			fake.stopped = true;
		},
	};
	return fake;
}
