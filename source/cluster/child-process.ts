import {fileURLToPath} from 'node:url';
import {type ResultPromise, execaNode} from 'execa';
import type {ChildConfig, ToChild} from './ipc.js';

/**
One replica (or relay) child process as the operator holds it. It is started
with execa's `execaNode` from the compiled package (dist/source/cluster/
replica-process.js, found next to this file, so it works from a clone,
`npm start` and an installed package alike) with JSON IPC, no output buffering
(a long-lived replica would otherwise pile its messages up in the operator),
no inherited output (it would write over the TUI) and execa's cleanup, which
kills it when the operator exits. When the operator dies without cleanup
(SIGKILL), the child sees its IPC channel close and exits on its own.
*/

export const replicaEntry = fileURLToPath(new URL('replica-process.js', import.meta.url));

/** How a replica process ended: its exit code or signal, and the tail of its stderr. */
export type ChildExit = {
	readonly code: number | null;
	readonly signal: string | null;
	/** The last lines it wrote on stderr. */
	readonly stderr: string;
};

const stderrLimit = 4000;

const ignore = (): void => undefined;

const childOptions = {
	ipc: true,
	serialization: 'json',
	buffer: false,
	stdin: 'ignore',
	stdout: 'ignore',
	stderr: 'pipe',
	cleanup: true,
	reject: false,
	nodeOptions: [],
} as const;

export class ChildProcess {
	readonly pid: number | undefined;
	readonly exited: Promise<ChildExit>;
	alive = true;
	private stderrTail = '';
	private readonly subprocess: ResultPromise<typeof childOptions>;

	constructor(
		readonly config: ChildConfig,
		onMessage: (message: unknown) => void,
	) {
		this.subprocess = execaNode(replicaEntry, [JSON.stringify(config)], childOptions);
		this.pid = this.subprocess.pid;
		this.subprocess.stderr?.setEncoding('utf8');
		this.subprocess.stderr?.on('data', (chunk: string) => {
			this.stderrTail = (this.stderrTail + chunk).slice(-stderrLimit);
		});
		// Node's own IPC event: one call per message, in the order they were sent.
		this.subprocess.on('message', onMessage);
		const {stderr} = this.subprocess;
		const stderrDone = new Promise<void>((resolve) => {
			if (stderr === null || stderr === undefined) {
				resolve();
				return;
			}

			stderr.once('end', resolve);
			stderr.once('close', resolve);
			stderr.once('error', () => {
				resolve();
			});
		});
		// The channel closes once its last messages are read: a replica's last words (an invariant it
		// broke) can come after its exit.
		const ipcDone = new Promise<void>((resolve) => {
			if (this.subprocess.connected) {
				this.subprocess.once('disconnect', resolve);
			} else {
				resolve();
			}
		});
		this.exited = new Promise((resolve) => {
			this.subprocess.once('exit', (code, signal) => {
				this.alive = false;
				// Stderr and IPC may still be draining (the exit can come first): the tail is complete
				// once they end, which is soon; a second at most.
				let timer: NodeJS.Timeout | undefined;
				void Promise.race([
					Promise.all([stderrDone, ipcDone]),
					new Promise<void>((done) => {
						timer = setTimeout(done, 1000);
					}),
				]).then(() => {
					clearTimeout(timer);
					resolve({code, signal, stderr: this.stderrTail});
				});
			});
		});
		// With reject: false the promise never rejects; keep it from holding anything up.
		this.subprocess.catch(() => undefined);
	}

	/** False when the child is gone or its IPC channel is closed. */
	send(message: ToChild | unknown): boolean {
		if (!this.alive || !this.subprocess.connected) {
			return false;
		}

		try {
			// A callback keeps a failed write (the child just died) from becoming an 'error' event.
			// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- anything JSON can carry (tests send garbage on purpose)
			this.subprocess.send(message as ToChild, undefined, undefined, ignore);
			return true;
		} catch {
			return false;
		}
	}

	kill(signal: NodeJS.Signals = 'SIGKILL'): void {
		if (this.alive) {
			this.subprocess.kill(signal);
		}
	}

	/** Closes IPC (the child exits on its own), then SIGKILL if it has not gone after `graceMs`. */
	async stop(graceMs = 2000): Promise<ChildExit> {
		if (this.alive) {
			if (this.subprocess.connected) {
				this.subprocess.disconnect();
			}

			const timer = setTimeout(() => {
				this.kill('SIGKILL');
			}, graceMs);
			const exit = await this.exited;
			clearTimeout(timer);
			return exit;
		}

		return this.exited;
	}
}
