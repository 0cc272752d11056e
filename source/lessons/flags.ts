import {stringFlag} from '../cli/flags.js';

/** `vsr-tui learn`'s flags. */
export const learnFlags = {
	record: stringFlag({
		description:
			'Write the session (seed, settings, every action with its virtual time) to FILE as NDJSON',
	}),
};
