import type {Model} from '../check/model.js';
import type {StateMachine} from '../vsr/state-machine.js';

/**
A replicated service of your own for the simulator: the state machine every replica runs, the
operations its clients send, and the sequential specification their history is checked
against (linearizability, with `checkModel`). Without one, the simulator runs the
key-value store with its own workload and checker.
*/
export type SimulatedService<State = unknown, Operation = unknown, Output = unknown> = {
	/** What each operation must return; the state machine's replies are checked against it. */
	readonly model: Model<State, Operation, Output>;
	/** A fresh state machine, for every replica and for every restart (a restart loses memory). */
	stateMachine(): StateMachine;
	/**
	The next operation of client `clientId`. Draw randomness only from `random` (the run's seeded
	generator), so that the same seed gives the same run.
	*/
	operation(clientId: number, random: () => number): Operation;
};
