// scoring/models/bench.json: the newest `npm run bench` per kind of CPU, and what is kept of the runs it replaced.
//
// Why keep anything of a replaced run: on a shared VM the same models have run at 351, 440 and 495 items/s at the
// consumer's batch in three runs on one day. A card that shows only the newest run would state a target met
// or missed by the draw of the afternoon; with the earlier figures beside it, a reader sees the spread. Only the
// consumer's batch is kept of them (the full table of every batch stays with the newest run).

import { z } from 'zod';
import { DEFAULT_SCORING_BATCH } from './config.ts';

/** A replaced run, reduced to each model's rate at the consumer's batch and its ratio to MiniLM in the same rounds
 *  (`ratioToDefault`: named when MiniLM was the served default; the stored runs keep the name). */
export const EarlierRun = z.object({
  when: z.string(),
  batch: z.number().int().positive(),
  models: z.array(
    z.object({
      name: z.string(),
      version: z.string(),
      itemsPerSecond: z.number(),
      ratioToDefault: z.number().optional(),
    }),
  ),
});
export type EarlierRun = z.infer<typeof EarlierRun>;

const BatchRow = z.looseObject({ batch: z.number(), itemsPerSecond: z.number(), ratioToDefault: z.number().optional() });
// The rest of a run (texts, rounds, latencies, stage shares) is only copied through, so its inside is left loose.
export const BenchRun = z.looseObject({
  when: z.string(),
  cpu: z.string(),
  int8DotProduct: z.boolean(),
  int8Matrix: z.boolean().optional(),
  models: z.array(z.looseObject({ name: z.string(), version: z.string(), batches: z.array(BatchRow) })),
  earlier: z.array(EarlierRun).optional(),
});
export type BenchRun = z.infer<typeof BenchRun>;

export const BenchFile = z.object({ runs: z.array(BenchRun) });
export type BenchFile = z.infer<typeof BenchFile>;

/** How many replaced runs a CPU kind keeps. */
export const KEEP_EARLIER = 8;

// Virtual machines often report one model name ("Intel(R) Xeon(R) Processor") for several generations, so the
// kind is the name and the int8 instructions together. A run recorded before int8Matrix counts as one without
// AMX: the VNNI Xeon run of 2026-12-02 reached 73 % of the VNNI peak, not beyond it.
const sameKind = (a: BenchRun, b: BenchRun) => a.cpu === b.cpu && a.int8DotProduct === b.int8DotProduct && (a.int8Matrix ?? false) === (b.int8Matrix ?? false);

/** A run as it is kept once replaced: the figures at `batch` of each model that ran at it. */
export function summarise(run: BenchRun, batch = DEFAULT_SCORING_BATCH): EarlierRun {
  return {
    when: run.when,
    batch,
    models: run.models.flatMap((m) => {
      const row = m.batches.find((b) => b.batch === batch);
      if (!row) return [];
      return [{ name: m.name, version: m.version, itemsPerSecond: row.itemsPerSecond, ...(row.ratioToDefault === undefined ? {} : { ratioToDefault: row.ratioToDefault }) }];
    }),
  };
}

/**
 * bench.json's runs once `run` is recorded: it goes first and replaces the run of the same CPU kind, whose
 * summary heads the new run's `earlier` (newest first, at most `keep`); other kinds' runs stay as they were.
 */
export function recordRun(previous: readonly BenchRun[], run: BenchRun, keep = KEEP_EARLIER): BenchRun[] {
  const replaced = previous.find((r) => sameKind(r, run));
  const earlier = replaced ? [summarise(replaced), ...(replaced.earlier ?? [])].slice(0, keep) : [];
  return [{ ...run, earlier }, ...previous.filter((r) => !sameKind(r, run))];
}

/** The earlier runs kept with `run` that measured at `batch`, newest first. */
export function earlierAt(run: BenchRun, batch = DEFAULT_SCORING_BATCH): EarlierRun[] {
  return (run.earlier ?? []).filter((e) => e.batch === batch);
}

/** The rates at `batch` that earlier runs on `run`'s CPU kind measured for this model version, newest first. */
export function earlierRates(run: BenchRun, version: string, batch = DEFAULT_SCORING_BATCH): { when: string; itemsPerSecond: number }[] {
  return earlierAt(run, batch).flatMap((e) => e.models.filter((m) => m.version === version).map((m) => ({ when: e.when, itemsPerSecond: m.itemsPerSecond })));
}
