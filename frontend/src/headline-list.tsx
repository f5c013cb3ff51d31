// The latest scored headlines, coloured by label, with the model's probabilities on hover or focus.
// Titles come from outside feeds, so they are only ever rendered as React text (never HTML), and links
// only when they are http(s).
import type { AssetSymbol } from '@barometer/schemas/api';
import type { ScoredItem } from '@barometer/schemas/items';
import { useId } from 'react';
import { formatClock, formatFull, formatRelative } from './local-time.ts';
import { useNow } from './use-now.ts';

function percent(p: number): string {
  return `${Math.round(p * 100)}%`;
}

/** Only web links become anchors; anything else (javascript:, data:, …) is shown as plain text. */
export function safeHref(url: string | null): string | null {
  if (url === null) return null;
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:' ? url : null;
  } catch {
    return null;
  }
}

/** The label, with a tooltip of the three probabilities; focusable so keyboards get the tooltip too. */
export function LabelBadge({ item }: { item: Pick<ScoredItem, 'label' | 'negative' | 'neutral' | 'positive' | 'score'> }) {
  const tipId = useId();
  return (
    <span className="label-badge" tabIndex={0} aria-describedby={tipId}>
      {item.label}
      <span className="tooltip" role="tooltip" id={tipId}>
        <span className="prob prob-negative">negative {percent(item.negative)}</span>
        <span className="prob prob-neutral">neutral {percent(item.neutral)}</span>
        <span className="prob prob-positive">positive {percent(item.positive)}</span>
        <span className="prob">score {item.score.toFixed(2)}</span>
      </span>
    </span>
  );
}

function Headline({ item, now, onSelectAsset }: { item: ScoredItem; now: number; onSelectAsset: (asset: AssetSymbol) => void }) {
  const href = safeHref(item.url);
  return (
    <li className={`headline label-${item.label}`} data-testid="headline" data-id={item.id} data-label={item.label}>
      <div className="headline-title" data-testid="headline-title">
        {href ? (
          <a href={href} target="_blank" rel="noopener noreferrer">
            {item.title}
          </a>
        ) : (
          <span>{item.title}</span>
        )}
      </div>
      <div className="headline-meta">
        <LabelBadge item={item} />
        <span className="source">{item.source}</span>
        {item.assets.slice(0, 4).map((asset) => (
          <button
            key={asset}
            type="button"
            className="asset-chip"
            onClick={() => onSelectAsset(asset)}
            title={`Show ${asset}`}
          >
            {asset}
          </button>
        ))}
        <span className="when">
          {formatRelative(item.published_at, now)} ·{' '}
          <time dateTime={item.published_at} title={formatFull(item.published_at)}>
            {formatClock(item.published_at, new Date(now))}
          </time>
        </span>
      </div>
    </li>
  );
}

export interface HeadlineListProps {
  items: readonly ScoredItem[];
  loading: boolean;
  onSelectAsset: (asset: AssetSymbol) => void;
}

export function HeadlineList({ items, loading, onSelectAsset }: HeadlineListProps) {
  const now = useNow(30_000);
  return (
    <ul className="headlines" data-testid="headlines" aria-live="polite" aria-relevant="additions">
      {items.length === 0 ? (
        <li className="headlines-empty">{loading ? 'Waiting for headlines…' : 'No headlines yet'}</li>
      ) : (
        items.map((item) => <Headline key={item.id} item={item} now={now} onSelectAsset={onSelectAsset} />)
      )}
    </ul>
  );
}
