// One room's view of the rolling 24 h sentiment (overall, or one asset): a cached snapshot shared by
// every client in the room, refreshed from ClickHouse by the gateway at most once per tick interval.
import type { ClickHouseClient } from '@clickhouse/client';
import type { ScoredItem } from '@barometer/schemas/items';
import type { SentimentPoint, SentimentValue } from '@barometer/schemas/api';
import type { SentimentSnapshot, SentimentTick } from '@barometer/schemas/socket';
import { queryLatestItems } from '@barometer/analytics/scored-items';
import { queryHistory, querySentiment, querySentimentDetail } from '@barometer/analytics/sentiment';

export interface RoomFeedDeps {
  clickhouse: ClickHouseClient;
  /** null = the overall room. */
  asset: string | null;
  /** Headlines kept for the snapshot. */
  itemsLimit?: number;
  now?: () => Date;
}

export interface RoomFeed {
  readonly asset: string | null;
  /** Full reload: value, comparisons, series and latest items. Returns a tick when the value moved (the window slid). */
  reload(): Promise<SentimentTick | null>;
  /** Cheap refresh after new items: the 24 h value and its current-minute point. Returns the tick, or null if nothing changed. */
  refresh(): Promise<SentimentTick | null>;
  /** Whether a scored item belongs to this room. */
  accepts(item: ScoredItem): boolean;
  /** Adds a newly scored item of this room to the snapshot's headlines. */
  addItem(item: ScoredItem): void;
  snapshot(): SentimentSnapshot;
}

const MINUTE_S = 60;
const DAY_MS = 24 * 3600 * 1000;

export function createRoomFeed(deps: RoomFeedDeps): RoomFeed {
  const now = deps.now ?? (() => new Date());
  const limit = deps.itemsLimit ?? 50;
  const filter = deps.asset === null ? {} : { asset: deps.asset };
  let current: SentimentValue = {
    window: '24h', asset: deps.asset, source: null, value: null, index: null, n: 0, band: null, baseline: null, as_of: now().toISOString(),
  };
  let compare: SentimentSnapshot['compare'] = null;
  let series: SentimentPoint[] = [];
  let items: ScoredItem[] = [];

  /** The point the rolling series has at `value.as_of`'s minute, if that minute holds items (as the history query). */
  function pointFor(value: SentimentValue, minuteN: number): SentimentPoint | null {
    if (value.value === null || minuteN === 0) return null;
    const time = Math.floor(Date.parse(value.as_of) / 1000 / MINUTE_S) * MINUTE_S;
    // The series is at 1-minute resolution, so the step is as_of's minute and its items are lastMinuteN.
    return { time, value: value.value, n: value.n, low: value.band?.low ?? null, high: value.band?.high ?? null, step_n: minuteN };
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
    asset: deps.asset,
    async reload() {
      const asOf = now();
      const at = (daysAgo: number) => querySentiment(deps.clickhouse, { window: '24h', ...filter, asOf: new Date(asOf.getTime() - daysAgo * DAY_MS) });
      const [value, points, latest, yesterday, lastWeek, lastMonth] = await Promise.all([
        at(0),
        queryHistory(deps.clickhouse, { window: '24h', span: '24h', resolution: '1m', ...filter, asOf }),
        queryLatestItems(deps.clickhouse, { limit, ...filter }),
        at(1),
        at(7),
        at(30),
      ]);
      const changed = !sameValue(value, current);
      current = value;
      compare = { yesterday, last_week: lastWeek, last_month: lastMonth };
      series = points;
      items = latest;
      if (!changed) return null;
      const last = points[points.length - 1];
      const minute = Math.floor(asOf.getTime() / 1000 / MINUTE_S) * MINUTE_S;
      return { asset: deps.asset, current: value, point: last && last.time === minute ? last : null };
    },
    async refresh() {
      const { current: value, lastMinuteN } = await querySentimentDetail(deps.clickhouse, { window: '24h', ...filter, asOf: now() });
      const changed = !sameValue(value, current);
      current = value;
      if (!changed) return null;
      const point = pointFor(value, lastMinuteN);
      if (point) applyPoint(point);
      return { asset: deps.asset, current: value, point };
    },
    accepts: (item) => deps.asset === null || item.assets.includes(deps.asset),
    addItem(item) {
      items = [item, ...items.filter((i) => i.id !== item.id)]
        .sort((a, b) => Date.parse(b.published_at) - Date.parse(a.published_at))
        .slice(0, limit);
    },
    snapshot: () => ({ asset: deps.asset, current, compare, series: [...series], items: [...items] }),
  };
}
