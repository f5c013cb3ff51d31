// Dark and light themes: the system's choice by default, or the viewer's, remembered in localStorage.
// The choice is a `data-theme` attribute on <html>, set before React renders so nothing flashes and the
// chart (whose effects run before its parent's) reads the right colours.
import { useEffect, useState } from 'react';

export type ThemeChoice = 'system' | 'dark' | 'light';
export type ResolvedTheme = 'dark' | 'light';

const STORAGE_KEY = 'barometer.theme';
const lightQuery = () => window.matchMedia('(prefers-color-scheme: light)');

function readChoice(): ThemeChoice {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    return stored === 'dark' || stored === 'light' ? stored : 'system';
  } catch {
    // Storage can be blocked (privacy settings); the system theme still works.
    return 'system';
  }
}

/** Applies a choice to the document; called once before the first render and on every change. */
export function applyThemeChoice(choice: ThemeChoice = readChoice()): void {
  if (choice === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
}

export function useTheme(): { choice: ThemeChoice; resolved: ResolvedTheme; setChoice: (choice: ThemeChoice) => void } {
  const [choice, setChoiceState] = useState(readChoice);
  const [systemLight, setSystemLight] = useState(() => lightQuery().matches);

  useEffect(() => {
    const query = lightQuery();
    const onChange = () => setSystemLight(query.matches);
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, []);

  const setChoice = (next: ThemeChoice) => {
    applyThemeChoice(next);
    try {
      if (next === 'system') window.localStorage.removeItem(STORAGE_KEY);
      else window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not remembered, still applied.
    }
    setChoiceState(next);
  };

  const resolved: ResolvedTheme = choice === 'system' ? (systemLight ? 'light' : 'dark') : choice;
  return { choice, resolved, setChoice };
}
