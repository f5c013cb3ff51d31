// Scored items for the gateway's tests: a score and an age are all most tests care about.
import type { ScoredItem } from '@barometer/schemas/items';

/** Item `n` (its id is `n` in hex, padded), `minutesAgo` old, with `score` as positive − negative. */
export function scored(n: number, score: number, minutesAgo: number, extra: Partial<ScoredItem> = {}): ScoredItem {
  const at = new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const positive = Math.max(score, 0);
  const negative = Math.max(-score, 0);
  const id = n.toString(16).padStart(32, 'a');
  return {
    v: 1, id, title: `Item ${n}`, url: null, source: 'example.com', source_kind: 'rss', story_id: id, lang: 'en',
    published_at: at, ingested_at: at, assets: [], negative, neutral: 1 - positive - negative, positive,
    label: score > 0 ? 'positive' : 'negative', entropy: 0.3, score, model_version: 'm1', scored_at: at, ...extra,
  };
}

