import net from 'node:net';
import {type ReplicaAddress, formatAddress} from './cluster-file.js';
import {Connection, type ConnectionEvents, type ConnectionOptions} from './connection.js';
import type {DialerHandshake} from './handshake.js';

/**
Keeps one connection to a replica server open: dials, and when the connection fails or ends,
dials again after a backoff that doubles from `minMs` to `maxMs` (with jitter, so that replicas
restarted together do not dial in step) and starts over once a connection got through its
handshake.
*/

export type DialerOptions = {
	readonly address: ReplicaAddress;
	/** The local address to dial from (a replica's own, so that its peers see it come from there). */
	readonly localAddress?: string;
	/** A fresh handshake for each attempt. */
	readonly handshake: () => DialerHandshake;
	readonly connection: Omit<ConnectionOptions, 'socket' | 'handshake' | 'remote' | 'events'>;
	readonly events: ConnectionEvents;
	readonly minMs?: number;
	readonly maxMs?: number;
};

export class Dialer {
	/** The current connection (ready or not), if any. */
	connection: Connection | undefined;
	private delay: number;
	private timer: NodeJS.Timeout | undefined;
	private stopped = false;

	constructor(private readonly options: DialerOptions) {
		this.delay = options.minMs ?? 100;
	}

	start(): void {
		this.dial();
	}

	stop(): void {
		this.stopped = true;
		clearTimeout(this.timer);
		this.connection?.close('stopping');
	}

	private dial(): void {
		if (this.stopped) {
			return;
		}

		const {options} = this;
		const socket = net.connect({
			host: options.address.host,
			port: options.address.port,
			...(options.localAddress === undefined ? {} : {localAddress: options.localAddress}),
		});
		const connection = new Connection({
			...options.connection,
			socket,
			remote: formatAddress(options.address),
			handshake: options.handshake(),
			events: {
				...options.events,
				ready: (ready) => {
					this.delay = options.minMs ?? 100;
					options.events.ready(ready);
				},
				closed: (closed, reason) => {
					if (this.connection === closed) {
						this.connection = undefined;
						this.redial();
					}

					options.events.closed(closed, reason);
				},
			},
		});
		this.connection = connection;
		socket.once('connect', () => {
			connection.start();
		});
	}

	private redial(): void {
		if (this.stopped) {
			return;
		}

		const wait = this.delay * (0.5 + Math.random());
		this.delay = Math.min(this.delay * 2, this.options.maxMs ?? 2000);
		this.timer = setTimeout(() => {
			this.dial();
		}, wait);
	}
}
