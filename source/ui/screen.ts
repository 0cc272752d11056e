/**
The terminal's alternate screen, and the first thing shown on it: written before the screen's
libraries load (Ink and React take most of a second on a busy machine), so the operator opens at
once. Nothing here may import Ink, React or the cluster.
*/
import {Configuration} from '../vsr/configuration.js';

export const enterScreen = '\u001B[?1049h\u001B[2J\u001B[H';
export const leaveScreen = '\u001B[?25h\u001B[?1049l';

/**
Keys typed while Node itself starts are echoed by the terminal before the operator can turn the
echo off; they wait in the input for the screen, which acts on them, so their echo is erased:
the line the cursor is on holds nothing else (the operator has written nothing yet).
*/
export const eraseEcho = '\r\u001B[K';

/** What the screen says while its libraries load: the cluster it is about to start. */
export function openingFrame(replicas: number): string {
	const {f, quorum} = new Configuration(replicas);
	const size = `${replicas} ${replicas === 1 ? 'replica' : 'replicas'}`;
	return `vsr-tui  ${size} · f=${f} · quorum ${quorum}\r\nstarting the operator and ${size}…\r\n`;
}
