// Scoring configuration, parsed once from the environment in main.ts.
import { z } from 'zod';
import { CommonConfig, parseConfig } from '@barometer/runtime/config';

/**
 * Most items per scoreBatch call and per ClickHouse insert. Every batch also pays an id check and two
 * inserts, so small batches spend the core on overhead: end to end at 200 items/s, 32 gave p99 9.48 s
 * against 1.21-2.08 s at 128 with the 2026-11 model, and 2.28 s against 1.74 s with the static int8
 * one (docs/performance.md). The linear model's graph builds a dense [N, 46300] float matrix (~0.8 MB
 * per text), ~100 MB at 128. The model card's speed target is read at this batch.
 */
export const DEFAULT_SCORING_BATCH = 128;

export const ScoringConfig = CommonConfig.extend({
  /** A model directory (manifest.json beside its files); unset = scoring/models/cascade-sentiment (defaultModelDir).
   *  MiniLM alone: scoring/models/minilm-sentiment; the accurate model: scoring/models/mpnet-sentiment; the linear
   *  fallback: scoring/models/linear-tfidf. */
  BAROMETER_MODEL_DIR: z.string().min(1).optional(),
  /** Where `npm run train` writes candidates and live.json, the promotion pointer that overrides
   *  BAROMETER_MODEL_DIR and is followed while running; unset = <BAROMETER_DATA_DIR>/models. */
  BAROMETER_MODELS_DIR: z.string().min(1).optional(),
  /** A candidate model scoring in shadow beside the live one (rows tagged shadow, not in the index). */
  BAROMETER_SHADOW_MODEL_DIR: z.string().min(1).optional(),
  /** `npm run train`: how far below the live model a candidate may fall, on macro-F1 and on each
   *  class's recall, and still be promoted. */
  BAROMETER_GATE_TOLERANCE: z.coerce.number().min(0).max(1).default(0.01),
  /** `npm run train`: the same for negative-vs-positive macro-F1 on the Surge crypto comments no model
   *  trains on; wider, because 281 comments move a model's figure by about ±4 points. */
  BAROMETER_GATE_CRYPTO_TOLERANCE: z.coerce.number().min(0).max(1).default(0.03),
  /** `npm run train`: collected labels from this export (CSV or JSONL with text) instead of ClickHouse. */
  BAROMETER_LABELS_FILE: z.string().min(1).optional(),
  /** Port of the /metrics and /healthz server when scoring runs on its own. */
  BAROMETER_SCORING_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9465),
  BAROMETER_SCORING_BATCH: z.coerce.number().int().min(1).max(1024).default(DEFAULT_SCORING_BATCH),
  BAROMETER_SCORING_GROUP: z.string().min(1).default('barometer-scoring'),
  /** onnxruntime intra-op threads; 1 keeps one scoring member per core predictable. */
  BAROMETER_ONNX_THREADS: z.coerce.number().int().min(1).max(64).default(1),
});
export type ScoringConfig = z.infer<typeof ScoringConfig>;

export function loadScoringConfig(source: NodeJS.ProcessEnv = process.env): ScoringConfig {
  return parseConfig(ScoringConfig, source);
}
