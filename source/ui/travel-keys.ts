/**
What each key does while time travels, in a seeded session: `,` and `.` move through the timeline;
in the past, a key that acts on the cluster (a crash, a partition, a request, a fault setting, the
answer to X or W, a message of the pane delivered or dropped) forks a new timeline first, `space` goes back to the present (and lets time run),
`n` goes forward like `.`, `t` is refused (a tick is the present's), and the screen's own keys
(selection, feed, diagram, help) act on the past shown. One entry per action: a new key must say
which it is.
*/
import type {Action} from './keymap.js';

export type TravelRole = 'back' | 'forward' | 'fork' | 'present' | 'refuse' | 'screen';

const inThePast: Readonly<Record<Action, TravelRole>> = {
	back: 'back',
	forward: 'forward',
	step: 'forward',
	togglePause: 'present',
	tick: 'refuse',
	submit: 'fork',
	burst: 'fork',
	toggleLoad: 'fork',
	crash: 'fork',
	restart: 'fork',
	forceTimeout: 'fork',
	restartAll: 'fork',
	isolate: 'fork',
	partition: 'fork',
	deaf: 'fork',
	mute: 'fork',
	freeze: 'fork',
	heal: 'fork',
	dropUp: 'fork',
	dropDown: 'fork',
	delayUp: 'fork',
	delayDown: 'fork',
	jitterUp: 'fork',
	jitterDown: 'fork',
	// Out of turn, in the new timeline: the past's messages in flight have the same numbers there.
	deliverSelected: 'fork',
	dropSelected: 'fork',
	// These ask first (y acts, and forks).
	crashAll: 'screen',
	reset: 'screen',
	confirm: 'screen',
	selectPrevious: 'screen',
	selectNext: 'screen',
	selectNode: 'screen',
	mark: 'screen',
	faultTarget: 'screen',
	faster: 'screen',
	slower: 'screen',
	toggleMessages: 'screen',
	focus: 'screen',
	messageUp: 'screen',
	messageDown: 'screen',
	messageNumber: 'screen',
	toggleDiagram: 'screen',
	scrollBack: 'screen',
	scrollForward: 'screen',
	toggleNarration: 'screen',
	toggleHeartbeats: 'screen',
	filter: 'screen',
	filterBack: 'screen',
	clearFeed: 'screen',
	toggleFeed: 'screen',
	// A lesson takes the cluster's place: from the present.
	lessons: 'present',
	help: 'screen',
	closeHelp: 'screen',
	quit: 'screen',
};

/** The role of a key's action: at the present only `,` and `.` are time travel's. */
export function travelRole(action: Action, inPast: boolean, asking: boolean): TravelRole {
	if (!inPast) {
		return action === 'back' || action === 'forward' ? action : 'screen';
	}

	if (action === 'confirm' && asking) {
		return 'fork';
	}

	return inThePast[action];
}
