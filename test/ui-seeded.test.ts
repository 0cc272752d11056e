/**
A seeded session runs on virtual time, and the screen says so: the feed counts from the
session's start; stepping through a request with `n`, the status line says what each delivery
caused, and the diagram and the narration tell each delivery before what came of it.
*/
import test from 'ava';
import type {EventName} from '../source/telemetry/telemetry.js';
import type {DiagramRow} from '../source/ui/diagram.js';
import {UiStore} from '../source/ui/store.js';
import {startCluster, waitFor} from './fixtures/cluster.js';
import {createFakeOperator} from './ui-fake-operator.js';

const quorumReached: EventName = ['vsr', 'replication', 'quorum_reached'];

/** What a row of the diagram says, in a word or two. */
const rowText = (row: DiagramRow): string =>
	row.kind === 'message' ? `${row.label} ${String(row.from)}→${String(row.to)}` : row.text;

test('seeded: the feed reads virtual time since the session started', (t) => {
	const operator = createFakeOperator();
	operator.state.seed = 7;
	const store = new UiStore({operator});
	store.start();
	t.teardown(() => {
		store.dispose();
	});
	operator.telemetry.execute(quorumReached, {monotonic_time: 2_500_000_000n}, {node_id: 0, op: 3});
	store.flush();
	t.is(store.getView().feed.entries[0]?.at, 2500);
});

test('a real seeded cluster, one request step by step with n: each status line, and the diagram and the narration in causal order', async (t) => {
	const cluster = await startCluster(t, {replicas: 3, clients: 1, seed: 11, paused: true});
	const store = new UiStore({operator: cluster});
	store.start();
	t.teardown(() => {
		store.dispose();
	});
	store.press('v');
	void cluster.submit({op: 'put', key: 'x', value: '1'});
	await waitFor('the request in flight', () => cluster.snapshot().inFlight === 1);
	const said: string[] = [];
	for (let step = 0; step < 6; step++) {
		const before = store.getView().status?.at;
		store.press('n');
		await waitFor('the delivery', () => {
			store.flush();
			const {status} = store.getView();
			return status !== undefined && status.at !== before && status.text.startsWith('delivered');
		});
		said.push(store.getView().status?.text ?? '');
	}

	t.deepEqual(said, [
		'delivered Request c1#1 client→0 → 0 appended op 1, sent Prepare to 1, 2',
		'delivered Prepare v0 op 1 0→1 → 1 appended op 1, sent PrepareOk',
		'delivered Prepare v0 op 1 0→2 → 2 appended op 1, sent PrepareOk',
		'delivered PrepareOk v0 op 1 1→0 → 0 committed op 1, replied to client 1',
		'delivered PrepareOk v0 op 1 2→0 → 0 nothing changed',
		'delivered Reply c1#1 0→client → client 1 has its reply',
	]);
	store.flush();
	const {diagram, narration} = store.getView();
	t.deepEqual(
		diagram.rows.map((row) => rowText(row)),
		[
			'Request c1#1 client→0',
			'Prepare v0 op1 0→1',
			'Prepare v0 op1 0→2',
			'PrepareOk v0 op1 1→0',
			'n0 commits op 1',
			'PrepareOk v0 op1 2→0',
			'Reply c1#1 0→client',
		],
	);
	t.deepEqual(narration.entries.map((entry) => entry.text).toReversed(), [
		"n0 got client 1's request 1",
		'n0 (primary, view 0) took request 1 of client 1',
		'n0 (primary, view 0) sent Prepare op 1 to n1, n2',
		'n1 got Prepare op 1 from n0 (view 0): it appends the op and acks',
		'n2 got Prepare op 1 from n0 (view 0): it appends the op and acks',
		'n0 got PrepareOk op 1 from n1: n1 holds every op up to 1',
		'n0 has PrepareOk for op 1 from n1: 2 of quorum 2, op 1 commits',
		"n0 replied to client 1's request 1",
		'n0 got PrepareOk op 1 from n2: n2 holds every op up to 1',
		'n0 has PrepareOk for op 1 from n2: op 1 was already committed',
		'client 1 got the reply to request 1 from n0 (view 0)',
	]);
});
