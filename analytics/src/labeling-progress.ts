// How far one annotator is through the labeling queue (label-progress.sql), for the labeling view's counter.
import type { ClickHouseClient } from '@clickhouse/client';
import { LabelingProgress } from '@barometer/schemas/api';
import { z } from 'zod';
import { sqlFile } from './sql-files.ts';

export async function queryLabelingProgress(ch: ClickHouseClient, annotator: string): Promise<LabelingProgress> {
  const rs = await ch.query({ query: sqlFile('label-progress'), query_params: { annotator }, format: 'JSONEachRow' });
  // count() is UInt64, which ClickHouse's JSON output quotes.
  const [row] = z.array(z.object({ done: z.coerce.number(), queued: z.coerce.number() })).parse(await rs.json());
  return LabelingProgress.parse(row ?? { done: 0, queued: 0 });
}
