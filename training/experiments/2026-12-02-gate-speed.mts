// Experiment (2026-12-02, issue #4): the three-stage design of 2026-12-02-small-12-layer.md, timed
// against the shipped cascade. Linear gate -> e5 -> mpnet, composed here from three loaded models (not a
// product path): the gate answers texts whose top probability reaches GATE; e5 scores the rest and
// passes those below E5 to mpnet. Rounds interleave the two designs over the bench's texts (held-out
// headlines of <= 32 tokens, batches of 128, one intra-op thread each), and macro-F1 over validation
// and test is computed from the same compositions.
//   npx tsx training/experiments/2026-12-02-gate-speed.mts /tmp/linear-gate /tmp/out-e5 0.95 0.6405 [../shared/data]
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { argmax3, threeClassMetrics } from '../../scoring/src/eval-metrics.ts';
import { loadFrozenSplit } from '../../scoring/src/frozen-split.ts';
import { accurateModelDir, cascadeModelDir, defaultModelDir, deferredRows, loadSentimentModel, type SentimentScores } from '../../scoring/src/sentiment-model.ts';
import { cleanText } from '../../scoring/src/text-clean.ts';

const [gateDir, e5Dir, gateArg, e5Arg, dataDir = '../shared/data'] = process.argv.slice(2);
if (!gateDir || !e5Dir || !gateArg || !e5Arg) throw new Error('usage: gate-speed.mts GATE_DIR E5_DIR GATE E5 [DATA_DIR]');
const gate = Number(gateArg);
const e5Below = Number(e5Arg);
const BATCH = 128;
const ROUNDS = 7;
const SECONDS_PER_ROUND = 4;

const opts = { intraOpNumThreads: 1 };
const shipped = await loadSentimentModel(cascadeModelDir, opts);
const linear = await loadSentimentModel(gateDir, opts);
const e5 = await loadSentimentModel(e5Dir, opts);
const mpnet = await loadSentimentModel(accurateModelDir, opts);

type Row = SentimentScores;
const counts = { items: 0, gated: 0, deferred: 0 };

async function threeStage(texts: readonly string[]): Promise<Row[]> {
  const out: Row[] = await linear.scoreBatch(texts);
  // The cascade's own deferral rule, applied twice: below the gate to e5, then below E5 to mpnet.
  const rest = deferredRows(out, gate);
  const second = await e5.scoreBatch(rest.map((i) => texts[i]!));
  rest.forEach((i, k) => (out[i] = second[k]!));
  const hard = deferredRows(second, e5Below).map((k) => rest[k]!);
  const third = await mpnet.scoreBatch(hard.map((i) => texts[i]!));
  hard.forEach((i, k) => (out[i] = third[k]!));
  counts.items += texts.length;
  counts.gated += texts.length - rest.length;
  counts.deferred += hard.length;
  return out;
}

const split = await loadFrozenSplit(dataDir);
const predicted = (rows: Row[]) => rows.map((r) => argmax3([r.negative, r.neutral, r.positive]));
for (const name of ['validation', 'test'] as const) {
  const set = split[name];
  const a = predicted(await shipped.scoreBatch(set.texts));
  const b = predicted(await threeStage(set.texts));
  process.stdout.write(`${name}: shipped cascade ${threeClassMetrics(set.truth, a).macroF1.toFixed(4)}, three-stage ${threeClassMetrics(set.truth, b).macroF1.toFixed(4)}\n`);
}
counts.items = counts.gated = counts.deferred = 0;

const tokenizer = new Tokenizer(JSON.parse(await readFile(join(defaultModelDir, 'tokenizer.json'), 'utf8')), {});
const texts = [...split.validation.texts, ...split.test.texts].filter((t) => tokenizer.encode(cleanText(t)).ids.length <= 32);
// A fixed interleaving of the two splits' texts (every 7th, then the next offset), so batches mix lengths.
const order = Array.from({ length: 7 }, (_, o) => texts.filter((_, i) => i % 7 === o)).flat();
let next = 0;
const batch = () => Array.from({ length: BATCH }, () => order[next++ % order.length]!);

async function rate(score: (t: readonly string[]) => Promise<unknown>): Promise<number> {
  let items = 0;
  const started = performance.now();
  while (performance.now() - started < SECONDS_PER_ROUND * 1000) {
    await score(batch());
    items += BATCH;
  }
  return (items / (performance.now() - started)) * 1000;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const designs: [string, (t: readonly string[]) => Promise<unknown>][] = [
  ['shipped cascade', (t) => shipped.scoreBatch(t)],
  ['three-stage', threeStage],
];
for (const [, score] of designs) for (let i = 0; i < 3; i++) await score(batch());
counts.items = counts.gated = counts.deferred = 0;
const rates = new Map(designs.map(([n]) => [n, [] as number[]]));
const ratios: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const round = [];
  for (const [name, score] of designs) {
    const x = await rate(score);
    rates.get(name)!.push(Math.round(x));
    round.push(x);
  }
  ratios.push(round[1]! / round[0]!);
}
for (const [name, xs] of rates) process.stdout.write(`${name.padEnd(16)} ${xs.join(' / ')} items/s, median ${median(xs)}\n`);
process.stdout.write(`three-stage / shipped, median per-round ratio ${median(ratios).toFixed(3)}\n`);
process.stdout.write(`three-stage shares: gate answered ${((100 * counts.gated) / counts.items).toFixed(1)} %, mpnet ${((100 * counts.deferred) / counts.items).toFixed(1)} %\n`);
for (const m of [shipped, linear, e5, mpnet]) await m.close();
