// Interleaved speed probe for 2026-12-03-second-exit.md: cascades that differ only in their e5 and mpnet
// directories, and MiniLM, in the same rounds. All share the shipped gate and the shipped cascade's
// thresholds. The bench's texts (held-out tfns headlines of ≤ 32 tokens, shuffled), batches of 128, one
// thread, with the time of each stage.
//   npx tsx training/experiments/2026-12-03-second-exit-speed.mts [rounds] [seconds] NAME=E5_DIR,MPNET_DIR ...
// e.g. with copies of the model directories from before each change:
//   ... 9 4 'exit 5=/tmp/e5-x5,/tmp/mpnet-old' 'exits 3+5=/tmp/e5-x35,/tmp/mpnet-old' 'shipped=scoring/models/e5-sentiment,scoring/models/mpnet-sentiment'
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cascadeModelDir, defaultModelDir, deferredRows, gateModelDir, loadSentimentModel, type SentimentModel } from '../../scoring/src/sentiment-model.ts';
import { benchBatches } from './probe-common.mts';

const [roundsArg, secondsArg, ...specs] = process.argv.slice(2);
if (specs.length === 0) throw new Error('usage: 2026-12-03-second-exit-speed.mts ROUNDS SECONDS NAME=E5_DIR,MPNET_DIR ...');
const rounds = Number(roundsArg);
const seconds = Number(secondsArg);
const batches = await benchBatches();
const opts = { intraOpNumThreads: 1 };
const { stages } = JSON.parse(await readFile(join(cascadeModelDir, 'manifest.json'), 'utf8')) as { stages: { deferBelow?: number }[] };
const [gateBelow, e5Below] = [stages[0]!.deferBelow!, stages[1]!.deferBelow!];
const gate = await loadSentimentModel(gateModelDir, opts);
const mini = await loadSentimentModel(defaultModelDir, opts);
const loaded = new Map<string, SentimentModel>();
const load = async (dir: string) => loaded.get(dir) ?? loaded.set(dir, await loadSentimentModel(dir, opts)).get(dir)!;

interface Timed { items: number; stage: number[] }
async function cascade(e5: SentimentModel, mpnet: SentimentModel, batch: string[], t: Timed): Promise<void> {
  const t0 = performance.now();
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
const contenders: [string, (b: string[], t: Timed) => Promise<unknown>][] = [['minilm', (b) => mini.scoreBatch(b)]];
for (const spec of specs) {
  const [name, dirs] = spec.split('=', 2) as [string, string];
  const [e5, mpnet] = await Promise.all(dirs.split(',').map(load));
  contenders.push([name, (b, t) => cascade(e5!, mpnet!, b, t)]);
}
const rates = contenders.map(() => [] as number[]);
const totals = contenders.map((): Timed => ({ items: 0, stage: [0, 0, 0] }));
let next = 0;
for (let r = 0; r < rounds; r++) {
  for (const [k, [, run]] of contenders.entries()) {
    let items = 0;
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      await run(batches[next++ % batches.length]!, totals[k]!);
      items += 128;
    }
    rates[k]!.push((items / (performance.now() - started)) * 1000);
    totals[k]!.items += items;
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [k, [name]] of contenders.entries()) {
  const ratios = rates[k]!.map((x, i) => x / rates[0]![i]!);
  const vsFirst = rates[k]!.map((x, i) => x / rates[1]![i]!);
  const per128 = (ms: number) => ((ms / totals[k]!.items) * 128).toFixed(1);
  const st = totals[k]!.stage;
  const stageMs = k === 0 ? '' : `  ms per 128: gate ${per128(st[0]!)}, e5 ${per128(st[1]!)}, mpnet ${per128(st[2]!)}`;
  console.log(
    `${name.padEnd(16)} median ${median(rates[k]!).toFixed(0)} items/s (rounds ${rates[k]!.map((x) => x.toFixed(0)).join(' / ')}); ${median(ratios).toFixed(3)}x MiniLM${k > 1 ? `, ${median(vsFirst).toFixed(3)}x ${contenders[1]![0]}` : ''}${stageMs}`,
  );
}
for (const m of [gate, mini, ...loaded.values()]) await m.close();
