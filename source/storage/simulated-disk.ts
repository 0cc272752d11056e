import type {Disk} from './disk.js';

/** A file's bytes: what reads see now, and what a crash would leave. */
type Inode = {current: Uint8Array; durable: Uint8Array};

/** A change to the directory's names; a crash keeps those that were synced, then a prefix of the rest. */
type DirectoryChange =
	| {readonly kind: 'link'; readonly name: string; readonly inode: Inode}
	| {readonly kind: 'unlink'; readonly name: string}
	| {readonly kind: 'rename'; readonly from: string; readonly to: string};

type Pending = {readonly due: number; readonly order: number; readonly complete: () => void};

/** How a crash treats what was not synced; each chance is drawn from the disk's generator. */
export type CrashFaults = {
	/**
	 * The chance that each unsynced sector of a file reached the platter, in order: the file
	 * ends before the first that did not (a write lost at the crash). Default 0.5.
	 */
	readonly written?: number;
	/** The chance that a sector that reached the platter is torn: only part of it is the new data. Default 0.2. */
	readonly torn?: number;
	/** The chance that each unsynced change to the directory's names survived, in order. Default 0.5. */
	readonly directory?: number;
};

/** How a simulated disk behaves. */
export type SimulatedDiskOptions = {
	/** Uniform in [0, 1): latencies and faults. The same generator gives the same disk. */
	readonly random: () => number;
	/** Ticks a sync takes, uniform from `min` to `max` (default 1 to 3). Syncs complete in order. */
	readonly syncLatency?: {readonly min: number; readonly max: number};
	/** The unit a crash tears or a fault corrupts (default 512 bytes). */
	readonly sectorSize?: number;
	/** How files are named in messages (default `disk`). */
	readonly name?: string;
};

/** What a fault did, for a test to check. */
export type CorruptedSector = {readonly name: string; readonly offset: number};

const empty = new Uint8Array(0);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
	const joined = new Uint8Array(a.length + b.length);
	joined.set(a, 0);
	joined.set(b, a.length);
	return joined;
}

/**
 * A disk in memory for the simulator and for tests, with the faults of a real one (TigerBeetle's
 * storage fault model): a crash loses what was not synced, or tears it; a sector can read back
 * corrupted; the whole disk can be lost. Syncs take a number of ticks drawn from an injected
 * generator, so a run is the same for the same seed.
 */
export class SimulatedDisk implements Disk {
	/** Ticks so far. */
	now = 0;

	private names = new Map<string, Inode>();
	/** The names as a crash would leave them, before `changes`. */
	private durableNames = new Map<string, Inode>();
	/** Changes to the names since the last synced point, in order. */
	private changes: DirectoryChange[] = [];
	/** How many changes were made durable before `changes[0]`. */
	private changesSynced = 0;
	private pending: Pending[] = [];
	private order = 0;
	private lastDue = 0;
	private readonly random: () => number;
	private readonly latency: {readonly min: number; readonly max: number};
	private readonly sectorSize: number;
	private readonly label: string;

	constructor(options: SimulatedDiskOptions) {
		this.random = options.random;
		this.latency = options.syncLatency ?? {min: 1, max: 3};
		this.sectorSize = options.sectorSize ?? 512;
		this.label = options.name ?? 'disk';
	}

	/** Syncs not yet complete. */
	get pendingSyncs(): number {
		return this.pending.length;
	}

	/** When the next sync completes (infinity if none is pending). */
	get nextDue(): number {
		return this.pending[0]?.due ?? Number.POSITIVE_INFINITY;
	}

	where(name: string): string {
		return `${this.label}/${name}`;
	}

	list(): string[] {
		return [...this.names.keys()];
	}

	read(name: string): Uint8Array | undefined {
		return this.names.get(name)?.current;
	}

	append(name: string, bytes: Uint8Array): void {
		const inode = this.names.get(name);
		if (inode) {
			inode.current = concat(inode.current, bytes);
		} else {
			this.link(name, {current: Uint8Array.from(bytes), durable: empty});
		}
	}

	write(name: string, bytes: Uint8Array): void {
		this.link(name, {current: Uint8Array.from(bytes), durable: empty});
	}

	truncate(name: string, length: number): void {
		const inode = this.names.get(name);
		if (!inode) {
			throw new Error(`${this.where(name)}: no such file`);
		}

		inode.current = inode.current.slice(0, length);
	}

	rename(from: string, to: string): void {
		const inode = this.names.get(from);
		if (!inode) {
			throw new Error(`${this.where(from)}: no such file`);
		}

		this.names.delete(from);
		this.names.set(to, inode);
		this.changes.push({kind: 'rename', from, to});
	}

	remove(name: string): void {
		if (this.names.delete(name)) {
			this.changes.push({kind: 'unlink', name});
		}
	}

	sync(name: string, done: (error?: Error) => void): void {
		const inode = this.names.get(name);
		if (!inode) {
			done(new Error(`${this.where(name)}: no such file`));
			return;
		}

		const content = inode.current; // What was written before the call.
		this.schedule(() => {
			inode.durable = content;
			done();
		});
	}

	syncDirectory(done: (error?: Error) => void): void {
		const upTo = this.changesSynced + this.changes.length; // The changes made before the call.
		this.schedule(() => {
			const count = Math.max(0, upTo - this.changesSynced);
			for (const change of this.changes.splice(0, count)) {
				apply(this.durableNames, change);
			}

			this.changesSynced += count;
			done();
		});
	}

