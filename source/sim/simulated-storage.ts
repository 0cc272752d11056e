import type {Identity} from '../storage/records.js';
import {ReplicaStorage} from '../storage/replica-storage.js';
import {SimulatedDisk} from '../storage/simulated-disk.js';
import type {BugName} from '../vsr/bugs.js';
import type {Prng} from '../vsr/prng.js';
import type {StorageRequest, StorageStart} from '../vsr/storage.js';

/** The simulator's cluster id: every file on its disks names it. */
const clusterId = '5eed5eed5eed5eed5eed5eed5eed5eed';

/** Small segments, so that short runs start new ones and remove old ones after checkpoints. */
const segmentBytes = 16 * 1024;

/** What a disk fault did to a crashed replica's disk. */
export type DiskFault = 'corrupt' | 'lost';

/**
 * Every replica's simulated disk in the simulator, and its storage in its current life. The
 * disks outlive the replicas: a crash closes the storage, a power loss also loses or tears
 * what was not synced, and the next life opens the disk again. Syncs take 1 or 2 ticks.
 */
export class SimulatedStorage {
	private readonly disks: SimulatedDisk[];
	private readonly storages: Array<ReplicaStorage | undefined>;

	/**
	 * @param onWritten Storage reports the replica's writes up to `seq` durable (during `tick`).
	 */
	constructor(
		private readonly replicaCount: number,
		prng: Prng,
		private readonly bugs: ReadonlySet<BugName> | undefined,
		private readonly onWritten: (replica: number, seq: number) => void,
	) {
		this.storages = Array.from({length: replicaCount}, () => undefined);
		this.disks = Array.from({length: replicaCount}, (_, id) => {
			const disk = new SimulatedDisk({
				random: () => prng.next(),
				syncLatency: {min: 1, max: 2},
				name: `replica-${id}`,
			});
			// Formatted before any replica starts: from then on an empty disk is a lost one.
			ReplicaStorage.format(disk, this.identity(id), (error) => {
				if (error) {
					throw error;
				}
			});
			while (disk.advance()) {
				// Until the format is durable.
			}

			return disk;
		});
	}

	/** Opens replica `id`'s disk for a new life: how that life starts. */
	open(id: number): StorageStart {
		const {storage, start} = ReplicaStorage.open(this.disks[id]!, {
			identity: this.identity(id),
			existing: true,
			segmentBytes,
			bugs: this.bugs,
		});
		storage.onDurable = (seq) => {
			if (this.storages[id] === storage) {
				this.onWritten(id, seq);
			}
		};

		storage.onFailure = (error) => {
			throw error;
		};

		this.storages[id] = storage;
		return start;
	}

	/** Hands what a replica asked for after one of its inputs to its storage. */
	persist(id: number, requests: readonly StorageRequest[]): void {
		const storage = this.storages[id];
		if (storage && requests.length > 0) {
			storage.submit(requests);
			storage.flush();
		}
	}

	/** A tick of time for every disk: the syncs due complete (and report, through `onWritten`). */
	tick(): void {
		for (const disk of this.disks) {
			disk.tick();
		}
	}

	/**
	 * Replica `id` stops. A killed process leaves its disk as it is (the kernel keeps and syncs
	 * what it wrote); a power loss (`power`) loses or tears what was not synced.
	 */
	crash(id: number, power: boolean): void {
		this.storages[id]?.close();
		this.storages[id] = undefined;
		if (power) {
			this.disks[id]!.crash();
		}
	}

	/** A fault on a crashed replica's disk: a sector that reads back corrupted, or the whole disk gone. */
	fault(id: number, fault: DiskFault): void {
		const disk = this.disks[id]!;
		if (fault === 'lost') {
			disk.lose();
		} else {
			disk.corrupt();
		}
	}

	/** Whose files replica `id`'s disk holds. */
	private identity(id: number): Identity {
		return {cluster: clusterId, replica: id, replicaCount: this.replicaCount};
	}
}
