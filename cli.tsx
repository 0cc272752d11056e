#!/usr/bin/env node
import {readFileSync} from 'node:fs';
import process from 'node:process';
import {integerFlag} from './source/cli/flags.js';
import {defineMode, type Mode} from './source/cli/modes.js';
import {simFlags} from './source/sim/flags.js';
import {benchFlags, replayFlags, runFlags} from './source/cluster/flags.js';
import {runCli} from './source/cli/run.js';
import {operatorFlags} from './source/ui/flags.js';
import {
	benchTransportFlag,
	clientFlags,
	clusterFileFlag,
	clusterFlags,
	replicaFlags,
} from './source/tcp/flags.js';
import {learnFlags} from './source/lessons/flags.js';

// dist/cli.js → the package root, in the repository and in an installed package alike.
const packageJson: unknown = JSON.parse(
	readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
);

function packageField(name: 'version' | 'description'): string {
	const value: unknown =
		typeof packageJson === 'object' && packageJson !== null
			? Reflect.get(packageJson, name)
			: undefined;
	return typeof value === 'string' ? value : '';
}

/** Accepted by every mode, before or after the sub-command. */
const globalFlags = {
	replicas: integerFlag({
		description: 'Number of replicas in the cluster',
		min: 1,
		max: 9,
		default: 3,
	}),
};