	/** One tick passes: the syncs due by now complete, in the order they were asked for. */
	tick(): void {
		this.now++;
		this.completeDue();
	}

	/** Jumps to the next sync's completion and completes it (and any due with it); false if none is pending. */
	advance(): boolean {
		const next = this.pending[0];
		if (!next) {
			return false;
		}

		this.now = Math.max(this.now, next.due);
		this.completeDue();
		return true;
	}

	/**
	 * The power goes: syncs in progress never complete, and what was not synced is kept, lost or
	 * torn as `faults` and the generator decide. Afterwards the disk reads as a restarted machine
	 * would find it.
	 */
	crash(faults: CrashFaults = {}): void {
		const written = faults.written ?? 0.5;
		const torn = faults.torn ?? 0.2;
		const directory = faults.directory ?? 0.5;
		this.pending = [];
		const names = new Map(this.durableNames);
		for (const change of this.changes) {
			if (!this.chance(directory)) {
				break; // Names change in order (a journal): the rest are lost too.
			}

			apply(names, change);
		}

		const inodes = new Set(names.values());
		for (const inode of inodes) {
			inode.durable = this.afterCrash(inode, written, torn);
			inode.current = inode.durable;
		}

		this.names = names;
		this.durableNames = new Map(names);
		this.changesSynced += this.changes.length;
		this.changes = [];
	}

	/**
	 * A latent sector error: the sector holding `offset` of the file reads back with a flipped
	 * byte (after a crash too). Without a file, picks one of the synced sectors at random.
	 * Returns what it corrupted, or undefined if the disk holds no synced byte.
	 */
	corrupt(name?: string, offset?: number, mask = 0x01): CorruptedSector | undefined {
		let file = name;
		if (file === undefined) {
			const synced = [...this.names].filter(([, inode]) => inode.durable.length > 0);
			if (synced.length === 0) {
				return undefined;
			}

			file = synced[Math.floor(this.random() * synced.length)]![0];
		}

		const inode = this.names.get(file);
		if (!inode || inode.current.length === 0) {
			return undefined;
		}

		const at =
			offset ??
			Math.floor(this.random() * Math.max(1, Math.min(inode.durable.length, inode.current.length)));
		const flip = (bytes: Uint8Array): Uint8Array => {
			if (at >= bytes.length) {
				return bytes;
			}

			const copy = Uint8Array.from(bytes);
			copy[at]! ^= mask === 0 ? 1 + Math.floor(this.random() * 255) : mask;
			return copy;
		};

		const shared = inode.durable === inode.current;
		inode.durable = flip(inode.durable);
		inode.current = shared ? inode.durable : flip(inode.current);
		return {name: file, offset: at};
	}

	/** The whole disk is gone (replaced by an empty one): every file, synced or not. */
	lose(): void {
		this.pending = [];
		this.names = new Map();
		this.durableNames = new Map();
		this.changesSynced += this.changes.length;
		this.changes = [];
	}

	private link(name: string, inode: Inode): void {
		this.names.set(name, inode);
		this.changes.push({kind: 'link', name, inode});
	}

	private schedule(complete: () => void): void {
		const {min, max} = this.latency;
		const latency = min + Math.floor(this.random() * (max - min + 1));
		// In order: a sync asked for later never completes before an earlier one.
		this.lastDue = Math.max(this.lastDue, this.now + latency);
		this.pending.push({due: this.lastDue, order: this.order++, complete});
	}

	private completeDue(): void {
		while (this.pending.length > 0 && this.pending[0]!.due <= this.now) {
			this.pending.shift()!.complete();
		}
	}

	private chance(probability: number): boolean {
		return probability >= 1 || (probability > 0 && this.random() < probability);
	}

	/** What a crash leaves of a file: the synced bytes, then unsynced sectors that made it, some torn. */
	private afterCrash(inode: Inode, written: number, torn: number): Uint8Array {
		const {durable, current} = inode;
		const extends_ =
			current.length >= durable.length &&
			current.subarray(0, durable.length).every((byte, i) => byte === durable[i]);
		if (!extends_) {
			// Rewritten in place (a truncation) since the last sync: the crash keeps either version.
			return this.chance(written) ? current : durable;
		}

		let end = durable.length;
		const result = Uint8Array.from(current);
		while (end < current.length) {
			// Sectors are aligned to the file's offsets; the first unsynced one may be partly synced.
			const sectorEnd = Math.min(
				current.length,
				(Math.floor(end / this.sectorSize) + 1) * this.sectorSize,
			);
			if (!this.chance(written)) {
				break;
			}

			if (this.chance(torn)) {
				// Part of the sector is the new data, the rest is whatever the platter held: noise.
				const keep = end + Math.floor(this.random() * (sectorEnd - end));
				for (let i = keep; i < sectorEnd; i++) {
					result[i] = Math.floor(this.random() * 256);
				}
			}

			end = sectorEnd;
		}

		return result.slice(0, end);
	}
}

function apply(names: Map<string, Inode>, change: DirectoryChange): void {
	switch (change.kind) {
		case 'link': {
			names.set(change.name, change.inode);
			break;
		}

		case 'unlink': {
			names.delete(change.name);
			break;
		}

		case 'rename': {
			const inode = names.get(change.from);
			if (inode) {
				names.delete(change.from);
				names.set(change.to, inode);
			}

			break;
		}
	}
}
