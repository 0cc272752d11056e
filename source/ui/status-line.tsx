import {Text} from 'ink';
import React, {memo} from 'react';
import {useSlice, useTheme} from './context.js';

/** What the last key did, in words. */
export const StatusLine = memo(() => {
	const status = useSlice('status');
	const theme = useTheme();
	if (status === undefined) {
		return <Text wrap="truncate"> </Text>;
	}

	const color =
		status.tone === 'error'
			? theme.color('error')
			: status.tone === 'warn'
				? theme.color('warn')
				: undefined;
	return (
		<Text wrap="truncate" color={color}>
			» {status.text}
		</Text>
	);
});
