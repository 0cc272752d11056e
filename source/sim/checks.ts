import type {ViolationKind} from './simulation.js';

/**
 * The checks a simulated run can fail, as `sim` counts them: which one caught a violation
 * (a planted bug is worth more when a check of the outcome catches it than when only a
 * replica's own assertion does).
 */
export const checkNames = [
	'agreement',
	'one_primary',
	'commit_never_back',
	'assertion',
	'no_lost_commit',
	'linearizability',
	'liveness',
] as const;

export type CheckName = (typeof checkNames)[number];

export type CheckCounts = Record<CheckName, number>;

/** A count of zero for every check. */
export function noCatches(): CheckCounts {
	return {
		agreement: 0,
		one_primary: 0,
		commit_never_back: 0,
		assertion: 0,
		no_lost_commit: 0,
		linearizability: 0,
		liveness: 0,
	};
}

export function checkOf(kind: ViolationKind): CheckName {
	switch (kind) {
		case 'agreement':
		case 'divergence': {
			return 'agreement'; // The same op at every op number, and the same state after it.
		}

		case 'primaries': {
			return 'one_primary';
		}

		case 'commit': {
			return 'commit_never_back';
		}

		case 'assertion': {
			return 'assertion';
		}

		case 'lost': {
			return 'no_lost_commit';
		}

		case 'linearizability': {
			return 'linearizability';
		}

		case 'liveness': {
			return 'liveness';
		}
	}
}

/** How a check is written in the human output: `no-lost-commit`. */
export function describeCheck(check: CheckName): string {
	return check.replaceAll('_', '-');
}
