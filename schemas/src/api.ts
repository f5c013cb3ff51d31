// Shapes returned by the gateway's REST API and carried in socket events; also the rows queries return.
import { z } from 'zod';
import { ScoredItem, SourceKind, UtcInstant } from './items.ts';

export const SentimentWindow = z.enum(['1h', '24h', '7d', '30d']);
export type SentimentWindow = z.infer<typeof SentimentWindow>;

/** Minutes in each window; a window is that many whole UTC minutes ending with the current one. */
export const WINDOW_MINUTES: Record<SentimentWindow, number> = { '1h': 60, '24h': 1440, '7d': 10080, '30d': 43200 };

/** Maps a mean score in [-1, 1] to the 0–100 index shown on the gauge. */
export function toIndex(value: number): number {
  return Math.round(50 * (value + 1));
}

/** The sentiment over one window: `value` is the mean `score`, null when the window holds no item. */
export const SentimentValue = z.object({
  window: SentimentWindow,
  value: z.number().min(-1).max(1).nullable(),
  index: z.number().int().min(0).max(100).nullable(),
  n: z.number().int().min(0),
  as_of: UtcInstant,
});
export type SentimentValue = z.infer<typeof SentimentValue>;

/**
 * One point of the rolling series: at UTC minute `time` (unix seconds), the mean score of the
 * items in the 24 h window ending with that minute, and how many there were.
 */
export const SentimentPoint = z.object({
  time: z.number().int(),
  value: z.number().min(-1).max(1),
  n: z.number().int().min(1),
});
export type SentimentPoint = z.infer<typeof SentimentPoint>;

export const ItemsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });
export type ItemsQuery = z.infer<typeof ItemsQuery>;

export const SentimentQuery = z.object({ window: SentimentWindow.default('24h') });
export type SentimentQuery = z.infer<typeof SentimentQuery>;

export const ItemsResponse = z.object({ items: z.array(ScoredItem) });
export type ItemsResponse = z.infer<typeof ItemsResponse>;

export const HealthResponse = z.object({ status: z.enum(['ok', 'degraded']), checks: z.record(z.string(), z.string()) });
export type HealthResponse = z.infer<typeof HealthResponse>;

export const ErrorResponse = z.object({ error: z.string(), code: z.string() });
export type ErrorResponse = z.infer<typeof ErrorResponse>;

/**
 * The health of one ingest source (an RSS feed, an X stream, a Mastodon timeline, …). Ingest publishes
 * it to the compacted `barometer.sources.health.v1` topic keyed by `id`; gateways serve it at
 * `/api/v1/sources`.
 */
export const SourceHealth = z.object({
  v: z.literal(1),
  /** Stable id of the source, e.g. `rss:https://www.coindesk.com/arc/outboundfeeds/rss/` or `mastodon:mastodon.social#bitcoin`. */
  id: z.string().min(1).max(2100),
  kind: SourceKind,
  /** Human name, e.g. the outlet (`CoinDesk`) or `X filtered stream`. */
  name: z.string().min(1).max(200),
  /** `ok`: last attempt succeeded; `failing`: last attempt failed (see `last_error`); `disabled`: off by configuration. */
  status: z.enum(['ok', 'failing', 'disabled']),
  last_success_at: UtcInstant.nullable(),
  last_error: z.string().max(2000).nullable(),
  last_error_at: UtcInstant.nullable(),
  consecutive_failures: z.number().int().min(0),
  /** Entries read from the source since the process started, before dedup and filters. */
  items_seen: z.number().int().min(0),
  /** Items published to the raw topic since the process started. */
  items_published: z.number().int().min(0),
  /** Publication time of the newest item published from this source. */
  last_item_at: UtcInstant.nullable(),
  /** Median seconds between publication and ingestion over the last poll's new items; null when none. */
  lag_seconds: z.number().min(0).nullable(),
  next_poll_at: UtcInstant.nullable(),
  updated_at: UtcInstant,
});
export type SourceHealth = z.infer<typeof SourceHealth>;

export const SourcesResponse = z.object({ sources: z.array(SourceHealth) });
export type SourcesResponse = z.infer<typeof SourcesResponse>;
