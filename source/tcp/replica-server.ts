import net from 'node:net';
import {events, vsrEventName} from '../telemetry/catalogue.js';
import {TelemetryCollector, loadHistograms} from '../cluster/child-telemetry.js';
import {replicaEventNames} from '../cluster/events.js';
import {defaultTelemetryMode} from '../cluster/ipc.js';
import type {ReplicaDisk} from '../cluster/replica-disk.js';
import {Telemetry} from '../telemetry/telemetry.js';
import {VsrTelemetry} from '../telemetry/vsr-telemetry.js';
import type {Message, Reply, ReplicaMessage, Send} from '../vsr/messages.js';
import {Replica} from '../vsr/replica.js';
import {messageProblem, type ValidateOptions} from '../vsr/validate.js';
import {type ClusterFile, formatAddress} from './cluster-file.js';
import {Connection, type ConnectionEvents, describePeer} from './connection.js';
import {Dialer} from './dialer.js';
import {DialerHandshake, ListenerHandshake, NonceCache, type Role} from './handshake.js';
import type {Log} from './log.js';
import {type AdminReport, type StatusReport, isStatusQuery, isSubscribe} from './status.js';
import {
	type LinkFaults,
	describeLinkFaults,
	isRecord,
	noFaults,
	parseLinkFaults,
} from './link-faults.js';
import {serverTimeouts, tickMs} from './timing.js';

/**
One core `Replica` as a long-lived TCP server: the host of `vsr-tui replica`. It listens on its
own address from the cluster file (and nowhere else), dials every replica with a higher id and
takes connections from the lower ones (one connection per pair), and takes clients and operators
on the same port. Every connection proves it belongs (`handshake.ts`) before a byte of it reaches
the replica; then every message passes `validate.ts`, must come from the role that sent it (a
replica names itself as its sender; a client sends requests only) and is refused with a reason
in the log otherwise.

Time is real: the replica ticks every 10 ms on its own timer (the core's timeouts assume 10 ms
ticks, with the process cluster's longer primary and view-change timeouts, since hosts stall and
networks lag). Sending is batched per turn of the event loop, as over IPC: what the replica sends
while taking one batch (or one tick) goes out as one frame per destination, and a backup's
cumulative PrepareOks to one primary in one view collapse into the newest.
*/

export type ReplicaServerOptions = {
	readonly cluster: ClusterFile;
	readonly id: number;
	/** The replica lost its state (a restart): it runs the recovery protocol first. */
	readonly recovering: boolean;
	/** Higher than any earlier life of this replica's (see `incarnation.ts`). */
	readonly incarnation: number;
	readonly log: Log;
	/** The replica found its own state impossible: it has stopped; the process should exit. */
	readonly onBrokenInvariant: (error: unknown) => void;
	/** An operator asked the replica to stop (a crash, as the operator sees it): it has stopped. */
	readonly onStopRequested?: () => void;
	/** Draws the messages a drop rate drops (default Math.random). */
	readonly random?: () => number;
	/**
	 * Its data directory, opened (`--data-dir`): the replica starts from what it holds and sends
	 * a promise only once what it rests on is durable. Without one, the replica keeps everything in
	 * memory and `recovering` says how it starts.
	 */
	readonly disk?: ReplicaDisk;
};

/** The largest batch a replica may send (a NewState with a checkpoint can be large). */
const replicaFrameBytes = 64 * 1024 * 1024;
/** The largest batch a client or an operator may send. */
const clientFrameBytes = 1024 * 1024;
/** Bytes waiting to be written to one connection beyond which batches are dropped. */
const replicaBufferBytes = 32 * 1024 * 1024;
const clientBufferBytes = 8 * 1024 * 1024;
/** Connections still in their handshake, at most: beyond, new ones are closed at once. */
const maxHandshaking = 64;
/** How often a subscribed operator gets a report (`subscribe`). */
const reportMs = 250;

const frameBytes = (peer: Role): number =>
	peer.kind === 'replica' ? replicaFrameBytes : clientFrameBytes;

