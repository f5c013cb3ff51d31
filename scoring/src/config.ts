// Scoring configuration, parsed once from the environment in main.ts.
import { z } from 'zod';
import { CommonConfig, parseConfig } from '@barometer/runtime/config';

export const ScoringConfig = CommonConfig.extend({
  /** A model directory (manifest.json beside its files); unset = scoring/models/minilm-sentiment.
   *  The linear fallback: scoring/models/linear-tfidf. */
  BAROMETER_MODEL_DIR: z.string().min(1).optional(),
  /** Where `npm run train` writes candidates and live.json, the promotion pointer that overrides
   *  BAROMETER_MODEL_DIR and is followed while running; unset = <BAROMETER_DATA_DIR>/models. */
  BAROMETER_MODELS_DIR: z.string().min(1).optional(),
  /** A candidate model scoring in shadow beside the live one (rows tagged shadow, not in the index). */
  BAROMETER_SHADOW_MODEL_DIR: z.string().min(1).optional(),
  /** `npm run train`: how far below the live model a candidate may fall, on macro-F1 and on each
   *  class's recall, and still be promoted. */
  BAROMETER_GATE_TOLERANCE: z.coerce.number().min(0).max(1).default(0.01),
  /** `npm run train`: collected labels from this export (CSV or JSONL with text) instead of ClickHouse. */
  BAROMETER_LABELS_FILE: z.string().min(1).optional(),
  // One scoreBatch call. The linear model's graph builds a dense [N, 46300] float matrix (~0.8 MB per
  // text); the transformer pads the batch to its longest text, so huge batches of mixed lengths waste work.
  // 32: the transformer's throughput is flat from 32 up (scoring bench) while a batch's latency grows
  // with its size, and every item of a fetched batch waits for the chunks before it.
  /** Port of the /metrics and /healthz server when scoring runs on its own. */
  BAROMETER_SCORING_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9465),
  BAROMETER_SCORING_BATCH: z.coerce.number().int().min(1).max(1024).default(32),
  BAROMETER_SCORING_GROUP: z.string().min(1).default('barometer-scoring'),
  /** onnxruntime intra-op threads; 1 keeps one scoring member per core predictable. */
  BAROMETER_ONNX_THREADS: z.coerce.number().int().min(1).max(64).default(1),
});
export type ScoringConfig = z.infer<typeof ScoringConfig>;

export function loadScoringConfig(source: NodeJS.ProcessEnv = process.env): ScoringConfig {
  return parseConfig(ScoringConfig, source);
}
