// Three replicas over a transport of your own: here an in-memory EventEmitter. A replica does
// no I/O; its host delivers each message (`onMessage`), calls `tick()` at a steady rate (the
// default timeouts assume 10 ms), and sends whatever a call returns. The client is driven the
// same way. Run it: `node dist/examples/three-replicas.js`.
import {EventEmitter} from 'node:events';
import {Client, type Message, Replica, type Send} from 'vsr-tui';

/** The network: every node listens on its address; delivery is asynchronous, like a socket's. */
// eslint-disable-next-line unicorn/prefer-event-target -- a Node event emitter stands for any transport
class Transport extends EventEmitter {
	/** Replicas whose messages are lost, both ways (crashed, as far as the others can tell). */
	readonly down = new Set<number>();

	send(from: number | 'client', send: Send): void {
		if (this.down.has(Number(from)) || (send.to === 'replica' && this.down.has(send.replica))) {
			return;
		}

		const address = send.to === 'replica' ? `replica ${send.replica}` : `client ${send.clientId}`;
		setImmediate(() => {
			this.emit(address, send.message);
		});
	}
}

const transport = new Transport();
const replicas = [0, 1, 2].map((id) => new Replica({id, replicaCount: 3}));
const client = new Client({clientId: 1, replicaCount: 3});

// What a host does: deliver, tick, send what comes back.
for (const replica of replicas) {
	transport.on(`replica ${replica.id}`, (message: Message) => {
		for (const send of replica.onMessage(message)) {
			transport.send(replica.id, send);
		}
	});
}

const ticker = setInterval(() => {
	for (const replica of replicas) {
		for (const send of replica.tick()) {
			transport.send(replica.id, send);
		}
	}

	for (const send of client.tick()) {
		transport.send('client', send);
	}
}, 10);

/** Submits one operation and resolves with the reply's result. */
async function call(operation: unknown): Promise<unknown> {
	const reply = new Promise<unknown>((resolve) => {
		const onReply = (message: Message) => {
			const completion = message.type === 'reply' ? client.onReply(message) : undefined;
			if (completion) {
				transport.off('client 1', onReply);
				resolve(completion.result.ok ? completion.result.value : completion.result.error);
			}
		};

		transport.on('client 1', onReply);
	});
	for (const send of client.submit(operation)) {
		transport.send('client', send);
	}

	return reply;
}

const primary = () =>
	replicas.find((replica) => replica.isPrimary && !transport.down.has(replica.id));

console.log('put x=1 →', await call({op: 'put', key: 'x', value: '1'}));
console.log('append x+=2 →', await call({op: 'append', key: 'x', value: '2'}));
console.log(`primary: replica ${primary()?.id}, view ${primary()?.view}; cutting it off`);
transport.down.add(primary()!.id);
// The backups time out on the silent primary and elect the next one; the client retries to all.
console.log('get x →', await call({op: 'get', key: 'x'}));
console.log(`primary: replica ${primary()?.id}, view ${primary()?.view}`);
clearInterval(ticker);
