import type {Scenario} from './scenario.js';
import {duplicateRequest} from './scenarios/duplicate-request.js';
import {logChoice} from './scenarios/log-choice.js';
import {minority} from './scenarios/minority.js';
import {normal} from './scenarios/normal.js';
import {recovery} from './scenarios/recovery.js';
import {stateTransfer} from './scenarios/state-transfer.js';
import {viewChange} from './scenarios/view-change.js';

/** The lessons, in the order a class takes them. */
export const scenarios: readonly Scenario[] = [
	normal,
	viewChange,
	logChoice,
	recovery,
	stateTransfer,
	minority,
	duplicateRequest,
];

export function scenarioNamed(name: string): Scenario | undefined {
	return scenarios.find((scenario) => scenario.name === name);
}
