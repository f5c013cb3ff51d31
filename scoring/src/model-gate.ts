// The promotion gate: a retrained candidate replaces the live model only if, on the frozen test split,
// it is not worse than the live model beyond a tolerance on macro-F1 and on every class's recall, and,
// on the Surge crypto comments no model trains on, not worse beyond a wider tolerance (281 comments
// against 944 headlines: one model's figure there moves about ±4 points with the sample).
import { z } from 'zod';
import { SentimentLabel, SplitMetrics, type CryptoMetrics } from './model-manifest.ts';

const LABELS = SentimentLabel.options;

export const GateFigures = z.object({
  version: z.string().min(1),
  macroF1: z.number(),
  recall: z.object({ negative: z.number(), neutral: z.number(), positive: z.number() }),
  /** Negative-vs-positive macro-F1 on the Surge held-out half; absent in decisions made before it was gated. */
  cryptoMacroF1: z.number().optional(),
});
export type GateFigures = z.infer<typeof GateFigures>;

export const GateResult = z.object({
  promote: z.boolean(),
  tolerance: z.number().min(0),
  cryptoTolerance: z.number().min(0).optional(),
  candidate: GateFigures,
  live: GateFigures,
  /** One line per failed check; empty when promoted. */
  reasons: z.array(z.string()),
});
export type GateResult = z.infer<typeof GateResult>;

export function gateFiguresOf(version: string, test: SplitMetrics, crypto?: CryptoMetrics): GateFigures {
  return {
    version,
    macroF1: test.macroF1,
    recall: { negative: test.perClass.negative.recall, neutral: test.perClass.neutral.recall, positive: test.perClass.positive.recall },
    ...(crypto ? { cryptoMacroF1: crypto.binaryMacroF1 } : {}),
  };
}

// Figures are rounded to 4 places; a hair of float slack keeps "exactly at the bound" on the pass side.
const EPS = 1e-9;

/** Both figures must come from the same splits (the frozen tfns test split, n = 944; the Surge held-out half, n = 281). */
export function applyGate(candidate: GateFigures, live: GateFigures, tolerance: number, cryptoTolerance?: number): GateResult {
  const reasons: string[] = [];
  const check = (what: string, c: number, l: number, tol: number) => {
    if (c < l - tol - EPS) reasons.push(`${what} ${c.toFixed(4)} < live ${l.toFixed(4)} − ${tol}`);
  };
  check('macro-F1', candidate.macroF1, live.macroF1, tolerance);
  for (const label of LABELS) check(`${label} recall`, candidate.recall[label], live.recall[label], tolerance);
  const [c, l] = [candidate.cryptoMacroF1, live.cryptoMacroF1];
  const gated = cryptoTolerance !== undefined && c !== undefined && l !== undefined;
  if (gated) check('crypto macro-F1', c, l, cryptoTolerance);
  return { promote: reasons.length === 0, tolerance, ...(gated ? { cryptoTolerance } : {}), candidate, live, reasons };
}
