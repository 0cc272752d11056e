import {describeEntry, type HistoryEntry, HistoryRecorder} from '../check/history.js';
import {checkLinearizable} from '../check/linearizability.js';
import {checkModel, type ModelEntry, ModelHistory} from '../check/model.js';
import type {KvOperation} from '../vsr/kv-store.js';
import type {Result} from '../vsr/state-machine.js';
import type {SimulatedService} from './service.js';

/** What the history's check found: a violation, a search that gave up, or neither. */
export type HistoryVerdict = {
	readonly violation: string | undefined;
	readonly unknown: string | undefined;
};

/**
The clients' history of one run, for the key-value store or for a service of the caller's, and
its check at the end: linearizability (the key-value checker, or the service's model).
*/
export class RunHistory {
	private readonly kv = new HistoryRecorder();
	private readonly model = new ModelHistory<unknown, unknown>();

	constructor(
		private readonly service: SimulatedService | undefined,
		private readonly maxSearchSteps: number | undefined,
	) {}

	/** Records a call; the index to complete it with. */
	invoke(
		clientId: number,
		command: KvOperation | undefined,
		operation: unknown,
		now: number,
	): number | undefined {
		if (this.service) {
			return this.model.invoke(clientId, operation, now);
		}

		return command ? this.kv.invoke(clientId, command, now) : undefined;
	}

	complete(index: number, result: Result, now: number): void {
		if (!this.service) {
			this.kv.complete(index, output(result), now);
		} else if (result.ok) {
			this.model.complete(index, result.value, now);
		} else {
			this.model.fail(index, result.error, now);
		}
	}

	/** How a result is written in the trace. */
	describe(result: Result): string {
		return JSON.stringify(this.service ? result : output(result));
	}

	check(): HistoryVerdict {
		if (this.service) {
			const result = checkModel(this.service.model, this.model.entries(), {
				maxSteps: this.maxSearchSteps,
			});
			return {
				violation: result.ok === false ? result.reason : undefined,
				unknown: result.ok === 'unknown' ? result.reason : undefined,
			};
		}

		const result = checkLinearizable(this.kv.entries(), {maxSteps: this.maxSearchSteps});
		return {
			violation:
				result.ok === false
					? `key ${result.key}: ${result.reason}\n${result.entries.map((entry) => `    ${describeEntry(entry)}`).join('\n')}`
					: undefined,
			// Neither a pass nor a violation: reported on its own.
			unknown: result.ok === 'unknown' ? result.reason : undefined,
		};
	}

	entries(): readonly HistoryEntry[] {
		return this.kv.entries();
	}

	serviceEntries(): ReadonlyArray<ModelEntry<unknown, unknown>> {
		return this.model.entries();
	}
}

function output(result: Result): Exclude<HistoryEntry['output'], undefined> {
	if (!result.ok) {
		return {error: result.error};
	}

	const {value} = result;
	return typeof value === 'string' || typeof value === 'boolean' || value === null
		? value
		: {error: `unexpected result ${JSON.stringify(value)}`};
}
