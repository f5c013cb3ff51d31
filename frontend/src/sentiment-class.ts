// The one vocabulary for the 0–100 index, shared by the gauge, the comparisons and the legend.
import { toIndex } from '@barometer/schemas/api';

export type Tone = 'negative' | 'neutral' | 'positive';

export interface SentimentClass {
  words: string;
  tone: Tone;
  /** Inclusive index range, for the legend. */
  from: number;
  to: number;
}

/**
 * Five equal-ish classes over the index: the middle fifth (40–60, a mean score within ±0.2) reads as
 * neutral, because a wire of mostly factual headlines averages close to zero.
 */
export const SENTIMENT_CLASSES: readonly SentimentClass[] = [
  { words: 'Very negative', tone: 'negative', from: 0, to: 19 },
  { words: 'Negative', tone: 'negative', from: 20, to: 39 },
  { words: 'Neutral', tone: 'neutral', from: 40, to: 60 },
  { words: 'Positive', tone: 'positive', from: 61, to: 80 },
  { words: 'Very positive', tone: 'positive', from: 81, to: 100 },
];

export function classify(index: number): SentimentClass {
  return SENTIMENT_CLASSES.find((c) => index <= c.to) ?? SENTIMENT_CLASSES[SENTIMENT_CLASSES.length - 1]!;
}

/** The chart plots the index unrounded (`toIndex` rounds, which would flatten a slowly moving line). */
export function toIndexExact(value: number): number {
  return 50 * (value + 1);
}

export { toIndex };

/** `+3`, `−2`, `±0`: a change in index points. */
export function formatPoints(delta: number): string {
  const rounded = Math.round(delta);
  if (rounded === 0) return '±0';
  return rounded > 0 ? `+${rounded}` : `−${Math.abs(rounded)}`;
}
