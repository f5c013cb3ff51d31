// Schema of scoring/model/manifest.json, written by training/train_linear.py next to model.onnx.

import { z } from 'zod';

export const SentimentLabel = z.enum(['negative', 'neutral', 'positive']);
export type SentimentLabel = z.infer<typeof SentimentLabel>;

const Rate = z.number().min(0).max(1);

export const ClassMetrics = z.object({
  precision: Rate,
  recall: Rate,
  f1: Rate,
  support: z.number().int().nonnegative(),
});
export type ClassMetrics = z.infer<typeof ClassMetrics>;

export const SplitMetrics = z.object({
  n: z.number().int().positive(),
  accuracy: Rate,
  macroF1: Rate,
  perClass: z.object({ negative: ClassMetrics, neutral: ClassMetrics, positive: ClassMetrics }),
  // Rows: true label, columns: predicted label, both in manifest label order.
  confusion: z.array(z.array(z.number().int().nonnegative())),
});
export type SplitMetrics = z.infer<typeof SplitMetrics>;

// The crypto set has no neutral class, so it is scored as negative vs positive.
export const CryptoMetrics = z.object({
  n: z.number().int().positive(),
  binaryAccuracy: Rate,
  binaryMacroF1: Rate,
  threeWayAccuracy: Rate,
  predictedNeutralShare: Rate,
  confusion: z.array(z.array(z.number().int().nonnegative())),
});
export type CryptoMetrics = z.infer<typeof CryptoMetrics>;

export const ModelManifest = z.object({
  name: z.string().min(1),
  version: z.string().min(1).max(100),
  // The order of the model's output columns, not just the set of labels.
  labels: z.tuple([z.literal('negative'), z.literal('neutral'), z.literal('positive')]),
  kind: z.literal('onnx'),
  files: z.object({ model: z.string().min(1) }),
  sha256: z.object({ model: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
  input: z.object({
    name: z.string().min(1),
    // The graph tokenizes cleaned text itself (string tensor [N, 1]). A model that needs
    // features computed in TypeScript would add its kind here, and a loader branch for it.
    type: z.literal('string'),
    shape: z.array(z.number().int().positive().nullable()).optional(),
  }),
  output: z.object({ name: z.string().min(1) }),
  // Which cleanText the model was trained behind; checked against CLEAN_TEXT_VERSION on load.
  preprocess: z.string().min(1),
  maxLength: z.number().int().positive().optional(),
  features: z.record(z.string(), z.unknown()).optional(),
  classifier: z.record(z.string(), z.unknown()).optional(),
  metrics: z.object({
    test: SplitMetrics,
    validation: SplitMetrics.optional(),
    crypto: CryptoMetrics.optional(),
  }),
  data: z
    .array(
      z.object({
        name: z.string().min(1),
        licence: z.string().min(1),
        source: z.string().min(1),
        use: z.string().optional(),
      }),
    )
    .min(1),
});
export type ModelManifest = z.infer<typeof ModelManifest>;
