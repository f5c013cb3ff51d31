// Re-scores the raw items of a time range under one model version, written as shadow rows: they sit
// beside the live rows under their own model_version (for querySentiment/queryHistory with
// `modelVersion`) and never enter the index. Promoting a version does not rewrite history.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import { queryItemsToRescore } from '@barometer/analytics/backfill-items';
import { insertScoredItems } from '@barometer/analytics/scored-items';
import type { SentimentModel } from './sentiment-model.ts';
import { toScoredItem } from './scoring.ts';

export interface BackfillOptions {
  from: Date;
  to: Date;
  /** Items read, scored (one ONNX run) and written (one insert) at a time. */
  batchSize?: number;
  log?: Logger;
}

export async function backfillRange(ch: ClickHouseClient, model: SentimentModel, o: BackfillOptions): Promise<{ scored: number; batches: number }> {
  let after: { published_at: string; id: string } | undefined;
  let scored = 0;
  let batches = 0;
  for (;;) {
    const items = await queryItemsToRescore(ch, { from: o.from, to: o.to, modelVersion: model.version, limit: o.batchSize ?? 256, after });
    if (items.length === 0) break;
    const scores = await model.scoreBatch(items.map((i) => i.title));
    const scoredAt = new Date().toISOString();
    const rows = items.map((item, k) => toScoredItem(item, scores[k]!, model.version, scoredAt));
    // The token names this version and page; the shadow id check also keeps a rerun from doubling.
    const { inserted } = await insertScoredItems(ch, rows, `backfill/${model.version}/${items[0]!.id}-${items[items.length - 1]!.id}`, { shadow: true });
    scored += inserted;
    batches++;
    const last = items[items.length - 1]!;
    after = { published_at: last.published_at, id: last.id };
    o.log?.info({ model: model.version, n: items.length, inserted, upTo: last.published_at }, 'backfill batch written');
  }
  return { scored, batches };
}
