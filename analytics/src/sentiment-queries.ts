// Sentiment reads: a window's value with its band and baseline, the rolling series, and why it moved.
// All three read the rows the index counts (one per story, live model); see analytics/queries/*.sql.
import type { ClickHouseClient } from '@clickhouse/client';
import {
  RESOLUTION_SECONDS,
  toIndex,
  WINDOW_MINUTES,
  type ConfidenceBand,
  type Resolution,
  type SentimentPoint,
  type SentimentValue,
  type SentimentWindow,
  type WhyResponse,
  type ModelVersionsResponse,
} from '@barometer/schemas/api';
import { ScoredItem } from '@barometer/schemas/items';
import { z } from 'zod';
import { sqlFile } from './sql-files.ts';

/** DateTime64 query parameters take `YYYY-MM-DD hh:mm:ss.sss`, read in the column's zone (UTC). */
export function toClickHouseTime(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

export interface SentimentFilter {
  window: SentimentWindow;
  /** Asset symbol; undefined/null = every item. */
  asset?: string | null | undefined;
  /** Source (outlet or account); undefined/null = every source. */
  source?: string | null | undefined;
  /** A model version's rows (live or shadow), to compare versions; undefined = the live model. */
  modelVersion?: string | undefined;
  asOf: Date;
}

/** Mean and 95 % band (normal approximation) from a count, sum and sum of squares. */
export function summarize(n: number, sum: number, sumSq: number): { value: number | null; band: ConfidenceBand | null } {
  if (n === 0) return { value: null, band: null };
  const value = clamp(sum / n);
  if (n < 2) return { value, band: null };
  // Sample variance; floating error can push a constant series a hair below zero.
  const variance = Math.max(0, (sumSq - (sum * sum) / n) / (n - 1));
  const half = 1.96 * Math.sqrt(variance / n);
  const low = clamp(value - half);
  const high = clamp(value + half);
  return { value, band: { low, high, index_low: toIndex(low), index_high: toIndex(high) } };
}

const clamp = (x: number) => Math.min(1, Math.max(-1, x));

const WindowRow = z.object({
  window_n: z.number().int(),
  window_sum: z.number(),
  window_sq_sum: z.number(),
  last_minute_n: z.number().int(),
  baseline_n: z.number().int(),
  baseline_sum: z.number(),
});

/** The window's value, plus how many of its items fall in as_of's own minute (then it is also a series point). */
export async function querySentimentDetail(
  client: ClickHouseClient,
  f: SentimentFilter,
): Promise<{ current: SentimentValue; lastMinuteN: number }> {
  const rs = await client.query({
    query: sqlFile('sentiment-window'),
    query_params: {
      as_of: toClickHouseTime(f.asOf),
      minutes: WINDOW_MINUTES[f.window],
      asset: f.asset ?? '',
      source: f.source ?? '',
      model_version: f.modelVersion ?? '',
    },
    format: 'JSONEachRow',
  });
  const [row] = z.array(WindowRow).parse(await rs.json());
  const r = row ?? { window_n: 0, window_sum: 0, window_sq_sum: 0, last_minute_n: 0, baseline_n: 0, baseline_sum: 0 };
  const { value, band } = summarize(r.window_n, r.window_sum, r.window_sq_sum);
  const baselineValue = r.baseline_n > 0 ? clamp(r.baseline_sum / r.baseline_n) : null;
  return {
    current: {
      window: f.window,
      asset: f.asset ?? null,
      source: f.source ?? null,
      value,
      index: value === null ? null : toIndex(value),
      n: r.window_n,
      band,
      baseline: baselineValue === null ? null : { value: baselineValue, delta: value === null ? null : value - baselineValue },
      as_of: f.asOf.toISOString(),
    },
    lastMinuteN: r.last_minute_n,
  };
}

export async function querySentiment(client: ClickHouseClient, f: SentimentFilter): Promise<SentimentValue> {
  return (await querySentimentDetail(client, f)).current;
}

/** @deprecated kept for callers of the walking system: the overall value of a window. */
export async function querySentimentWindow(client: ClickHouseClient, window: SentimentWindow, asOf: Date) {
  return querySentiment(client, { window, asOf });
}

/** @deprecated kept for callers of the walking system: the overall value plus as_of's minute count. */
export async function querySentimentWindowDetail(client: ClickHouseClient, window: SentimentWindow, asOf: Date) {
  return querySentimentDetail(client, { window, asOf });
}

export type HistorySpan = '24h' | '7d' | '30d';
const SPAN_SECONDS: Record<HistorySpan, number> = { '24h': 86_400, '7d': 604_800, '30d': 2_592_000 };

/** The resolution a span gets when none is asked for: about 300–1440 points. */
export function defaultResolution(span: HistorySpan): Resolution {
  return span === '24h' ? '1m' : span === '7d' ? '1h' : '4h';
}

export class QueryInputError extends Error {
  readonly code = 'INVALID_QUERY';
  readonly retriable = false;
}

export interface HistoryFilter {
  window: SentimentWindow;
  span: HistorySpan;
  resolution?: Resolution | undefined;
  asset?: string | null | undefined;
  source?: string | null | undefined;
  /** A model version's rows (live or shadow); undefined = the live model. */
  modelVersion?: string | undefined;
  asOf: Date;
}

const HistoryRow = z.object({
  time: z.number().int(),
  n: z.number().int(),
  score_sum: z.number(),
  score_sq_sum: z.number(),
  step_n: z.number().int(),
});

/**
 * The rolling `window` value at each step over the last `span`, gap-filled; steps whose window is empty
 * are left out. The last point equals querySentiment's value when as_of's bucket holds items or not:
 * both count the same minutes (step-aligned: the last bucket ends with as_of's minute only when the
 * resolution is 1m, so coarser series end at the bucket holding as_of).
 */
export async function queryHistory(client: ClickHouseClient, f: HistoryFilter): Promise<SentimentPoint[]> {
  const resolution = f.resolution ?? defaultResolution(f.span);
  const step = RESOLUTION_SECONDS[resolution];
  const windowS = WINDOW_MINUTES[f.window] * 60;
  const spanS = SPAN_SECONDS[f.span];
  if (windowS % step !== 0 || spanS % step !== 0) {
    throw new QueryInputError(`resolution ${resolution} does not divide the ${f.window} window and ${f.span} span`);
  }
  if (spanS / step > 5000) throw new QueryInputError(`resolution ${resolution} gives more than 5000 points over ${f.span}`);
  const rs = await client.query({
    query: sqlFile('sentiment-history'),
    query_params: {
      as_of: toClickHouseTime(f.asOf),
      step,
      span_s: spanS,
      window_s: windowS,
      range_s: windowS - step,
      asset: f.asset ?? '',
      source: f.source ?? '',
      model_version: f.modelVersion ?? '',
    },
    format: 'JSONEachRow',
  });
  const points: SentimentPoint[] = [];
  for (const r of z.array(HistoryRow).parse(await rs.json())) {
    if (r.n === 0) continue;
    const { value, band } = summarize(r.n, r.score_sum, r.score_sq_sum);
    points.push({ time: r.time, value: value!, n: r.n, low: band?.low ?? null, high: band?.high ?? null, step_n: r.step_n });
  }
  return points;
}

/** The walking system's series: the rolling 24 h value at every minute of the last 24 h. */
export async function queryRollingSeries(client: ClickHouseClient, asOf: Date): Promise<SentimentPoint[]> {
  return queryHistory(client, { window: '24h', span: '24h', resolution: '1m', asOf });
}

const WhyRow = ScoredItem.and(z.object({ contribution: z.number().nullable() }));

export interface WhyFilter {
  window: SentimentWindow;
  asset?: string | null | undefined;
  limit: number;
  asOf: Date;
}

/**
 * What moved the window's value versus the window just before it: both values, the change, and the
 * counted items with the largest contribution to the change (see why-moved.sql).
 */
export async function queryWhy(client: ClickHouseClient, f: WhyFilter): Promise<WhyResponse> {
  const previousAsOf = new Date(f.asOf.getTime() - WINDOW_MINUTES[f.window] * 60_000);
  const [current, previous, rs] = await Promise.all([
    querySentiment(client, { window: f.window, asset: f.asset, asOf: f.asOf }),
    querySentiment(client, { window: f.window, asset: f.asset, asOf: previousAsOf }),
    client.query({
      query: sqlFile('why-moved'),
      query_params: {
        as_of: toClickHouseTime(f.asOf),
        minutes: WINDOW_MINUTES[f.window],
        asset: f.asset ?? '',
        limit: f.limit,
      },
      format: 'JSONEachRow',
    }),
  ]);
  const rows = z.array(WhyRow).parse(await rs.json());
  return {
    current,
    previous,
    change: current.value === null || previous.value === null ? null : current.value - previous.value,
    items: rows.map(({ contribution, ...item }) => ({ item: ScoredItem.parse(item), contribution: contribution ?? 0 })),
  };
}

const VersionRow = z.object({
  model_version: z.string(),
  shadow: z.union([z.boolean(), z.number()]).transform((v) => Boolean(v)),
  rows: z.number().int(),
  first_scored_at: z.string(),
  last_scored_at: z.string(),
});

/** The model versions with scored rows (live and shadow), newest first. */
export async function queryModelVersions(client: ClickHouseClient): Promise<ModelVersionsResponse> {
  const rs = await client.query({ query: sqlFile('model-versions'), format: 'JSONEachRow' });
  return { versions: z.array(VersionRow).parse(await rs.json()) };
}
