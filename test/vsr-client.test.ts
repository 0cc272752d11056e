import test from 'ava';
import {events} from '../source/telemetry/catalogue.js';
import {InvariantViolation} from '../source/vsr/assert.js';
import {Client} from '../source/vsr/client.js';
import type {Reply} from '../source/vsr/messages.js';
import {Cluster, append, get, put} from './helpers/cluster-harness.js';

const reply = (fields: Partial<Reply> & Pick<Reply, 'requestNumber'>): Reply => ({
	type: 'reply',
	view: 0,
	clientId: 5,
	result: {ok: true, value: 'ok'},
	...fields,
});

test('a client numbers its requests 1, 2, 3 and sends each to the primary it knows', (t) => {
	const client = new Client({clientId: 5, replicaCount: 3});
	t.false(client.busy);
	t.is(client.primary, 0);
	t.deepEqual(client.submit(put('a', '1')), [
		{
			to: 'replica',
			replica: 0,
			message: {type: 'request', clientId: 5, requestNumber: 1, operation: put('a', '1')},
		},
	]);
	t.true(client.busy);
	t.throws(
		() => client.submit(get('a')),
		{instanceOf: InvariantViolation},
		'one request at a time',
	);
	t.deepEqual(client.onReply(reply({requestNumber: 1})), {
		requestNumber: 1,
		operation: put('a', '1'),
		result: {ok: true, value: 'ok'},
	});
	t.false(client.busy);
	const [next] = client.submit(get('a'));
	t.like(next?.message, {requestNumber: 2});
	t.is(client.lastRequestNumber, 2);
});

test('a client ignores replies to other requests and other clients, but learns the view from any reply', (t) => {
	const client = new Client({clientId: 5, replicaCount: 3});
	client.submit(put('a', '1'));
	client.onReply(reply({requestNumber: 1}));
	client.submit(put('a', '2'));
	t.is(client.onReply(reply({requestNumber: 1})), undefined, 'a late duplicate of request 1');
	t.is(client.onReply(reply({requestNumber: 2, clientId: 6})), undefined);
	t.true(client.busy);
	t.is(client.onReply(reply({requestNumber: 3, view: 4})), undefined);
	t.is(client.primary, 1, 'view 4 of 3 replicas is led by replica 1');
	t.is(client.onReply(reply({requestNumber: 3, view: 2})), undefined);
	t.is(client.primary, 1, 'the view never goes back');
	t.like(client.onReply(reply({requestNumber: 2, view: 4})), {requestNumber: 2});
	const [next] = client.submit(get('a'));
	t.like(next, {replica: 1});
});

test('a client resends to every replica after its timeout, with a client.retry event', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	const client = cluster.createClient(5, 10);
	cluster.submit(client, put('a', '1'));
	cluster.queue = []; // Lost.
	cluster.tickClient(client, 9);
	t.deepEqual(cluster.queue, []);
	cluster.tickClient(client);
	t.deepEqual(
		cluster.pending({from: 'client'}).map((envelope) => envelope.to),
		[0, 1, 2],
	);
	const [retry] = cluster.eventsOf(events.clientRetry);
	t.like(retry, {measurements: {attempt: 2}, metadata: {client_id: 5, request_number: 1}});
	cluster.run();
	t.deepEqual(cluster.completions, [
		{requestNumber: 1, operation: put('a', '1'), result: {ok: true, value: 'ok'}},
	]);
	t.is(cluster.repliesTo(5).length, 1, 'only the primary answers');
	t.false(client.busy);
});

test('a client finds the new primary after a view change, and its retried write executes once', (t) => {
	const cluster = new Cluster({replicaCount: 3});
	const client = cluster.createClient(5, 30);
	cluster.submit(client, append('k', 'x'));
	cluster.run((envelope) => envelope.to !== 'client'); // Committed, but the reply is lost…
	cluster.queue = [];
	cluster.crash(0); // …and the primary crashes.

	cluster.settle(() => !client.busy && cluster.primary?.view === 1, {
		selector: (envelope) => envelope.to !== 0,
	});
	t.is(client.primary, 1);
	t.deepEqual(cluster.completions.at(-1)?.result, {ok: true, value: 'ok'});
	cluster.queue = [];
	cluster.submit(client, get('k'));
	t.like(cluster.pending({from: 'client'})[0], {to: 1});
	cluster.run();
	t.deepEqual(cluster.completions.at(-1), {
		requestNumber: 2,
		operation: get('k'),
		result: {ok: true, value: 'x'},
	});
});
