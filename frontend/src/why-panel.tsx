// "Why it moved": the selected window against the one just before it, and the headlines that moved it
// most (each one's share of the change, from GET /api/v1/why). Refetched when the value moves.
import { WhyResponse, type AssetSymbol, type SentimentWindow } from '@barometer/schemas/api';
import { useEffect, useRef, useState } from 'react';
import { getJson, isAbort, type ApiResult } from './api-client.ts';
import { LabelBadge, safeHref } from './headline-list.tsx';
import { formatPoints } from './sentiment-class.ts';

/** The value moves with every item; the explanation needs no more than one request per few seconds. */
const REFRESH_DEBOUNCE_MS = 3_000;

const WINDOW_WORDS: Record<SentimentWindow, string> = { '1h': 'hour', '24h': '24 h', '7d': '7 days', '30d': '30 days' };

export interface WhyPanelProps {
  window: SentimentWindow;
  asset: AssetSymbol | null;
  /** Changes whenever the selected room's value changes (e.g. its item count and as_of): a refetch trigger. */
  version: string;
}

export function WhyPanel({ window: win, asset, version }: WhyPanelProps) {
  const [result, setResult] = useState<ApiResult<WhyResponse> | null>(null);
  const shownFor = useRef<string | null>(null);

  // A new selection loads at once; a new value for the same selection refetches after a pause, keeping
  // the old answer on screen meanwhile.
  useEffect(() => {
    const selection = `${win}:${asset ?? ''}`;
    const immediate = shownFor.current !== selection;
    if (immediate) setResult(null);
    const abort = new AbortController();
    const timer = setTimeout(
      () => {
        getJson('/api/v1/why', { window: win, asset, limit: 5 }, WhyResponse, abort.signal).then(
          (next) => {
            shownFor.current = selection;
            setResult(next);
          },
          (err: unknown) => {
            if (!isAbort(err)) setResult({ ok: false, reason: 'failed' });
          },
        );
      },
      immediate ? 0 : REFRESH_DEBOUNCE_MS,
    );
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [win, asset, version]);

  if (result === null) return <p className="muted" data-testid="why" data-state="loading">Loading…</p>;
  if (!result.ok) {
    return (
      <p className="muted" data-testid="why" data-state="unavailable">
        Unavailable ({result.reason}).
      </p>
    );
  }
  const { current, previous, change, items } = result.data;
  return (
    <div data-testid="why" data-state="ready">
      <p className="why-summary">
        {change === null || current.index === null || previous.index === null ? (
          <>Not enough items in this or the previous {WINDOW_WORDS[win]} to compare.</>
        ) : (
          <>
            <strong className="num">{formatPoints(current.index - previous.index)}</strong> points over the last {WINDOW_WORDS[win]}:{' '}
            <span className="num">{previous.index}</span> → <span className="num">{current.index}</span> ({previous.n} → {current.n}{' '}
            items).
          </>
        )}
      </p>
      {items.length > 0 && (
        <ol className="why-items">
          {items.map(({ item, contribution }) => {
            const href = safeHref(item.url);
            return (
              <li key={item.id} className={`why-item label-${item.label}`}>
                <span className={`why-contribution num tone-${contribution >= 0 ? 'positive' : 'negative'}`}>
                  {formatPoints(contribution * 50)}
                </span>
                <span className="why-title">
                  {href ? (
                    <a href={href} target="_blank" rel="noopener noreferrer">
                      {item.title}
                    </a>
                  ) : (
                    item.title
                  )}
                </span>
                <LabelBadge item={item} />
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
