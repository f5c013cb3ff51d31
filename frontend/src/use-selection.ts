// The selected asset and chart span as React state mirrored into the URL, so a view can be linked,
// reloaded and navigated with Back/Forward.
import { useCallback, useEffect, useState } from 'react';
import { readSelection, selectionSearch, type Selection } from './assets.ts';

export function useSelection(): [Selection, (next: Partial<Selection>) => void] {
  const [selection, setSelection] = useState(() => readSelection(window.location.search));

  useEffect(() => {
    const onPopState = () => setSelection(readSelection(window.location.search));
    window.addEventListener('popstate', onPopState);
    return () => window.removeEventListener('popstate', onPopState);
  }, []);

  const select = useCallback((next: Partial<Selection>) => {
    setSelection((previous) => {
      const merged = { ...previous, ...next };
      const search = selectionSearch(merged);
      if (search !== window.location.search) {
        window.history.pushState(null, '', `${window.location.pathname}${search}${window.location.hash}`);
      }
      return merged;
    });
  }, []);

  return [selection, select];
}
