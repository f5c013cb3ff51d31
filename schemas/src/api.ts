// Shapes returned by the gateway's REST API and carried in socket events; also the rows queries return.
import { z } from 'zod';
import { ScoredItem, SentimentFields, SentimentLabel, SourceKind, UtcInstant } from './items.ts';

export const SentimentWindow = z.enum(['1h', '24h', '7d', '30d']);
export type SentimentWindow = z.infer<typeof SentimentWindow>;

/** Minutes in each window; a window is that many whole UTC minutes ending with the current one. */
export const WINDOW_MINUTES: Record<SentimentWindow, number> = { '1h': 60, '24h': 1440, '7d': 10080, '30d': 43200 };

/** Maps a mean score in [-1, 1] to the 0–100 index shown on the gauge. */
export function toIndex(value: number): number {
  return Math.round(50 * (value + 1));
}

/** An asset symbol as items carry it (`BTC`, `ETH`, `SPX`); upper-case letters and digits. */
export const AssetSymbol = z.string().regex(/^[A-Z0-9]{1,20}$/, 'asset must be an upper-case symbol such as BTC');
export type AssetSymbol = z.infer<typeof AssetSymbol>;

/**
 * The 95 % confidence interval of a window's mean score (normal approximation, value ± 1.96·s/√n with
 * s the sample standard deviation of the scores), clamped to [-1, 1], and the same on the 0–100 index.
 */
export const ConfidenceBand = z.object({
  low: z.number().min(-1).max(1),
  high: z.number().min(-1).max(1),
  index_low: z.number().int().min(0).max(100),
  index_high: z.number().int().min(0).max(100),
});
export type ConfidenceBand = z.infer<typeof ConfidenceBand>;

/**
 * The sentiment over one window: `value` is the mean `score` of the items counted (one per story, the
 * story's first item), null when the window holds none. `asset`/`source` are the filter, null = all.
 */
export const SentimentValue = z.object({
  window: SentimentWindow,
  asset: AssetSymbol.nullable().default(null),
  source: z.string().nullable().default(null),
  value: z.number().min(-1).max(1).nullable(),
  index: z.number().int().min(0).max(100).nullable(),
  n: z.number().int().min(0),
  /** Null when n < 2 (no spread to estimate). */
  band: ConfidenceBand.nullable().default(null),
  /**
   * The same filter's mean score over the 20 days ending at `as_of` (`value`), and this window's value
   * minus it (`delta`): how unusual today is for this asset. Null when the 20 days hold no item.
   */
  baseline: z.object({ value: z.number().min(-1).max(1), delta: z.number().min(-2).max(2).nullable() }).nullable().default(null),
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
  /** The 95 % band of `value` (see ConfidenceBand); absent or null when n < 2. */
  low: z.number().min(-1).max(1).nullable().optional(),
  high: z.number().min(-1).max(1).nullable().optional(),
  /** Items counted in this step alone (not the whole window): the chart's volume bar. */
  step_n: z.number().int().min(0).optional(),
});
export type SentimentPoint = z.infer<typeof SentimentPoint>;

/** A query-string filter by asset: `?asset=btc` is accepted and normalized to `BTC`. */
const AssetFilter = z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), AssetSymbol).optional();
const SourceFilter = z.string().min(1).max(200).optional();

export const ItemsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  asset: AssetFilter,
  source: SourceFilter,
  label: SentimentLabel.optional(),
});
export type ItemsQuery = z.infer<typeof ItemsQuery>;

export const SentimentQuery = z.object({
  window: SentimentWindow.default('24h'),
  asset: AssetFilter,
  source: SourceFilter,
  /** Evaluate the window as of this instant instead of now (e.g. "yesterday"); must not be in the future. */
  as_of: UtcInstant.optional(),
  /** Read one model version's rows (a shadow candidate, a backfill) instead of the live model's: to compare. */
  model_version: z.string().min(1).max(100).optional(),
});
export type SentimentQuery = z.infer<typeof SentimentQuery>;

