// Real retraining on a small subset (the linear trainer, ~10-25 s a run): a deliberately worse
// candidate is refused by the gate and leaves live.json alone; a better one is promoted and moves it.
// Then the cascade: its gate retrained with collected labels (~1.5 min a run), promoted, served, retrained again;
// and with --deep, its e5 too, where torch is installed.
// Needs training/.venv (training/README.md), so it runs as `npm run test:train -w @barometer/scoring`,
// not in the default test command (CI has python3 but not scikit-learn / skl2onnx).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDataDir, loadFrozenSplit } from './frozen-split.ts';
import { livePointerPath, readLivePointer, writeLivePointer } from './live-pointer.ts';
import { Decision, retrain } from './retrain.ts';
import { CascadeManifest, TransformerManifest } from './model-manifest.ts';
import { cascadeModelDir, labelOf, linearModelDir, loadSentimentModel } from './sentiment-model.ts';

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

  test('with the cascade live, its gate is retrained with the labels, the thresholds chosen again, and a passing candidate promoted', async () => {
    const cascadeModels = join(modelsDir, 'cascade');
    const testHeadline = (await loadFrozenSplit(defaultDataDir)).test.texts[1]!;
    const labels = [
      { id: 'e'.repeat(32), text: 'Bitcoin ETF inflows hit a record as BTC tops its high', label: 'positive' as const },
      { id: 'f'.repeat(32), text: 'Exchange halts withdrawals after a $200 million hack', label: 'negative' as const },
      { id: '1'.repeat(32), text: testHeadline, label: 'positive' as const },
    ].map((l) => ({ ...l, annotator: 'tester', labeled_at: at, origin: 'ui' as const }));
    const common = { modelsDir: cascadeModels, defaultLiveDir: cascadeModelDir, dataDir: defaultDataDir, labels, kind: 'cascade' as const, tolerance: 0.01, cryptoTolerance: 0.03, mode: 'promote' as const, python, onTrainerOutput: () => {} };
    const live = CascadeManifest.parse(JSON.parse(await readFile(join(cascadeModelDir, 'manifest.json'), 'utf8')));

    const first = await retrain({ ...common, now: new Date('2026-11-23T11:00:00Z') });
    // The gate's recipe with two more rows: the same thresholds, figures within the tolerance, so it passes.
    assert.equal(first.action, 'promoted', first.gate.reasons.join('; '));
    assert.equal(first.liveDir, cascadeModelDir);
    const sizes = first.dataSizes as { collectedLabels: { used: number; droppedInHeldOut: number } };
    assert.deepEqual([sizes.collectedLabels.used, sizes.collectedLabels.droppedInHeldOut], [2, 1]);
    const candidate = CascadeManifest.parse(JSON.parse(await readFile(join(first.candidateDir, 'manifest.json'), 'utf8')));
    assert.equal(candidate.version, 'cascade-retrained-20261123T110000Z');
    assert.deepEqual(
      candidate.stages.map((s) => s.model),
      ['linear-gate-retrained-20261123T110000Z', live.stages[1]!.version, live.stages[2]!.version],
    );
    assert.deepEqual(
      candidate.stages.slice(1).map((s) => [s.version, s.answerAt]),
      live.stages.slice(1).map((s) => [s.version, s.answerAt]),
    );
    assert.ok(Math.abs(candidate.metrics.test.macroF1 - live.metrics.test.macroF1) <= 0.01, `${candidate.metrics.test.macroF1}`);
    assert.equal(first.gate.candidate.macroF1, candidate.metrics.test.macroF1, 'the gate scores the candidate through the serving code as the build did');
    assert.match(await readFile(join(first.candidateDir, 'MODEL_CARD.md'), 'utf8'), /the Surge training half and 2 collected labels[\s\S]*## Promotion gate[\s\S]*\*\*passed\*\*/);
    const pointer = await readLivePointer(livePointerPath(cascadeModels));
    assert.equal(pointer?.version, candidate.version);

    // What the scoring service does with live.json: load the candidate, whose stages sit beside it.
    const served = await loadSentimentModel(join(cascadeModels, pointer!.modelDir));
    try {
      const [up, down] = await served.scoreBatch(['Bitcoin soars to a record high as ETF inflows jump', 'Exchange hacked; customers lose millions']);
      assert.deepEqual([labelOf(up!), labelOf(down!)], ['positive', 'negative']);
    } finally {
      await served.close();
    }

    // Retrained again, now from the retrained cascade: the kept stages are the ones already beside it.
    const second = await retrain({ ...common, mode: 'evaluate', now: new Date('2026-11-23T12:00:00Z') });
    assert.equal(second.liveDir, first.candidateDir);
    assert.equal(second.action, 'recorded', second.gate.reasons.join('; '));
    assert.deepEqual((await readdir(cascadeModels)).filter((d) => !d.endsWith('Z') && d !== 'live.json').sort(), [live.stages[1]!.version, live.stages[2]!.version].sort());
  });
});

// --deep on a small subset (~6 min): the middle stage, e5, retrained by its recorded recipe on 300 rows, so
// the candidate is far worse and refused; what is checked is that the whole path runs and is recorded.
const hasTorch = existsSync(python) && spawnSync(python, ['-c', 'import torch, transformers'], { stdio: 'ignore' }).status === 0;
describe('retraining a cascade with --deep', { skip: hasTorch ? false : 'torch missing in training/.venv (training/requirements-transformer.txt)' }, () => {
  let modelsDir: string;
  before(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'barometer-retrain-deep-'));
  });
  after(async () => {
    await rm(modelsDir, { recursive: true, force: true });
  });

  test('the gate and e5 retrained, mpnet kept, the thresholds chosen again, the worse candidate refused', async () => {
    const decision = await retrain({ modelsDir, defaultLiveDir: cascadeModelDir, dataDir: defaultDataDir, labels: [], kind: 'cascade', deep: true, trainLimit: 300, tolerance: 0.01, cryptoTolerance: 0.03, mode: 'promote', python, onTrainerOutput: () => {}, now: new Date('2026-11-23T13:00:00Z') });
    const candidate = CascadeManifest.parse(JSON.parse(await readFile(join(decision.candidateDir, 'manifest.json'), 'utf8')));
    const live = CascadeManifest.parse(JSON.parse(await readFile(join(cascadeModelDir, 'manifest.json'), 'utf8')));
    assert.deepEqual(
      candidate.stages.map((s) => s.model),
      ['linear-gate-retrained-20261123T130000Z', 'e5-retrained-20261123T130000Z', live.stages[2]!.version],
    );
    const e5 = TransformerManifest.parse(JSON.parse(await readFile(join(modelsDir, 'e5-retrained-20261123T130000Z', 'manifest.json'), 'utf8')));
    assert.deepEqual(e5.earlyExits?.map((x) => [x.layer, x.kind]), [[3, 'mlp'], [5, 'linear']]);
    assert.equal(decision.action, 'refused');
    assert.equal(decision.gate.candidate.macroF1, candidate.metrics.test.macroF1);
    assert.match(await readFile(join(decision.candidateDir, 'MODEL_CARD.md'), 'utf8'), /--kind cascade --deep[\s\S]*train_transformer.py --base e5 --layers 8 --pooling mean/);
    assert.equal(await readLivePointer(livePointerPath(modelsDir)), undefined, 'live.json untouched');
  });
});
