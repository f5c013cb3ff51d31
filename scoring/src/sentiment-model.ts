// Loads a sentiment model directory (scoring/models/<name>: manifest.json, ONNX graph, tokenizer)
// and scores text batches with one onnxruntime session.

import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelManifest, type CascadeManifest, type TransformerManifest } from './model-manifest.ts';
import { SparseLinearFile, compileSparseLinear } from './sparse-linear.ts';
import { CLEAN_TEXT_VERSION, cleanText } from './text-clean.ts';

export interface SentimentScores {
  negative: number;
  neutral: number;
  positive: number;
  /** Set by a cascade: the index of the stage that answered (0 the first; the scoring service counts the
   *  texts a later stage answered). */
  stage?: number;
}

export interface SentimentModel {
  /** manifest.version, stamped on every score row. */
  readonly version: string;
  readonly manifest: ModelManifest;
  /** Licence notices from the manifest (non-commercial data or weights); empty when there are none. */
  readonly notices: readonly string[];
  /** Results are in input order. A linear model scores the batch from its sparse tables (or in one
   *  ONNX run where it has none); a transformer in
   *  runs of up to 16 texts of similar length, each padded to its longest text (planRuns). */
  scoreBatch(texts: readonly string[]): Promise<SentimentScores[]>;
  /** Releases the InferenceSession (if any); the model cannot score afterwards. */
  close(): Promise<void>;
}

/** scoring/models: one directory per model, each with manifest.json beside its files. */
export const modelsDir: string = fileURLToPath(new URL('../models', import.meta.url));
/** all-MiniLM-L6-v2 fine-tuned (training/train_transformer.py): the fastest transformer here, the served default
 *  until the cascade matched its speed, and the model the bench's ratios are taken against. */
export const minilmModelDir: string = join(modelsDir, 'minilm-sentiment');
/** all-mpnet-base-v2 fine-tuned (training/train_teacher.py): the most accurate, about 4× slower
 *  than MiniLM; select it with BAROMETER_MODEL_DIR where a feed's rate leaves room. */
export const accurateModelDir: string = join(modelsDir, 'mpnet-sentiment');
/** Three stages served as one (its MODEL_CARD.md): the linear gate answers the texts it is surest of,
 *  e5-small most of the rest, and the accurate model the few e5 is unsure of. */
export const cascadeModelDir: string = join(modelsDir, 'cascade-sentiment');
/** The served model unless BAROMETER_MODEL_DIR names another directory: the cascade, the one model that meets the
 *  accuracy target, at MiniLM's speed on both kinds of CPU benched (the cards' speed tables: 0.95-1.09× in the same rounds). */
export const defaultModelDir: string = cascadeModelDir;
/** The cascade's first stage: TF-IDF + logistic regression fit on the training split only, so that its
 *  threshold can be chosen on validation (the fallback below is refit on train + validation). */
export const gateModelDir: string = join(modelsDir, 'linear-gate');
/** e5-small-v2 cut to 8 layers × 384 and fine-tuned, with early exits after layers 3 and 5: the cascade's middle stage. */
export const e5ModelDir: string = join(modelsDir, 'e5-sentiment');
/** The TF-IDF + logistic-regression fallback: less accurate, no tokenizer, smaller. */
export const linearModelDir: string = join(modelsDir, 'linear-tfidf');

/** Whether `dir` holds a model (its manifest.json): the accurate model is optional in a checkout. */
export async function hasModel(dir: string): Promise<boolean> {
  return access(join(dir, 'manifest.json')).then(
    () => true,
    () => false,
  );
}

export interface LoadSentimentModelOptions {
  intraOpNumThreads?: number;
  /** A transformer's early exit (its layer) whose answer graph to serve instead of the full graph: every
   *  text is answered after that layer. A cascade's stage sets it (CascadeStage.answerAt). */
  answerAt?: number;
}

// Scores cleaned texts: one row of label-ordered probabilities per text, flattened.
type RunCleaned = (cleaned: string[]) => Promise<Float32Array>;

