// Writes and reads scored items: one insert per batch (idempotent by token), latest items for readers.
import type { ClickHouseClient } from '@clickhouse/client';
import { ScoredItem } from '@barometer/schemas/items';
import { z } from 'zod';
import { sqlFile } from './sql-files.ts';

/** Thrown when an insert fails; retriable because the dedup token makes a retry safe. */
export class ClickHouseWriteError extends Error {
  readonly code = 'CLICKHOUSE_WRITE_FAILED';
  readonly retriable = true;
  constructor(cause: unknown) {
    super(`ClickHouse insert failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

function toRow(item: ScoredItem) {
  const { v: _v, url, ...rest } = item;
  return { ...rest, url: url ?? '' };
}

/**
 * Inserts one batch in one INSERT. `dedupToken` must be derived from the batch's identity (topic,
 * partition, offsets) so a redelivered batch carries the same token and ClickHouse drops the repeat.
 */
export async function insertScoredItems(
  client: ClickHouseClient,
  items: readonly ScoredItem[],
  dedupToken: string,
): Promise<void> {
  if (items.length === 0) return;
  try {
    await client.insert({
      table: 'barometer.scored_items',
      values: items.map(toRow),
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplication_token: dedupToken },
    });
  } catch (err) {
    throw new ClickHouseWriteError(err);
  }
}

export async function queryLatestItems(client: ClickHouseClient, limit: number): Promise<ScoredItem[]> {
  const rs = await client.query({ query: sqlFile('latest-items'), query_params: { limit }, format: 'JSONEachRow' });
  return z.array(ScoredItem).parse(await rs.json());
}