/**
The modes, one entry each: `defineMode(globalFlags, {name, command, summary, example, flags,
run})`, whose `run` imports its implementation lazily (source/ui for the operator, source/sim,
source/cluster), so `--help` stays fast. --help is built from these entries.
*/
const modes: Mode[] = [
	defineMode(globalFlags, {
		name: 'operator',
		command: false,
		summary:
			'Start a cluster and watch and break it from the keyboard (needs a terminal; ? lists the keys)',
		example: '--replicas 5 --drop 0.05',
		flags: operatorFlags,
		async run({flags, stdout, stderr}) {
			const {runOperatorMode} = await import('./source/ui/main.js');
			if (flags.attach !== undefined) {
				// A running cluster of replica servers, rather than one the operator starts.
				const {attach} = await import('./source/tcp/attach.js');
				const attached = attach({...flags, attach: flags.attach});
				return runOperatorMode(
					{flags: {...flags, replicas: attached.replicas}, stdout, stderr},
					async (_settings, telemetry) => attached.start(telemetry),
				);
			}

			return runOperatorMode({flags, stdout, stderr});
		},
	}),
	defineMode(globalFlags, {
		name: 'sim',
		command: true,
		summary: 'Run the deterministic simulator over many seeds and check every run',
		example: 'sim --seeds 500 --faults heavy',
		flags: simFlags,
		async run({flags, stdout, stderr}) {
			const {simCommand} = await import('./source/sim/command.js');
			return simCommand(flags, stdout, stderr);
		},
	}),
	defineMode(globalFlags, {
		name: 'run',
		command: true,
		summary:
			'Run a workload on replica processes with scheduled faults (or on a running cluster: --cluster), then check the history',
		example: 'run --requests 500 --clients 8 --crash primary@200 --restart 0@300 --json',
		flags: {...runFlags, cluster: clusterFileFlag},
		async run({flags, stdout, stderr}) {
			const {cluster, ...rest} = flags;
			if (cluster !== undefined) {
				const {runRemoteCommand, checkRemoteRunFlags} = await import('./source/tcp/run-remote.js');
				checkRemoteRunFlags(rest);
				return runRemoteCommand({...rest, cluster}, {stdout, stderr});
			}

			const {runCommand} = await import('./source/cluster/run.js');
			return runCommand(rest, {stdout, stderr});
		},
	}),
	defineMode(globalFlags, {
		name: 'bench',
		command: true,
		summary:
			'Measure committed ops/s and latency on replica processes against a raw relay (and over TCP: --transport tcp)',
		example: 'bench --seconds 5 --clients 256 --transport tcp --json',
		flags: {...benchFlags, transport: benchTransportFlag},
		async run({flags, stdout, stderr}) {
			const {transport, ...rest} = flags;
			if (transport === 'tcp') {
				const {benchTcpCommand} = await import('./source/tcp/bench.js');
				return benchTcpCommand(rest, stdout, stderr);
			}

			const {benchCommand} = await import('./source/cluster/bench.js');
			return benchCommand(rest, stdout, stderr);
		},
	}),
	defineMode(globalFlags, {
		name: 'cluster',
		command: true,
		summary:
			'Write a cluster file for replica servers on several hosts (init), or act on a running one as an operator',
		example: 'cluster init --replicas 3 --hosts a:7001,b:7001,c:7001',
		flags: clusterFlags,
		inputUsage: 'init | status | isolate N | partition A,B | heal | stop N',
		async run({flags, input, stdout, stderr}) {
			const {clusterCommand} = await import('./source/tcp/cluster-command.js');
			return clusterCommand(input, flags, stdout, stderr);
		},
	}),
	defineMode(globalFlags, {
		name: 'replica',
		command: true,
		summary: 'Run one replica of a cluster file as a TCP server, until SIGINT or SIGTERM',
		example: 'replica --cluster cluster.json --id 0',
		flags: replicaFlags,
		async run({flags, stderr}) {
			const {replicaCommand} = await import('./source/tcp/replica-command.js');
			return replicaCommand(flags, stderr);
		},
	}),
	defineMode(globalFlags, {
		name: 'client',
		command: true,
		summary:
			'Send one operation (get KEY, put KEY VALUE, append KEY VALUE, cas KEY OLD NEW) to a cluster of replica servers and print the result',
		example: 'client --cluster cluster.json put k v',
		flags: clientFlags,
		inputUsage: 'get KEY | put KEY VALUE | append KEY VALUE | cas KEY OLD NEW',
		async run({flags, input, stdout, stderr}) {
			const {clientCommand} = await import('./source/tcp/client-command.js');
			return clientCommand(input, flags, stdout, stderr);
		},
	}),
	defineMode(globalFlags, {
		name: 'learn',
		command: true,
		summary:
			"List the lessons, or play one (guided scenarios on replica processes, each step captioned with the run's own numbers): on the operator's screen on a terminal, printed without one",
		example: 'learn view-change --record class.ndjson',
		flags: learnFlags,
		inputUsage: '[NAME]',
		async run({flags, input, stdout, stderr}) {
			const {learnCommand} = await import('./source/lessons/learn-command.js');
			// On a terminal the lesson opens the operator's screen; without one it prints (CI, a pipe).
			const screen =
				process.stdin.isTTY && process.stdout.isTTY
					? async (
							...[scenario, recorder]: Parameters<NonNullable<Parameters<typeof learnCommand>[3]>>
						) => {
							const {runLessonScreen} = await import('./source/ui/guided-screens.js');
							return runLessonScreen(scenario, recorder, stderr);
						}
					: undefined;
			return learnCommand(input, flags, {stdout, stderr}, screen);
		},
	}),
	defineMode(globalFlags, {
		name: 'replay',
		command: true,
		summary:
			'Play a recorded session (--record) back on fresh replicas, on the screen on a terminal, and check that the run is identical',
		example: 'replay class.ndjson',
		flags: replayFlags,
		inputUsage: 'FILE',
		async run({flags, input, stdout, stderr}) {
			const {replayCommand} = await import('./source/cluster/replay-command.js');
			// On a terminal the replay plays on the operator's screen; --check or no terminal: headless.
			const screen =
				process.stdin.isTTY && process.stdout.isTTY && !flags.check
					? async (...[session]: Parameters<NonNullable<Parameters<typeof replayCommand>[2]>>) => {
							const {runReplayScreen} = await import('./source/ui/guided-screens.js');
							return runReplayScreen(session, {paused: flags.paused}, stderr);
						}
					: undefined;
			return replayCommand(input, {stdout, stderr}, screen);
		},
	}),
];

process.exitCode = await runCli({
	programName: 'vsr-tui',
	version: packageField('version'),
	description: packageField('description'),
	argv: process.argv.slice(2),
	globalFlags,
	modes,
	stdout: process.stdout,
	stderr: process.stderr,
});
