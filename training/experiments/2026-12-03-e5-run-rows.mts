// Probe (2026-12-03, session 20, issue #4): does e5 in the cascade want longer session runs than planRuns'
// RUN_ROWS = 16? The texts the gate passes on (< 0.97), batches of 128, cut by planRuns' dynamic program with
// each RUN_ROWS / RUN_COST pair; one intra-op thread; seven interleaved rounds. Recorded in
// 2026-12-03-speed-probes-s20.md.
//   npx tsx training/experiments/2026-12-03-e5-run-rows.mts ['16,32;24,32;32,32;48,32;64,32']
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  createTokenizeRow, deferredRows, e5ModelDir, gateModelDir, loadSentimentModel, padRows, planRuns,
} from '../../scoring/src/sentiment-model.ts';
import { cleanText } from '../../scoring/src/text-clean.ts';
import { benchBatches, tokenizerOf } from './probe-common.mts';

const gate = await loadSentimentModel(gateModelDir, { intraOpNumThreads: 1 });
const e5tok = createTokenizeRow(await tokenizerOf(e5ModelDir), 64);
const batches: number[][][] = [];
for (const batch of await benchBatches()) {
  const g = await gate.scoreBatch(batch);
  batches.push(deferredRows(g, 0.97).map((i) => e5tok(cleanText(batch[i]!))));
}
const session = await ort.InferenceSession.create(join(e5ModelDir, 'model.onnx'), { executionProviders: ['cpu'], intraOpNumThreads: 1 });
const variants = (process.argv[2] ?? '16,32;24,32;32,32;48,32;64,32').split(';').map((s) => s.split(',').map(Number) as [number, number]);
const times = variants.map(() => [] as number[]);
for (let round = 0; round < 7; round++) {
  for (const [v, [rr, rc]] of variants.entries()) {
    const t0 = performance.now();
    for (const rows of batches) {
      for (const slice of planRuns(rows.map((r) => r.length), rr, rc)) {
        const { ids, mask, width } = padRows(slice.map((i) => rows[i]!), 0);
        const dims = [slice.length, width];
        await session.run({ input_ids: new ort.Tensor('int64', ids, dims), attention_mask: new ort.Tensor('int64', mask, dims) }, ['probabilities']);
      }
    }
    times[v]!.push((performance.now() - t0) / batches.length);
  }
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
for (const [v, [rr, rc]] of variants.entries()) {
  const ratio = med(times[v]!.map((x, i) => times[0]![i]! / x));
  console.log(`rows ${rr} cost ${rc}: median ${med(times[v]!).toFixed(1)} ms per batch; speed x first, median per round ${ratio.toFixed(3)}`);
}
