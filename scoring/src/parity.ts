// The training-time parity fixtures (scoring/src/fixtures/*-parity.json): probabilities Python computed
// for fixed texts, which the serving code must reproduce. Shared by the model tests and parity-cli.ts.
import { z } from 'zod';
import { argmax3 } from './eval-metrics.ts';
import type { SentimentModel } from './sentiment-model.ts';

export const ParityFixture = z.object({
  modelVersion: z.string(),
  labels: z.tuple([z.literal('negative'), z.literal('neutral'), z.literal('positive')]),
  tolerance: z.number().positive(),
  // Whether the machine that computed the fixture had int8 dot-product instructions (VNNI). onnxruntime
  // takes other kernel paths without them, so sentiment-model.test.ts holds 'tolerance' on the same kind
  // of CPU only; cpu-kinds.test.ts holds it on an emulated AVX2-only one too.
  int8DotProduct: z.boolean().optional(),
  cases: z
    .array(z.object({ text: z.string(), probabilities: z.tuple([z.number(), z.number(), z.number()]) }))
    .min(1),
});
export type ParityFixture = z.infer<typeof ParityFixture>;

export interface ParityReport {
  /** The largest |serving - training| probability over the fixture's cases. */
  worst: number;
  /** The text of the case where it occurs. */
  worstText: string;
  /** Cases with any probability off by more than the fixture's tolerance. */
  over: number;
  /** Cases whose argmax label differs from training's. */
  labelMismatches: number;
}

/**
 * Serving against training over the fixture's cases. A transformer scores each text alone, as its
 * fixture was computed; the linear model is batch-free and scores them in one batch.
 */
export async function parityReport(model: SentimentModel, fixture: ParityFixture): Promise<ParityReport> {
  const texts = fixture.cases.map((c) => c.text);
  const scores = model.manifest.kind === 'transformer' ? await Promise.all(texts.map(async (t) => (await model.scoreBatch([t]))[0]!)) : await model.scoreBatch(texts);
  const report: ParityReport = { worst: 0, worstText: '', over: 0, labelMismatches: 0 };
  fixture.cases.forEach((c, i) => {
    const s = scores[i];
    if (!s) throw new Error(`no score for case ${i}`);
    const served = fixture.labels.map((label) => s[label]);
    const off = Math.max(...served.map((p, j) => Math.abs(p - (c.probabilities[j] ?? Number.NaN))));
    if (!(off <= report.worst)) Object.assign(report, { worst: off, worstText: c.text });
    if (!(off <= fixture.tolerance)) report.over += 1;
    if (argmax3(served) !== argmax3(c.probabilities)) report.labelMismatches += 1;
  });
  return report;
}
