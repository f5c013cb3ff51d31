// The chart's live data path, kept out of React state: the socket hook publishes each room's snapshot
// series and ticks here, and the chart subscribes to the room it shows, so a tick never re-renders React.
import type { AssetSymbol, SentimentPoint } from '@barometer/schemas/api';

export interface TickListener {
  /** A new snapshot for the room (every (re)connect or re-join): its whole 24 h series. */
  reset?(points: readonly SentimentPoint[]): void;
  /** A tick's point; same `time` as the last point replaces it, later appends. Never older. */
  update(point: SentimentPoint): void;
}

/** What the chart sees. */
export interface SeriesFeed {
  /** The room's last snapshot series (the rolling 24 h value per minute), oldest first; empty before one arrived. */
  snapshotSeries(asset: AssetSymbol | null): readonly SentimentPoint[];
  /** Every later snapshot and tick point for that room, in arrival order. */
  subscribe(asset: AssetSymbol | null, listener: TickListener): () => void;
}

/** What the socket hook drives. */
export interface SeriesSource extends SeriesFeed {
  load(asset: AssetSymbol | null, points: readonly SentimentPoint[]): void;
  apply(asset: AssetSymbol | null, point: SentimentPoint): void;
}

/** Oldest first with strictly increasing times, the order lightweight-charts' setData requires (it throws otherwise). */
export function toAscending(points: readonly SentimentPoint[]): SentimentPoint[] {
  const sorted = [...points].sort((a, b) => a.time - b.time);
  const out: SentimentPoint[] = [];
  for (const point of sorted) {
    if (out.at(-1)?.time === point.time) out[out.length - 1] = point;
    else out.push(point);
  }
  return out;
}

const roomKey = (asset: AssetSymbol | null) => asset ?? '';

export function createSeriesFeed(): SeriesSource {
  const series = new Map<string, SentimentPoint[]>();
  const listeners = new Map<string, Set<TickListener>>();

  return {
    snapshotSeries: (asset) => series.get(roomKey(asset)) ?? [],
    subscribe(asset, listener) {
      const key = roomKey(asset);
      const set = listeners.get(key) ?? new Set();
      set.add(listener);
      listeners.set(key, set);
      return () => {
        set.delete(listener);
      };
    },
    load(asset, points) {
      const key = roomKey(asset);
      const sorted = toAscending(points);
      series.set(key, sorted);
      for (const listener of listeners.get(key) ?? []) listener.reset?.(sorted);
    },
    apply(asset, point) {
      const key = roomKey(asset);
      const points = series.get(key) ?? [];
      const last = points.at(-1);
      if (last && point.time < last.time) return;
      if (last && point.time === last.time) points[points.length - 1] = point;
      else points.push(point);
      series.set(key, points);
      for (const listener of listeners.get(key) ?? []) listener.update(point);
    },
  };
}
