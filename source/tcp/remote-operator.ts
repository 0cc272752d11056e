import {randomBytes} from 'node:crypto';
import {
	type ClusterSnapshot,
	type DeliveryReport,
	type InFlightMessage,
	type LinkFaults as OperatorLinkFaults,
	type MessageEvent,
	type NodeInfo,
	type OperatorControls,
	type RequestOutcome,
	type TelemetrySummary,
	noFaults as noOperatorFaults,
} from '../cluster/operator-api.js';
import {parseEvent} from '../telemetry/serialize.js';
import type {EventName, Telemetry} from '../telemetry/telemetry.js';
import type {KvOperation} from '../vsr/kv-store.js';
import {heal, partition, setLinkFaults, stopReplica} from './admin.js';
import {AdminStream} from './admin-stream.js';
import type {ClusterFile} from './cluster-file.js';
import {type LinkFaults, noFaults} from './link-faults.js';
import {RemoteClients, type RemoteJob} from './remote-clients.js';
import type {AdminReport} from './status.js';

/**
The operator's controls on a running cluster of replica servers (`vsr-tui --attach FILE`): what
the screen reads and does, over the network. Each replica's admin stream (`admin-stream.ts`)
gives its status, the faults on its links and a sample of its events, which go on this
operator's telemetry bus with their metadata; requests go through TCP clients; faults are set in
the replicas' transports (`admin.ts`); a crash is "stop this replica" (its process manager starts
it again). What a transport of real hosts cannot do (stop time, hold or step messages, freeze a
process, wipe a replica) throws one line that says why. Quitting (`stop`) closes this operator's
connections and leaves the cluster running; any number of operators may attach at once.
*/

/** A replica that sent no report for this long shows as down. */
const silentMs = 2000;
/** The operator's clients (each with one request outstanding), as in the process cluster. */
const operatorClients = 8;
/** Failed admin requests kept, at most. */
const maxProblems = 20;

type Seen = {report: AdminReport; at: number; restarts: number};

export class RemoteOperator implements OperatorControls {
	/** The latest admin requests that failed, one line each (replica unreachable, refused), oldest first. */
	readonly problems: string[] = [];
	private readonly streams: AdminStream[];
	private readonly seen: Array<Seen | undefined>;
	private readonly clients: RemoteClients;
	private readonly reportListeners = new Set<(summary: TelemetrySummary) => void>();
	private readonly names = new Map<string, EventName>();
	/** This operator's keys: `<8 hex digits>.k0` …, so that two operators do not share them. */
	private readonly prefix = randomBytes(4).toString('hex');
	private keys = 0;
	private acked = 0;
	private load = false;
	private stopped = false;
	private readonly attachedAt = Date.now();

	constructor(
		readonly cluster: ClusterFile,
		readonly telemetry: Telemetry,
		/** What the header names (the cluster file's path). */
		readonly attached: string,
	) {
		const n = cluster.replicas.length;
		this.seen = Array.from({length: n}, () => undefined);
		this.streams = cluster.replicas.map(
			(_, id) =>
				new AdminStream(cluster, id, {
					report: (report) => {
						this.onReport(id, report);
					},
				}),
		);
		this.clients = new RemoteClients({cluster, count: operatorClients});
		this.clients.loadSource = () => (this.load ? this.job(this.freshPut()) : undefined);
		this.clients.start();
	}

	snapshot(): ClusterSnapshot {
		const now = Date.now();
		const n = this.cluster.replicas.length;
		const nodes = this.seen.map((seen, id) => this.node(id, seen, now));
		const normal = nodes.filter((node) => node.status === 'normal');
		const view = Math.max(0, ...normal.map((node) => node.view));
		const primaryNode = normal.find((node) => node.isPrimary && node.view === view);
		const down = nodes.filter((node) => node.status === 'crashed' || node.status === 'recovering');
		const first = this.seen.find((seen) => seen !== undefined)?.report.faults ?? noFaults;
		return {
			replicas: n,
			nodes,
			primary: primaryNode?.id,
			view,
			commit: Math.max(0, ...nodes.map((node) => node.commit)),
			paused: false,
			held: 0,
			seed: undefined,
			speed: 1,
			// Wall time since this operator attached: replica servers run on real time.
			virtualTimeMs: now - this.attachedAt,
			inFlight: this.clients.inFlight,
			dropRate: first.drop,
			delayMs: first.delay,
			load: this.load,
			acked: this.acked,
			outsideFailureModel: down.length > Math.floor((n - 1) / 2),
			attached: this.attached,
		};
	}

	onTelemetryReport(listener: (summary: TelemetrySummary) => void): () => void {
		this.reportListeners.add(listener);
		return () => {
			this.reportListeners.delete(listener);
		};
	}

