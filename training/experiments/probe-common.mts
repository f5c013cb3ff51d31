// What the TypeScript speed probes share (2026-12-03-stage-times.mts, -stage-breakdown.mts, -e5-run-rows.mts, -mpnet6-speed.mts,
// -second-exit-speed.mts):
// the bench's texts, held-out tfns headlines of ≤ 32 MiniLM tokens in a fixed shuffle, as batches of 128.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { loadFrozenSplit } from '../../scoring/src/frozen-split.ts';
import { defaultModelDir } from '../../scoring/src/sentiment-model.ts';
import { cleanText } from '../../scoring/src/text-clean.ts';

/** A model directory's tokenizer.json, loaded as the serving code loads it. */
export const tokenizerOf = async (dir: string) => new Tokenizer(JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')), {});

/** The held-out headlines of ≤ 32 tokens (validation, then test), shuffled by a fixed permutation, in batches of 128. */
export async function benchBatches(): Promise<string[][]> {
  const split = await loadFrozenSplit('../shared/data');
  const minilmTok = await tokenizerOf(defaultModelDir);
  const texts = [...split.validation.texts, ...split.test.texts].filter((t) => minilmTok.encode(cleanText(t)).ids.length <= 32);
  for (let i = texts.length - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [texts[i], texts[j]] = [texts[j]!, texts[i]!];
  }
  const batches: string[][] = [];
  for (let b = 0; b + 128 <= texts.length; b += 128) batches.push(texts.slice(b, b + 128));
  return batches;
}
