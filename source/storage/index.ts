/**
Replica storage: the write-ahead log and checkpoints a replica keeps on a disk, the real one
(`openFileStorage`) and a simulated one with faults (`SimulatedDisk`), behind one `Disk` interface.

@packageDocumentation
*/
export type {Disk} from './disk.js';
export {FileDisk} from './file-disk.js';
export {openFileStorage, type OpenedFiles} from './file-storage.js';
export {
	type Opened,
	ReplicaStorage,
	type ReplicaStorageOptions,
	type StorageStats,
} from './replica-storage.js';
export {type ReadBack, StorageRefused, checkpointName, readBack, segmentName} from './read-back.js';
export type {Identity} from './records.js';
export {
	type CorruptedSector,
	type CrashFaults,
	SimulatedDisk,
	type SimulatedDiskOptions,
} from './simulated-disk.js';
