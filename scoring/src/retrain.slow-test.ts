// Real retraining on a small subset (the linear trainer, ~10-25 s a run): a deliberately worse
// candidate is refused by the gate and leaves live.json alone; a better one is promoted and moves it.
// Needs training/.venv (training/README.md), so it runs as `npm run test:train -w @barometer/scoring`,
// not in the default test command (CI has python3 but not scikit-learn / skl2onnx).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDataDir, loadFrozenSplit } from './frozen-split.ts';
import { livePointerPath, readLivePointer, writeLivePointer } from './live-pointer.ts';
import { Decision, retrain } from './retrain.ts';
import { linearModelDir } from './sentiment-model.ts';

const python = fileURLToPath(new URL('../../training/.venv/bin/python', import.meta.url));
const at = '2026-11-23T10:00:00.000Z';

describe('retraining (npm run train)', { skip: existsSync(python) ? false : 'training/.venv missing (see training/README.md)' }, () => {
  let modelsDir: string;
  before(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'barometer-retrain-'));
  });
  after(async () => {
    await rm(modelsDir, { recursive: true, force: true });
  });

  test('a worse candidate is refused, a better one promoted, a passing one shadowed; each decision recorded with its figures', async () => {
    const testHeadline = (await loadFrozenSplit(defaultDataDir)).test.texts[0]!;
    const labels = [
      { id: 'a'.repeat(32), text: 'Bitcoin soars to a record as ETF inflows jump', label: 'positive' as const },
      { id: 'b'.repeat(32), text: 'Exchange hacked; customers lose millions', label: 'negative' as const },
      { id: 'c'.repeat(32), text: 'Fed holds rates steady', label: 'neutral' as const },
      // A label on a frozen-test headline must never reach training.
      { id: 'd'.repeat(32), text: testHeadline, label: 'neutral' as const },
    ].map((l) => ({ ...l, annotator: 'tester', labeled_at: at, origin: 'ui' as const }));
    const common = { modelsDir, defaultLiveDir: linearModelDir, dataDir: defaultDataDir, labels, kind: 'linear' as const, tolerance: 0.01, cryptoTolerance: 0.03, mode: 'promote' as const, fixed: true, python, onTrainerOutput: () => {} };

    // 300 training rows against the shipped linear model (~0.76 macro-F1): clearly worse.
    const worse = await retrain({ ...common, trainLimit: 300, now: new Date('2026-11-23T10:00:00Z') });
    assert.equal(worse.action, 'refused');
    assert.ok(worse.gate.reasons.some((r) => r.startsWith('macro-F1')), worse.gate.reasons.join('; '));
    assert.equal(await readLivePointer(livePointerPath(modelsDir)), undefined, 'live.json untouched');
    const onDisk = Decision.parse(JSON.parse(await readFile(join(worse.candidateDir, 'decision.json'), 'utf8')));
    assert.equal(onDisk.gate.candidate.macroF1, worse.gate.candidate.macroF1);
    // Crypto is gated too: both models scored on the Surge held-out half.
    assert.equal(onDisk.gate.cryptoTolerance, 0.03);
    assert.ok(onDisk.gate.candidate.cryptoMacroF1 !== undefined && onDisk.gate.live.cryptoMacroF1 !== undefined);
    assert.match(await readFile(join(worse.candidateDir, 'MODEL_CARD.md'), 'utf8'), /\| crypto macro-F1 \(Surge held-out, neg vs pos\) \| 0\.\d{4} \|/);
    assert.match(await readFile(join(worse.candidateDir, 'MODEL_CARD.md'), 'utf8'), /## Promotion gate[\s\S]*\*\*refused\*\*/);
    const sizes = worse.dataSizes as { tfns: { train: number; test: number }; collectedLabels: { used: number; droppedInHeldOut: number } };
    assert.deepEqual([sizes.tfns.train, sizes.tfns.test], [300, 944]);
    assert.deepEqual([sizes.collectedLabels.used, sizes.collectedLabels.droppedInHeldOut], [3, 1]);

    // Now the weak model is live (as if promoted by mistake); a full-data candidate beats it.
    const weakDir = join(modelsDir, 'weak');
    await cp(worse.candidateDir, weakDir, { recursive: true });
    await writeLivePointer(livePointerPath(modelsDir), { v: 1, modelDir: 'weak', version: worse.gate.candidate.version, promotedAt: at });
    const better = await retrain({ ...common, trainLimit: 4000, now: new Date('2026-11-23T10:01:00Z') });
    assert.equal(better.action, 'promoted', better.gate.reasons.join('; '));
    assert.ok(better.gate.candidate.macroF1 > better.gate.live.macroF1);
    const pointer = await readLivePointer(livePointerPath(modelsDir));
    assert.equal(pointer?.version, better.gate.candidate.version);
    assert.equal(join(modelsDir, pointer!.modelDir), better.candidateDir);

    // The same recipe again, as a shadow: it passes (equal figures), the live model stays.
    const shadow = await retrain({ ...common, mode: 'shadow', trainLimit: 4000, now: new Date('2026-11-23T10:02:00Z') });
    assert.equal(shadow.action, 'shadowed', shadow.gate.reasons.join('; '));
    const after = await readLivePointer(livePointerPath(modelsDir));
    assert.deepEqual([after?.version, after?.shadowModelDir], [better.gate.candidate.version, 'linear-tfidf-retrained-20261123T100200Z']);
  });
});
