// Schema of scoring/models/<name>/manifest.json, written by training/train_*.py next to model.onnx.
// `kind` says how the loader feeds the graph: raw strings (linear) or token ids (transformer).

import { z } from 'zod';

export const SentimentLabel = z.enum(['negative', 'neutral', 'positive']);
export type SentimentLabel = z.infer<typeof SentimentLabel>;

const Rate = z.number().min(0).max(1);
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
// A file beside manifest.json: a plain name, never a path out of the model directory.
const FileName = z.string().regex(/^[\w.-]+$/).refine((n) => n !== '.' && n !== '..', 'a file name, not a directory');

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

export const DataSource = z.object({
  name: z.string().min(1),
  licence: z.string().min(1),
  source: z.string().min(1),
  use: z.string().optional(),
  // Set for data (or weights) whose licence forbids commercial use; the loader then carries a
  // notice that main.ts logs, so whoever runs the model is told where it is loaded.
  nonCommercial: z.boolean().default(false),
});
export type DataSource = z.infer<typeof DataSource>;

const common = {
  name: z.string().min(1),
  version: z.string().min(1).max(100),
  // The order of the model's output columns, not just the set of labels.
  labels: z.tuple([z.literal('negative'), z.literal('neutral'), z.literal('positive')]),
  // Which cleanText the model was trained behind; checked against CLEAN_TEXT_VERSION on load.
  preprocess: z.string().min(1),
  metrics: z.object({
    test: SplitMetrics,
    validation: SplitMetrics.optional(),
    crypto: CryptoMetrics.optional(),
  }),
  data: z.array(DataSource).min(1),
};

/** TF-IDF + logistic regression: the graph tokenizes cleaned text itself (string tensor [N, 1]). */
export const LinearManifest = z.object({
  ...common,
  kind: z.literal('linear'),
  output: z.object({ name: z.string().min(1) }),
  // sparse: the same model as tables (sparse-linear.ts), scored without the graph where present.
  files: z.object({ model: z.string().min(1), sparse: FileName.optional() }),
  sha256: z.object({ model: Sha256, sparse: Sha256.optional() }).optional(),
  input: z.object({
    name: z.string().min(1),
    type: z.literal('string'),
    shape: z.array(z.number().int().positive().nullable()).optional(),
  }),
  maxLength: z.number().int().positive().optional(),
  features: z.record(z.string(), z.unknown()).optional(),
  classifier: z.record(z.string(), z.unknown()).optional(),
});
export type LinearManifest = z.infer<typeof LinearManifest>;

/** An encoder fed token ids from tokenizer.json (tokenized in TypeScript), padded per batch. */
export const TransformerManifest = z.object({
  ...common,
  kind: z.literal('transformer'),
  output: z.object({ name: z.string().min(1) }),
  // data: the weights as ONNX external data beside model.onnx, for graphs too big for one file
  // (git hosts refuse files over 100 MB); onnxruntime then loads the graph by path.
  files: z.object({ model: z.string().min(1), tokenizer: z.string().min(1), data: z.array(FileName).min(1).optional() }),
  sha256: z.object({ model: Sha256, tokenizer: Sha256, data: z.record(FileName, Sha256).optional() }).optional(),
  inputs: z.object({ inputIds: z.string().min(1), attentionMask: z.string().min(1) }),
  /** Tokens per text, [CLS] and [SEP] included; longer texts are truncated. */
  maxLength: z.number().int().min(3).max(512),
  padTokenId: z.number().int().nonnegative(),
  base: z.object({
    name: z.string().min(1),
    licence: z.string().min(1),
    source: z.string().min(1),
    layers: z.number().int().positive(),
    /** Width and feed-forward width; manifests from before these were recorded are MiniLM's, 384 and 1536. */
    hidden: z.number().int().positive().default(384),
    intermediate: z.number().int().positive().default(1536),
  }),
  /** Exits inside the graph (training/early_exit.py), shallowest first: after `layer` layers a small head
   *  answers the texts whose top probability reaches `threshold`, and only the others go on. Each share is
   *  of all texts: those this exit answered (none of them reached a deeper exit). */
  earlyExits: z
    .array(
      z.object({
        layer: z.number().int().positive(),
        /** The head's form, as train_transformer.py's --exit LAYER:KIND takes it. */
        kind: z.enum(['linear', 'mlp']),
        threshold: Rate,
        temperature: z.number().positive(),
        head: z.string().min(1),
        rule: z.string().min(1),
        validationShare: Rate,
        testShare: Rate,
        /** The graph up to this exit and its head alone (train_transformer.py --answer-graph), beside
         *  model.onnx and reading its weights files: every text is answered here. A cascade's last stage may
         *  be served so (CascadeStage.answerAt); the full graph gives a text it answers here the same figures. */
        answerGraph: z.object({ file: FileName, sha256: Sha256 }).optional(),
      }),
    )
    .min(1)
    .refine((xs) => xs.every((x, i) => i === 0 || x.layer > xs[i - 1]!.layer), 'exits are listed shallowest first, one per layer')
    .refine((xs) => xs.reduce((a, x) => a + x.validationShare, 0) <= 1 + 1e-9, 'the exits answer at most every text')
    // A deeper exit sees only the rows the shallower ones passed on, so only the first can answer every row.
    .refine((xs) => xs.every((x, i) => i === 0 || x.answerGraph === undefined), 'only the shallowest exit has an answer graph')
    .optional(),
  quantization: z.string().optional(),
  // Temperature scaling is inside the graph; these figures say what it changed.
  calibration: z.object({
    temperature: z.number().positive(),
    bins: z.number().int().positive(),
    validationEceBefore: Rate,
    validationEceAfter: Rate,
    testEceBefore: Rate,
    validationEceShipped: Rate,
    testEceShipped: Rate,
  }),
  training: z.record(z.string(), z.unknown()).optional(),
});
export type TransformerManifest = z.infer<typeof TransformerManifest>;