	async submit(operation?: KvOperation): Promise<RequestOutcome> {
		const chosen = operation ?? this.freshPut();
		return new Promise((resolve) => {
			let clientId = 0;
			let requestNumber = 0;
			this.clients.enqueue({
				...this.job(chosen),
				started(client, number) {
					clientId = client;
					requestNumber = number;
				},
				done: (completion) => {
					this.acked++;
					resolve({
						clientId,
						requestNumber,
						operation: chosen,
						result: completion.result,
						latencyMs: completion.latency / 1e6,
					});
				},
			});
		});
	}

	burst(count: number): void {
		for (let i = 0; i < count; i++) {
			this.clients.enqueue(this.job(this.freshPut()));
		}
	}

	setLoad(on: boolean): void {
		this.load = on;
		this.clients.dispatch();
	}

	/** Stops the replica's process (it exits 0); its process manager is what starts it again. */
	crash(node: number): void {
		void this.act(stopReplica(this.cluster, node));
	}

	restart(node: number): void {
		this.cannot(`restart ${node}`, 'its process manager restarts a stopped replica');
	}

	crashAll(): void {
		for (const id of this.cluster.replicas.keys()) {
			this.crash(id);
		}
	}

	restartAll(): void {
		this.cannot('restart', 'their process manager restarts stopped replicas');
	}

	isolate(node: number): void {
		void this.act(partition(this.cluster, [node]));
	}

	partition(sideA: readonly number[], _sideB: readonly number[]): void {
		void this.act(partition(this.cluster, sideA));
	}

	heal(): void {
		void this.act(heal(this.cluster));
	}

	setDropRate(rate: number): void {
		this.everyReplica({drop: rate});
	}

	setDelay(ms: number): void {
		this.everyReplica({delay: Math.min(10_000, Math.round(ms))});
	}

	pause(): void {
		this.cannot('pause', 'replica servers run on their own clocks');
	}

	resume(): void {
		this.cannot('resume', 'time always runs on replica servers');
	}

	setSpeed(_speed: number): void {
		this.cannot('set speed', 'replica servers run at wall-clock speed');
	}

	/** Messages between replica servers do not pass through an attached operator. */
	inFlight(_limit?: number): InFlightMessage[] {
		return [];
	}

	async deliverNext(): Promise<DeliveryReport | undefined> {
		return this.cannot('step', 'messages between replicas do not pass through here');
	}

	async deliver(_id: number): Promise<DeliveryReport | undefined> {
		return this.cannot('deliver', 'messages between replicas do not pass through here');
	}

	drop(_id: number): boolean {
		return this.cannot('drop', 'messages between replicas do not pass through here');
	}

	async advanceTick(): Promise<readonly DeliveryReport[]> {
		return this.cannot('step time', 'replica servers run on their own clocks');
	}

	forceTimeout(_node: number): void {
		this.cannot('time out', 'a replica server takes no timeout from an operator');
	}

	setDeaf(node: number, on: boolean): void {
		const others = this.others(node);
		void this.act(
			setLinkFaults(this.cluster, node, {...this.faultsOf(node), cut_from: on ? others : []}),
		);
	}

	setMute(node: number, on: boolean): void {
		const others = this.others(node);
		void this.act(
			setLinkFaults(this.cluster, node, {...this.faultsOf(node), cut_to: on ? others : []}),
		);
	}

	freeze(node: number, _on: boolean): void {
		this.cannot(`freeze ${node}`, 'its process runs on another host');
	}

	setCut(from: number, to: number, on: boolean): void {
		const faults = this.faultsOf(from);
		const cutTo = on ? [...faults.cut_to, to] : faults.cut_to.filter((id) => id !== to);
		void this.act(setLinkFaults(this.cluster, from, {...faults, cut_to: cutTo}));
	}

	setNodeFaults(node: number, faults: Partial<OperatorLinkFaults>): void {
		const other = Object.keys(faults).find((key) => key !== 'dropRate' && key !== 'delayMs');
		if (other !== undefined) {
			this.cannot(`set ${other}`, 'a replica server has a drop rate and a delay');
		}

		const mine = this.faultsOf(node);
		void this.act(
			setLinkFaults(this.cluster, node, {
				...mine,
				drop: faults.dropRate ?? mine.drop,
				delay:
					faults.delayMs === undefined ? mine.delay : Math.min(10_000, Math.round(faults.delayMs)),
			}),
		);
	}

	setLinkFaults(from: number, to: number, _faults: Partial<OperatorLinkFaults>): void {
		this.cannot(`set ${from}→${to}`, 'drop and delay apply to all links of a replica');
	}

	linkFaults(from: number, _to: number): OperatorLinkFaults {
		const faults = this.faultsOf(from);
		return {...noOperatorFaults, dropRate: faults.drop, delayMs: faults.delay};
	}

