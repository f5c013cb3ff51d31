// The cascade's speed at each deferral share of its validation curve, on this CPU: the shipped manifest
// with the last stage's threshold (the next-to-last stage's deferBelow) set to the curve's point (stages by
// symlink, so the loader's version pins still hold). Written for the two-stage cascade; since 2026-12-03 it
// reads any number of stages, and "deferred" counts the texts the last stage answered. Each point is
// timed at the consumer's batch (128) with one intra-op thread over the held-out headlines of <= 32 tokens
// in one seeded shuffle (as npm run bench), each share reading the same sequence, rounds interleaved
// across shares so a slow spell of a shared machine lands on all of them.
// npx tsx training/experiments/2026-12-02-cascade-share-speed.mts ../shared/data
import { Tokenizer } from '@huggingface/tokenizers';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CascadeManifest } from '../../scoring/src/model-manifest.ts';
import { loadFrozenSplit } from '../../scoring/src/frozen-split.ts';
import { cleanText } from '../../scoring/src/text-clean.ts';
import { cascadeModelDir, defaultModelDir, loadSentimentModel, modelsDir } from '../../scoring/src/sentiment-model.ts';

const BATCH = 128;
const ROUNDS = 5;
const SECONDS_PER_ROUND = 1.5;

const split = await loadFrozenSplit(process.argv[2] ?? '../shared/data');
const tokenizer = new Tokenizer(JSON.parse(await readFile(join(defaultModelDir, 'tokenizer.json'), 'utf8')), {});
const texts = [...split.validation.texts, ...split.test.texts].filter((t) => tokenizer.encode(cleanText(t)).ids.length <= 32);
let seed = 42;
for (let i = texts.length - 1; i > 0; i--) {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  const j = seed % (i + 1);
  [texts[i], texts[j]] = [texts[j]!, texts[i]!];
}
const shipped = CascadeManifest.parse(JSON.parse(await readFile(join(cascadeModelDir, 'manifest.json'), 'utf8')));
const points = shipped.selection.curve.filter((p) => p.validationDeferred > 0 && p.validationDeferred <= 0.3);

const root = await mkdtemp(join(tmpdir(), 'cascade-share-'));
try {
  for (const stage of shipped.stages) await symlink(join(modelsDir, stage.model), join(root, stage.model));
  const models = [];
  for (const p of points) {
    const dir = join(root, `share-${p.validationDeferred}`);
    await mkdir(dir);
    const stages = shipped.stages.map((stage, k) => (k === shipped.stages.length - 2 ? { ...stage, deferBelow: p.deferBelow } : stage));
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ ...shipped, stages }));
    models.push({ p, model: await loadSentimentModel(dir, { intraOpNumThreads: 1 }), rates: [] as number[], scored: 0, deferred: 0, next: 0 });
  }
  const take = (m: { next: number }) => Array.from({ length: BATCH }, () => texts[m.next++ % texts.length]!);
  for (const m of models) for (let i = 0; i < 2; i++) await m.model.scoreBatch(take(m));
  for (let round = 0; round < ROUNDS; round++) {
    for (const m of models) {
      let items = 0;
      const started = performance.now();
      while (performance.now() - started < SECONDS_PER_ROUND * 1000) {
        const scores = await m.model.scoreBatch(take(m));
        items += scores.length;
        m.scored += scores.length;
        m.deferred += scores.filter((s) => s.stage === shipped.stages.length - 1).length;
      }
      m.rates.push(Math.round((items / (performance.now() - started)) * 1000));
    }
  }
  console.log('deferBelow  deferred(timed)  items/s/core median (rounds)            val macro-F1  test macro-F1');
  for (const m of models) {
    const median = [...m.rates].sort((a, b) => a - b)[Math.floor(m.rates.length / 2)];
    console.log(
      `${m.p.deferBelow.toFixed(4).padEnd(11)} ${(100 * (m.deferred / m.scored)).toFixed(1).padStart(5)} %          ${String(median).padStart(4)} (${m.rates.join(' / ')})`.padEnd(72) +
        `${m.p.validationMacroF1.toFixed(4)}        ${m.p.testMacroF1.toFixed(4)}`,
    );
    await m.model.close();
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
