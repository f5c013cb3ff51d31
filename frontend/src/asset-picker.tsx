// Overall or one asset: a radio group (arrow keys move within it), so the choice is one tab stop.
import type { AssetSymbol } from '@barometer/schemas/api';
import { PICKER_ASSETS } from './assets.ts';

export function AssetPicker({ asset, onChange }: { asset: AssetSymbol | null; onChange: (asset: AssetSymbol | null) => void }) {
  const options: readonly (AssetSymbol | null)[] = [null, ...PICKER_ASSETS];
  // A deep link to a symbol outside the list still shows as selected.
  const shown = asset && !options.includes(asset) ? [...options, asset] : options;
  return (
    <fieldset className="segmented asset-picker" data-testid="asset-picker">
      <legend className="visually-hidden">Asset</legend>
      {shown.map((symbol) => (
        <label key={symbol ?? 'overall'} className="segment">
          <input
            type="radio"
            name="asset"
            value={symbol ?? ''}
            checked={asset === symbol}
            onChange={() => onChange(symbol)}
            data-testid={`asset-${symbol ?? 'overall'}`}
          />
          <span>{symbol ?? 'Overall'}</span>
        </label>
      ))}
    </fieldset>
  );
}
