// Probe (2026-12-03, session 20, issue #4): where the cascade's time per batch of 128 goes now: the gate, e5's
// text cleaning, tokenization and run planning (timed apart, then again inside e5's scoreBatch), e5's session
// runs and mpnet's exit-6 graph. The bench's texts, three passes, one intra-op thread. Recorded in
// 2026-12-03-speed-probes-s20.md.
//   npx tsx training/experiments/2026-12-03-stage-breakdown.mts
import {
  accurateModelDir, createTokenizeRow, deferredRows, e5ModelDir, gateModelDir, loadSentimentModel, planRuns,
} from '../../scoring/src/sentiment-model.ts';
import { cleanText } from '../../scoring/src/text-clean.ts';
import { benchBatches, tokenizerOf } from './probe-common.mts';

const batches = await benchBatches();
const opts = { intraOpNumThreads: 1 };
const gate = await loadSentimentModel(gateModelDir, opts);
const e5 = await loadSentimentModel(e5ModelDir, opts);
const mpnet = await loadSentimentModel(accurateModelDir, { ...opts, answerAt: 6 });
const e5tok = createTokenizeRow(await tokenizerOf(e5ModelDir), 64);
const t = { gate: 0, clean: 0, tok: 0, plan: 0, e5: 0, mpnet: 0 };
let n = 0;
for (let pass = 0; pass < 3; pass++) {
  for (const batch of batches) {
    let t0 = performance.now();
    const g = await gate.scoreBatch(batch);
    t.gate += performance.now() - t0;
    const rows = deferredRows(g, 0.97).map((i) => batch[i]!);
    t0 = performance.now();
    const cleaned = rows.map(cleanText);
    t.clean += performance.now() - t0;
    t0 = performance.now();
    const ids = cleaned.map(e5tok);
    t.tok += performance.now() - t0;
    t0 = performance.now();
    planRuns(ids.map((r) => r.length));
    t.plan += performance.now() - t0;
    t0 = performance.now();
    const e = await e5.scoreBatch(rows);
    t.e5 += performance.now() - t0;
    const rest = deferredRows(e, 0.596).map((i) => rows[i]!);
    t0 = performance.now();
    await mpnet.scoreBatch(rest);
    t.mpnet += performance.now() - t0;
    n++;
  }
}
for (const [k, v] of Object.entries(t)) console.log(`${k.padEnd(6)} ${(v / n).toFixed(2)} ms per batch of 128`);
