// Interleaved speed probe for 2026-12-03-gate-band.md, section 6: the shipped cascade against the same cascade
// with another manifest (e.g. the one before mpnet was served by its exit after layer 6, in a directory beside
// symlinks to the stage directories), and MiniLM, in the same rounds. The bench's texts (held-out tfns
// headlines of ≤ 32 tokens, shuffled), batches of 128, one thread.
//   npx tsx training/experiments/2026-12-03-mpnet6-speed.mts ROUNDS SECONDS OTHER_CASCADE_DIR
import { cascadeModelDir, defaultModelDir, loadSentimentModel, type SentimentModel } from '../../scoring/src/sentiment-model.ts';
import { benchBatches } from './probe-common.mts';

const [roundsArg, secondsArg, other] = process.argv.slice(2);
if (!other) throw new Error('usage: 2026-12-03-mpnet6-speed.mts ROUNDS SECONDS OTHER_CASCADE_DIR');
const batches = await benchBatches();
const opts = { intraOpNumThreads: 1 };
const contenders: [string, SentimentModel][] = [
  ['minilm', await loadSentimentModel(defaultModelDir, opts)],
  [`other (${other})`, await loadSentimentModel(other, opts)],
  ['shipped cascade', await loadSentimentModel(cascadeModelDir, opts)],
];
const rates = contenders.map(() => [] as number[]);
let next = 0;
for (let r = 0; r < Number(roundsArg); r++) {
  for (const [k, [, model]] of contenders.entries()) {
    let items = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < Number(secondsArg) * 1000) {
      await model.scoreBatch(batches[next++ % batches.length]!);
      items += 128;
    }
    rates[k]!.push(items / ((performance.now() - t0) / 1000));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [k, [name]] of contenders.entries()) {
  const ratios = rates[k]!.map((x, r) => x / rates[1]![r]!);
  console.log(`${name}: median ${median(rates[k]!).toFixed(0)} items/s; × the other cascade, median per round ${median(ratios).toFixed(3)}; rounds ${rates[k]!.map((x) => x.toFixed(0)).join(' / ')}`);
}
await Promise.all(contenders.map(([, m]) => m.close()));