export async function loadSentimentModel(
  dir: string,
  opts: LoadSentimentModelOptions = {},
): Promise<SentimentModel> {
  const manifestPath = join(dir, 'manifest.json');
  const manifest = await readManifest(manifestPath);
  if (opts.answerAt !== undefined && manifest.kind !== 'transformer') {
    throw new Error(`${manifestPath}: answerAt ${opts.answerAt} needs a transformer with an early exit there, not a ${manifest.kind} model`);
  }
  if (manifest.kind === 'cascade') return loadCascade(dir, manifest, manifestPath, opts);
  if (manifest.preprocess !== CLEAN_TEXT_VERSION) {
    throw new Error(
      `${manifestPath}: model was trained behind ${manifest.preprocess}, but this code cleans text with ${CLEAN_TEXT_VERSION}; retrain the model or restore the matching cleanText`,
    );
  }

  if (manifest.kind === 'linear' && manifest.files.sparse !== undefined) {
    const path = join(dir, manifest.files.sparse);
    const bytes = await readFile(path);
    checkHash(path, bytes, manifest.sha256?.sparse, manifestPath);
    const parsed = SparseLinearFile.safeParse(JSON.parse(bytes.toString('utf8')));
    if (!parsed.success) throw new Error(`${path}: not a sparse linear model\n${z.prettifyError(parsed.error)}`);
    if (parsed.data.labels.join() !== manifest.labels.join()) {
      throw new Error(`${path}: labels [${parsed.data.labels.join(', ')}] differ from ${manifestPath} [${manifest.labels.join(', ')}]`);
    }
    const score = compileSparseLinear(parsed.data);
    return served(manifest, async (cleaned) => score(cleaned), async () => {});
  }

  const graph = graphOf(manifest, opts.answerAt, manifestPath);
  const modelPath = join(dir, graph.file);
  const modelBytes = await readFile(modelPath);
  checkHash(modelPath, modelBytes, graph.sha256, manifestPath);
  // Weights kept beside the graph (ONNX external data): onnxruntime finds them relative to the
  // graph's path, so such a graph is loaded by path, after every file is checked.
  const dataFiles = manifest.kind === 'transformer' ? (manifest.files.data ?? []) : [];
  const dataHashes = manifest.kind === 'transformer' ? manifest.sha256 : undefined;
  for (const name of dataFiles) {
    const path = join(dir, name);
    const expected = dataHashes?.data?.[name];
    if (dataHashes && expected === undefined) throw new Error(`${manifestPath}: no sha256 for ${name}`);
    checkHash(path, await readFile(path), expected, manifestPath);
  }

  // Transformers tokenize before the session exists, so a bad tokenizer fails without leaking one.
  const tokenizer = manifest.kind === 'transformer' ? await loadTokenizer(dir, manifest, manifestPath) : undefined;

  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    ...(opts.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: opts.intraOpNumThreads }),
  };
  const session = await (dataFiles.length > 0
    ? ort.InferenceSession.create(modelPath, sessionOptions)
    : ort.InferenceSession.create(modelBytes, sessionOptions));
  const inputNames = manifest.kind === 'linear' ? [manifest.input.name] : [manifest.inputs.inputIds, manifest.inputs.attentionMask];
  const outputName = manifest.output.name;
  if (!inputNames.every((n) => session.inputNames.includes(n)) || !session.outputNames.includes(outputName)) {
    await session.release();
    throw new Error(
      `${modelPath}: manifest expects ${inputNames.length === 1 ? 'input' : 'inputs'} ${inputNames.map((n) => `"${n}"`).join(', ')} and output "${outputName}", but the model has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]`,
    );
  }

  const labels = manifest.labels;
  // Reads the probabilities output, checking its shape against the batch and the labels.
  async function runFeeds(feeds: Record<string, ort.Tensor>, n: number): Promise<Float32Array> {
    // Fetch only the probabilities; the linear graph also computes a label we do not need.
    const result = await session.run(feeds, [outputName]);
    const out = result[outputName];
    if (!out || out.type !== 'float32' || out.dims.length !== 2 || out.dims[0] !== n || out.dims[1] !== labels.length) {
      throw new Error(
        `model ${manifest.version}: output "${outputName}" is ${out?.type} [${out?.dims.join(', ')}], expected float32 [${n}, ${labels.length}]`,
      );
    }
    return out.data as Float32Array;
  }

  let run: RunCleaned;
  if (manifest.kind === 'linear') {
    const inputName = manifest.input.name;
    run = (cleaned) => runFeeds({ [inputName]: new ort.Tensor('string', cleaned, [cleaned.length, 1]) }, cleaned.length);
  } else {
    const { inputIds, attentionMask } = manifest.inputs;
    const tokenize = createTokenizeRow(tokenizer!, manifest.maxLength);
    const runRows = (rows: number[][]) => {
      const { ids, mask, width } = padRows(rows, manifest.padTokenId);
      const dims = [rows.length, width];
      return runFeeds({ [inputIds]: new ort.Tensor('int64', ids, dims), [attentionMask]: new ort.Tensor('int64', mask, dims) }, rows.length);
    };
    run = async (cleaned) => {
      const rows = cleaned.map(tokenize);
      const out = new Float32Array(rows.length * labels.length);
      for (const slice of planRuns(rows.map((r) => r.length))) {
        const data = await runRows(slice.map((i) => rows[i]!));
        slice.forEach((row, k) => out.set(data.subarray(k * labels.length, (k + 1) * labels.length), row * labels.length));
      }
      return out;
    };
  }

  return served(manifest, run, () => session.release());
}

