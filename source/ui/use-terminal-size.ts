import {useStdout} from 'ink';
import {useCallback, useEffect, useState} from 'react';

export type TerminalSize = {readonly columns: number; readonly rows: number};

/** The terminal's size, following resizes; `fixed` (for tests) is used as it is. */
export function useTerminalSize(fixed?: TerminalSize): TerminalSize {
	const {stdout} = useStdout();
	const read = useCallback(
		(): TerminalSize => ({columns: stdout.columns || 80, rows: stdout.rows || 24}),
		[stdout],
	);
	const [size, setSize] = useState(read);
	useEffect(() => {
		if (fixed !== undefined) {
			return;
		}

		const onResize = () => {
			setSize(read());
		};

		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout, read, fixed]);
	return fixed ?? size;
}
