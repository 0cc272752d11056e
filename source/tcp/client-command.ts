import {UsageError} from '../cli/flags.js';
import type {KvOperation} from '../vsr/kv-store.js';
import {formatAddress} from './cluster-file.js';
import {RemoteClients} from './remote-clients.js';
import {clusterFileOf} from './replica-command.js';

/**
`vsr-tui client --cluster FILE get KEY | put KEY VALUE | append KEY VALUE | cas KEY OLD NEW`:
one operation on a cluster of replica servers. It prints the result (`--json`: one object), and
exits 1 with one line when the cluster has not answered within `--timeout` seconds, or when the
state machine rejected the operation.
*/

export type ClientCommandOptions = {
	readonly cluster: string | undefined;
	readonly json: boolean;
	/** Seconds. */
	readonly timeout: number;
};

const usage = 'get KEY, put KEY VALUE, append KEY VALUE or cas KEY OLD NEW';

/** The operation the positional arguments name; a usage error otherwise. */
export function parseOperation(input: readonly string[]): KvOperation {
	const [op, ...args] = input;
	const arity = {get: 1, put: 2, append: 2, cas: 3} as const;
	if (op === undefined) {
		throw new UsageError(`client needs an operation: ${usage}`);
	}

	if (!(op in arity)) {
		throw new UsageError(`unknown operation ${JSON.stringify(op)} (expected ${usage})`);
	}

	// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- `op in arity` just above
	const name = op as keyof typeof arity;
	if (args.length !== arity[name]) {
		throw new UsageError(
			`${name} takes ${arity[name]} argument${arity[name] === 1 ? '' : 's'} (expected ${usage}; got ${args.length})`,
		);
	}

	// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- the arity was checked just above
	const [key, first, second] = args as [string, string, string];
	switch (name) {
		case 'get': {
			return {op: 'get', key};
		}

		case 'put':
		case 'append': {
			return {op: name, key, value: first};
		}

		case 'cas': {
			return {op: 'cas', key, expected: first, value: second};
		}
	}
}

/** The result as `--json` writes it: the state machine's value (`get` of an absent key: null). */
export type ClientResult =
	| {
			readonly ok: true;
			readonly op: KvOperation['op'];
			readonly key: string;
			readonly result: string | boolean | null;
			readonly view: number;
			readonly latency_ms: number;
	  }
	| {
			readonly ok: false;
			readonly op: KvOperation['op'];
			readonly key: string;
			readonly error: string;
	  };

export async function clientCommand(
	input: readonly string[],
	options: ClientCommandOptions,
	stdout: NodeJS.WritableStream,
	stderr: NodeJS.WritableStream,
): Promise<number> {
	const operation = parseOperation(input);
	const cluster = clusterFileOf(options.cluster, 'client');
	const clients = new RemoteClients({cluster, count: 1});
	const timeoutMs = Math.round(options.timeout * 1000);
	clients.start();
	const outcome = await new Promise<ClientResult | undefined>((resolve) => {
		const timer = setTimeout(() => {
			resolve(undefined);
		}, timeoutMs);
		clients.enqueue({
			operation,
			done({result, latency, view}) {
				clearTimeout(timer);
				const {op, key} = operation;
				resolve(
					result.ok
						? {
								ok: true,
								op,
								key,
								result:
									typeof result.value === 'string' || typeof result.value === 'boolean'
										? result.value
										: null,
								view,
								latency_ms: Math.round(latency / 1000) / 1000,
							}
						: {ok: false, op, key, error: result.error},
				);
			},
		});
	});
	clients.stop();

	if (outcome === undefined) {
		const problems = clients.lastProblem.filter((problem) => problem !== undefined);
		const where = cluster.replicas.map((address) => formatAddress(address)).join(', ');
		stderr.write(
			`vsr-tui client: no answer from the cluster (${where}) in ${options.timeout} s${problems.length > 0 ? `: ${problems.join('; ')}` : ''}\n`,
		);
		return 1;
	}

	if (options.json) {
		stdout.write(`${JSON.stringify(outcome)}\n`);
	} else if (outcome.ok) {
		stdout.write(`${outcome.result === null ? '(absent)' : String(outcome.result)}\n`);
	} else {
		stderr.write(`vsr-tui client: ${operation.op} failed: ${outcome.error}\n`);
	}

	return outcome.ok ? 0 : 1;
}
