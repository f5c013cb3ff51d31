// The gateway's view of the rolling 24 h sentiment: one cached snapshot shared by every client,
// refreshed from ClickHouse at most once a second when scored items arrive (never once per client).
import type { ClickHouseClient } from '@clickhouse/client';
import type { ScoredItem } from '@barometer/schemas/items';
import type { SentimentPoint, SentimentValue } from '@barometer/schemas/api';
import type { SentimentSnapshot, SentimentTick } from '@barometer/schemas/socket';
import { queryLatestItems } from '@barometer/analytics/scored-items';
import { queryRollingSeries, querySentimentWindow, querySentimentWindowDetail } from '@barometer/analytics/sentiment';

export interface SentimentFeedDeps {
  clickhouse: ClickHouseClient;
  /** Headlines kept for the snapshot. */
  itemsLimit?: number;
  now?: () => Date;
}

export interface SentimentFeed {
  /** Full reload: value, series and latest items. Returns a tick when the 24 h value moved (the window slid). */
  reload(): Promise<SentimentTick | null>;
  /** Cheap refresh after new items: the 24 h value and its current-minute point. Returns the tick, or null if nothing changed. */
  refresh(): Promise<SentimentTick | null>;
  /** Records a newly scored item; false when it was already seen (a redelivery). */
  addItem(item: ScoredItem): boolean;
  snapshot(): SentimentSnapshot;
}

const MINUTE_S = 60;

export function createSentimentFeed(deps: SentimentFeedDeps): SentimentFeed {
  const now = deps.now ?? (() => new Date());
  const limit = deps.itemsLimit ?? 50;
  let current: SentimentValue = { window: '24h', value: null, index: null, n: 0, as_of: now().toISOString() };
  let series: SentimentPoint[] = [];
  let items: ScoredItem[] = [];
  // Ids of items delivered recently, so a redelivered scored message is not shown twice.
  const recentIds = new Set<string>();

  function remember(id: string) {
    recentIds.add(id);
    if (recentIds.size > 10_000) recentIds.delete(recentIds.values().next().value!);
  }

  /** The point the rolling series has at `asOf`'s minute, if that minute holds items (as rolling-series.sql). */
  function pointFor(value: SentimentValue, minuteN: number): SentimentPoint | null {
    if (value.value === null || minuteN === 0) return null;
    const time = Math.floor(Date.parse(value.as_of) / 1000 / MINUTE_S) * MINUTE_S;
    return { time, value: value.value, n: value.n };
  }

  const sameValue = (a: SentimentValue, b: SentimentValue) => a.n === b.n && a.value === b.value;

  function applyPoint(point: SentimentPoint) {
    const last = series[series.length - 1];
    if (last && last.time === point.time) series[series.length - 1] = point;
    else if (!last || last.time < point.time) series.push(point);
    const oldest = point.time - 1439 * MINUTE_S;
    while (series.length > 0 && series[0]!.time < oldest) series.shift();
  }

  return {
    async reload() {
      const asOf = now();
      const [value, points, latest] = await Promise.all([
        querySentimentWindow(deps.clickhouse, '24h', asOf),
        queryRollingSeries(deps.clickhouse, asOf),
        queryLatestItems(deps.clickhouse, limit),
      ]);
      const changed = !sameValue(value, current);
      current = value;
      series = points;
      items = latest;
      for (const i of latest) remember(i.id);
      if (!changed) return null;
      const last = points[points.length - 1];
      const minute = Math.floor(asOf.getTime() / 1000 / MINUTE_S) * MINUTE_S;
      return { current: value, point: last && last.time === minute ? last : null };
    },
    async refresh() {
      const { current: value, lastMinuteN } = await querySentimentWindowDetail(deps.clickhouse, '24h', now());
      const changed = !sameValue(value, current);
      current = value;
      if (!changed) return null;
      const point = pointFor(value, lastMinuteN);
      if (point) applyPoint(point);
      return { current: value, point };
    },
    addItem(item) {
      if (recentIds.has(item.id)) return false;
      remember(item.id);
      items = [item, ...items]
        .sort((a, b) => Date.parse(b.published_at) - Date.parse(a.published_at))
        .slice(0, limit);
      return true;
    },
    snapshot: () => ({ current, series: [...series], items: [...items] }),
  };
}