/** Series resolutions: the step between points. */
export const Resolution = z.enum(['1m', '5m', '15m', '1h', '4h', '1d']);
export type Resolution = z.infer<typeof Resolution>;
export const RESOLUTION_SECONDS: Record<Resolution, number> = { '1m': 60, '5m': 300, '15m': 900, '1h': 3600, '4h': 14400, '1d': 86400 };

/**
 * GET /api/v1/sentiment/history: the rolling `window` value at every `resolution` step over the last
 * `span`, gap-filled (a step with no new item still has the window's value; steps whose window is empty
 * are omitted). Default resolution: 1m for a 24 h span, 1h for 7 d, 4h for 30 d.
 */
export const HistoryQuery = z.object({
  window: SentimentWindow.default('24h'),
  span: z.enum(['24h', '7d', '30d']).default('24h'),
  resolution: Resolution.optional(),
  asset: AssetFilter,
  source: SourceFilter,
  /** Read one model version's rows (a shadow candidate, a backfill) instead of the live model's: to compare. */
  model_version: z.string().min(1).max(100).optional(),
});
export type HistoryQuery = z.infer<typeof HistoryQuery>;

export const HistoryResponse = z.object({
  window: SentimentWindow,
  span: z.enum(['24h', '7d', '30d']),
  resolution: Resolution,
  asset: AssetSymbol.nullable(),
  source: z.string().nullable(),
  points: z.array(SentimentPoint),
});
export type HistoryResponse = z.infer<typeof HistoryResponse>;

/** GET /api/v1/why: what moved a window's value versus the window just before it. */
export const WhyQuery = z.object({
  window: SentimentWindow.default('24h'),
  asset: AssetFilter,
  limit: z.coerce.number().int().min(1).max(50).default(10),
});
export type WhyQuery = z.infer<typeof WhyQuery>;

/**
 * `contribution` of an item is its share of the change: (score − previous.value) / current.n, so the
 * contributions of every item counted in the current window sum to `change` exactly. Items are ordered
 * by |contribution|, largest first.
 */
export const WhyResponse = z.object({
  current: SentimentValue,
  previous: SentimentValue,
  change: z.number().min(-2).max(2).nullable(),
  items: z.array(z.object({ item: ScoredItem, contribution: z.number() })),
});
export type WhyResponse = z.infer<typeof WhyResponse>;

/** POST /api/v1/score: try the model on a few texts. */
export const ScoreRequest = z.object({ texts: z.array(z.string().min(1).max(1000)).min(1).max(32) });
export type ScoreRequest = z.infer<typeof ScoreRequest>;

export const ScoreResponse = z.object({
  model_version: z.string(),
  results: z.array(
    SentimentFields.pick({ negative: true, neutral: true, positive: true, label: true, entropy: true, score: true }).extend({
      text: z.string(),
    }),
  ),
});
export type ScoreResponse = z.infer<typeof ScoreResponse>;

/** POST /api/v1/sql (embedded mode, behind a token): one read-only SELECT. */
export const SqlRequest = z.object({ query: z.string().min(1).max(20_000) });
export type SqlRequest = z.infer<typeof SqlRequest>;

export const SqlResponse = z.object({
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
  rows: z.array(z.record(z.string(), z.unknown())),
  /** True when the row limit cut the result. */
  truncated: z.boolean(),
  elapsed_ms: z.number(),
});
export type SqlResponse = z.infer<typeof SqlResponse>;

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

/** A human label of one item, as stored in `barometer.labels` and exchanged by export/import. */
export const ItemLabel = z.object({
  id: z.string().regex(/^[0-9a-f]{32}$/, 'item id must be 32 lowercase hex characters'),
  label: SentimentLabel,
  annotator: z.string().min(1).max(100),
  labeled_at: UtcInstant,
  origin: z.enum(['ui', 'import']).default('ui'),
});
export type ItemLabel = z.infer<typeof ItemLabel>;