/** The graph file to serve and its expected hash: model.onnx, or the answer graph of the exit after layer answerAt. */
function graphOf(manifest: Exclude<ModelManifest, CascadeManifest>, answerAt: number | undefined, manifestPath: string): { file: string; sha256?: string } {
  if (answerAt === undefined) return { file: manifest.files.model, sha256: manifest.sha256?.model };
  const exit = manifest.kind === 'transformer' ? manifest.earlyExits?.find((x) => x.layer === answerAt) : undefined;
  if (!exit?.answerGraph) {
    throw new Error(`${manifestPath}: no answer graph for an exit after layer ${answerAt} (package the model with train_transformer.py --answer-graph ${answerAt})`);
  }
  return exit.answerGraph;
}

/** A single model around its scorer of cleaned texts: cleaning, licence notices, close. */
function served(manifest: Exclude<ModelManifest, CascadeManifest>, run: RunCleaned, release: () => Promise<void>): SentimentModel {
  const labels = manifest.labels;
  const notices = manifest.data
    .filter((d) => d.nonCommercial)
    .map((d) => `model ${manifest.version} was trained on ${d.name} (${d.licence}): not for commercial use`);
  for (const notice of notices) process.emitWarning(notice, { code: 'BAROMETER_MODEL_LICENCE' });

  let closed = false;
  return {
    version: manifest.version,
    manifest,
    notices,
    async scoreBatch(texts) {
      if (closed) throw new Error(`sentiment model ${manifest.version} is closed`);
      if (texts.length === 0) return [];
      const data = await run(texts.map(cleanText));
      const scores: SentimentScores[] = [];
      for (let row = 0; row < texts.length; row++) {
        scores.push(toScores(labels, data, row * labels.length));
      }
      return scores;
    },
    async close() {
      if (closed) return;
      closed = true;
      await release();
    },
  };
}

/** Indexes of the texts a cascade stage passes on to the next: those whose top probability from it is below deferBelow. */
export function deferredRows(first: readonly SentimentScores[], deferBelow: number): number[] {
  const rows: number[] = [];
  first.forEach((s, i) => {
    if (Math.max(s.negative, s.neutral, s.positive) < deferBelow) rows.push(i);
  });
  return rows;
}

async function loadCascade(dir: string, manifest: CascadeManifest, manifestPath: string, opts: LoadSentimentModelOptions): Promise<SentimentModel> {
  const stages: SentimentModel[] = [];
  try {
    for (const stage of manifest.stages) {
      const stageDir = join(dir, '..', stage.model);
      // Checked before loading: a cascade that names itself (or another cascade) would recurse.
      if ((await readManifest(join(stageDir, 'manifest.json'))).kind === 'cascade') {
        throw new Error(`${manifestPath}: stage ${stage.model} is itself a cascade`);
      }
      const model = await loadSentimentModel(stageDir, { ...opts, answerAt: stage.answerAt });
      stages.push(model);
      if (model.version !== stage.version) {
        throw new Error(`${manifestPath}: stage ${stage.model} is ${model.version}, but the cascade was tuned on ${stage.version}; rerun npm run cascade`);
      }
    }
  } catch (err) {
    await Promise.all(stages.map((m) => m.close()));
    throw err;
  }
  let closed = false;
  return {
    version: manifest.version,
    manifest,
    notices: stages.flatMap((m) => m.notices),
    async scoreBatch(texts) {
      if (closed) throw new Error(`sentiment model ${manifest.version} is closed`);
      const scores: SentimentScores[] = new Array<SentimentScores>(texts.length);
      // Each stage sees only the texts the one before passed on, as one batch: its share of the work
      // is the share that reaches it.
      let rows = texts.map((_, i) => i);
      for (const [k, stage] of stages.entries()) {
        if (rows.length === 0) break;
        const got = await stage.scoreBatch(rows.map((i) => texts[i]!));
        got.forEach((s, j) => {
          scores[rows[j]!] = { ...s, stage: k };
        });
        const deferBelow = manifest.stages[k]!.deferBelow;
        rows = deferBelow === undefined ? [] : deferredRows(got, deferBelow).map((j) => rows[j]!);
      }
      return scores;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(stages.map((m) => m.close()));
    },
  };
}

function checkHash(path: string, bytes: Uint8Array, expected: string | undefined, manifestPath: string): void {
  if (expected === undefined) return;
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected) {
    throw new Error(`${path}: sha256 ${actual} does not match ${manifestPath} (${expected})`);
  }
}

