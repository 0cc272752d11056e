import {mkdtempSync, rmSync} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {type ResultPromise, execaNode} from 'execa';
import {
	type ClusterFile,
	type ReplicaAddress,
	newClusterFile,
	writeClusterFile,
} from './cluster-file.js';

/**
Replica servers on this machine, each in a process of its own (`vsr-tui replica`), on free
ports of loopback addresses: what `bench --transport tcp` measures and what the tests break.
Each server's log (its stderr) is kept and can be waited on line by line.
*/

/** The bin, next to the compiled package (dist/cli.js), in a clone and in an installed package. */
export const cliEntry = fileURLToPath(new URL('../../cli.js', import.meta.url));

/** A free TCP port on `host` (the system's choice; free when asked, so take it soon). */
export async function freePort(host: string): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen({host, port: 0}, () => {
			const address = server.address();
			server.close(() => {
				if (typeof address === 'object' && address !== null) {
					resolve(address.port);
				} else {
					reject(new Error(`no port on ${host}`));
				}
			});
		});
	});
}

export class ServerProcess {
	/** Everything the server logged so far. */
	log = '';
	private waiters: Array<{pattern: RegExp; resolve: () => void}> = [];

	constructor(
		readonly id: number,
		readonly subprocess: ResultPromise<{buffer: false; stdin: 'ignore'; stdout: 'ignore'}>,
	) {
		subprocess.stderr?.setEncoding('utf8');
		subprocess.stderr?.on('data', (chunk: string) => {
			this.log += chunk;
			// Take out every waiter whose line is in, then resolve them (not while walking the list).
			const met = this.waiters.filter((waiter) => waiter.pattern.test(this.log));
			this.waiters = this.waiters.filter((waiter) => !met.includes(waiter));
			for (const waiter of met) {
				waiter.resolve();
			}
		});
		// An exit is awaited through `exited`; a failure is not an unhandled rejection.
		subprocess.catch(() => undefined);
	}

	/** Resolves once the log has a line matching `pattern`; rejects after `timeoutMs` or on exit. */
	async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
		if (pattern.test(this.log)) {
			return;
		}

		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => {
				reject(
					new Error(
						`replica ${this.id} logged no ${String(pattern)} in ${timeoutMs} ms:\n${this.log}`,
					),
				);
			}, timeoutMs);
			const waiter = {
				pattern,
				resolve() {
					clearTimeout(timer);
					resolve();
				},
			};
			this.waiters.push(waiter);
			void this.exited.then((code) => {
				if (this.waiters.includes(waiter)) {
					clearTimeout(timer);
					reject(
						new Error(
							`replica ${this.id} exited (${code}) before logging ${String(pattern)}:\n${this.log}`,
						),
					);
				}
			});
		});
	}

	/** The exit code, or the signal's name. */
	get exited(): Promise<number | string> {
		return this.subprocess.then(
			(result) => result.exitCode ?? result.signal ?? -1,
			(error: unknown) => {
				// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- execa's errors carry these
				const {exitCode, signal} = error as {exitCode?: number; signal?: string};
				return exitCode ?? signal ?? -1;
			},
		);
	}

	get running(): boolean {
		return this.subprocess.exitCode === null && this.subprocess.signalCode === null;
	}

	/** SIGKILL (a crash), and wait for the process to be gone. */
	async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
		if (this.running) {
			this.subprocess.kill(signal);
		}

		await this.exited;
	}
}

export type LocalServersOptions = {
	/** One loopback address per replica (127.0.0.1, 127.0.0.2 …: separate "hosts" on one machine). */
	readonly hosts: readonly string[];
	/** Each replica keeps its log in `replica-N` under the temporary directory (`--data-dir`). */
	readonly dataDirs?: boolean;
};

export class LocalServers {
	/** Writes a cluster file in a temporary directory and starts every replica's server. */
	static async start(options: LocalServersOptions): Promise<LocalServers> {
		const addresses: ReplicaAddress[] = [];
		for (const host of options.hosts) {
			addresses.push({host, port: await freePort(host)});
		}

		const directory = mkdtempSync(path.join(os.tmpdir(), 'vsr-tui-tcp-'));
		const file = path.join(directory, 'cluster.json');
		const cluster = newClusterFile(addresses);
		writeClusterFile(file, cluster);
		const local = new LocalServers(directory, file, cluster, options.dataDirs ?? false);
		try {
			for (const [id] of addresses.entries()) {
				local.startReplica(id);
			}

			await Promise.all(local.servers.map(async (server) => server.waitFor(/listening on/v)));
		} catch (error) {
			await local.stop();
			throw error;
		}

		return local;
	}

	/** The latest server of each replica. */
	readonly servers: ServerProcess[] = [];
	/** Every server started, for `stop`. */
	private readonly started: ServerProcess[] = [];

	private constructor(
		readonly directory: string,
		readonly file: string,
		readonly cluster: ClusterFile,
		private readonly dataDirs: boolean,
	) {}

	/** Replica `id`'s data directory, with `dataDirs`. */
	dataDir(id: number): string {
		return path.join(this.directory, `replica-${id}`);
	}

	/**
	 * Starts (or starts again) replica `id`'s server, with these extra flags (`--recover`); with
	 * `dataDirs`, on its data directory (the same command line each time, as a process manager).
	 */
	startReplica(id: number, flags: readonly string[] = []): ServerProcess {
		const disk = this.dataDirs ? ['--data-dir', this.dataDir(id)] : [];
		const subprocess = execaNode(
			cliEntry,
			['replica', '--cluster', this.file, '--id', String(id), ...disk, ...flags],
			{
				buffer: false,
				stdin: 'ignore',
				stdout: 'ignore',
				stderr: 'pipe',
				cleanup: true,
				nodeOptions: [],
				env: {NODE_ENV: 'production'},
			},
		);
		const server = new ServerProcess(id, subprocess);
		this.servers[id] = server;
		this.started.push(server);
		return server;
	}

	/** Stops every server (SIGTERM, then SIGKILL after 5 s) and removes the directory. */
	async stop(): Promise<void> {
		await Promise.all(
			this.started.map(async (server) => {
				if (!server.running) {
					return;
				}

				const timer = setTimeout(() => {
					server.subprocess.kill('SIGKILL');
				}, 5000);
				server.subprocess.kill('SIGTERM');
				await server.exited;
				clearTimeout(timer);
			}),
		);
		rmSync(this.directory, {recursive: true, force: true});
	}
}
