/**
The admin stream of replica servers on 127.0.0.1, 127.0.0.2 and 127.0.0.3: two operators
subscribed at once see the same primary, the events of a write with their metadata, an isolation
one of them set, and a stopped replica coming back; closing a subscription leaves the cluster
serving.
*/
import {existsSync} from 'node:fs';
import test from 'ava';
import {execa} from 'execa';
import {isolate, heal, stopReplica} from '../source/tcp/admin.js';
import {AdminStream} from '../source/tcp/admin-stream.js';
import {LocalServers} from '../source/tcp/local-servers.js';
import type {AdminReport} from '../source/tcp/status.js';
import {parseEvent} from '../source/telemetry/serialize.js';
import {cliPath} from './helpers/paths.js';

const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

/** Every report of one subscription, and a way to wait for one that says something. */
class Watcher {
	readonly reports: AdminReport[] = [];
	readonly stream: AdminStream;
	private waiters: Array<{match: (report: AdminReport) => boolean; resolve: () => void}> = [];

	constructor(local: LocalServers, id: number) {
		this.stream = new AdminStream(local.cluster, id, {
			report: (report) => {
				this.reports.push(report);
				const met = this.waiters.filter((waiter) => waiter.match(report));
				this.waiters = this.waiters.filter((waiter) => !met.includes(waiter));
				for (const waiter of met) {
					waiter.resolve();
				}
			},
		});
	}

	async waitFor(what: string, match: (report: AdminReport) => boolean): Promise<AdminReport> {
		const found = this.reports.find((report) => match(report));
		if (found !== undefined) {
			return found;
		}

		const before = this.reports.length;
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => {
				reject(new Error(`no report with ${what} in 60 s: ${JSON.stringify(this.reports.at(-1))}`));
			}, 60_000);
			this.waiters.push({
				match,
				resolve() {
					clearTimeout(timer);
					resolve();
				},
			});
		});
		return this.reports.slice(before).find((report) => match(report))!;
	}
}

async function put(file: string, key: string, value: string) {
	return execa(
		'node',
		[cliPath, 'client', '--cluster', file, '--timeout', '30', 'put', key, value],
		{
			reject: false,
			stdin: 'ignore',
			timeout: 60_000,
		},
	);
}

test('two operators subscribed at once see the same cluster, each other’s faults and its events; closing one leaves it serving', async (t) => {
	const local = await LocalServers.start({hosts});
	const watchers: Watcher[] = [];
	try {
		// Two operators, each subscribed to every replica.
		const first = [0, 1, 2].map((id) => new Watcher(local, id));
		const second = [0, 1, 2].map((id) => new Watcher(local, id));
		watchers.push(...first, ...second);
		for (const operator of [first, second]) {
			const primary = await operator[0]!.waitFor(
				'replica 0 primary of view 0 in normal status',
				(r) => r.status.primary && r.status.status === 'normal' && r.status.view === 0,
			);
			t.is(primary.status.replica, 0);
			const backup = await operator[1]!.waitFor(
				'replica 1 a backup',
				(r) => r.status.status === 'normal',
			);
			t.false(backup.status.primary);
		}

		// A write: its commit shows in both, and a sample of its events comes in full, with metadata.
		const written = await put(local.file, 'greeting', 'hello');
		t.is(written.exitCode, 0, `${String(written.stderr)}`);
		for (const operator of [first, second]) {
			await operator[0]!.waitFor('commit 1', (r) => r.status.commit >= 1);
		}

		await first[0]!.waitFor('a prepare sent, in full', (r) =>
			(r.telemetry?.events ?? []).some(
				(line) => parseEvent(line).event.join('.') === 'vsr.protocol.prepare.sent',
			),
		);
		const sampled = first[0]!.reports
			.flatMap((r) => r.telemetry?.events ?? [])
			.map((line) => parseEvent(line))
			.find((event) => event.event.join('.') === 'vsr.protocol.prepare.sent')!;
		t.is(sampled.metadata.node_id, 0);
		t.true(
			first[0]!.reports.some((r) => (r.telemetry?.counts?.['vsr.protocol.prepare.sent'] ?? 0) >= 1),
		);

		// One operator isolates replica 2; the other sees it in replica 2's faults.
		t.deepEqual(await isolate(local.cluster, 2), []);
		const cut = await second[2]!.waitFor('replica 2 cut off', (r) => r.faults.cut_to.length === 2);
		t.deepEqual(cut.faults.cut_from, [0, 1]);
		t.deepEqual(await heal(local.cluster), []);
		await second[2]!.waitFor('replica 2 healed', (r) => r.faults.cut_to.length === 0);

		// A stopped replica: its stream comes back once the replica is started again, from its new life.
		const stopping = first[1]!.reports.length;
		const {incarnation} = first[1]!.reports.at(-1)!.status;
		t.deepEqual(await stopReplica(local.cluster, 1), []);
		t.is(await local.servers[1]!.exited, 0);
		local.startReplica(1, ['--recover']);
		// A report of the old life may still arrive after `stopping`: the new one is told by its incarnation.
		const back = await first[1]!.waitFor(
			'replica 1 back, normal, in a new incarnation',
			(r) =>
				first[1]!.reports.indexOf(r) >= stopping &&
				r.status.status === 'normal' &&
				r.status.incarnation !== incarnation,
		);
		t.true(back.status.incarnation > incarnation);

		// One operator goes away: the cluster serves and the other still gets reports.
		for (const watcher of first) {
			watcher.stream.close();
		}

		const after = await put(local.file, 'after', 'detach');
		t.is(after.exitCode, 0, `${String(after.stderr)}`);
		const {commit} = first[0]!.reports.at(-1)!.status;
		await second[0]!.waitFor('the write after the detach', (r) => r.status.commit > commit);
	} finally {
		for (const watcher of watchers) {
			watcher.stream.close();
		}

		await local.stop();
	}

	t.false(existsSync(local.directory));
});
