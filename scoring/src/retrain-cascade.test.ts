// What `npm run train` does for a live cascade besides training its gate (which needs Python and runs in
// retrain.slow-test.ts): which stages it keeps, how they are placed beside the candidate, and that the
// thresholds chosen again through buildCascade on the shipped stages reproduce the shipped cascade.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCascade } from './cascade-cli.ts';
import { defaultDataDir } from './frozen-split.ts';
import { CascadeManifest, TransformerManifest } from './model-manifest.ts';
import { defaultKindFor, keptStagesOf, placeStage, retrain, transformerRecipe } from './retrain.ts';
import { accurateModelDir, cascadeModelDir, e5ModelDir, gateModelDir, linearModelDir, loadSentimentModel, minilmModelDir } from './sentiment-model.ts';

const shipped = async () => CascadeManifest.parse(JSON.parse(await readFile(join(cascadeModelDir, 'manifest.json'), 'utf8')));

describe('retraining a cascade: stages and thresholds', () => {
  let modelsDir: string;
  before(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'barometer-retrain-cascade-'));
  });
  after(async () => {
    await rm(modelsDir, { recursive: true, force: true });
  });

  test('npm run train retrains a live cascade by default, and the linear model otherwise', async () => {
    assert.equal(await defaultKindFor(cascadeModelDir), 'cascade');
    assert.equal(await defaultKindFor(linearModelDir), 'linear');
    assert.equal(await defaultKindFor(minilmModelDir), 'linear');
  });

  test('the live cascade keeps its stages after the gate; a model that is not a cascade gets the shipped ones', async () => {
    assert.deepEqual(await keptStagesOf(cascadeModelDir), [
      { dir: join(cascadeModelDir, '..', 'e5-sentiment'), answerAt: undefined },
      { dir: join(cascadeModelDir, '..', 'mpnet-sentiment'), answerAt: 6 },
    ]);
    assert.deepEqual(await keptStagesOf(minilmModelDir), [{ dir: e5ModelDir }, { dir: accurateModelDir, answerAt: 6 }]);
    // A cascade whose first stage is not a linear gate has no gate to retrain.
    const noGate = join(modelsDir, 'no-gate');
    await mkdir(noGate);
    const m = await shipped();
    await writeFile(join(noGate, 'manifest.json'), JSON.stringify({ ...m, stages: [{ ...m.stages[1], model: 'e5-sentiment' }, m.stages[1], m.stages[2]] }));
    await mkdir(join(modelsDir, 'e5-sentiment'));
    await writeFile(join(modelsDir, 'e5-sentiment', 'manifest.json'), await readFile(join(e5ModelDir, 'manifest.json')));
    await assert.rejects(keptStagesOf(noGate), /retrains its linear gate, the first of three stages; this one's stages are e5-sentiment, e5-sentiment, mpnet-sentiment \(first: transformer\)/);
  });

  test('--deep retrains the middle stage by the recipe its manifest records, and only in a cascade', async () => {
    const e5 = TransformerManifest.parse(JSON.parse(await readFile(join(e5ModelDir, 'manifest.json'), 'utf8')));
    // training/README.md's recipe for the shipped e5, exits deepest first.
    assert.deepEqual(transformerRecipe(e5), {
      base: 'e5',
      args: ['--base', 'e5', '--layers', '8', '--pooling', 'mean', '--epochs', '4', '--lr', '0.00005', '--batch', '32', '--max-length', '64', '--seed', '7', '--surge-weight', '1', '--exit', '5:linear', '--exit', '3:mlp'],
    });
    assert.throws(() => transformerRecipe({ ...e5, training: { ...e5.training, distillation: { teacher: 'mpnet' } } }), /does not record a recipe npm run train can repeat/);
    assert.throws(() => transformerRecipe({ ...e5, base: { ...e5.base, name: 'someone/else' } }), /no train_transformer.py base for someone\/else/);
    await assert.rejects(
      retrain({ modelsDir, defaultLiveDir: cascadeModelDir, dataDir: defaultDataDir, labels: [], kind: 'linear', deep: true, tolerance: 0.01, cryptoTolerance: 0.03, mode: 'evaluate' }),
      /--deep retrains a cascade's middle stage: it needs --kind cascade/,
    );
  });

  test('kept stages are placed beside the candidate under their versions, once, sharing the files', async () => {
    const placed = await placeStage(modelsDir, e5ModelDir);
    const { version } = JSON.parse(await readFile(join(e5ModelDir, 'manifest.json'), 'utf8')) as { version: string };
    assert.equal(placed, join(modelsDir, version));
    assert.deepEqual(await readFile(join(placed, 'model.onnx')), await readFile(join(e5ModelDir, 'model.onnx')));
    // Hard links where the file system allows (the temporary directory is usually on the repository's).
    const [a, b] = await Promise.all([stat(join(placed, 'model.onnx')), stat(join(e5ModelDir, 'model.onnx'))]);
    if (a.dev === b.dev) assert.equal(a.ino, b.ino);
    assert.equal(await placeStage(modelsDir, e5ModelDir), placed, 'a second run reuses the placed version');
    assert.equal(await placeStage(modelsDir, placed), placed, 'a stage already beside the candidate stays where it is');
  });

  test('thresholds chosen again on the shipped stages reproduce the shipped cascade, which loads from beside them', async (t) => {
    // The frozen split names rows of the training data, which sits beside the checkout (../shared/data).
    if (!existsSync(join(defaultDataDir, 'tfns', 'train.csv'))) {
      t.skip(`${defaultDataDir} is not beside this checkout`);
      return;
    }
    const m = await shipped();
    const stages = [
      { dir: await placeStage(modelsDir, gateModelDir) },
      { dir: await placeStage(modelsDir, e5ModelDir) },
      { dir: await placeStage(modelsDir, accurateModelDir), answerAt: 6 },
    ];
    const rebuilt = await buildCascade({ dataDir: defaultDataDir, stages, maxShare: m.selection.maxShare, version: 'cascade-rebuilt-test' });
    assert.deepEqual(
      rebuilt.stages.map((s) => [s.version, s.deferBelow, s.answerAt]),
      m.stages.map((s) => [s.version, s.deferBelow, s.answerAt]),
    );
    assert.deepEqual(rebuilt.selection, m.selection);
    assert.deepEqual(rebuilt.metrics, m.metrics);
    assert.deepEqual(rebuilt.ece, m.ece);

    const dir = join(modelsDir, rebuilt.version);
    await mkdir(dir);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(rebuilt));
    const [candidate, live] = await Promise.all([loadSentimentModel(dir), loadSentimentModel(cascadeModelDir)]);
    try {
      const texts = ['Bitcoin soars to a record high as ETF inflows jump', 'Exchange hacked; customers lose millions', 'Fed holds rates steady'];
      const [c, l] = await Promise.all([candidate.scoreBatch(texts), live.scoreBatch(texts)]);
      assert.deepEqual(c, l);
      assert.equal(candidate.version, 'cascade-rebuilt-test');
    } finally {
      await Promise.all([candidate.close(), live.close()]);
    }
  });
});
