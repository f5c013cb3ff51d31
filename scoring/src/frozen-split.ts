// The frozen tfns split (fixtures/tfns-split.json, written by training/export_split.py) read from the
// data, and a model's figures on it through the serving code: what `npm run eval` and the promotion
// gate of `npm run train` compare every model on.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseCsv } from './csv-read.ts';
import { argmax3, threeClassMetrics, type ClassIndex } from './eval-metrics.ts';
import type { SplitMetrics } from './model-manifest.ts';
import type { SentimentModel } from './sentiment-model.ts';

const Split = z.object({
  source: z.literal('tfns/train.csv'),
  labels: z.tuple([z.literal('negative'), z.literal('neutral'), z.literal('positive')]),
  stats: z.record(z.string(), z.number()),
  validation: z.array(z.tuple([z.number().int().nonnegative(), z.union([z.literal(0), z.literal(1), z.literal(2)])])),
  test: z.array(z.tuple([z.number().int().nonnegative(), z.union([z.literal(0), z.literal(1), z.literal(2)])])),
});

// tfns: 0 = bearish, 1 = bullish, 2 = neutral (shared/data/README.md).
const TFNS_CLASS: Record<string, ClassIndex> = { '0': 0, '1': 2, '2': 1 };

/** shared/data beside the repository, where the datasets are kept. */
export const defaultDataDir: string = join(fileURLToPath(new URL('../../..', import.meta.url)), 'shared', 'data');

export interface Labeled {
  texts: string[];
  truth: ClassIndex[];
}

export interface FrozenSplit {
  validation: Labeled;
  test: Labeled;
  stats: Record<string, number>;
}

export async function loadFrozenSplit(dataDir: string): Promise<FrozenSplit> {
  const split = Split.parse(JSON.parse(await readFile(new URL('./fixtures/tfns-split.json', import.meta.url), 'utf8')));
  const tfns = parseCsv(await readFile(join(dataDir, split.source), 'utf8'));
  const pick = (rows: [number, ClassIndex][]): Labeled => {
    const texts = rows.map(([r, label]) => {
      const row = tfns[r];
      if (!row || TFNS_CLASS[row.label ?? ''] !== label) throw new Error(`${split.source} row ${r} does not match the split file; rerun training/export_split.py`);
      return row.text ?? '';
    });
    return { texts, truth: rows.map(([, label]) => label) };
  };
  return { validation: pick(split.validation), test: pick(split.test), stats: split.stats };
}

/** Crypto comments: negative (0) or positive (2) only. */
export interface SurgeHeldOut {
  texts: string[];
  truth: (0 | 2)[];
}

const SurgeSplit = z.object({
  source: z.literal('surge-crypto/sentiment.csv'),
  trained: z.array(z.number().int().nonnegative()),
  heldOut: z.array(z.tuple([z.number().int().nonnegative(), z.union([z.literal(0), z.literal(2)]), z.string()])),
});

/**
 * The half of the Surge crypto comments that no model trains on (fixtures/surge-split.json, written by
 * training/export_split.py with the texts, MIT-licensed: LICENSE.surge-crypto): negative and positive only.
 * The models train on the other half, so figures over all 562 comments would count comments they have
 * seen. With a data directory, each text is checked against its row in the CSV.
 */
export async function loadSurgeHeldOut(dataDir?: string): Promise<SurgeHeldOut> {
  const split = SurgeSplit.parse(JSON.parse(await readFile(new URL('./fixtures/surge-split.json', import.meta.url), 'utf8')));
  const trained = new Set(split.trained);
  const overlap = split.heldOut.filter(([r]) => trained.has(r));
  if (overlap.length > 0) throw new Error(`surge-split.json holds out ${overlap.length} rows it also trains on`);
  if (dataDir !== undefined) {
    const rows = parseCsv(await readFile(join(dataDir, split.source), 'utf8'));
    for (const [r, label, text] of split.heldOut) {
      const row = rows[r];
      if (!row || row['Comment Text'] !== text || (row.Sentiment === 'Negative' ? 0 : 2) !== label) {
        throw new Error(`${split.source} row ${r} does not match surge-split.json; rerun training/export_split.py`);
      }
    }
  }
  return { texts: split.heldOut.map(([, , text]) => text), truth: split.heldOut.map(([, label]) => label) };
}

/** Probabilities in label order, scored in batches of 128 through the serving path. */
export async function probabilitiesOf(model: SentimentModel, texts: readonly string[]): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += 128) {
    for (const s of await model.scoreBatch(texts.slice(i, i + 128))) out.push([s.negative, s.neutral, s.positive]);
  }
  return out;
}

export async function metricsOn(model: SentimentModel, set: Labeled): Promise<SplitMetrics> {
  return threeClassMetrics(set.truth, (await probabilitiesOf(model, set.texts)).map(argmax3));
}
