// Loads the ONNX sentiment model described by scoring/model/manifest.json and scores text batches.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { ModelManifest, type SentimentLabel } from './model-manifest.ts';
import { CLEAN_TEXT_VERSION, cleanText } from './text-clean.ts';

export interface SentimentScores {
  negative: number;
  neutral: number;
  positive: number;
}

export interface SentimentModel {
  /** manifest.version, stamped on every score row. */
  readonly version: string;
  readonly manifest: ModelManifest;
  /** One ONNX run per call; results are in input order. */
  scoreBatch(texts: readonly string[]): Promise<SentimentScores[]>;
  /** Releases the InferenceSession; the model cannot score afterwards. */
  close(): Promise<void>;
}

export const defaultModelDir: string = fileURLToPath(new URL('../model', import.meta.url));

export interface LoadSentimentModelOptions {
  intraOpNumThreads?: number;
}

export async function loadSentimentModel(
  dir: string,
  opts: LoadSentimentModelOptions = {},
): Promise<SentimentModel> {
  const manifestPath = join(dir, 'manifest.json');
  const manifest = await readManifest(manifestPath);
  if (manifest.preprocess !== CLEAN_TEXT_VERSION) {
    throw new Error(
      `${manifestPath}: model was trained behind ${manifest.preprocess}, but this code cleans text with ${CLEAN_TEXT_VERSION}; retrain the model or restore the matching cleanText`,
    );
  }

  const modelPath = join(dir, manifest.files.model);
  const modelBytes = await readFile(modelPath);
  if (manifest.sha256) {
    const actual = createHash('sha256').update(modelBytes).digest('hex');
    if (actual !== manifest.sha256.model) {
      throw new Error(`${modelPath}: sha256 ${actual} does not match ${manifestPath} (${manifest.sha256.model})`);
    }
  }

  const session = await ort.InferenceSession.create(modelBytes, {
    executionProviders: ['cpu'],
    ...(opts.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: opts.intraOpNumThreads }),
  });
  const inputName = manifest.input.name;
  const outputName = manifest.output.name;
  if (!session.inputNames.includes(inputName) || !session.outputNames.includes(outputName)) {
    await session.release();
    throw new Error(
      `${modelPath}: manifest expects input "${inputName}" and output "${outputName}", but the model has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]`,
    );
  }

  const labels = manifest.labels;
  let closed = false;

  return {
    version: manifest.version,
    manifest,
    async scoreBatch(texts) {
      if (closed) throw new Error(`sentiment model ${manifest.version} is closed`);
      if (texts.length === 0) return [];
      const cleaned = texts.map(cleanText);
      const feeds = { [inputName]: new ort.Tensor('string', cleaned, [cleaned.length, 1]) };
      // Fetch only the probabilities; the graph also computes a label we do not need.
      const result = await session.run(feeds, [outputName]);
      const out = result[outputName];
      if (!out || out.type !== 'float32' || out.dims.length !== 2 || out.dims[0] !== texts.length || out.dims[1] !== labels.length) {
        throw new Error(
          `model ${manifest.version}: output "${outputName}" is ${out?.type} [${out?.dims.join(', ')}], expected float32 [${texts.length}, ${labels.length}]`,
        );
      }
      const data = out.data as Float32Array;
      const scores: SentimentScores[] = [];
      for (let row = 0; row < texts.length; row++) {
        scores.push(toScores(labels, data, row * labels.length));
      }
      return scores;
    },
    async close() {
      if (closed) return;
      closed = true;
      await session.release();
    },
  };
}

async function readManifest(path: string): Promise<ModelManifest> {
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

/** The most probable label; ties go to the earlier label in negative, neutral, positive order. */
export function labelOf(s: SentimentScores): SentimentLabel {
  let best: SentimentLabel = 'negative';
  for (const label of ['neutral', 'positive'] as const) {
    if (s[label] > s[best]) best = label;
  }
  return best;
}

/** Shannon entropy in nats: 0 for a certain prediction, ln 3 ≈ 1.0986 for a uniform one. */
export function entropyOf(s: SentimentScores): number {
  let h = 0;
  for (const p of [s.negative, s.neutral, s.positive]) {
    // p · ln p → 0 as p → 0, so zero probabilities contribute nothing.
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}
