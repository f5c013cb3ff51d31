// How a transformer batch should be cut into onnxruntime runs (scoring/src/sentiment-model.ts planRuns).
// Part 1: one run's time by rows and length, per served encoder: a fixed cost per run (reading the
// weights) plus a cost per padded token that grows once a run holds too many rows.
// Part 2: the rule shipped before (texts within 2 tokens of the run's shortest, at most 32 rows) against
// planRuns (fewest padded tokens + 32 per run, at most 16 rows) at the consumer's batch of 128 and on
// the ~20 texts per batch a cascade defers (its second stage's batch), rounds interleaved.
// One intra-op thread; held-out tfns headlines of <= 32 tokens. Outputs do not depend on the cut (every
// op is per row), so only time is compared.
//   npx tsx training/experiments/2026-12-02-run-planning.mts ../shared/data
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadFrozenSplit } from '../../scoring/src/frozen-split.ts';
import { cleanText } from '../../scoring/src/text-clean.ts';
import { accurateModelDir, createTokenizeRow, defaultModelDir, loadSentimentModel, padRows, planRuns } from '../../scoring/src/sentiment-model.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function encoder(dir: string) {
  const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  const tokenizer = new Tokenizer(JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')), {});
  const session = await ort.InferenceSession.create(join(dir, 'model.onnx'), { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  const run = (rows: number[][]) => {
    const { ids, mask, width } = padRows(rows, m.padTokenId);
    const dims = [rows.length, width];
    return session.run({ [m.inputs.inputIds]: new ort.Tensor('int64', ids, dims), [m.inputs.attentionMask]: new ort.Tensor('int64', mask, dims) });
  };
  return { name: m.name as string, tokenize: createTokenizeRow(tokenizer, m.maxLength), run };
}

function previousRule(lengths: number[]): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const runs: number[][] = [];
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && end - start < 32 && lengths[order[end]!]! <= lengths[order[start]!]! + 2) end++;
    runs.push(order.slice(start, end));
    start = end;
  }
  return runs;
}

const models = [await encoder(defaultModelDir), await encoder(accurateModelDir)];

console.log('Part 1: ms per run (median of 5), one intra-op thread');
for (const enc of models) {
  for (const len of [12, 20, 28]) {
    const cells = [];
    for (const rows of [1, 4, 8, 16, 32, 64]) {
      const batch = Array.from({ length: rows }, () => Array.from({ length: len }, () => 1000));
      for (let i = 0; i < 2; i++) await enc.run(batch);
      const ts = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        await enc.run(batch);
        ts.push(performance.now() - t);
      }
      cells.push(`${rows} rows ${median(ts).toFixed(1)} (${(median(ts) / rows).toFixed(2)}/row)`);
    }
    console.log(`  ${enc.name.padEnd(26)} ${len} tokens: ${cells.join(', ')}`);
  }
}

const split = await loadFrozenSplit(process.argv[2] ?? '../shared/data');
const texts = [...split.validation.texts, ...split.test.texts].filter((t) => models[0]!.tokenize(cleanText(t)).length <= 32);
const batches: string[][] = [];
for (let i = 0; i + 128 <= texts.length; i += 128) batches.push(texts.slice(i, i + 128));
// The second stage's batches: the 20 texts of each batch of 128 the default model is least sure of (~15 %).
const first = await loadSentimentModel(defaultModelDir, { intraOpNumThreads: 1 });
const deferred: string[][] = [];
for (const b of batches) {
  const s = await first.scoreBatch(b);
  const order = s.map((x, i) => [Math.max(x.negative, x.neutral, x.positive), i] as const).sort((p, q) => p[0] - q[0]);
  deferred.push(order.slice(0, 20).map(([, i]) => b[i]!));
}
await first.close();

const cases = [
  { what: `${models[0]!.name}, batches of 128`, enc: models[0]!, sets: batches },
  { what: `${models[1]!.name}, batches of 128`, enc: models[1]!, sets: batches },
  { what: `${models[1]!.name}, 20 deferred per batch`, enc: models[1]!, sets: deferred },
];
const rules = [
  { name: 'previous (slack 2, <= 32 rows)', plan: previousRule },
  { name: 'planRuns (cost 32/run, <= 16 rows)', plan: planRuns },
];
console.log(`\nPart 2: ms per text, median of 5 interleaved rounds over ${batches.length} batches`);
for (const c of cases) {
  const times = rules.map(() => [] as number[]);
  const runs = rules.map(() => 0);
  for (let round = 0; round < 5; round++) {
    for (const [r, rule] of rules.entries()) {
      let n = 0;
      runs[r] = 0;
      const t = performance.now();
      for (const set of c.sets) {
        const rows = set.map((x) => c.enc.tokenize(cleanText(x)));
        for (const run of rule.plan(rows.map((x) => x.length))) {
          await c.enc.run(run.map((i) => rows[i]!));
          runs[r]++;
        }
        n += set.length;
      }
      times[r]!.push((performance.now() - t) / n);
    }
  }
  console.log(`  ${c.what}`);
  rules.forEach((rule, r) =>
    console.log(`    ${rule.name.padEnd(36)} ${median(times[r]!).toFixed(3)} ms (${times[r]!.map((x) => x.toFixed(2)).join(' / ')}), ${(runs[r]! / c.sets.length).toFixed(1)} runs per batch`),
  );
  console.log(`    ratio planRuns / previous: ${(median(times[1]!) / median(times[0]!)).toFixed(3)}`);
}
