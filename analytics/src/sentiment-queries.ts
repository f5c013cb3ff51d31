// Sentiment reads: the value over a window, the per-minute buckets the gateway rolls, the rolling series.
import type { ClickHouseClient } from '@clickhouse/client';
import { SentimentPoint, toIndex, WINDOW_MINUTES, type SentimentValue, type SentimentWindow } from '@barometer/schemas/api';
import { z } from 'zod';
import { sqlFile } from './sql-files.ts';

// avg() over no rows is NaN, which ClickHouse writes as null in JSON (output_format_json_quote_denormals=0).
const WindowRow = z.object({ value: z.number().nullable(), n: z.number().int(), last_minute_n: z.number().int() });

/** DateTime64 query parameters take `YYYY-MM-DD hh:mm:ss.sss`, read in the column's zone (UTC). */
export function toClickHouseTime(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

/** The window's value, plus how many of its items fall in as_of's own minute. */
export async function querySentimentWindowDetail(
  client: ClickHouseClient,
  window: SentimentWindow,
  asOf: Date,
): Promise<{ current: SentimentValue; lastMinuteN: number }> {
  const rs = await client.query({
    query: sqlFile('sentiment-window'),
    query_params: { as_of: toClickHouseTime(asOf), minutes: WINDOW_MINUTES[window] },
    format: 'JSONEachRow',
  });
  const [row] = z.array(WindowRow).parse(await rs.json());
  const n = row?.n ?? 0;
  const value = n > 0 ? (row?.value ?? null) : null;
  return {
    current: { window, value, index: value === null ? null : toIndex(value), n, as_of: asOf.toISOString() },
    lastMinuteN: row?.last_minute_n ?? 0,
  };
}

export async function querySentimentWindow(
  client: ClickHouseClient,
  window: SentimentWindow,
  asOf: Date,
): Promise<SentimentValue> {
  return (await querySentimentWindowDetail(client, window, asOf)).current;
}

export const MinuteBucket = z.object({ minute: z.number().int(), sum: z.number(), n: z.number().int() });
export type MinuteBucket = z.infer<typeof MinuteBucket>;

export async function queryMinuteBuckets(client: ClickHouseClient, since: Date, asOf: Date): Promise<MinuteBucket[]> {
  const rs = await client.query({
    query: sqlFile('minute-buckets'),
    query_params: { since: toClickHouseTime(since), as_of: toClickHouseTime(asOf) },
    format: 'JSONEachRow',
  });
  return z.array(MinuteBucket).parse(await rs.json());
}

export async function queryRollingSeries(client: ClickHouseClient, asOf: Date): Promise<SentimentPoint[]> {
  const rs = await client.query({
    query: sqlFile('rolling-series'),
    query_params: { as_of: toClickHouseTime(asOf) },
    format: 'JSONEachRow',
  });
  return z.array(SentimentPoint).parse(await rs.json());
}
