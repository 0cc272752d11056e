import {booleanFlag, enumFlag, integerFlag, stringFlag} from '../cli/flags.js';
import {bugNames, storageBugNames} from '../vsr/bugs.js';
import {faultMixes} from './faults.js';

/** The flags of `vsr-tui sim` (kept apart from the simulator so that --help loads nothing heavy). */
export const simFlags = {
	seeds: integerFlag({
		description: 'How many seeds to run (default 100, or 1 with --seed)',
		min: 1,
		max: 10_000_000,
	}),
	seed: integerFlag({
		description: 'The first seed (default 1); alone, runs just that seed',
		min: 0,
		max: 0xff_ff_ff_ff,
		valueName: 'S',
	}),
	ops: integerFlag({
		description: 'Client operations per run',
		min: 1,
		max: 10_000_000,
		default: 200,
	}),
	clients: integerFlag({
		description: 'Concurrent clients per run',
		min: 1,
		max: 64,
		default: 3,
		valueName: 'C',
	}),
	faults: enumFlag({
		description: 'The fault mix',
		choices: faultMixes,
		default: 'heavy',
		valueName: 'MIX',
	}),
	checkpointInterval: integerFlag({
		description: 'Take a checkpoint every K committed ops',
		min: 1,
		max: 10_000_000,
		default: 32,
		valueName: 'K',
	}),
	events: stringFlag({
		description:
			'Write every telemetry event as NDJSON to FILE (- for standard output, with --json)',
	}),
	json: booleanFlag({description: 'Print one JSON object instead of text'}),
	injectBug: enumFlag({
		description: 'Turn on a deliberate protocol bug (see --list-bugs)',
		choices: [...bugNames, ...storageBugNames],
	}),
	storage: booleanFlag({
		description:
			'Replicas keep their logs on simulated disks; faults add power cuts, lost and torn writes, corrupt and lost disks',
	}),
	listBugs: booleanFlag({description: 'Print the names of the deliberate bugs, one a line'}),
	allowUnknown: booleanFlag({
		description:
			'Exit 0 even when the linearizability check could not decide a run (its search gave up); such runs are still counted as unknown',
	}),
};