	/** Messages between replica servers do not pass through an attached operator: none to show. */
	onMessage(_listener: (event: MessageEvent) => void): () => void {
		return () => undefined;
	}

	step(): boolean {
		return this.cannot('step', 'messages between replicas do not pass through here');
	}

	async reset(): Promise<void> {
		this.cannot('wipe', 'replica servers are not erased from here');
	}

	/** Closes this operator's connections; the cluster goes on running. */
	async stop(): Promise<void> {
		if (this.stopped) {
			return;
		}

		this.stopped = true;
		this.load = false;
		for (const stream of this.streams) {
			stream.close();
		}

		this.clients.stop();
	}

	private onReport(id: number, report: AdminReport): void {
		const previous = this.seen[id];
		const restarts =
			previous === undefined
				? 0
				: previous.restarts +
					(previous.report.status.incarnation === report.status.incarnation ? 0 : 1);
		this.seen[id] = {report, at: Date.now(), restarts};
		const {telemetry} = report;
		if (telemetry === undefined) {
			return;
		}

		for (const line of telemetry.events ?? []) {
			let parsed;
			try {
				parsed = parseEvent(line);
			} catch {
				continue; // Checked on arrival as a string; a line that does not parse is skipped.
			}

			this.telemetry.execute(this.nameOf(parsed.event), parsed.measurements, parsed.metadata);
		}

		if (telemetry.counts !== undefined || telemetry.spans !== undefined) {
			for (const listener of this.reportListeners) {
				listener({node: id, counts: telemetry.counts, spans: telemetry.spans});
			}
		}
	}

	private node(id: number, seen: Seen | undefined, now: number): NodeInfo {
		const network = this.network(id);
		if (seen === undefined || now - seen.at > silentMs) {
			return {
				id,
				pid: undefined,
				status: seen === undefined ? 'starting' : 'crashed',
				isPrimary: false,
				view: seen?.report.status.view ?? 0,
				op: seen?.report.status.op ?? 0,
				commit: seen?.report.status.commit ?? 0,
				restarts: seen?.restarts ?? 0,
				network,
			};
		}

		const {status} = seen.report;
		return {
			id,
			pid: undefined,
			status: status.status === 'state_transfer' ? 'normal' : status.status,
			isPrimary: status.primary,
			view: status.view,
			op: status.op,
			commit: status.commit,
			restarts: seen.restarts,
			network,
		};
	}

	/** A node's network state, from the cuts, drop and delay on its links. */
	private network(id: number): NodeInfo['network'] {
		const faults = this.faultsOf(id);
		const others = this.others(id);
		const cutFromAll =
			others.length > 0 && others.every((other) => faults.cut_from.includes(other));
		const cutToAll = others.length > 0 && others.every((other) => faults.cut_to.includes(other));
		return {
			isolated: cutFromAll && cutToAll,
			partitioned:
				!(cutFromAll && cutToAll) && faults.cut_to.some((other) => faults.cut_from.includes(other)),
			deaf: cutFromAll && !cutToAll,
			mute: cutToAll && !cutFromAll,
			frozen: false,
			side: undefined,
			dropRate: faults.drop,
			delayMs: faults.delay,
			jitterMs: 0,
		};
	}

	private others(id: number): number[] {
		return [...this.cluster.replicas.keys()].filter((other) => other !== id);
	}

	private faultsOf(id: number): LinkFaults {
		return this.seen[id]?.report.faults ?? noFaults;
	}

	private everyReplica(change: Partial<LinkFaults>): void {
		for (const id of this.cluster.replicas.keys()) {
			void this.act(setLinkFaults(this.cluster, id, {...this.faultsOf(id), ...change}));
		}
	}

	/** An admin request: each replica that could not be reached, or refused, is kept in `problems`. */
	private async act(done: Promise<string[]>): Promise<void> {
		const problems = await done;
		this.problems.push(...problems);
		this.problems.splice(0, Math.max(0, this.problems.length - maxProblems));
	}

	/** Short: the screen shows it after the action's name, on one line of 80 columns. */
	private cannot(what: string, why: string): never {
		throw new Error(`attached, cannot ${what}: ${why}`);
	}

	private job(operation: KvOperation): RemoteJob {
		return {operation};
	}

	private freshPut(): KvOperation {
		const key = `${this.prefix}.k${this.keys++}`;
		return {op: 'put', key, value: `v${this.keys}`};
	}

	private nameOf(event: EventName): EventName {
		const key = event.join('.');
		let name = this.names.get(key);
		if (name === undefined) {
			name = Object.freeze([...event]);
			this.names.set(key, name);
		}

		return name;
	}
}