function excerpt(value: unknown): string {
	let text: string;
	try {
		text = JSON.stringify(value) ?? String(value);
	} catch {
		text = String(value);
	}

	return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

export class ReplicaServer {
	readonly replica: Replica;
	readonly telemetry: VsrTelemetry;
	private readonly log: Log;
	private readonly server = net.createServer();
	private readonly validation: ValidateOptions;
	private readonly nonces = new NonceCache();
	/** The connection to each other replica, once ready. */
	private readonly links: Array<Connection | undefined>;
	private readonly dialers: Dialer[] = [];
	private readonly connections = new Set<Connection>();
	/** Where each client's replies go: the connection its latest request came on. */
	private readonly clientConnections = new Map<number, Connection>();
	private readonly clientsOf = new Map<Connection, Set<number>>();
	/** Messages to each replica in this turn; where the latest PrepareOk to it sits (-1: none). */
	private readonly out: ReplicaMessage[][];
	private readonly ackAt: number[];
	private readonly replies = new Map<Connection, Reply[]>();
	private flushScheduled = false;
	private ticker: NodeJS.Timeout | undefined;
	private stopped = false;
	private readonly connectionEvents: ConnectionEvents;
	/** What an operator set on the links to the other replicas (`link-faults.ts`). */
	private faults: LinkFaults = noFaults;
	private readonly delayed = new Set<NodeJS.Timeout>();
	private readonly bus: Telemetry;
	/** Operators subscribed to the admin stream, and what their reports are made of. */
	private readonly subscribers = new Set<Connection>();
	private collector: TelemetryCollector | undefined;
	private reporter: NodeJS.Timeout | undefined;

	constructor(private readonly options: ReplicaServerOptions) {
		const {cluster, id} = options;
		const n = cluster.replicas.length;
		this.log = options.log;
		this.validation = {replicaCount: n};
		this.links = Array.from({length: n}, () => undefined);
		this.out = Array.from({length: n}, () => []);
		this.ackAt = Array.from({length: n}, () => -1);
		const bus = new Telemetry();
		this.bus = bus;
		this.telemetry = new VsrTelemetry(bus);
		this.logProtocolEvents(bus);
		this.replica = new Replica({
			id,
			replicaCount: n,
			telemetry: this.telemetry,
			incarnation: options.incarnation,
			// With a disk, the disk says whether it recovers (a lost or unreadable one).
			recovering: options.disk ? false : options.recovering,
			storage: options.disk?.start,
			timeouts: serverTimeouts,
			random: Math.random,
		});
		options.disk?.attach(
			this.replica,
			(sends) => {
				this.collect(sends);
			},
			(error) => {
				this.broken(`its disk failed: ${error.message}`, error);
			},
		);
		this.connectionEvents = {
			ready: (connection) => {
				this.onReady(connection);
			},
			batch: (connection, items) => {
				this.onBatch(connection, items);
			},
			closed: (connection, reason) => {
				this.onClosed(connection, reason);
			},
			congestion: (connection, dropping, dropped) => {
				this.log.line(
					dropping
						? `${describePeer(connection)} is not keeping up: dropping what is sent to it until it drains`
						: `${describePeer(connection)} drained; ${dropped} message(s) were dropped`,
				);
			},
		};
	}

	/** Binds to the replica's own address, then starts dialing and ticking. */
	async start(): Promise<void> {
		const {cluster, id} = this.options;
		const address = cluster.replicas[id]!;
		this.server.on('connection', (socket) => {
			this.accept(socket);
		});
		await new Promise<void>((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen({host: address.host, port: address.port, exclusive: true}, () => {
				this.server.removeListener('error', reject);
				resolve();
			});
		});
		this.server.on('error', (error) => {
			this.log.line(`listening socket: ${error.message}`);
		});
		const n = cluster.replicas.length;
		this.log.line(
			`listening on ${formatAddress(address)}: cluster ${cluster.cluster_id}, ${n} replica${n === 1 ? '' : 's'}, incarnation ${this.replica.incarnation}, ${this.howItStarts()}`,
		);
		for (let peer = id + 1; peer < n; peer++) {
			const dialer = new Dialer({
				address: cluster.replicas[peer]!,
				// From its own address when it is one (a name may resolve elsewhere): hosts differ by address.
				localAddress:
					net.isIP(address.host) !== 0 &&
					net.isIP(address.host) === net.isIP(cluster.replicas[peer]!.host)
						? address.host
						: undefined,
				handshake: () => new DialerHandshake(this.shared(), {kind: 'replica', id: peer}),
				connection: {maxFrameBytes: frameBytes, maxBufferedBytes: replicaBufferBytes},
				events: {
					...this.connectionEvents,
					closed: (connection, reason) => {
						this.onDialClosed(peer, connection, reason);
					},
				},
			});
			this.dialers.push(dialer);
			dialer.start();
		}

		this.ticker = setInterval(() => {
			this.step(() => this.replica.tick());
		}, tickMs);
		// The replica's first sends (a recovering one asks for answers at once).
		this.step(() => this.replica.tick());
	}

	/** Closes every connection and the listening socket. */
	async stop(): Promise<void> {
		this.stopped = true;
		clearInterval(this.ticker);
		clearInterval(this.reporter);
		for (const timer of this.delayed) {
			clearTimeout(timer);
		}

		for (const dialer of this.dialers) {
			dialer.stop();
		}

		for (const connection of this.connections) {
			connection.close('stopping');
		}

		await new Promise<void>((resolve) => {
			this.server.close(() => {
				resolve();
			});
		});
		this.options.disk?.close();
	}

	/** What an operator asks for (`status.ts`). */
	status(): StatusReport {
		const {replica} = this;
		return {
			type: 'status',
			replica: this.options.id,
			incarnation: this.options.incarnation,
			status: replica.status,
			view: replica.view,
			op: replica.opNumber,
			commit: replica.commitNumber,
			primary: replica.isPrimary,
			peers: this.links.map((link, id) => id === this.options.id || link?.ready === true),
			events: Object.fromEntries(this.telemetry.counts()),
		};
	}

	private howItStarts(): string {
		const start = this.options.disk?.start;
		switch (start?.kind) {
			case undefined: {
				return this.options.recovering
					? 'recovering (it lost its state: it waits for a quorum of normal replicas)'
					: 'starting fresh in view 0';
			}

			case 'new': {
				return 'starting fresh in view 0 on an empty disk';
			}

			case 'restored': {
				const {facts, entries, checkpoint} = start.state;
				const op = entries.at(-1)?.op ?? checkpoint?.op ?? 0;
				return `restored from its disk: view ${facts.view}, op ${op}`;
			}

			case 'lost': {
				return `recovering from its peers: ${start.reason}`;
			}
		}
	}

	private shared() {
		const {cluster, id} = this.options;
		return {
			cluster: cluster.cluster_id,
			secret: cluster.secret,
			replicaCount: cluster.replicas.length,
			role: {kind: 'replica', id} as const,
		};
	}

	private accept(socket: net.Socket): void {
		if (this.stopped) {
			socket.destroy();
			return;
		}

		const handshaking = [...this.connections].filter((connection) => !connection.ready).length;
		if (handshaking >= maxHandshaking) {
			this.log.limited(
				'too many handshakes',
				`refused ${socket.remoteAddress ?? '?'}: ${maxHandshaking} connections are already in their handshake`,
			);
			socket.destroy();
			return;
		}

		const connection = new Connection({
			socket,
			handshake: new ListenerHandshake(this.shared(), this.nonces, (peer) => this.admit(peer)),
			maxFrameBytes: frameBytes,
			maxBufferedBytes: (peer) =>
				peer.kind === 'replica' ? replicaBufferBytes : clientBufferBytes,
			pauseWhenCongested: (peer) => peer.kind !== 'replica',
			events: this.connectionEvents,
		});
		this.connections.add(connection);
	}

	/** Whom the replica takes a connection from: a lower replica (the lower id dials), anyone else. */
	private admit(peer: Role): string | undefined {
		if (peer.kind !== 'replica') {
			return undefined;
		}

		if (peer.id === this.options.id) {
			return `that is this replica's own id`;
		}

		return peer.id > this.options.id
			? `replica ${this.options.id} dials replica ${peer.id}, not the other way (the lower id dials)`
			: undefined;
	}

	private onReady(connection: Connection): void {
		this.connections.add(connection);
		const peer = connection.peer!;
		if (peer.kind === 'replica') {
			const previous = this.links[peer.id];
			this.links[peer.id] = connection;
			if (previous !== undefined && previous !== connection) {
				previous.close(`replaced by a new connection from replica ${peer.id}`);
			}

			this.log.reset(`dial ${peer.id}`);
			this.log.line(`connected to ${describePeer(connection)}`);
		} else {
			this.log.limited(`${peer.kind} connected`, `${describePeer(connection)} connected`);
		}
	}

	private onClosed(connection: Connection, reason: string | undefined): void {
		this.connections.delete(connection);
		this.subscribers.delete(connection);
		if (this.subscribers.size === 0) {
			clearInterval(this.reporter);
			this.reporter = undefined;
		}

		const {peer} = connection;
		if (peer === undefined) {
			if (reason !== 'stopping') {
				const host = connection.remote.replace(/:[^:]*$/v, '');
				this.log.limited(`refused ${host} ${reason}`, `refused ${connection.remote}: ${reason}`);
			}

			return;
		}

		if (peer.kind === 'replica') {
			if (this.links[peer.id] === connection) {
				this.links[peer.id] = undefined;
				if (!this.stopped) {
					this.log.line(
						`lost ${describePeer(connection)}: ${reason ?? 'it closed the connection'}`,
					);
				}
			}

			return;
		}

		for (const clientId of this.clientsOf.get(connection) ?? []) {
			if (this.clientConnections.get(clientId) === connection) {
				this.clientConnections.delete(clientId);
			}
		}

		this.clientsOf.delete(connection);
		if (reason !== undefined && reason !== 'stopping') {
			this.log.limited(
				`${peer.kind} closed ${reason}`,
				`${describePeer(connection)} closed: ${reason}`,
			);
		}
	}

	/** A connection this replica dialed ended: before its handshake, the peer is down or refused. */
	private onDialClosed(peer: number, connection: Connection, reason: string | undefined): void {
		if (connection.peer !== undefined) {
			this.onClosed(connection, reason);
		} else if (reason !== 'stopping') {
			this.log.limited(
				`dial ${peer}`,
				`cannot reach replica ${peer} at ${connection.remote} (${reason ?? 'closed'}); dialing again`,
			);
		}
	}

	private onBatch(connection: Connection, items: readonly unknown[]): void {
		if (this.stopped) {
			return;
		}

		const peer = connection.peer!;
		for (const item of items) {
			switch (peer.kind) {
				case 'replica': {
					this.fromReplica(connection, peer.id, item);
					break;
				}

				case 'client': {
					this.fromClient(connection, item);
					break;
				}

				case 'operator': {
					this.fromOperator(connection, item);
					break;
				}
			}
		}
	}

	/** An operator's request (`admin.ts`): the status, faults on this replica's links, or a stop. */
	private fromOperator(connection: Connection, item: unknown): void {
		if (isStatusQuery(item)) {
			connection.send([this.status()]);
			return;
		}

		if (isSubscribe(item)) {
			this.subscribe(connection);
			return;
		}

		const request = isRecord(item) ? item : {};
		if (request.type === 'faults') {
			const faults = parseLinkFaults(request, this.options.cluster.replicas.length);
			if (typeof faults === 'string') {
				this.reject(connection, faults, item);
				connection.send([{type: 'refused', reason: faults}]);
				return;
			}

			const none =
				faults.drop === 0 &&
				faults.delay === 0 &&
				faults.cut_to.length === 0 &&
				faults.cut_from.length === 0;
			this.faults = none ? noFaults : faults;
			this.log.line(`links set by ${describePeer(connection)}: ${describeLinkFaults(faults)}`);
			connection.send([{type: 'faults', ...faults}]);
			return;
		}

		if (request.type === 'stop' && Object.keys(request).length === 1) {
			this.log.line(`stopping: asked by ${describePeer(connection)}`);
			connection.send([{type: 'stopping'}]);
			void this.stop().finally(() => {
				this.options.onStopRequested?.();
			});
			return;
		}

		this.reject(
			connection,
			'an operator asks for the status, a subscription, faults or a stop',
			item,
		);
	}

	/**
	 * The admin stream: a report now, then one every `reportMs` while the connection lasts: the
	 * status (with every event's total), the faults on this replica's links, and the telemetry
	 * since the previous report (counts, histograms and a bounded sample of the events in full,
	 * with their metadata, as a replica reports over IPC). Its collector starts with the first
	 * subscriber: a replica nobody watches pays nothing for it.
	 */
	private subscribe(connection: Connection): void {
		if (this.collector === undefined) {
			void loadHistograms();
			this.collector = new TelemetryCollector(
				this.bus,
				this.telemetry,
				replicaEventNames,
				defaultTelemetryMode,
			);
		}

		this.subscribers.add(connection);
		connection.send([this.report(undefined)]);
		this.reporter ??= setInterval(() => {
			const report = this.report(this.collector?.report());
			for (const subscriber of this.subscribers) {
				subscriber.send([report]);
			}
		}, reportMs);
	}

	private report(telemetry: AdminReport['telemetry']): AdminReport {
		const report: AdminReport = {type: 'report', status: this.status(), faults: this.faults};
		return telemetry === undefined ? report : {...report, telemetry};
	}

	private fromReplica(connection: Connection, from: number, item: unknown): void {
		if (this.faults.cut_from.includes(from)) {
			return; // Cut by the operator: as if it never arrived.
		}

		const problem = messageProblem(item, this.validation);
		if (problem !== undefined) {
			this.reject(connection, problem, item);
			return;
		}

		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- validated just above
		const message = item as Message;
		if (message.type === 'request' || message.type === 'reply') {
			this.reject(connection, `a replica sends no ${message.type}`, item);
			return;
		}

		if (message.from !== from) {
			this.reject(connection, `names replica ${message.from} as its sender`, item);
			return;
		}

		const {replica} = this;
		if (
			message.type === 'prepare_ok' &&
			message.view === replica.view &&
			replica.isPrimary &&
			message.op > replica.opNumber
		) {
			// The core asserts this cannot happen; from the outside it is a bad message, not a broken replica.
			this.reject(
				connection,
				`prepare_ok acks op ${message.op} beyond this primary's op ${replica.opNumber}`,
				item,
			);
			return;
		}

		this.step(() => replica.onMessage(message));
	}

	private fromClient(connection: Connection, item: unknown): void {
		const problem = messageProblem(item, this.validation);
		if (problem !== undefined) {
			this.reject(connection, problem, item);
			return;
		}

		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- validated just above
		const message = item as {type: string};
		if (message.type !== 'request') {
			this.reject(connection, `a client sends requests only, not ${message.type}`, item);
			return;
		}

		// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- a valid request
		const request = item as Parameters<Replica['onMessage']>[0] & {clientId: number};
		this.clientConnections.set(request.clientId, connection);
		let ids = this.clientsOf.get(connection);
		if (ids === undefined) {
			ids = new Set();
			this.clientsOf.set(connection, ids);
		}

		ids.add(request.clientId);
		this.step(() => this.replica.onMessage(request));
	}

	private reject(connection: Connection, reason: string, item: unknown): void {
		this.log.limited(
			`reject ${connection.remote}`,
			`rejected a message from ${describePeer(connection)}: ${reason}: ${excerpt(item)}`,
		);
	}

	/** Runs one input through the replica; a broken invariant stops the server. */
	private step(input: () => Send[]): void {
		if (this.stopped) {
			return;
		}

		let sends: Send[];
		try {
			sends = input();
		} catch (error) {
			const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
			this.broken(`a broken invariant: ${reason.split('\n').join(' | ')}`, error);
			return;
		}

		this.options.disk?.persist(); // What that input asked to make durable.
		this.collect(sends);
	}

	/** Stops the server for good: its state is impossible, or nothing it writes is durable. */
	private broken(why: string, error: unknown): void {
		if (this.stopped) {
			return;
		}

		this.stopped = true;
		this.log.line(`stopping on ${why}`);
		void this.stop().finally(() => {
			this.options.onBrokenInvariant(error);
		});
	}

	private collect(sends: readonly Send[]): void {
		for (const send of sends) {
			if (send.to === 'client') {
				const connection = this.clientConnections.get(send.clientId);
				if (connection !== undefined) {
					let list = this.replies.get(connection);
					if (list === undefined) {
						list = [];
						this.replies.set(connection, list);
					}

					list.push(send.message);
				}

				continue;
			}

			const {message} = send;
			if (message.type === 'request') {
				continue; // A replica forwards no requests; a client would send them.
			}

			const list = this.out[send.replica]!;
			if (message.type === 'prepare_ok') {
				const at = this.ackAt[send.replica]!;
				const previous = at === -1 ? undefined : list[at];
				if (previous?.type === 'prepare_ok' && previous.view === message.view) {
					list[at] = message; // Cumulative: the newer ack says all the older one did.
					continue;
				}

				this.ackAt[send.replica] = list.length;
			}

			list.push(message);
		}

		if (sends.length > 0 && !this.flushScheduled) {
			this.flushScheduled = true;
			setImmediate(this.flush);
		}
	}

	/** One frame per destination for everything sent in this turn of the event loop. */
	private readonly flush = (): void => {
		this.flushScheduled = false;
		for (const [to, list] of this.out.entries()) {
			if (list.length > 0) {
				this.sendToReplica(to, list);
				list.length = 0;
			}
		}

		this.ackAt.fill(-1);
		for (const [connection, replies] of this.replies) {
			connection.send(replies);
		}

		this.replies.clear();
	};

	/** One batch to a replica, through the operator's faults (the list is reused: copy to keep it). */
	private sendToReplica(to: number, list: ReplicaMessage[]): void {
		const {faults} = this;
		if (faults === noFaults) {
			this.links[to]?.send(list);
			return;
		}

		if (faults.cut_to.includes(to)) {
			return;
		}

		const random = this.options.random ?? Math.random;
		const kept = faults.drop > 0 ? list.filter(() => random() >= faults.drop) : [...list];
		if (faults.delay === 0) {
			this.links[to]?.send(kept);
			return;
		}

		const timer = setTimeout(() => {
			this.delayed.delete(timer);
			this.links[to]?.send(kept);
		}, faults.delay);
		this.delayed.add(timer);
	}

	/** The replica's notable moments, one log line each. */
	private logProtocolEvents(bus: Telemetry): void {
		const {id} = this.options;
		const n = this.options.cluster.replicas.length;
		const text = String;
		const lines: Array<
			[Parameters<typeof vsrEventName>[0], (m: Record<string, unknown>) => string]
		> = [
			[events.viewChangeStart, (m) => `view change: moving to view ${text(m.new_view)}`],
			[
				events.viewChangeComplete,
				(m) =>
					`view ${text(m.view_number)} established (primary: replica ${Number(m.view_number) % n}); op ${text(m.op_number)}, commit ${text(m.commit_number)}`,
			],
			[events.leadershipStart, (m) => `primary of view ${text(m.view_number)}`],
			[
				events.leadershipStop,
				(m) => `no longer primary of view ${text(m.view_number)} (${text(m.reason)})`,
			],
			[
				events.primaryTimeout,
				(m) =>
					Number(m.primary) === id
						? 'heard from no quorum: stepping down'
						: `no sign of primary ${text(m.primary)}: asking for a view change`,
			],
			[events.recoveryStart, () => 'recovery: asking the others for the state'],
			[
				events.recoveryComplete,
				(m) =>
					`recovered: view ${text(m.view_number)}, op ${text(m.op_number)}, commit ${text(m.commit_number)}`,
			],
			[
				events.stateTransferRequestSent,
				(m) => `behind: asking replica ${text(m.to)} for the ops after ${text(m.from_op)}`,
			],
			[
				events.snapshotReceived,
				(m) =>
					`caught up from replica ${text(m.from)}: op ${text(m.op_number)}, commit ${text(m.commit_number)}`,
			],
		];
		for (const [event, describe] of lines) {
			const name = vsrEventName(event);
			bus.attach(`log ${name.join('.')}`, name, (_event, _measurements, metadata) => {
				if (event === events.primaryTimeout) {
					this.log.limited('primary timeout', describe(metadata));
				} else {
					this.log.line(describe(metadata));
				}
			});
		}
	}
}