/** The encoder layers a text runs on average: those an exit answers stop at its layer, the rest run
 *  them all (at the shares the exits answered on validation). */
export function meanLayersRun(m: TransformerManifest): number {
  const xs = m.earlyExits ?? [];
  const exited = xs.reduce((a, x) => a + x.validationShare, 0);
  return xs.reduce((a, x) => a + x.validationShare * x.layer, 0) + (1 - exited) * m.base.layers;
}

/** One point of the deferral curve that `npm run cascade -w @barometer/scoring` computes from the
 *  stages' probabilities: the threshold of the stage before the last, the earlier ones held at their
 *  chosen values. Thresholds are picked on validation; test is only reported. */
const CascadePoint = z.object({
  deferBelow: Rate,
  /** The share of the texts the last stage answers. */
  validationDeferred: Rate,
  validationMacroF1: Rate,
  testDeferred: Rate,
  testMacroF1: Rate,
});

/** One threshold of a three-stage cascade's first stage (its gate), at the share it was best with. */
const GatePoint = z.object({
  deferBelow: Rate,
  /** The share of the texts the gate answers itself. */
  validationAnswered: Rate,
  /** The share of validation given to the last stage at this gate (the best up to maxShare). */
  validationShare: Rate,
  validationMacroF1: Rate,
  testAnswered: Rate,
  testMacroF1: Rate,
});

/** A sibling model directory, the version the cascade was tuned on, (every stage but the last) the top
 *  probability below which the stage passes a text on to the next, and (a transformer) the layer of the
 *  early exit whose answer graph serves it: every text it sees is answered there. */
const CascadeStage = z.object({
  model: FileName,
  version: z.string().min(1),
  deferBelow: Rate.optional(),
  answerAt: z.number().int().positive().optional(),
});

/**
 * Models in sequence, served as one: the first scores every text, and a text whose top probability
 * from a stage is below that stage's deferBelow is scored again by the next, whose probabilities
 * replace the earlier ones. Cheap stages answer the texts they are sure of and a slow, accurate one
 * the rest, so the whole costs the first stage's time plus each later stage's on the share it sees.
 * Stages are sibling directories (scoring/models/<stage>), pinned by version: a retrained stage
 * changes which texts defer, so the cascade's figures would no longer be its own.
 */
export const CascadeManifest = z.object({
  ...common,
  kind: z.literal('cascade'),
  stages: z
    .array(CascadeStage)
    .min(2)
    .max(4)
    .refine((stages) => stages.every((s, i) => (s.deferBelow === undefined) === (i === stages.length - 1)), {
      message: 'every stage but the last has deferBelow, and the last has none',
    }),
  // How the thresholds were chosen: the share of validation texts the last stage may take, the curve
  // over that share and, with three stages, the first stage's gate thresholds.
  selection: z.object({
    validationShare: Rate,
    // Set when the share was chosen as the smallest whose validation macro-F1 is within this of the last stage alone.
    withinSecondStage: Rate.optional(),
    // Set when the share was chosen as the most accurate on validation among the curve's shares up to this one.
    maxShare: Rate.optional(),
    curve: z.array(CascadePoint),
    gates: z.array(GatePoint).optional(),
  }),
  ece: z.object({ validation: Rate, test: Rate }).optional(),
});
export type CascadeManifest = z.infer<typeof CascadeManifest>;

export const ModelManifest = z.discriminatedUnion('kind', [LinearManifest, TransformerManifest, CascadeManifest]);
export type ModelManifest = z.infer<typeof ModelManifest>;
