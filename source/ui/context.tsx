import React, {type ReactNode, createContext, useContext, useSyncExternalStore} from 'react';
import type {View} from './slices.js';
import type {UiStore} from './store.js';
import {type Theme, createTheme} from './theme.js';

const StoreContext = createContext<UiStore | undefined>(undefined);
const ThemeContext = createContext<Theme>(createTheme({}));

export function StoreProvider(props: {
	readonly store: UiStore;
	readonly theme: Theme;
	readonly children: ReactNode;
}) {
	return (
		<StoreContext.Provider value={props.store}>
			<ThemeContext.Provider value={props.theme}>{props.children}</ThemeContext.Provider>
		</StoreContext.Provider>
	);
}

export function useStore(): UiStore {
	const store = useContext(StoreContext);
	if (store === undefined) {
		throw new Error('useStore needs a StoreProvider');
	}

	return store;
}

export function useTheme(): Theme {
	return useContext(ThemeContext);
}

/** One slice of the store's view; the component renders again only when that slice changes. */
export function useSlice<K extends keyof View>(name: K): View[K] {
	const store = useStore();
	return useSyncExternalStore(store.subscribe, () => store.getView()[name]);
}

/** A value derived from the view; it must be a primitive (or otherwise stable) to avoid needless renders. */
export function useSelect<T>(select: (view: View) => T): T {
	const store = useStore();
	return useSyncExternalStore(store.subscribe, () => select(store.getView()));
}
