import {Configuration} from '../vsr/configuration.js';
import type {ClusterSnapshot} from './operator-api.js';

/** What the nemesis does to a cluster: the process cluster's own fault controls. */
export type NemesisTarget = {
	snapshot(): ClusterSnapshot;
	crash(node: number): void;
	restart(node: number): void;
	freeze(node: number, on: boolean): void;
	partition(sideA: readonly number[], sideB: readonly number[]): void;
	setCut(from: number, to: number, on: boolean): void;
	heal(): void;
};

/** How many faults of each kind the nemesis made. */
export type NemesisCounts = {
	crashes: number;
	restarts: number;
	freezes: number;
	partitions: number;
	cuts: number;
	heals: number;
};

/**
A Jepsen-style nemesis for `vsr-tui run --chaos`: every 0.2 to 1 s it picks a fault at random, on
real processes under load, within VR's failure model (at most f replicas crashed or recovering
at once; a frozen replica is only slow): crash a replica (the primary half the time), restart a
crashed one, freeze one for up to 2 s (SIGSTOP, then SIGCONT), partition the replicas in two, cut
one direction of a link, or heal the network. `stop` ends it: the network heals, frozen replicas
go on and crashed ones restart, so that every request can be answered.
*/
export class Nemesis {
	readonly counts: NemesisCounts = {
		crashes: 0,
		restarts: 0,
		freezes: 0,
		partitions: 0,
		cuts: 0,
		heals: 0,
	};

	private timer: NodeJS.Timeout | undefined;
	private readonly thaws = new Map<number, NodeJS.Timeout>();
	private readonly f: number;

	constructor(
		private readonly cluster: NemesisTarget,
		private readonly random: () => number = Math.random,
	) {
		this.f = new Configuration(cluster.snapshot().nodes.length).f;
	}

	start(): void {
		this.schedule();
	}

	/** Ends the faults: heals, thaws and restarts. */
	stop(): void {
		clearTimeout(this.timer);
		this.timer = undefined;
		for (const [node, timer] of this.thaws) {
			clearTimeout(timer);
			this.cluster.freeze(node, false);
		}

		this.thaws.clear();
		this.cluster.heal();
		for (const node of this.cluster.snapshot().nodes) {
			if (node.status === 'crashed') {
				this.cluster.restart(node.id);
				this.counts.restarts++;
			}
		}
	}

	private schedule(): void {
		this.timer = setTimeout(
			() => {
				this.act();
				this.schedule();
			},
			200 + this.random() * 800,
		);
	}

	private act(): void {
		const {nodes, primary} = this.cluster.snapshot();
		const n = nodes.length;
		const crashed = nodes.filter((node) => node.status === 'crashed').map((node) => node.id);
		const down = nodes.filter((node) =>
			['crashed', 'recovering', 'starting'].includes(node.status),
		).length;
		const awake = nodes
			.filter((node) => node.status !== 'crashed' && !this.thaws.has(node.id))
			.map((node) => node.id);
		const pick = <T>(items: readonly T[]): T => items[Math.floor(this.random() * items.length)]!;
		// The faults possible now, each as likely as the others.
		const actions: Array<() => void> = [];
		if (down < this.f && awake.length > 0) {
			actions.push(() => {
				const node =
					primary !== undefined && awake.includes(primary) && this.random() < 0.5
						? primary
						: pick(awake);
				this.cluster.crash(node);
				this.counts.crashes++;
			});
		}

		if (crashed.length > 0) {
			actions.push(() => {
				this.cluster.restart(pick(crashed));
				this.counts.restarts++;
			});
		}

		if (awake.length > 0 && n > 1) {
			actions.push(() => {
				this.freeze(pick(awake));
			});
		}

		if (n > 1) {
			actions.push(
				() => {
					const sideA = nodes.map((node) => node.id).filter(() => this.random() < 0.5);
					const sideB = nodes.map((node) => node.id).filter((id) => !sideA.includes(id));
					if (sideA.length > 0 && sideB.length > 0) {
						this.cluster.partition(sideA, sideB);
						this.counts.partitions++;
					}
				},
				() => {
					const from = Math.floor(this.random() * n);
					const to = (from + 1 + Math.floor(this.random() * (n - 1))) % n;
					this.cluster.setCut(from, to, true);
					this.counts.cuts++;
				},
				() => {
					this.cluster.heal();
					this.counts.heals++;
				},
			);
		}

		if (actions.length > 0) {
			pick(actions)();
		}
	}

	/** Stops a replica for 0.1 to 2 s. */
	private freeze(node: number): void {
		this.cluster.freeze(node, true);
		this.counts.freezes++;
		this.thaws.set(
			node,
			setTimeout(
				() => {
					this.thaws.delete(node);
					this.cluster.freeze(node, false);
				},
				100 + this.random() * 1900,
			),
		);
	}
}
