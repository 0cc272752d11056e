import {type FlagSpec, booleanFlag, enumFlag, integerFlag, stringFlag} from '../cli/flags.js';
import {type ReplicaAddress, parseAddress} from './cluster-file.js';

/**
The flags of the modes of a cluster on several hosts (`cluster init`, `replica`, `client`, and
what `run --cluster` and `bench --transport tcp` add), apart from their implementations so
that --help loads nothing heavy.
*/

/** `--cluster FILE`: the cluster file `vsr-tui cluster init` wrote. */
export const clusterFileFlag = stringFlag({
	description: 'The cluster file that `vsr-tui cluster init` wrote',
});

/** `a:7001,b:7001,c:7001`: replica i at the i-th address. */
function hostsFlag(): FlagSpec<ReplicaAddress[] | undefined> {
	return {
		type: 'string',
		valueName: 'LIST',
		description: 'init: replica i listens at the i-th host:port (default 127.0.0.1:7001, :7002, …)',
		expected: 'a comma-separated list of 1 to 9 distinct host:port, e.g. a:7001,b:7001,c:7001',
		default: undefined,
		parse(raw) {
			const addresses = raw.split(',').map((part) => parseAddress(part.trim()));
			if (addresses.length > 9 || addresses.includes(undefined)) {
				return undefined;
			}

			// eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- none is undefined (checked above)
			const value = addresses as ReplicaAddress[];
			const distinct = new Set(value.map(({host, port}) => `${host} ${port}`));
			return distinct.size === value.length ? {value} : undefined;
		},
	};
}

export const clusterFlags = {
	hosts: hostsFlag(),
	out: stringFlag({description: 'init: where to write the cluster file (default cluster.json)'}),
	cluster: stringFlag({
		description: 'The other actions: the cluster file of the running cluster to act on',
	}),
	json: booleanFlag({description: 'status: print the reports as one JSON array'}),
};

export const replicaFlags = {
	cluster: clusterFileFlag,
	id: integerFlag({description: 'Which replica of the cluster file this is', min: 0, max: 8}),
	recover: booleanFlag({
		description:
			'This replica ran before and lost its state: recover from the others before taking part',
	}),
	marker: stringFlag({
		description:
			'A file this replica writes when it starts: a later start that finds it recovers (for a process manager)',
	}),
	dataDir: stringFlag({
		description:
			'Keep its log on disk in DIR (created if missing): restarted with the same DIR, it starts from its disk',
		valueName: 'DIR',
	}),
};

/** A duration in seconds, decimals allowed: `--timeout 2.5`. */
function secondsFlag(options: {
	readonly description: string;
	readonly min: number;
	readonly max: number;
	readonly default: number;
}): FlagSpec<number> {
	return {
		type: 'string',
		valueName: 'S',
		description: options.description,
		expected: `a number of seconds from ${options.min} to ${options.max}`,
		default: options.default,
		parse(raw) {
			if (!/^(?:\d+\.?\d*|\.\d+)$/v.test(raw)) {
				return undefined;
			}

			const value = Number(raw);
			return value >= options.min && value <= options.max ? {value} : undefined;
		},
	};
}

export const clientFlags = {
	cluster: clusterFileFlag,
	json: booleanFlag({description: 'Print the result as one JSON object'}),
	timeout: secondsFlag({
		description: 'Give up (exit 1) when the cluster has not answered in this time',
		min: 0.1,
		max: 3600,
		default: 10,
	}),
};

export const benchTransportFlag = enumFlag({
	description: 'Also measure a cluster of replica servers over TCP on loopback (tcp)',
	choices: ['ipc', 'tcp'],
	default: 'ipc',
});
