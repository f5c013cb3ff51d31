// The model card's figures, computed as training/train_linear.py computes them (scikit-learn's
// definitions): per-class precision/recall/F1, macro-F1, confusion matrix, top-label ECE.

import type { CryptoMetrics, SplitMetrics } from './model-manifest.ts';

/** Class indexes in label order: 0 negative, 1 neutral, 2 positive. */
export type ClassIndex = 0 | 1 | 2;
const LABELS = ['negative', 'neutral', 'positive'] as const;

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

export function argmax3(p: readonly number[]): ClassIndex {
  let best: ClassIndex = 0;
  for (const k of [1, 2] as const) if ((p[k] ?? -1) > (p[best] ?? -1)) best = k;
  return best;
}

function f1Of(precision: number, recall: number): number {
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}

export function threeClassMetrics(truth: readonly ClassIndex[], predicted: readonly ClassIndex[]): SplitMetrics {
  const confusion = [0, 1, 2].map(() => [0, 0, 0]);
  truth.forEach((t, i) => confusion[t]![predicted[i]!]!++);
  const perClass = LABELS.map((_, k) => {
    const tp = confusion[k]![k]!;
    const support = confusion[k]!.reduce((a, b) => a + b, 0);
    const predictedK = confusion.reduce((a, row) => a + row[k]!, 0);
    const precision = predictedK === 0 ? 0 : tp / predictedK;
    const recall = support === 0 ? 0 : tp / support;
    return { precision, recall, f1: f1Of(precision, recall), support };
  });
  const correct = confusion.reduce((a, row, k) => a + row[k]!, 0);
  const entry = (k: number) => {
    const c = perClass[k]!;
    return { precision: round4(c.precision), recall: round4(c.recall), f1: round4(c.f1), support: c.support };
  };
  return {
    n: truth.length,
    accuracy: round4(correct / truth.length),
    macroF1: round4(perClass.reduce((a, c) => a + c.f1, 0) / 3),
    perClass: { negative: entry(0), neutral: entry(1), positive: entry(2) },
    confusion,
  };
}

/** Surge has no neutral class: negative vs positive by the larger of those two probabilities. */
export function cryptoMetrics(truth: readonly (0 | 2)[], proba: readonly (readonly number[])[]): CryptoMetrics {
  const binaryTruth = truth.map((t) => (t === 2 ? 1 : 0));
  const binaryPred = proba.map((p) => ((p[2] ?? 0) > (p[0] ?? 0) ? 1 : 0));
  const threeWay = proba.map(argmax3);
  let f1Sum = 0;
  for (const k of [0, 1]) {
    const tp = binaryTruth.filter((t, i) => t === k && binaryPred[i] === k).length;
    const predicted = binaryPred.filter((p) => p === k).length;
    const support = binaryTruth.filter((t) => t === k).length;
    f1Sum += f1Of(predicted ? tp / predicted : 0, support ? tp / support : 0);
  }
  const n = truth.length;
  return {
    n,
    binaryAccuracy: round4(binaryTruth.filter((t, i) => t === binaryPred[i]).length / n),
    binaryMacroF1: round4(f1Sum / 2),
    threeWayAccuracy: round4(truth.filter((t, i) => t === threeWay[i]).length / n),
    predictedNeutralShare: round4(threeWay.filter((p) => p === 1).length / n),
    confusion: ([0, 2] as const).map((t) => ([0, 1, 2] as const).map((p) => truth.filter((x, i) => x === t && threeWay[i] === p).length)),
  };
}

/** Top-label expected calibration error, equal-width confidence bins (Guo et al. 2017). */
export function expectedCalibrationError(truth: readonly ClassIndex[], proba: readonly (readonly number[])[], bins = 15): number {
  const sums = Array.from({ length: bins }, () => ({ n: 0, conf: 0, correct: 0 }));
  proba.forEach((p, i) => {
    const k = argmax3(p);
    const conf = p[k]!;
    // Bin b holds (b/bins, (b+1)/bins], as numpy's (lo, hi] masks in train_transformer.py.
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(conf * bins) - 1));
    const s = sums[b]!;
    s.n++;
    s.conf += conf;
    s.correct += k === truth[i] ? 1 : 0;
  });
  const n = proba.length;
  return round4(sums.reduce((a, s) => (s.n ? a + (s.n / n) * Math.abs(s.correct / s.n - s.conf / s.n) : a), 0));
}

/** A two-sided percentile interval from the bootstrap. */
export interface Interval {
  low: number;
  high: number;
}

export interface BootstrapResult {
  resamples: number;
  level: number;
  /** One interval per predictor, in the order given. */
  macroF1: Interval[];
  /** Predictor i minus predictor 0, for i ≥ 1: paired, so the interval is of the difference itself. */
  differenceFromFirst: Interval[];
}

/** mulberry32: a small seeded generator, so the card's intervals come out the same on every run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Macro-F1 from weighted counts: `weight[i]` is how often headline i was drawn. */
function weightedMacroF1(truth: readonly ClassIndex[], predicted: readonly ClassIndex[], weight: Uint32Array): number {
  const tp = [0, 0, 0];
  const support = [0, 0, 0];
  const called = [0, 0, 0];
  for (let i = 0; i < truth.length; i++) {
    const w = weight[i]!;
    if (w === 0) continue;
    const t = truth[i]!;
    const p = predicted[i]!;
    support[t]! += w;
    called[p]! += w;
    if (t === p) tp[t]! += w;
  }
  let sum = 0;
  for (let k = 0; k < 3; k++) {
    const precision = called[k] ? tp[k]! / called[k]! : 0;
    const recall = support[k] ? tp[k]! / support[k]! : 0;
    sum += f1Of(precision, recall);
  }
  return sum / 3;
}

function percentile(sorted: readonly number[], q: number): number {
  // Linear interpolation between order statistics (numpy's default), so Python gives the same bounds.
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * How much a split of ~940 headlines can say: the percentile bootstrap of macro-F1 (Efron &
 * Tibshirani 1993). Headlines are drawn with replacement; every predictor is scored on the same
 * draws, so the difference between two models gets its own interval, which is narrower than
 * comparing their two intervals because most headlines are right or wrong for both.
 */
export function bootstrapMacroF1(
  truth: readonly ClassIndex[],
  predictions: readonly (readonly ClassIndex[])[],
  { resamples = 2000, level = 0.95, seed = 20261201 }: { resamples?: number; level?: number; seed?: number } = {},
): BootstrapResult {
  const n = truth.length;
  for (const p of predictions) if (p.length !== n) throw new Error(`bootstrap: ${p.length} predictions for ${n} labels`);
  const random = seededRandom(seed);
  const weight = new Uint32Array(n);
  const scores = predictions.map(() => [] as number[]);
  for (let r = 0; r < resamples; r++) {
    weight.fill(0);
    for (let j = 0; j < n; j++) weight[Math.floor(random() * n)]!++;
    predictions.forEach((p, i) => scores[i]!.push(weightedMacroF1(truth, p, weight)));
  }
  const tail = (1 - level) / 2;
  const interval = (xs: number[]): Interval => {
    const sorted = [...xs].sort((a, b) => a - b);
    return { low: round4(percentile(sorted, tail)), high: round4(percentile(sorted, 1 - tail)) };
  };
  return {
    resamples,
    level,
    macroF1: scores.map(interval),
    differenceFromFirst: scores.slice(1).map((s) => interval(s.map((x, r) => x - scores[0]![r]!))),
  };
}
