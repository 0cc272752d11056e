import {booleanFlag, integerFlag, rateFlag, stringFlag, urlFlag} from '../cli/flags.js';

/** The operator's own flags: the fault settings of `run`, as starting values (keys change them). */
export const operatorFlags = {
	drop: rateFlag({description: 'Starting message drop rate (+ and - change it)', default: 0}),
	delay: integerFlag({
		description: 'Starting message delay in ms (] and [ change it)',
		min: 0,
		max: 10_000,
		default: 0,
		valueName: 'MS',
	}),
	seed: integerFlag({
		description:
			'A deterministic session: lockstep rounds, every random choice drawn from S (the same keys at the same times, the same run); , and . step back and forth through its messages, and acting in the past forks a new timeline',
		min: 0,
		max: 0xff_ff_ff_ff,
		valueName: 'S',
	}),
	paused: booleanFlag({description: 'Start with time stopped (space starts it)'}),
	dataDir: stringFlag({
		description:
			"Keep each replica's log on disk in DIR (created if missing): the cluster survives every replica crashed at once (X)",
		valueName: 'DIR',
	}),
	attach: stringFlag({
		description:
			'Open the screen on a running cluster of replica servers (its cluster file, see `vsr-tui replica`) rather than start one; quitting leaves it running',
		valueName: 'FILE',
	}),
	record: stringFlag({
		description:
			'Record the session to FILE (NDJSON: seed, settings, every action with its virtual time) for vsr-tui replay; seeded (a random seed without --seed); after a fork, the new timeline',
	}),
	otlp: urlFlag({
		description:
			'Export spans and metrics over OTLP/HTTP to the collector at URL (e.g. http://localhost:4318)',
	}),
};
