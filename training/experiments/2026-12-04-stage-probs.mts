// Probe input for 2026-12-04-exit-seeds.py (2026-12-04-exit-seeds.md): every stage of the shipped cascade
// scored through the serving code on the frozen validation and test splits and the Surge held-out half, as
// buildCascade scores them, written as JSON with the truth and the texts.
//   npx tsx training/experiments/2026-12-04-stage-probs.mts /tmp/stage-probs.json
import { writeFile } from 'node:fs/promises';
import { defaultDataDir, loadFrozenSplit, loadSurgeHeldOut, probabilitiesOf } from '../../scoring/src/frozen-split.ts';
import { accurateModelDir, cascadeModelDir, e5ModelDir, gateModelDir, loadSentimentModel } from '../../scoring/src/sentiment-model.ts';

const out = process.argv[2];
if (!out) throw new Error('usage: 2026-12-04-stage-probs.mts OUT.json');
const split = await loadFrozenSplit(defaultDataDir);
const surge = await loadSurgeHeldOut(defaultDataDir);
const sets = { validation: split.validation.texts, test: split.test.texts, surge: surge.texts };
const result: Record<string, unknown> = {
  'truth.validation': split.validation.truth,
  'truth.test': split.test.truth,
  'truth.surge': surge.truth,
  ...Object.fromEntries(Object.entries(sets).map(([k, v]) => [`texts.${k}`, v])),
};
const stages = { gate: { dir: gateModelDir }, e5: { dir: e5ModelDir }, mpnet6: { dir: accurateModelDir, answerAt: 6 }, cascade: { dir: cascadeModelDir } };
for (const [name, { dir, ...opts }] of Object.entries(stages)) {
  const model = await loadSentimentModel(dir, opts);
  try {
    result[`version.${name}`] = model.version;
    for (const [k, texts] of Object.entries(sets)) result[`${name}.${k}`] = await probabilitiesOf(model, texts);
  } finally {
    await model.close();
  }
}
await writeFile(out, JSON.stringify(result));
console.log(`wrote ${out}`);
