import type {LinkFaults} from '../net/network-model.js';
import type {KvOperation} from '../vsr/kv-store.js';

/** What the operator did, by name: the methods of the process cluster that change the run. */
export const actionNames = [
	'submit',
	'burst',
	'setLoad',
	'crash',
	'restart',
	'crashAll',
	'restartAll',
	'reset',
	'isolate',
	'partition',
	'heal',
	'setDropRate',
	'setDelay',
	'setNodeDropRate',
	'setNodeDelay',
	'setFaults',
	'setNodeFaults',
	'setLinkFaults',
	'setDeaf',
	'setMute',
	'setCut',
	'freeze',
	'forceTimeout',
	'deliver',
	'drop',
] as const;

/** One of `actionNames`. */
export type ActionName = (typeof actionNames)[number];

/**
One action of the operator at the virtual time it took effect (ns since the cluster started), with
the arguments of the call: a session's log is a plain list of these, in order. In a seeded
session the seed and this list make the run: replayed at the same times (`ProcessClusterOptions
.actions`), they give the same run, event for event. Time itself (pause, resume, speed, a tick
stepped by hand) is not in the list: it changes when things happen in wall time, not what
happens in virtual time. A message delivered out of its turn is (`deliver`, with its number).
*/
export type LoggedAction = {
	readonly at: number;
	readonly action: ActionName;
	readonly args: readonly unknown[];
};

/** The calls a logged action replays. */
export type ActionTarget = {
	submit(operation?: KvOperation): Promise<unknown>;
	burst(count: number): void;
	setLoad(on: boolean): void;
	crash(node: number): void;
	restart(node: number): void;
	crashAll(): void;
	restartAll(): void;
	reset(): Promise<void>;
	isolate(node: number): void;
	partition(sideA: readonly number[], sideB: readonly number[]): void;
	heal(node?: number): void;
	setDropRate(rate: number): void;
	setDelay(ms: number): void;
	setNodeDropRate(node: number, rate: number): void;
	setNodeDelay(node: number, ms: number): void;
	setFaults(faults: Partial<LinkFaults>): void;
	setNodeFaults(node: number, faults: Partial<LinkFaults>): void;
	setLinkFaults(from: number, to: number, faults: Partial<LinkFaults>): void;
	setDeaf(node: number, on: boolean): void;
	setMute(node: number, on: boolean): void;
	setCut(from: number, to: number, on: boolean): void;
	freeze(node: number, on: boolean): void;
	forceTimeout(node: number): void;
	deliver(id: number): Promise<unknown>;
	drop(id: number): boolean;
};

/* eslint-disable @typescript-eslint/no-unsafe-type-assertion -- a log is data this process wrote; a wrong argument fails in the call it names */
/** Calls the action on `target` with its arguments. */
export function replay(target: ActionTarget, logged: LoggedAction): void {
	const a = logged.args;
	const settle = (promise: Promise<unknown>) => {
		promise.catch(() => undefined);
	};

	switch (logged.action) {
		case 'submit': {
			settle(target.submit(a[0] as KvOperation | undefined));
			break;
		}

		case 'burst': {
			target.burst(a[0] as number);
			break;
		}

		case 'setLoad': {
			target.setLoad(a[0] as boolean);
			break;
		}

		case 'crash': {
			target.crash(a[0] as number);
			break;
		}

		case 'restart': {
			target.restart(a[0] as number);
			break;
		}

		case 'crashAll': {
			target.crashAll();
			break;
		}

		case 'restartAll': {
			target.restartAll();
			break;
		}

		case 'reset': {
			settle(target.reset());
			break;
		}

		case 'isolate': {
			target.isolate(a[0] as number);
			break;
		}

		case 'partition': {
			target.partition(a[0] as number[], a[1] as number[]);
			break;
		}

		case 'heal': {
			target.heal(a[0] as number | undefined);
			break;
		}

		case 'setDropRate': {
			target.setDropRate(a[0] as number);
			break;
		}

		case 'setDelay': {
			target.setDelay(a[0] as number);
			break;
		}

		case 'setNodeDropRate': {
			target.setNodeDropRate(a[0] as number, a[1] as number);
			break;
		}

		case 'setNodeDelay': {
			target.setNodeDelay(a[0] as number, a[1] as number);
			break;
		}

		case 'setFaults': {
			target.setFaults(a[0] as Partial<LinkFaults>);
			break;
		}

		case 'setNodeFaults': {
			target.setNodeFaults(a[0] as number, a[1] as Partial<LinkFaults>);
			break;
		}

		case 'setLinkFaults': {
			target.setLinkFaults(a[0] as number, a[1] as number, a[2] as Partial<LinkFaults>);
			break;
		}

		case 'setDeaf': {
			target.setDeaf(a[0] as number, a[1] as boolean);
			break;
		}

		case 'setMute': {
			target.setMute(a[0] as number, a[1] as boolean);
			break;
		}

		case 'setCut': {
			target.setCut(a[0] as number, a[1] as number, a[2] as boolean);
			break;
		}

		case 'freeze': {
			target.freeze(a[0] as number, a[1] as boolean);
			break;
		}

		case 'forceTimeout': {
			target.forceTimeout(a[0] as number);
			break;
		}

		case 'deliver': {
			settle(target.deliver(a[0] as number));
			break;
		}

		case 'drop': {
			target.drop(a[0] as number);
			break;
		}
	}
}
/* eslint-enable @typescript-eslint/no-unsafe-type-assertion */
