// Writes and reads scored items: one insert per batch (idempotent by token and by id), latest items for readers.
import type { ClickHouseClient } from '@clickhouse/client';
import { ScoredItem, type SentimentLabel } from '@barometer/schemas/items';
import { z } from 'zod';
import { toClickHouseTime } from './sentiment-queries.ts';
import { sqlFile } from './sql-files.ts';

/** Thrown when an insert fails; retriable because the dedup token and the id check make a retry safe. */
export class ClickHouseWriteError extends Error {
  readonly code = 'CLICKHOUSE_WRITE_FAILED';
  readonly retriable = true;
  constructor(cause: unknown) {
    super(`ClickHouse insert failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

function itemRow(item: ScoredItem) {
  return {
    id: item.id,
    title: item.title,
    url: item.url ?? '',
    source: item.source,
    source_kind: item.source_kind,
    published_at: item.published_at,
    ingested_at: item.ingested_at,
    assets: item.assets,
    story_id: item.story_id,
    lang: item.lang,
  };
}

function scoreRow(item: ScoredItem, shadow: boolean) {
  const { v: _v, url, ...rest } = item;
  return { ...rest, url: url ?? '', shadow: shadow ? 1 : 0 };
}

const IdRow = z.object({ id: z.string() });

async function queryIds(client: ClickHouseClient, query: string, ids: readonly string[], params: Record<string, unknown> = {}): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rs = await client.query({ query: sqlFile(query), query_params: { ids, ...params }, format: 'JSONEachRow' });
  return new Set(z.array(IdRow).parse(await rs.json()).map((r) => r.id));
}

/** The ids among `ids` already scored by a live model, or (shadow) by this shadow model version. */
export async function queryScoredIds(
  client: ClickHouseClient,
  ids: readonly string[],
  o: { shadow?: boolean; modelVersion?: string } = {},
): Promise<Set<string>> {
  return queryIds(client, 'scored-ids', ids, { shadow: o.shadow ? 1 : 0, model_version: o.modelVersion ?? '' });
}

export interface InsertResult {
  /** Rows written to `barometer.scores`. */
  inserted: number;
  /** Items skipped because they were already scored (a redelivery) or repeated within the batch. */
  skipped: number;
  /** Ids skipped because a live model (or this shadow version) had scored them before this batch. */
  alreadyScored: string[];
}

/**
 * Writes one batch: its raw items to `barometer.items` and its scores to `barometer.scores` (which
 * feeds the rollups), one INSERT each. Exactly-once effect under at-least-once delivery rests on three
 * guards: items already scored are left out (a redelivery cut into different batches after a crash
 * before the offset commit), so are raw rows already written (a crash between the two INSERTs), and `dedupToken` (derived from topic, partition and offsets) makes a
 * retried INSERT of the same rows a no-op in the table and in the rollups it feeds.
 */
export interface InsertOptions {
  /** Rows of a candidate model scoring beside the live one: kept and rolled up, never in the index. */
  shadow?: boolean;
  /**
   * Off only in the chaos suite's negative control, which must see doubles: skips the already-scored
   * check and makes every token unique.
   */
  dedup?: boolean;
}

export async function insertScoredItems(
  client: ClickHouseClient,
  items: readonly ScoredItem[],
  dedupToken: string,
  opts: InsertOptions = {},
): Promise<InsertResult> {
  if (items.length === 0) return { inserted: 0, skipped: 0, alreadyScored: [] };
  const dedup = opts.dedup ?? true;
  const shadow = opts.shadow ?? false;
  const token = dedup ? dedupToken : `${dedupToken}/${crypto.randomUUID()}`;
  try {
    const unique = [...new Map(items.map((i) => [i.id, i])).values()];
    const already = dedup
      ? await queryScoredIds(client, unique.map((i) => i.id), { shadow, modelVersion: unique[0]!.model_version })
      : new Set<string>();
    const fresh = unique.filter((i) => !already.has(i.id));
    // Raw rows only for items whose row is not there yet: a crash between the two INSERTs leaves raw
    // rows of items that are not scored, and their redelivery must not write them again.
    const stored = !shadow && dedup && fresh.length > 0 ? await queryIds(client, 'stored-item-ids', fresh.map((i) => i.id)) : new Set<string>();
    const freshItems = fresh.filter((i) => !stored.has(i.id));
    if (!shadow && freshItems.length > 0) {
      await client.insert({
        table: 'barometer.items',
        values: freshItems.map(itemRow),
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: `${token}/items` },
      });
    }
    if (fresh.length > 0) {
      await client.insert({
        table: 'barometer.scores',
        values: fresh.map((i) => scoreRow(i, shadow)),
        format: 'JSONEachRow',
        clickhouse_settings: {
          insert_deduplication_token: `${token}/scores`,
          // The rollups must drop a retried block too, or a retry after a timeout would double them.
          deduplicate_blocks_in_dependent_materialized_views: 1,
        },
      });
    }
    return { inserted: fresh.length, skipped: items.length - fresh.length, alreadyScored: [...already] };
  } catch (err) {
    throw new ClickHouseWriteError(err);
  }
}

/**
 * The stored live rows of `ids`, in the wire shape: what a redelivered item is republished as, so the
 * scored topic carries the scores the index counted even when another model version is live now.
 */
export async function queryStoredScores(client: ClickHouseClient, ids: readonly string[]): Promise<ScoredItem[]> {
  if (ids.length === 0) return [];
  const rs = await client.query({ query: sqlFile('stored-scores'), query_params: { ids }, format: 'JSONEachRow' });
  return z.array(ScoredItem).parse(await rs.json());
}

export interface LatestItemsQuery {
  limit: number;
  asset?: string | undefined;
  source?: string | undefined;
  label?: SentimentLabel | undefined;
}

/** How far back the latest-items read looks, widening only when the narrower window has too few. */
const LATEST_LOOKBACK_DAYS = [2, 30, 36_500];

export async function queryLatestItems(client: ClickHouseClient, q: LatestItemsQuery | number): Promise<ScoredItem[]> {
  const { limit, asset, source, label } = typeof q === 'number' ? { limit: q } : q;
  let items: ScoredItem[] = [];
  for (const days of LATEST_LOOKBACK_DAYS) {
    const since = new Date(Date.now() - days * 86_400_000);
    const rs = await client.query({
      query: sqlFile('latest-items'),
      query_params: { limit, asset: asset ?? '', source: source ?? '', label: label ?? '', since: toClickHouseTime(since) },
      format: 'JSONEachRow',
    });
    items = z.array(ScoredItem).parse(await rs.json());
    if (items.length >= limit) break;
  }
  return items;
}
