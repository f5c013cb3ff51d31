// The latest scored headlines, coloured by label. Titles come from outside feeds, so they are only
// ever rendered as React text, and links only when they are http(s).
import type { ScoredItem } from '@barometer/schemas/items';
import { formatClock, formatFull, formatRelative } from './local-time.ts';
import { useNow } from './use-now.ts';

function percent(p: number): string {
  return `${Math.round(p * 100)}%`;
}

function describeScores(item: ScoredItem): string {
  return (
    `negative ${percent(item.negative)} · neutral ${percent(item.neutral)} · positive ${percent(item.positive)}` +
    `\nscore ${item.score.toFixed(3)} · entropy ${item.entropy.toFixed(3)} · model ${item.model_version}`
  );
}

/** Only web links become anchors; anything else (javascript:, data:, …) is shown as plain text. */
function safeHref(url: string | null): string | null {
  if (url === null) return null;
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:' ? url : null;
  } catch {
    return null;
  }
}

function Headline({ item, now }: { item: ScoredItem; now: number }) {
  const href = safeHref(item.url);
  return (
    <li className={`headline label-${item.label}`} data-testid="headline" data-id={item.id} data-label={item.label}>
      <div className="headline-title">
        {href ? (
          <a href={href} target="_blank" rel="noopener noreferrer">
            {item.title}
          </a>
        ) : (
          <span>{item.title}</span>
        )}
      </div>
      <div className="headline-meta">
        <span className="label-badge" title={describeScores(item)}>
          {item.label}
        </span>
        <span className="source">{item.source}</span>
        {item.assets.length > 0 && <span className="assets">{item.assets.slice(0, 4).join(' ')}</span>}
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

export function HeadlineList({ items }: { items: readonly ScoredItem[] }) {
  const now = useNow(30_000);
  if (items.length === 0) {
    return (
      <ul className="headlines" data-testid="headlines">
        <li className="headlines-empty">Waiting for headlines…</li>
      </ul>
    );
  }
  return (
    <ul className="headlines" data-testid="headlines">
      {items.map((item) => (
        <Headline key={item.id} item={item} now={now} />
      ))}
    </ul>
  );
}
