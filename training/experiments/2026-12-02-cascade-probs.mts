// Writes the validation and test probabilities of both cascade stages, and of any other model
// directory named as NAME=DIR, for 2026-12-02-cascade-routing.py and 2026-12-02-small-12-layer.py:
// npx tsx training/experiments/2026-12-02-cascade-probs.mts /tmp/probs.json ../shared/data [e5=/tmp/out-e5 ...]
import { writeFileSync } from 'node:fs';
import { loadFrozenSplit, probabilitiesOf } from '../../scoring/src/frozen-split.ts';
import { accurateModelDir, defaultModelDir, loadSentimentModel } from '../../scoring/src/sentiment-model.ts';
const split = await loadFrozenSplit(process.argv[3] ?? '../shared/data');
const extra = process.argv.slice(4).map((a) => a.split('=', 2) as [string, string]);
const out: any = {};
for (const [name, dir] of [['minilm', defaultModelDir], ['mpnet', accurateModelDir], ...extra] as const) {
  const m = await loadSentimentModel(dir, { intraOpNumThreads: 2 });
  for (const s of ['validation', 'test'] as const) {
    const set = (split as any)[s];
    out[`${name}.${s}`] = await probabilitiesOf(m, set.texts);
    out[`truth.${s}`] = set.truth; out[`texts.${s}`] = set.texts;
  }
}
writeFileSync(process.argv[2] ?? 'probs.json', JSON.stringify(out));
