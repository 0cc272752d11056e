import type {Address} from './address.js';
import {InFlight, type InFlightEntry} from './in-flight.js';
import type {Fate, NetworkModel} from './network-model.js';

/**
The round scheduler that the simulator and the process cluster's seeded sessions share.

Virtual time (`now`, in ns) moves in rounds. A round takes a slice of time [start, start +
slice) on a fixed grid: every message in flight due in the slice, in (due, number) order, grouped
by destination (replicas by id, then the clients), and, when the slice starts on a tick (every
`tick` ns from the first), a tick for every replica, which comes first: a replica's clock reads
each input's own time, so it never goes back. A message sent while handling an input at time t,
with a network delay L, is due at max(t + L, now): never inside a slice already handed out. The
driver hands each replica its inputs, then routes what they sent in replica order, then the
clients', so the network's draws come in a fixed order. Slices with nothing due are skipped.

With a slice no longer than the shortest delay, no message is ever held back by the max, and
the order is that of a plain event queue except between destinations within one slice (the
simulator runs so, 1 ms slices); the process cluster runs lockstep rounds over IPC with slices
of a fraction of a tick.
*/

/**
The inputs of one round: the messages due in its slice, in delivery order (a driver takes each
destination's in turn: replicas by id, then the clients). The scheduler reuses it (and its
array) for the next round.
*/
export type Round<M> = {
	readonly start: number;
	readonly end: number;
	/** A tick falls at `start`: every replica ticks first. */
	readonly tick: boolean;
	/** `messages[0 .. count - 1]` are this round's (the array is longer: it is reused). */
	readonly messages: ReadonlyArray<InFlightEntry<M>>;
	readonly count: number;
};

export type SchedulerOptions = {
	readonly replicaCount: number;
	/** The length of a round, in virtual ns; `tick` must be a multiple of it. */
	readonly slice: number;
	/** Virtual ns between ticks (10 ms: the core's timeouts assume it). */
	readonly tick: number;
};

export class RoundScheduler<M> {
	readonly inFlight = new InFlight<M>();
	readonly slice: number;
	readonly tick: number;
	/** The number the last message the network dropped had (every message gets one). */
	lastDropped = 0;
	/** The number of the last message put in flight (a duplicate's copies are the last two). */
	lastId = 0;
	/** Virtual ns: every slice before it has been handed out. */
	private time = 0;
	/** The first tick after the slices handed out. */
	private tickAt: number;
	private readonly round: {
		start: number;
		end: number;
		tick: boolean;
		readonly messages: Array<InFlightEntry<M>>;
		count: number;
	};

	constructor(
		readonly network: NetworkModel,
		options: SchedulerOptions,
	) {
		if (!(options.slice > 0 && options.tick % options.slice === 0)) {
			throw new RangeError(
				`the tick (${options.tick} ns) must be a multiple of the slice (${options.slice} ns)`,
			);
		}

		this.slice = options.slice;
		this.tick = options.tick;
		this.tickAt = this.tick;
		this.round = {start: 0, end: 0, tick: false, messages: [], count: 0};
	}

	/** Virtual ns: the end of the last slice handed out (or where time was moved to). */
	get now(): number {
		return this.time;
	}

	/** The start of the next round: the slice of the first message due, or the next tick. */
	nextStart(): number {
		const due = this.inFlight.nextDue();
		const byMessage =
			due === Number.POSITIVE_INFINITY
				? due
				: Math.max(this.time, Math.floor(due / this.slice) * this.slice);
		return Math.min(byMessage, this.tickAt);
	}

	/** The first tick at or after `now`. */
	nextTick(): number {
		return this.tickAt;
	}

	/**
	Hands out the slice at `start` (at or after `now`, from `nextStart`): takes every message due
	before its end, and moves `now` to its end.
	*/
	takeRound(start: number): Round<M> {
		if (start < this.time) {
			throw new RangeError(`a round at ${start} ns is before now (${this.time} ns)`);
		}

		const end = start + this.slice;
		const {round, inFlight} = this;
		const {messages} = round;
		let count = 0;
		for (let next = inFlight.popBefore(end); next !== undefined; next = inFlight.popBefore(end)) {
			if (count < messages.length) {
				messages[count] = next;
			} else {
				messages.push(next);
			}

			count++;
		}

		this.time = end;
		round.start = start;
		round.end = end;
		round.count = count;
		round.tick = start === this.tickAt;
		while (this.tickAt < end) {
			this.tickAt += this.tick;
		}

		return round;
	}

	/**
	Moves time forward to `time` (rounded up to the grid) without a round: nothing is handed out,
	and what falls due before it comes in the next round. For an action between rounds, so that it
	happens at a time a replay can reach again.
	*/
	advanceTo(time: number): void {
		this.time = Math.max(this.time, Math.ceil(time / this.slice) * this.slice);
		while (this.tickAt < this.time) {
			this.tickAt += this.tick;
		}
	}

	/**
	Puts a message on its way (sent at `sentAt`, virtual ns), through the network: each copy is due
	at max(sentAt + delay, now). Returns the network's fate for it (valid until the next send).
	*/
	send(from: Address, to: Address, message: M, sentAt: number): Fate {
		const fate = this.network.route(from, to);
		if (fate.copies === 0) {
			this.lastDropped = this.inFlight.takeId();
		}

		for (let copy = 0; copy < fate.copies; copy++) {
			this.lastId = this.inFlight.add(
				from,
				to,
				message,
				Math.max(sentAt + fate.delays[copy]!, this.time),
			).id;
		}

		return fate;
	}
}
