/**
States a newcomer cannot read from the numbers, on real processes, as the operator's store
tells them: a cluster below a quorum (stuck for good without stable storage) and the key that
resets it, and a lone replica that loses what it committed when it restarts.
*/
import test, {type ExecutionContext} from 'ava';
import {
	type ClusterSnapshot,
	type OperatorControls,
	startingSnapshot,
} from '../source/cluster/operator-api.js';
import {stuckWords} from '../source/ui/diagnosis.js';
import {commandFor} from '../source/ui/keymap.js';
import {UiStore} from '../source/ui/store.js';
import {startCluster, waitFor} from './fixtures/cluster.js';

/** The store of the operator's screen, on `operator`, with keys pressed by name. */
function screenOf(t: ExecutionContext, operator: OperatorControls) {
	const store = new UiStore({operator, feedCapacity: 10_000});
	store.start();
	t.teardown(() => {
		store.dispose();
	});
	return {
		store,
		press(...keys: string[]) {
			for (const key of keys) {
				const command = commandFor(key);
				if (command === undefined) {
					store.unknownKey(key);
				} else {
					store.perform(command);
				}
			}
		},
		view() {
			store.flush();
			return store.getView();
		},
		feedNames() {
			store.flush();
			return store.getView().feed.entries.map((entry) => entry.kind.name);
		},
	};
}

test('crash 2 of 3 and restart both: they cannot recover, the screen says why and W resets the cluster', async (t) => {
	const operator = await startCluster(t, {replicas: 3, clients: 2});
	const screen = screenOf(t, operator);
	for (let request = 0; request < 3; request++) {
		await operator.submit();
	}

	const {primary} = operator.snapshot();
	const [first, second] = [0, 1, 2].filter((id) => id !== primary);
	for (const node of [first!, second!]) {
		screen.press(String(node + 1), 'x');
	}

	await waitFor('the cluster below a quorum', () => screen.view().alert.text !== undefined);
	for (const node of [first!, second!]) {
		screen.press(String(node + 1), 'r');
	}

	t.regex(
		screen.view().status?.text ?? '',
		/it cannot recover, fewer than a quorum hold their state/v,
	);
	await waitFor(
		'both restarted replicas recovering',
		() => operator.snapshot().nodes.filter((node) => node.status === 'recovering').length === 2,
		30_000,
	);
	const words = screen.view().alert.text ?? '';
	t.true(
		words.startsWith(
			`Nodes ${first} and ${second} cannot recover: Recovery needs answers from a quorum (2) of normal replicas, and only node ${primary} has its state.`,
		),
		`the words: ${words}`,
	);
	t.regex(
		words,
		/no stable storage: nothing can bring the lost state back\. W resets the cluster/v,
	);
	t.true(screen.view().header.outsideFailureModel);
	t.true(screen.feedNames().includes('operator.no_quorum'), 'the feed says it too');

	// W asks first; y resets: three fresh replicas, nothing committed, and requests commit again.
	screen.press('W');
	t.regex(screen.view().status?.text ?? '', /^y resets the cluster: its 3 committed ops are lost/v);
	screen.press('y');
	await waitFor(
		'a fresh cluster',
		() =>
			operator
				.snapshot()
				.nodes.every((node) => node.status === 'normal' && node.commit === 0 && node.view === 0),
		60_000,
	);
	await waitFor('the reset to be reported', () =>
		(screen.view().status?.text ?? '').startsWith('the cluster was reset'),
	);
	t.is(screen.view().alert.text, undefined);
	t.true(screen.feedNames().includes('operator.reset'));
	const outcome = await operator.submit();
	t.true(outcome.result.ok);
	t.is(operator.snapshot().commit, 1);
});

test('one replica: a crash and a restart lose what it committed, and the screen says so', async (t) => {
	const operator = await startCluster(t, {replicas: 1, clients: 1});
	const screen = screenOf(t, operator);
	await operator.submit();
	await operator.submit();
	await waitFor('commit 2', () => operator.snapshot().commit === 2);
	screen.press('x');
	await waitFor('the crash', () => operator.snapshot().nodes[0]?.status === 'crashed');
	t.regex(screen.view().alert.text ?? '', /^Node 0 is down, and every op it committed with it/v);
	screen.press('r');
	t.is(
		screen.view().status?.text,
		'restarted node 0 empty: a single replica has no one to recover from, so its 2 committed ops are lost (commit 2 → 0)',
	);
	t.is(screen.view().status?.tone, 'error');
	await waitFor('the restarted replica', () => operator.snapshot().nodes[0]?.status === 'normal');
	t.is(operator.snapshot().commit, 0);
	await waitFor('the feed to say it', () => screen.feedNames().includes('operator.data_lost'));
	const lost = screen.view().feed.entries.find((entry) => entry.kind.name === 'operator.data_lost');
	t.like(lost?.metadata, {node: 0, commit: 2});
});

test('attached to replica servers, a cluster below a quorum is not offered a reset it cannot have', (t) => {
	const start = startingSnapshot(3);
	const snapshot: ClusterSnapshot = {
		...start,
		attached: 'cluster.json',
		outsideFailureModel: true,
		nodes: start.nodes.map((node) => ({
			...node,
			status: node.id === 0 ? 'normal' : 'crashed',
		})),
	};
	const words = stuckWords(snapshot) ?? '';
	t.regex(words, /^Nodes 1 and 2 are down and only node 0 has its state/v);
	t.regex(
		words,
		/Replica servers started with --data-dir come back from their disks; the others cannot get the lost state back\.$/v,
	);
	t.notRegex(words, /resets the cluster/v);
});
