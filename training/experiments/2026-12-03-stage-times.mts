// Probes for 2026-12-03-gate-band.md, sections 1 and 2, over the bench's texts (held-out tfns headlines of
// ≤ 32 tokens, shuffled as in the earlier probes), batches of 128, one intra-op thread:
// 1. MiniLM and the cascade, six rounds each, timed by the wall clock and by process.cpuUsage();
// 2. the cascade's three stages called as the cascade calls them: ms per batch, texts reaching each stage,
//    and the session runs planRuns makes for mpnet.
//   npx tsx training/experiments/2026-12-03-stage-times.mts
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelManifest } from '../../scoring/src/model-manifest.ts';
import {
  accurateModelDir, cascadeModelDir, createTokenizeRow, defaultModelDir, deferredRows, e5ModelDir, gateModelDir, loadSentimentModel, planRuns,
} from '../../scoring/src/sentiment-model.ts';
import { cleanText } from '../../scoring/src/text-clean.ts';
import { benchBatches, tokenizerOf } from './probe-common.mts';

const batches = await benchBatches();
const opts = { intraOpNumThreads: 1 };

// 1. Wall clock against CPU time.
const models = { minilm: await loadSentimentModel(defaultModelDir, opts), cascade: await loadSentimentModel(cascadeModelDir, opts) };
for (let round = 0; round < 6; round++) {
  for (const [name, model] of Object.entries(models)) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const batch of batches) await model.scoreBatch(batch);
    const wall = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu0);
    const cpu = (used.user + used.system) / 1e6;
    const n = batches.length * 128;
    console.log(`${name.padEnd(8)} ${(n / wall).toFixed(0)} items/s by the wall clock, ${(n / cpu).toFixed(0)} per CPU second, CPU / wall ${(cpu / wall).toFixed(3)}`);
  }
}
await Promise.all(Object.values(models).map((m) => m.close()));

// 2. Stage times.
const cascade = ModelManifest.parse(JSON.parse(await readFile(join(cascadeModelDir, 'manifest.json'), 'utf8')));
if (cascade.kind !== 'cascade') throw new Error('cascade-sentiment is not a cascade');
const [gateBelow, e5Below] = [cascade.stages[0]!.deferBelow!, cascade.stages[1]!.deferBelow!];
const [gate, e5, mpnet] = await Promise.all([gateModelDir, e5ModelDir, accurateModelDir].map((dir) => loadSentimentModel(dir, opts)));
const mpnetRow = createTokenizeRow(await tokenizerOf(accurateModelDir), 64);
const ms = [0, 0, 0];
let passes = 0, toE5 = 0, toMpnet = 0, mpnetRuns = 0;
for (let pass = 0; pass < 2; pass++) {
  for (const batch of batches) {
    const t0 = performance.now();
    const g = await gate.scoreBatch(batch);
    const r1 = deferredRows(g, gateBelow).map((j) => batch[j]!);
    const t1 = performance.now();
    const e = await e5!.scoreBatch(r1);
    const r2 = deferredRows(e, e5Below).map((j) => r1[j]!);
    const t2 = performance.now();
    await mpnet!.scoreBatch(r2);
    const t3 = performance.now();
    ms[0]! += t1 - t0;
    ms[1]! += t2 - t1;
    ms[2]! += t3 - t2;
    passes++;
    toE5 += r1.length;
    toMpnet += r2.length;
    mpnetRuns += r2.length === 0 ? 0 : planRuns(r2.map((t) => mpnetRow(cleanText(t)).length)).length;
  }
}
const per = (x: number) => (x / passes).toFixed(1);
console.log(`per batch of 128: gate ${per(ms[0]!)} ms; e5 ${per(ms[1]!)} ms on ${per(toE5)} texts; mpnet ${per(ms[2]!)} ms on ${per(toMpnet)} texts in ${(mpnetRuns / passes).toFixed(2)} runs`);
await Promise.all([gate, e5, mpnet].map((m) => m!.close()));
