// Per-source freshness: "last item 3 min ago" for each source, from GET /api/v1/sources (ingest's health
// reports). Without that endpoint, the newest headline per source seen on this page stands in.
import { SourcesResponse, type SourceHealth } from '@barometer/schemas/api';
import type { ScoredItem } from '@barometer/schemas/items';
import { useEffect, useState } from 'react';
import { getJson, isAbort, type ApiResult } from './api-client.ts';
import { formatFull, formatRelative } from './local-time.ts';
import { useNow } from './use-now.ts';

const POLL_MS = 30_000;
/** A source whose newest item is older than this is flagged: feeds that publish hourly are quiet, not dead, before that. */
const QUIET_AFTER_MS = 6 * 3600_000;

interface Row {
  key: string;
  name: string;
  status: SourceHealth['status'] | 'seen';
  lastItemAt: string | null;
  detail: string | null;
}

/** The newest publication time per source among the headlines this page has seen. */
function newestBySource(items: readonly ScoredItem[]): Map<string, string> {
  const newest = new Map<string, string>();
  for (const item of items) {
    const seen = newest.get(item.source);
    if (!seen || seen < item.published_at) newest.set(item.source, item.published_at);
  }
  return newest;
}

const later = (a: string | null, b: string | undefined): string | null => (b && (!a || b > a) ? b : a);

/** Health reports come every poll; a headline seen since then is fresher evidence, so the later of the two wins. */
function rowsFromHealth(sources: readonly SourceHealth[], items: readonly ScoredItem[]): Row[] {
  const seen = newestBySource(items);
  return sources
    .map((s) => ({
      key: s.id,
      name: s.name,
      status: s.status,
      lastItemAt: later(s.last_item_at, seen.get(s.name)),
      detail: s.status === 'failing' ? `failing ${s.consecutive_failures}× ${s.last_error ? `: ${s.last_error}` : ''}` : null,
    }))
    .sort((a, b) => (b.lastItemAt ?? '').localeCompare(a.lastItemAt ?? ''));
}

function rowsFromItems(items: readonly ScoredItem[]): Row[] {
  return [...newestBySource(items)]
    .map(([source, at]) => ({ key: source, name: source, status: 'seen' as const, lastItemAt: at, detail: null }))
    .sort((a, b) => (b.lastItemAt ?? '').localeCompare(a.lastItemAt ?? ''));
}

export function SourceFreshness({ items }: { items: readonly ScoredItem[] }) {
  const now = useNow(30_000);
  const [health, setHealth] = useState<ApiResult<SourcesResponse> | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () => {
      getJson('/api/v1/sources', {}, SourcesResponse, abort.signal).then(
        (result) => {
          setHealth(result);
          timer = setTimeout(poll, POLL_MS);
        },
        (err: unknown) => {
          if (!isAbort(err)) timer = setTimeout(poll, POLL_MS);
        },
      );
    };
    poll();
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, []);

  const fromHealth = health?.ok === true;
  const rows = fromHealth ? rowsFromHealth(health.data.sources, items) : rowsFromItems(items);
  return (
    <div data-testid="freshness" data-origin={fromHealth ? 'sources' : 'items'}>
      {rows.length === 0 ? (
        <p className="muted">{health === null ? 'Loading…' : 'No sources reporting yet.'}</p>
      ) : (
        <ul className="freshness">
          {rows.slice(0, 12).map((row) => {
            const quiet = row.lastItemAt !== null && now - Date.parse(row.lastItemAt) > QUIET_AFTER_MS;
            const state = row.status === 'failing' ? 'failing' : row.status === 'disabled' ? 'disabled' : quiet ? 'quiet' : 'ok';
            return (
              <li key={row.key} className={`freshness-row freshness-${state}`} data-testid="freshness-row">
                <span className="freshness-dot" aria-hidden="true" />
                <span className="freshness-name" title={row.detail ?? row.name}>
                  {row.name}
                </span>
                <span className="freshness-age">
                  {row.status === 'disabled' ? (
                    'disabled'
                  ) : row.lastItemAt ? (
                    <time dateTime={row.lastItemAt} title={formatFull(row.lastItemAt)}>
                      last item {formatRelative(row.lastItemAt, now)}
                    </time>
                  ) : (
                    'no items yet'
                  )}
                  {row.status === 'failing' && <span className="tone-negative"> · failing</span>}
                </span>
              </li>
            );
          })}
        </ul>
      )}
      {!fromHealth && health !== null && <p className="muted small">Source health unavailable; showing the newest headline per source.</p>}
    </div>
  );
}