async function loadTokenizer(dir: string, manifest: TransformerManifest, manifestPath: string): Promise<Tokenizer> {
  const path = join(dir, manifest.files.tokenizer);
  const bytes = await readFile(path);
  checkHash(path, bytes, manifest.sha256?.tokenizer, manifestPath);
  const json: unknown = JSON.parse(bytes.toString('utf8'));
  if (typeof json !== 'object' || json === null || !('model' in json)) {
    throw new Error(`${path}: not a tokenizer.json (no "model")`);
  }
  // The second argument is tokenizer_config.json; tokenizer.json alone describes the pipeline
  // (normalizer, pre-tokenizer, WordPiece, the [CLS]/[SEP] or <s>/</s> template) completely.
  return new Tokenizer(json, {});
}

// One session run costs about as much as RUN_COST padded tokens before any text is scored (reading
// the weights: ~0.7 ms for MiniLM, ~9 ms for mpnet on an AMX Xeon, against ~0.04 / ~0.2 ms per token),
// and runs of more than RUN_ROWS texts score each text slower (the activations outgrow the core's
// cache). Measured on one core with training/experiments/2026-12-02-run-planning.mts.
const RUN_ROWS = 16;
const RUN_COST = 32;

/**
 * Splits a batch into session runs: texts sorted by length, cut into runs of at most RUN_ROWS so that
 * the padded tokens plus RUN_COST per run are fewest (exact, by dynamic programming over the cuts).
 * Returns the texts' indexes per run. Short headlines are then not padded to the longest text of a
 * mixed batch (~30 % of the work), and a small batch (a cascade's deferred texts) is not cut into
 * many runs that each pay for reading the weights. The limits are parameters for the probes that try others
 * (training/experiments/2026-12-03-e5-run-rows.mts).
 */
export function planRuns(lengths: readonly number[], maxRows = RUN_ROWS, runCost = RUN_COST): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const n = order.length;
  const best = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY);
  const cut = new Int32Array(n + 1);
  best[0] = 0;
  for (let end = 1; end <= n; end++) {
    const width = lengths[order[end - 1]!]!; // the longest text of a run ending here
    for (let start = Math.max(0, end - maxRows); start < end; start++) {
      const cost = best[start]! + runCost + (end - start) * width;
      if (cost < best[end]!) {
        best[end] = cost;
        cut[end] = start;
      }
    }
  }
  const runs: number[][] = [];
  for (let end = n; end > 0; end = cut[end]!) runs.push(order.slice(cut[end]!, end));
  return runs.reverse();
}

/**
 * Token ids of one cleaned text, [CLS] and [SEP] included. Truncation keeps the first
 * maxLength - 1 ids and the final [SEP], which is what the Python tokenizers library does for one
 * sequence at training time.
 */
export function createTokenizeRow(tokenizer: Tokenizer, maxLength: number): (text: string) => number[] {
  return (text) => {
    const ids = tokenizer.encode(text).ids;
    return ids.length <= maxLength ? ids : [...ids.slice(0, maxLength - 1), ids[ids.length - 1]!];
  };
}

/** Pads rows of ids to the longest (dynamic padding: short headlines cost short runs). */
export function padRows(rows: readonly number[][], padTokenId: number): { ids: BigInt64Array; mask: BigInt64Array; width: number } {
  const width = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * width).fill(BigInt(padTokenId));
  const mask = new BigInt64Array(rows.length * width);
  rows.forEach((row, i) => {
    row.forEach((id, j) => {
      ids[i * width + j] = BigInt(id);
      mask[i * width + j] = 1n;
    });
  });
  return { ids, mask, width };
}

/** A model directory's manifest.json, validated. */
export async function readManifest(path: string): Promise<ModelManifest> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: cannot read model manifest: ${(err as Error).message}`, { cause: err });
  }
  const parsed = ModelManifest.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${path}: invalid model manifest\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

// Columns come out in manifest label order. The float32 probabilities are renormalized so
// that the three of them sum to 1 in float64, which downstream averages rely on.
function toScores(labels: ModelManifest['labels'], data: Float32Array, offset: number): SentimentScores {
  const raw = labels.map((_, i) => data[offset + i] ?? Number.NaN);
  const sum = raw.reduce((a, b) => a + b, 0);
  if (!Number.isFinite(sum) || sum <= 0) {
    throw new Error(`sentiment model produced invalid probabilities [${raw.join(', ')}]`);
  }
  const scores: SentimentScores = { negative: 0, neutral: 0, positive: 0 };
  labels.forEach((label, i) => {
    scores[label] = (raw[i] ?? 0) / sum;
  });
  return scores;
}

// The derivations every reader shares (label = argmax, entropy in nats) are contracts: they live in schemas.
export { entropyOf, labelOf } from '@barometer/schemas/items';
