// Prediction and input drift: the population stability index of the predicted label and of the title
// length between a reference window and the current one, over the live model's scores.
import type { ClickHouseClient } from '@clickhouse/client';
import type { DriftReport } from '@barometer/schemas/api';
import { z } from 'zod';
import { toClickHouseTime } from './sentiment-queries.ts';
import { sqlFile } from './sql-files.ts';

/** The conventional PSI reading: < 0.1 stable, 0.1–0.2 moderate, > 0.2 a significant shift. */
export const DRIFT_THRESHOLD = 0.2;

/**
 * PSI = Σ (c − r) · ln(c / r) over bucket shares. Empty buckets get a small floor share (`eps`) so a
 * class that appears or vanishes gives a large, finite value instead of infinity.
 */
export function populationStabilityIndex(ref: readonly number[], cur: readonly number[], eps = 1e-4): number {
  const rt = ref.reduce((a, b) => a + b, 0);
  const ct = cur.reduce((a, b) => a + b, 0);
  let psi = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = Math.max(ref[i]! / rt, eps);
    const c = Math.max(cur[i]! / ct, eps);
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

export interface DriftWindows {
  feature: 'label' | 'length';
  reference: { start: Date; end: Date };
  current: { start: Date; end: Date };
  threshold?: number;
  /** Fewer items than this in either window gives psi null: too few to tell. */
  minItems?: number;
}

const Row = z.object({ bucket: z.string(), ref_n: z.number().int(), cur_n: z.number().int() });

export async function queryDrift(ch: ClickHouseClient, w: DriftWindows): Promise<DriftReport> {
  const rs = await ch.query({
    query: sqlFile('drift'),
    query_params: {
      feature: w.feature,
      ref_start: toClickHouseTime(w.reference.start),
      ref_end: toClickHouseTime(w.reference.end),
      cur_start: toClickHouseTime(w.current.start),
      cur_end: toClickHouseTime(w.current.end),
    },
    format: 'JSONEachRow',
  });
  const rows = z.array(Row).parse(await rs.json());
  const refN = rows.reduce((a, r) => a + r.ref_n, 0);
  const curN = rows.reduce((a, r) => a + r.cur_n, 0);
  const threshold = w.threshold ?? DRIFT_THRESHOLD;
  const enough = refN >= (w.minItems ?? 30) && curN >= (w.minItems ?? 30);
  const psi = enough ? populationStabilityIndex(rows.map((r) => r.ref_n), rows.map((r) => r.cur_n)) : null;
  return {
    feature: w.feature,
    psi,
    threshold,
    drifted: psi !== null && psi > threshold,
    ref_n: refN,
    cur_n: curN,
    buckets: rows.map((r) => ({ bucket: r.bucket, ref_share: refN ? r.ref_n / refN : 0, cur_share: curN ? r.cur_n / curN : 0 })),
    reference: { start: w.reference.start.toISOString(), end: w.reference.end.toISOString() },
    current: { start: w.current.start.toISOString(), end: w.current.end.toISOString() },
  };
}

/** The daily check: the last 24 h against the 7 days before them. */
export function dailyDriftWindows(now: Date): Pick<DriftWindows, 'reference' | 'current'> {
  const day = 86_400_000;
  return {
    current: { start: new Date(now.getTime() - day), end: now },
    reference: { start: new Date(now.getTime() - 8 * day), end: new Date(now.getTime() - day) },
  };
}
