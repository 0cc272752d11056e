import {randomBytes} from 'node:crypto';
import {readFileSync, statSync, writeFileSync} from 'node:fs';

/**
The cluster file: what every member of a cluster on several hosts shares, written once by
`vsr-tui cluster init` and copied to each host. It names the cluster (an id every handshake
carries, so that two clusters on one network never mix), each replica's address (replica i at
`replicas[i]`; a replica server binds to its own and dials the others), and the secret that every
connection proves it knows (an HMAC over a fresh challenge, see `handshake.ts`). The secret makes
the file a credential: it is written with mode 0600.
*/

/** One replica's address: a host name or IP address, and a TCP port. */
export type ReplicaAddress = {readonly host: string; readonly port: number};

export type ClusterFile = {
	readonly version: 1;
	/** Names the cluster in every handshake. */
	readonly cluster_id: string;
	/** Replica i listens at `replicas[i]`. */
	readonly replicas: readonly ReplicaAddress[];
	/** Hex; shared by every member and known to no one else. */
	readonly secret: string;
};

/** Bytes of a secret `cluster init` draws; a file's secret must have at least `minSecretBytes`. */
const secretBytes = 32;
const minSecretBytes = 16;

/** A problem with a cluster file or an address list, as one line. */
export class ClusterFileError extends Error {
	override name = 'ClusterFileError';
}

/** `host:port`, with IPv6 addresses in brackets (`[::1]:7001`), as `--hosts` and the file write it. */
export function formatAddress(address: ReplicaAddress): string {
	return address.host.includes(':')
		? `[${address.host}]:${address.port}`
		: `${address.host}:${address.port}`;
}

/** Parses `host:port` or `[v6]:port`; undefined when it is not one. */
export function parseAddress(text: string): ReplicaAddress | undefined {
	const match = /^(?:\[(?<v6>[^\s\[\]]+)\]|(?<host>[^\s:\[\]\/]+)):(?<port>\d{1,5})$/v.exec(text);
	const host = match?.groups?.v6 ?? match?.groups?.host;
	const port = Number(match?.groups?.port);
	if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65_535) {
		return undefined;
	}

	return {host, port};
}

/** A new cluster: a fresh id and secret, and these addresses (replica i at `addresses[i]`). */
export function newClusterFile(addresses: readonly ReplicaAddress[]): ClusterFile {
	return {
		version: 1,
		// 32 hex digits: the form a data directory's files name their cluster with.
		cluster_id: randomBytes(16).toString('hex'),
		replicas: addresses.map(({host, port}) => ({host, port})),
		secret: randomBytes(secretBytes).toString('hex'),
	};
}

export function serializeClusterFile(file: ClusterFile): string {
	return `${JSON.stringify(file, undefined, '\t')}\n`;
}

/**
Writes a new cluster file readable by its owner only. Refuses to replace one: a new secret would
lock the running members out of each other.
*/
export function writeClusterFile(path: string, file: ClusterFile): void {
	try {
		writeFileSync(path, serializeClusterFile(file), {mode: 0o600, flag: 'wx'});
	} catch (error) {
		const code = error instanceof Error && 'code' in error ? String(error.code) : String(error);
		throw new ClusterFileError(
			code === 'EEXIST'
				? `${path} exists: remove it first, or write the new cluster elsewhere with --out`
				: `cannot write ${path} (${code})`,
		);
	}
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks a cluster file's content; throws a `ClusterFileError` that names what is wrong. */
export function parseClusterFile(text: string): ClusterFile {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw new ClusterFileError('is not JSON');
	}

	if (!isRecord(value)) {
		throw new ClusterFileError('must hold a JSON object');
	}

	const {version, cluster_id: clusterId, replicas, secret} = value;
	if (version !== 1) {
		throw new ClusterFileError(`has version ${JSON.stringify(version)}; this vsr-tui reads 1`);
	}

	if (typeof clusterId !== 'string' || !/^[\w.\-]{1,128}$/v.test(clusterId)) {
		throw new ClusterFileError(
			'needs a cluster_id of 1 to 128 letters, digits, dots, dashes or underscores',
		);
	}

	if (!Array.isArray(replicas) || replicas.length === 0 || replicas.length > 9) {
		throw new ClusterFileError('needs replicas: a list of 1 to 9 {host, port} addresses');
	}

	const addresses = replicas.map((replica: unknown, id) => {
		const address = isRecord(replica)
			? parseAddress(
					typeof replica.host === 'string' && typeof replica.port === 'number'
						? formatAddress({host: replica.host, port: replica.port})
						: '',
				)
			: undefined;
		if (address === undefined) {
			throw new ClusterFileError(`has no valid {host, port} for replica ${id}`);
		}

		return address;
	});
	const seen = new Set<string>();
	for (const [id, address] of addresses.entries()) {
		const key = formatAddress(address);
		if (seen.has(key)) {
			throw new ClusterFileError(`gives replica ${id} the address ${key} of another replica`);
		}

		seen.add(key);
	}

	if (
		typeof secret !== 'string' ||
		!/^(?:[\da-f]{2})+$/iv.test(secret) ||
		secret.length < minSecretBytes * 2
	) {
		throw new ClusterFileError(`needs a secret of at least ${minSecretBytes} bytes, in hex`);
	}

	return {version: 1, cluster_id: clusterId, replicas: addresses, secret};
}

/** Reads and checks a cluster file; throws a `ClusterFileError` that names the file. */
export function readClusterFile(path: string): ClusterFile {
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch (error) {
		const code = error instanceof Error && 'code' in error ? String(error.code) : String(error);
		throw new ClusterFileError(`cannot read the cluster file ${path} (${code})`);
	}

	try {
		return parseClusterFile(text);
	} catch (error) {
		throw error instanceof ClusterFileError
			? new ClusterFileError(`the cluster file ${path} ${error.message}`)
			: error;
	}
}

/** Whether others than the owner may read the file (its secret would be theirs). */
export function readableByOthers(path: string): boolean {
	try {
		return (statSync(path).mode & 0o077) !== 0;
	} catch {
		return false;
	}
}
