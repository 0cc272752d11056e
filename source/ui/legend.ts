/**
What the screen's numbers and words mean, one line each: the `?` overlay shows it under the
keys and the readme lists it (a test keeps the two the same).
*/
export type LegendLine = {readonly term: string; readonly meaning: string};

export const legend: readonly LegendLine[] = [
	{term: 'view', meaning: 'the view number; the primary of view v is replica v mod n'},
	{term: 'op', meaning: 'the op number: the last operation in the replica’s log'},
	{term: 'commit', meaning: 'the commit number: operations up to it are executed and answered'},
	{term: 'lag', meaning: 'how many operations the replica is behind the primary'},
	{term: 'f', meaning: 'how many replicas may be down (crashed or recovering) at once'},
	{term: 'quorum', meaning: 'a majority (f + 1 of 2f + 1): a commit, a view change, a recovery'},
];
