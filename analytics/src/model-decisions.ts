// Retraining decisions (migration 010): written by `npm run train` after the gate, read to show them.
import type { ClickHouseClient } from '@clickhouse/client';
import { z } from 'zod';
import { sqlFile } from './sql-files.ts';

export const ModelDecisionRow = z.object({
  decided_at: z.string(),
  candidate_version: z.string().min(1),
  live_version: z.string(),
  promoted: z.union([z.literal(0), z.literal(1)]),
  tolerance: z.number(),
  candidate_macro_f1: z.number(),
  live_macro_f1: z.number(),
  reasons: z.array(z.string()),
  candidate_dir: z.string(),
  /** The whole decision.json, figures included. */
  decision: z.string(),
});
export type ModelDecisionRow = z.infer<typeof ModelDecisionRow>;

export async function insertModelDecision(ch: ClickHouseClient, row: ModelDecisionRow): Promise<void> {
  await ch.insert({ table: 'barometer.model_decisions', values: [ModelDecisionRow.parse(row)], format: 'JSONEachRow' });
}

/** Newest first. */
export async function queryModelDecisions(ch: ClickHouseClient, limit = 20): Promise<ModelDecisionRow[]> {
  const rs = await ch.query({ query: sqlFile('model-decisions'), query_params: { limit }, format: 'JSONEachRow' });
  return z.array(ModelDecisionRow).parse(await rs.json());
}
