// The promotion gate: a retrained candidate replaces the live model only if, on the frozen test split,
// it is not worse than the live model beyond a tolerance on macro-F1 and on every class's recall.
import { z } from 'zod';
import { SentimentLabel, SplitMetrics } from './model-manifest.ts';

const LABELS = SentimentLabel.options;

export const GateFigures = z.object({
  version: z.string().min(1),
  macroF1: z.number(),
  recall: z.object({ negative: z.number(), neutral: z.number(), positive: z.number() }),
});
export type GateFigures = z.infer<typeof GateFigures>;

export const GateResult = z.object({
  promote: z.boolean(),
  tolerance: z.number().min(0),
  candidate: GateFigures,
  live: GateFigures,
  /** One line per failed check; empty when promoted. */
  reasons: z.array(z.string()),
});
export type GateResult = z.infer<typeof GateResult>;

export function gateFiguresOf(version: string, test: SplitMetrics): GateFigures {
  return {
    version,
    macroF1: test.macroF1,
    recall: { negative: test.perClass.negative.recall, neutral: test.perClass.neutral.recall, positive: test.perClass.positive.recall },
  };
}

// Figures are rounded to 4 places; a hair of float slack keeps "exactly at the bound" on the pass side.
const EPS = 1e-9;

/** Both figures must come from the same split (the frozen tfns test split, n = 944). */
export function applyGate(candidate: GateFigures, live: GateFigures, tolerance: number): GateResult {
  const reasons: string[] = [];
  const check = (what: string, c: number, l: number) => {
    if (c < l - tolerance - EPS) reasons.push(`${what} ${c.toFixed(4)} < live ${l.toFixed(4)} − ${tolerance}`);
  };
  check('macro-F1', candidate.macroF1, live.macroF1);
  for (const label of LABELS) check(`${label} recall`, candidate.recall[label], live.recall[label]);
  return { promote: reasons.length === 0, tolerance, candidate, live, reasons };
}
