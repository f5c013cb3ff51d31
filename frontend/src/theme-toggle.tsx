// The theme switch in the header: system / dark / light as a small radio group.
import type { ThemeChoice } from './use-theme.ts';

const CHOICES: readonly { value: ThemeChoice; label: string }[] = [
  { value: 'system', label: 'Auto' },
  { value: 'dark', label: 'Dark' },
  { value: 'light', label: 'Light' },
];

export function ThemeToggle({ choice, onChange }: { choice: ThemeChoice; onChange: (choice: ThemeChoice) => void }) {
  return (
    <fieldset className="segmented theme-toggle">
      <legend className="visually-hidden">Theme</legend>
      {CHOICES.map(({ value, label }) => (
        <label key={value} className="segment">
          <input type="radio" name="theme" value={value} checked={choice === value} onChange={() => onChange(value)} />
          <span>{label}</span>
        </label>
      ))}
    </fieldset>
  );
}