/** A label with the item's text: one row of the export (CSV columns, JSONL objects). */
export const LabeledText = ItemLabel.extend({ text: z.string() });
export type LabeledText = z.infer<typeof LabeledText>;

/** Drift of one input or output feature between a reference window and the current one. */
export const DriftReport = z.object({
  feature: z.enum(['label', 'length']),
  /** Population stability index: Σ (cur − ref) · ln(cur / ref) over buckets; > threshold = drift. */
  psi: z.number().min(0).nullable(),
  threshold: z.number(),
  drifted: z.boolean(),
  ref_n: z.number().int().min(0),
  cur_n: z.number().int().min(0),
  buckets: z.array(z.object({ bucket: z.string(), ref_share: z.number(), cur_share: z.number() })),
  reference: z.object({ start: UtcInstant, end: UtcInstant }),
  current: z.object({ start: UtcInstant, end: UtcInstant }),
});
export type DriftReport = z.infer<typeof DriftReport>;

/** Who labels: a name or e-mail as the annotator types it (letters, digits, space and `._@+-`). */
export const Annotator = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[\p{L}\p{N} ._@+-]+$/u, 'annotator may hold letters, digits, spaces and . _ @ + - only');
export type Annotator = z.infer<typeof Annotator>;

/** How many queued items this annotator has labeled, out of the whole queue. */
export const LabelingProgress = z.object({ done: z.number().int().min(0), queued: z.number().int().min(0) });
export type LabelingProgress = z.infer<typeof LabelingProgress>;

/** `GET /api/v1/labeling/next`: the next queued items this annotator has not labeled, most uncertain first. */
export const LabelingNextResponse = z.object({ annotator: Annotator, items: z.array(ScoredItem), progress: LabelingProgress });
export type LabelingNextResponse = z.infer<typeof LabelingNextResponse>;

/** `POST /api/v1/labels`: the annotator (or the X-Barometer-Annotator header) and one or more labels; the server stamps the time. */
export const LabelsRequest = z.object({
  annotator: Annotator.optional(),
  labels: z.array(ItemLabel.pick({ id: true, label: true })).min(1).max(500),
});
export type LabelsRequest = z.infer<typeof LabelsRequest>;

export const LabelsResponse = z.object({ stored: z.number().int().min(0), progress: LabelingProgress });
export type LabelsResponse = z.infer<typeof LabelsResponse>;

export const LabelFormat = z.enum(['csv', 'jsonl', 'label-studio']);
export type LabelFormat = z.infer<typeof LabelFormat>;

/** `POST /api/v1/labels/import`: how many labels were stored, and one line per record that was not. */
export const LabelsImportResponse = z.object({ imported: z.number().int().min(0), errors: z.array(z.string()) });
export type LabelsImportResponse = z.infer<typeof LabelsImportResponse>;

/** `POST /api/v1/labeling/sample`: how many items the sampler queued now. */
export const LabelSampleResponse = z.object({ queued: z.number().int().min(0), progress: LabelingProgress });
export type LabelSampleResponse = z.infer<typeof LabelSampleResponse>;

/** `GET /api/v1/drift`: the latest check of every feature, and when it ran. */
export const DriftResponse = z.object({ checked_at: UtcInstant, reports: z.array(DriftReport) });
export type DriftResponse = z.infer<typeof DriftResponse>;

/** GET /api/v1/models: the model versions with rows, to compare the index under each (`?model_version=`). */
export const ModelVersionsResponse = z.object({
  versions: z.array(
    z.object({
      model_version: z.string(),
      /** True for a candidate's rows (shadow scoring or backfill), kept out of the index. */
      shadow: z.boolean(),
      rows: z.number().int().min(0),
      first_scored_at: UtcInstant,
      last_scored_at: UtcInstant,
    }),
  ),
});
export type ModelVersionsResponse = z.infer<typeof ModelVersionsResponse>;
