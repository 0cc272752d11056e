import type {InFlightEntry} from '../net/in-flight.js';
import type {RoundScheduler} from '../net/scheduler.js';
import type {Message} from '../vsr/messages.js';
import {tickMs} from './ipc.js';
import type {ReplicaProcesses} from './replica-processes.js';
import type {VirtualClock} from './virtual-clock.js';

const tickNs = tickMs * 1_000_000;

/** What live delivery needs of the process cluster. */
export type LiveHost = {
	readonly clock: VirtualClock;
	readonly scheduler: RoundScheduler<Message>;
	readonly processes: ReplicaProcesses;
	/** A message in flight has fallen due: deliver it (at `now`, virtual ns). */
	due(entry: InFlightEntry<Message>, now: number): void;
	/** A tick for the clients. */
	tickClients(): void;
};

/**
A live cluster's time: a tick every 10 ms of virtual time (at the clock's speed) for every
replica that is up, and each message in flight released when it falls due. What is due for a
replica goes out as one IPC message at the end of the turn of the event loop: its messages, then
its ticks, so that under load a tick costs almost nothing.
*/
export class LiveDelivery {
	/** Ticks sent so far: tick k falls at k × 10 ms of virtual time. */
	private ticks = 0;
	private readonly outbox: Message[][];
	private readonly outboxTicks: number[];
	private outboxScheduled = false;
	private tickTimer: NodeJS.Timeout | undefined;
	private releaseTimer: NodeJS.Timeout | undefined;
	private releaseAt = Number.POSITIVE_INFINITY;
	private running = false;

	constructor(private readonly host: LiveHost) {
		const n = host.processes.nodes.length;
		this.outbox = Array.from({length: n}, () => []);
		this.outboxTicks = Array.from({length: n}, () => 0);
	}

	/** Time runs from `now` (virtual ns): ticks and releases go on. */
	start(now: number): void {
		this.running = true;
		this.ticks = Math.floor(now / tickNs);
		this.scheduleTick();
		this.armRelease();
	}

	/** Time stands still: no tick, no release. */
	stop(): void {
		this.running = false;
		clearTimeout(this.tickTimer);
		clearTimeout(this.releaseTimer);
		this.tickTimer = undefined;
		this.releaseTimer = undefined;
		this.releaseAt = Number.POSITIVE_INFINITY;
	}

	/** The speed changed: the timers are measured again. */
	respeed(): void {
		if (this.running) {
			this.stop();
			this.running = true;
			this.scheduleTick();
			this.armRelease();
		}
	}

	/** Sends `message` to replica `to` at the end of this turn. */
	push(to: number, message: Message): void {
		this.outbox[to]!.push(message);
		this.scheduleOutbox();
	}

	/** Forgets what waits for a replica that went down. */
	clear(to: number): void {
		this.outbox[to]!.length = 0;
		this.outboxTicks[to] = 0;
	}

	/** Wakes when the first message in flight is due. */
	/** Sends at once what waits for this turn's batch (ticks and messages of the time before now). */
	sendNow(): void {
		if (this.outboxScheduled) {
			this.sendOutbox();
		}
	}

	armRelease(): void {
		if (!this.running) {
			return;
		}

		const due = this.host.scheduler.inFlight.nextDue();
		if (due >= this.releaseAt) {
			return;
		}

		clearTimeout(this.releaseTimer);
		this.releaseAt = due;
		if (due !== Number.POSITIVE_INFINITY) {
			this.releaseTimer = setTimeout(this.release, this.host.clock.wallMsUntil(due));
		}
	}

	private scheduleTick(): void {
		clearTimeout(this.tickTimer);
		if (this.running) {
			this.tickTimer = setTimeout(
				this.onTick,
				this.host.clock.wallMsUntil((this.ticks + 1) * tickNs),
			);
		}
	}

	/** Every replica that is up ticks, in the same IPC batch as its messages; so do the clients. */
	private readonly onTick = (): void => {
		// A late timer does not send the ticks it missed in a burst: they would fire every timeout at once.
		this.ticks = Math.max(this.ticks + 1, Math.floor(this.host.clock.now() / tickNs));
		for (const node of this.host.processes.nodes) {
			if (node.reported && node.child !== undefined) {
				this.outboxTicks[node.id] = 1;
			}
		}

		this.scheduleOutbox();
		this.host.tickClients();
		this.scheduleTick();
	};

	/** Delivers every message that is due. */
	private readonly release = (): void => {
		this.releaseAt = Number.POSITIVE_INFINITY;
		const now = this.host.clock.now();
		const {inFlight} = this.host.scheduler;
		for (let entry = inFlight.popBefore(now + 1); entry; entry = inFlight.popBefore(now + 1)) {
			this.host.due(entry, now);
		}

		this.armRelease();
	};

	private scheduleOutbox(): void {
		if (!this.outboxScheduled) {
			this.outboxScheduled = true;
			setImmediate(this.sendOutbox);
		}
	}

	/** Sends each replica what waits for it (messages, then ticks), as one IPC message. */
	private readonly sendOutbox = (): void => {
		this.outboxScheduled = false;
		const {nodes} = this.host.processes;
		for (const [to, messages] of this.outbox.entries()) {
			const ticks = this.outboxTicks[to]!;
			if (messages.length > 0 || ticks > 0) {
				nodes[to]!.child?.send(
					ticks > 0 ? {type: 'deliver', messages, ticks} : {type: 'deliver', messages},
				);
				messages.length = 0;
				this.outboxTicks[to] = 0;
			}
		}
	};
}
