// The chart's data path, kept out of React state: history arrives as a reset, ticks as updates, so
// the chart applies them imperatively (setData once per snapshot, update per tick) and never re-renders.
import type { SentimentPoint } from '@barometer/schemas/api';

export interface SeriesListener {
  /** Replace everything: once on subscribe (if history is loaded) and on every snapshot, i.e. every (re)connect. */
  reset(points: readonly SentimentPoint[]): void;
  /** A point with the last point's `time` replaces it; a later one is appended. Never older. */
  update(point: SentimentPoint): void;
}

/** What the chart sees. */
export interface SeriesFeed {
  subscribe(listener: SeriesListener): () => void;
}

/** What the socket hook drives. */
export interface SeriesSource extends SeriesFeed {
  load(points: readonly SentimentPoint[]): void;
  apply(point: SentimentPoint): void;
}

/** Oldest first with strictly increasing times, the order lightweight-charts' setData requires (it throws otherwise). */
function toAscending(points: readonly SentimentPoint[]): SentimentPoint[] {
  const sorted = [...points].sort((a, b) => a.time - b.time);
  const out: SentimentPoint[] = [];
  for (const point of sorted) {
    if (out.at(-1)?.time === point.time) out[out.length - 1] = point;
    else out.push(point);
  }
  return out;
}

export function createSeriesFeed(): SeriesSource {
  let points: SentimentPoint[] = [];
  let loaded = false;
  const listeners = new Set<SeriesListener>();

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (loaded) listener.reset(points);
      return () => {
        listeners.delete(listener);
      };
    },
    load(series) {
      points = toAscending(series);
      loaded = true;
      for (const listener of listeners) listener.reset(points);
    },
    apply(point) {
      const last = points.at(-1);
      // A tick older than what we hold is stale (it raced a snapshot); series.update would throw on it.
      if (last && point.time < last.time) return;
      if (last && point.time === last.time) points[points.length - 1] = point;
      else points.push(point);
      for (const listener of listeners) listener.update(point);
    },
  };
}
