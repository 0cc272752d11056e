import {useInput, useStdin} from 'ink';
import {useCallback} from 'react';
import {useStore} from './context.js';
import {type KeyFlags, keysOf} from './keymap.js';

/**
The keyboard, while the terminal gives it to us: each key (several may arrive in one chunk) is
looked up in the keymap (where the keys act now: the message pane has keys of its own while it
has the focus) and its command carried out by the store.
*/
export function useKeys(): void {
	const store = useStore();
	const {isRawModeSupported} = useStdin();
	const onInput = useCallback(
		(input: string, key: KeyFlags) => {
			for (const name of keysOf(input, key)) {
				store.press(name);
			}
		},
		[store],
	);
	// Ink's type says boolean, but it is `stdin.isTTY`: undefined on a pipe, which useInput reads as active.
	// eslint-disable-next-line @typescript-eslint/no-unnecessary-boolean-literal-compare
	useInput(onInput, {isActive: isRawModeSupported === true});
}
