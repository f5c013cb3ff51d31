// TEMPORARY: the analytics reads the gateway needs, in the signatures analytics/ is about to export,
// built on the current queries until those land. Deleted when they do.
import type { ClickHouseClient } from '@clickhouse/client';
import type { ScoredItem, SentimentLabel } from '@barometer/schemas/items';
import type { Resolution, SentimentPoint, SentimentValue, SentimentWindow, WhyResponse } from '@barometer/schemas/api';
import { queryLatestItems as latest } from '@barometer/analytics/scored-items';
import { queryRollingSeries, querySentimentWindowDetail } from '@barometer/analytics/sentiment';

export interface SentimentArgs {
  window: SentimentWindow;
  asset?: string;
  source?: string;
  asOf: Date;
}

export async function querySentimentDetail(ch: ClickHouseClient, a: SentimentArgs): Promise<{ current: SentimentValue; lastMinuteN: number }> {
  const d = await querySentimentWindowDetail(ch, a.window, a.asOf);
  return { current: { ...d.current, asset: a.asset ?? null, source: a.source ?? null, band: null, baseline: null }, lastMinuteN: d.lastMinuteN };
}

export async function querySentiment(ch: ClickHouseClient, a: SentimentArgs): Promise<SentimentValue> {
  return (await querySentimentDetail(ch, a)).current;
}

export async function queryHistory(
  ch: ClickHouseClient,
  a: { window: SentimentWindow; span: '24h' | '7d' | '30d'; resolution: Resolution; asset?: string; source?: string; asOf: Date },
): Promise<SentimentPoint[]> {
  return queryRollingSeries(ch, a.asOf);
}

export async function queryWhy(ch: ClickHouseClient, a: { window: SentimentWindow; asset?: string; limit: number; asOf: Date }): Promise<WhyResponse> {
  const current = await querySentiment(ch, a);
  const previous = await querySentiment(ch, { ...a, asOf: new Date(a.asOf.getTime() - 24 * 3600_000) });
  return { current, previous, change: null, items: [] };
}

export async function queryLatestItems(
  ch: ClickHouseClient,
  a: { limit: number; asset?: string; source?: string; label?: SentimentLabel },
): Promise<ScoredItem[]> {
  const rows = await latest(ch, 500);
  return rows
    .filter((i) => (!a.asset || i.assets.includes(a.asset)) && (!a.source || i.source === a.source) && (!a.label || i.label === a.label))
    .slice(0, a.limit);
}
