import {additionEvents, events, seedEvents, vsrEventName} from '../telemetry/catalogue.js';
import {type EventName, Telemetry} from '../telemetry/telemetry.js';
import type {KvOperation} from '../vsr/kv-store.js';
import type {LoggedAction} from './action-log.js';
import {clusterEvents} from './events.js';
import {DelegatingControls} from './delegating-controls.js';
import {playToFork} from './fork.js';
import type {
	ClusterSnapshot,
	DeliveryReport,
	Forkable,
	ForkPoint,
	ForkWatcher,
	InFlightMessage,
	LinkFaults,
	MessageEvent,
	OperatorControls,
	RequestOutcome,
	TelemetrySummary,
} from './operator-api.js';
import type {ProcessCluster} from './process-cluster.js';

/** Starts a seeded cluster like the session's, paused, replaying `actions`, on the bus given. */
export type StartSeeded = (
	actions: readonly LoggedAction[],
	telemetry: Telemetry,
) => Promise<ProcessCluster>;

/** What a fork's bus passes on to the session's: every event a cluster raises. */
const relayed: readonly EventName[] = [
	...new Map(
		[
			...seedEvents,
			...additionEvents,
			...Object.values(clusterEvents),
			[...vsrEventName(events.leadership), 'exception'],
		].map((event) => [event.join('.'), event] as const),
	).values(),
];

let relayIds = 0;

/**
A seeded session whose cluster can be replaced by a fork (time travel: acting in the past). It is
the session's one face to its driver (`OperatorControls`, with one bus, one message feed and one
report feed however often it forked): every call goes to the cluster of the current timeline. A
fork starts fresh processes on a bus of their own (so that the replay of the past reaches no one
but the fork's watcher), plays them to the fork point (`playToFork`), and then takes the old
cluster's place: from then on its events reach the session's bus, its messages and reports the
session's listeners, and the old cluster is stopped.
*/
export class ForkingCluster extends DelegatingControls implements Forkable {
	readonly telemetry: Telemetry;
	/** Timelines forked so far. */
	forks = 0;
	#current: ProcessCluster;
	readonly #start: StartSeeded;
	readonly #messageListeners = new Set<(event: MessageEvent) => void>();
	readonly #reportListeners = new Set<(summary: TelemetrySummary) => void>();
	#unbind: (() => void) | undefined;
	#unlistenMessages: (() => void) | undefined;
	/** A fork under way: its cluster, once started. */
	#forking: Promise<ProcessCluster> | undefined;
	#stopped = false;

	/** `cluster` is the session's first, on the session's bus; `start` makes its forks. */
	constructor(cluster: ProcessCluster, start: StartSeeded) {
		super();
		this.telemetry = cluster.telemetry;
		this.#current = cluster;
		this.#start = start;
		this.#bind(cluster);
	}

	/** The cluster of the current timeline. */
	get cluster(): ProcessCluster {
		return this.#current;
	}

	forkable(): Forkable {
		return this;
	}

	actions(): readonly LoggedAction[] {
		return this.#current.actions();
	}

	/**
	Replaces the cluster by a fork at `point` (see `playToFork`); `watch` sees the fork's bus before
	it starts and the fork before its first round. When the fork fails, the old cluster stays.
	*/
	async fork(point: ForkPoint, watch: ForkWatcher = {}): Promise<void> {
		if (this.#stopped || this.#forking !== undefined) {
			throw new Error(this.#stopped ? 'the session has stopped' : 'a fork is under way');
		}

		const old = this.#current;
		await old.halt();
		const bus = new Telemetry();
		watch.bus?.(bus);
		const starting = this.#start(point.actions, bus);
		this.#forking = starting;
		let next: ProcessCluster;
		try {
			next = await starting;
		} finally {
			this.#forking = undefined;
		}

		this.#forking = Promise.resolve(next);
		try {
			watch.started?.(next);
			await playToFork(next, point);
			if (this.#stopped) {
				throw new Error('the session stopped while it forked');
			}
		} catch (error) {
			await next.stop();
			throw error;
		} finally {
			this.#forking = undefined;
		}

		this.#unbind?.();
		await old.stop();
		this.#current = next;
		this.forks++;
		this.#bind(next);
	}

	onTelemetryReport(listener: (summary: TelemetrySummary) => void): () => void {
		this.#reportListeners.add(listener);
		return () => {
			this.#reportListeners.delete(listener);
		};
	}

	/** The cluster reports its messages only while someone listens here. */
	override onMessage(listener: (event: MessageEvent) => void): () => void {
		this.#messageListeners.add(listener);
		this.#listenToMessages();
		return () => {
			this.#messageListeners.delete(listener);
			this.#listenToMessages();
		};
	}

	/** Stops the cluster, and a fork under way. */
	override async stop(): Promise<void> {
		this.#stopped = true;
		const forking = this.#forking?.then(async (cluster) => cluster.stop());
		await Promise.all([this.#current.stop(), forking?.catch(() => undefined)]);
	}

	protected get inner(): ProcessCluster {
		return this.#current;
	}

	/** Passes the cluster's reports, messages and (for a fork, on a bus of its own) events on. */
	#bind(cluster: ProcessCluster): void {
		const unreport = cluster.onTelemetryReport((summary) => {
			for (const listener of this.#reportListeners) {
				listener(summary);
			}
		});
		const relayIdsUsed: string[] = [];
		if (cluster.telemetry !== this.telemetry) {
			const id = `vsr-tui-fork-relay-${++relayIds}`;
			cluster.telemetry.attachMany(id, relayed, (event, measurements, metadata) => {
				this.telemetry.execute(event, measurements, metadata);
			});
			relayIdsUsed.push(id);
		}

		this.#unbind = () => {
			unreport();
			this.#unlistenMessages?.();
			this.#unlistenMessages = undefined;
			for (const id of relayIdsUsed) {
				cluster.telemetry.detach(id);
			}
		};

		this.#listenToMessages();
	}

	#listenToMessages(): void {
		if (this.#messageListeners.size > 0 && this.#unlistenMessages === undefined) {
			this.#unlistenMessages = this.#current.onMessage((event) => {
				for (const listener of this.#messageListeners) {
					listener(event);
				}
			});
		} else if (this.#messageListeners.size === 0 && this.#unlistenMessages !== undefined) {
			this.#unlistenMessages();
			this.#unlistenMessages = undefined;
		}
	}
}
