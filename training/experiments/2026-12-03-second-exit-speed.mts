// Interleaved speed probe for 2026-12-03-second-exit.md: the cascade with e5's exit after layer 5 only
// (OLD, a copy of the e5 directory before) against e5 with exits after layers 3 and 5 (the shipped one),
// both behind the same gate and before the same mpnet, and MiniLM, in the same rounds. The bench's texts
// (held-out tfns headlines of ≤ 32 tokens, shuffled), batches of 128, one thread, time per stage.
//   cp -r scoring/models/e5-sentiment /tmp/e5-old   # before re-packaging
//   npx tsx training/experiments/2026-12-03-second-exit-speed.mts /tmp/e5-old [rounds] [seconds per round]
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { loadFrozenSplit } from '../../scoring/src/frozen-split.ts';
import { accurateModelDir, defaultModelDir, deferredRows, e5ModelDir, gateModelDir, loadSentimentModel, type SentimentModel } from '../../scoring/src/sentiment-model.ts';
import { cleanText } from '../../scoring/src/text-clean.ts';

const [oldDir, roundsArg, secondsArg] = process.argv.slice(2);
if (!oldDir) throw new Error('usage: 2026-12-03-second-exit-speed.mts OLD_E5_DIR [rounds] [seconds]');
const rounds = Number(roundsArg ?? 7);
const seconds = Number(secondsArg ?? 4);
const split = await loadFrozenSplit('../shared/data');
const tok = new Tokenizer(JSON.parse(await readFile(join(defaultModelDir, 'tokenizer.json'), 'utf8')), {});
const texts = [...split.validation.texts, ...split.test.texts].filter((t) => tok.encode(cleanText(t)).ids.length <= 32);
for (let i = texts.length - 1; i > 0; i--) {
  const j = (i * 7919) % (i + 1);
  [texts[i], texts[j]] = [texts[j]!, texts[i]!];
}
const opts = { intraOpNumThreads: 1 };
const [gate, mpnet, mini, e5old, e5new] = await Promise.all([gateModelDir, accurateModelDir, defaultModelDir, oldDir, e5ModelDir].map((d) => loadSentimentModel(d, opts)));
const { stages } = JSON.parse(await readFile(join(defaultModelDir, '..', 'cascade-sentiment', 'manifest.json'), 'utf8')) as { stages: { deferBelow?: number }[] };
const [gateBelow, e5Below] = [stages[0]!.deferBelow!, stages[1]!.deferBelow!];

interface Timed { items: number; ms: number; stage: number[] }
async function cascade(e5: SentimentModel, batch: string[], t: Timed): Promise<void> {
  let t0 = performance.now();
  const g = await gate.scoreBatch(batch);
  const r1 = deferredRows(g, gateBelow).map((j) => batch[j]!);
  const t1 = performance.now();
  const e = await e5.scoreBatch(r1);
  const r2 = deferredRows(e, e5Below).map((j) => r1[j]!);
  const t2 = performance.now();
  await mpnet.scoreBatch(r2);
  const t3 = performance.now();
  t.stage[0]! += t1 - t0;
  t.stage[1]! += t2 - t1;
  t.stage[2]! += t3 - t2;
}
const contenders: [string, (b: string[], t: Timed) => Promise<unknown>][] = [
  ['minilm', (b) => mini.scoreBatch(b)],
  ['cascade, e5 exit 5', (b, t) => cascade(e5old, b, t)],
  ['cascade, e5 exits 3+5', (b, t) => cascade(e5new, b, t)],
];
const rates = contenders.map(() => [] as number[]);
const totals = contenders.map((): Timed => ({ items: 0, ms: 0, stage: [0, 0, 0] }));
let next = 0;
for (let r = 0; r < rounds; r++) {
  for (const [k, [, run]] of contenders.entries()) {
    let items = 0;
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      const batch = Array.from({ length: 128 }, () => texts[next++ % texts.length]!);
      await run(batch, totals[k]!);
      items += 128;
    }
    const ms = performance.now() - started;
    rates[k]!.push((items / ms) * 1000);
    totals[k]!.items += items;
    totals[k]!.ms += ms;
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [k, [name]] of contenders.entries()) {
  const ratios = rates[k]!.map((x, i) => x / rates[0]![i]!);
  const vsOld = rates[k]!.map((x, i) => x / rates[1]![i]!);
  const st = totals[k]!.stage;
  const stageMs = k === 0 ? '' : `  ms per 128: gate ${((st[0]! / totals[k]!.items) * 128).toFixed(1)}, e5 ${((st[1]! / totals[k]!.items) * 128).toFixed(1)}, mpnet ${((st[2]! / totals[k]!.items) * 128).toFixed(1)}`;
  console.log(`${name.padEnd(24)} median ${median(rates[k]!).toFixed(0)} items/s (rounds ${rates[k]!.map((x) => x.toFixed(0)).join(' / ')}); ${median(ratios).toFixed(3)}x MiniLM, ${median(vsOld).toFixed(3)}x the cascade before${stageMs}`);
}
for (const m of [gate, mpnet, mini, e5old, e5new]) await m.close();
