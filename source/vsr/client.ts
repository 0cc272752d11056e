import {events} from '../telemetry/catalogue.js';
import type {VsrTelemetry} from '../telemetry/vsr-telemetry.js';
import {assert} from './assert.js';
import {Configuration} from './configuration.js';
import type {Reply, Request, Send} from './messages.js';
import type {Result} from './state-machine.js';

/** How to make a `Client`. */
export type ClientOptions = {
	/** Unique among the cluster's clients; the client table keys on it. */
	readonly clientId: number;
	/** The cluster's size: the client computes the primary of a view from it. */
	readonly replicaCount: number;
	/** Ticks to wait for a reply before sending the request again. */
	readonly requestTimeout?: number;
	/** Where the client's own events go (`vsr.client.retry`). */
	readonly telemetry?: VsrTelemetry;
};

/** A request the client has its reply for. */
export type Completion = {
	/** The request's number (1, 2, 3 … per client). */
	readonly requestNumber: number;
	/** What was submitted. */
	readonly operation: unknown;
	/** What the replicas answered: the operation's value, or why it failed. */
	readonly result: Result;
};

/**
 * A VR client: one request at a time, numbered 1, 2, 3, … It sends to the
 * primary of the latest view it knows; when no reply comes in time it sends
 * to every replica (only the primary answers) and learns the new view from
 * the reply. Pure like the replica: the environment delivers what it returns.
 */
export class Client {
	/** This client's id. */
	readonly clientId: number;
	private readonly configuration: Configuration;
	private readonly requestTimeout: number;
	private readonly telemetry: VsrTelemetry | undefined;
	private view = 0;
	private requestNumber = 0;
	private pending: {request: Request; ticks: number; attempts: number} | undefined;

	constructor(options: ClientOptions) {
		this.clientId = options.clientId;
		this.configuration = new Configuration(options.replicaCount);
		this.requestTimeout = options.requestTimeout ?? 100;
		this.telemetry = options.telemetry;
	}

	/** A request is outstanding: `submit` must wait for its reply. */
	get busy(): boolean {
		return this.pending !== undefined;
	}

	/** The primary the client will try first. */
	get primary(): number {
		return this.configuration.primaryOf(this.view);
	}

	/** The number of the latest request submitted (0 before the first). */
	get lastRequestNumber(): number {
		return this.requestNumber;
	}

	/** Starts a request; returns what to send (to the primary it knows). At most one at a time. */
	submit(operation: unknown): Send[] {
		assert(!this.pending, 'a client has at most one request outstanding');
		this.requestNumber++;
		const request: Request = {
			type: 'request',
			clientId: this.clientId,
			requestNumber: this.requestNumber,
			operation,
		};
		this.pending = {request, ticks: 0, attempts: 1};
		return [{to: 'replica', replica: this.primary, message: request}];
	}

	/** The completed request, or undefined for a reply to an older or unknown request. */
	onReply(reply: Reply): Completion | undefined {
		if (reply.view > this.view) {
			this.view = reply.view;
		}

		const {pending} = this;
		if (
			reply.clientId !== this.clientId ||
			pending?.request.requestNumber !== reply.requestNumber
		) {
			return undefined;
		}

		this.pending = undefined;
		return {
			requestNumber: reply.requestNumber,
			operation: pending.request.operation,
			result: reply.result,
		};
	}

	/**
	Call at the replicas' tick rate: after `requestTimeout` ticks without a reply, returns the
	request again for every replica (only the primary answers).
	*/
	tick(): Send[] {
		const {pending} = this;
		if (!pending || ++pending.ticks < this.requestTimeout) {
			return [];
		}

		pending.ticks = 0;
		pending.attempts++;
		this.telemetry?.emit(
			events.clientRetry,
			{attempt: pending.attempts},
			{client_id: this.clientId, request_number: pending.request.requestNumber},
		);
		const sends: Send[] = [];
		for (let replica = 0; replica < this.configuration.replicaCount; replica++) {
			sends.push({to: 'replica', replica, message: pending.request});
		}

		return sends;
	}
}
