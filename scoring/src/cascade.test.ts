// The shipped cascade (scoring/models/cascade-sentiment) through loadSentimentModel, against its
// stages loaded on their own: every text must get exactly the answering stage's probabilities.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseGate, chooseShare, combine, route, stageSpec, thresholdForShare } from './cascade-cli.ts';
import { CascadeManifest, ModelManifest } from './model-manifest.ts';
import { ParityFixture } from './parity.ts';
import { accurateModelDir, cascadeModelDir, defaultModelDir, deferredRows, e5ModelDir, gateModelDir, labelOf, loadSentimentModel, type SentimentModel } from './sentiment-model.ts';

const readJson = async (path: string): Promise<unknown> => JSON.parse(await readFile(path, 'utf8'));
const top = (s: { negative: number; neutral: number; positive: number }) => Math.max(s.negative, s.neutral, s.positive);

const STAGE_DIRS = [gateModelDir, e5ModelDir, accurateModelDir];

describe('cascade manifest', () => {
  test('the shipped cascade manifest validates and pins its stages to the shipped versions', async () => {
    const manifest = CascadeManifest.parse(await readJson(join(cascadeModelDir, 'manifest.json')));
    assert.equal(ModelManifest.parse(manifest).kind, 'cascade');
    assert.equal(manifest.stages.length, STAGE_DIRS.length);
    for (const [k, stage] of manifest.stages.entries()) {
      assert.equal(stage.version, ModelManifest.parse(await readJson(join(STAGE_DIRS[k]!, 'manifest.json'))).version, stage.model);
    }
    const [gate, middle] = manifest.stages;
    for (const t of [gate!.deferBelow, middle!.deferBelow]) assert.ok(t !== undefined && t > 0 && t < 1);
    assert.ok(manifest.selection.curve.some((p) => p.deferBelow === middle!.deferBelow), 'the last threshold is a point of the curve');
    assert.ok(manifest.selection.gates?.some((g) => g.deferBelow === gate!.deferBelow), 'the gate threshold is one of those tried');
  });

  test('the served default is the cascade, whose held-out test macro-F1 meets the 0.85 target', async () => {
    assert.equal(defaultModelDir, cascadeModelDir);
    const manifest = CascadeManifest.parse(await readJson(join(defaultModelDir, 'manifest.json')));
    assert.ok(manifest.metrics.test.macroF1 >= 0.85, `test macro-F1 ${manifest.metrics.test.macroF1}`);
  });

  test('a stage named by a path out of the models directory is rejected', async () => {
    const manifest = (await readJson(join(cascadeModelDir, 'manifest.json'))) as { stages: { model: string }[] };
    const parsed = ModelManifest.safeParse({ ...manifest, stages: [{ ...manifest.stages[0], model: '../../etc' }, ...manifest.stages.slice(1)] });
    assert.equal(parsed.success, false);
  });

  test('the last stage is mpnet served by its exit after layer 6 alone; only a transformer stage can be', async () => {
    const manifest = CascadeManifest.parse(await readJson(join(cascadeModelDir, 'manifest.json')));
    assert.deepEqual(
      manifest.stages.map((s) => s.answerAt),
      [undefined, undefined, 6],
    );
    await assert.rejects(loadSentimentModel(gateModelDir, { answerAt: 6 }), /answerAt 6 needs a transformer with an early exit there, not a linear model/);
    // e5's exits answer only the texts they are sure of: it ships no answer graph.
    await assert.rejects(loadSentimentModel(e5ModelDir, { answerAt: 3 }), /no answer graph for an exit after layer 3 \(package the model with train_transformer.py --answer-graph 3\)/);
    assert.equal(ModelManifest.safeParse({ ...manifest, stages: manifest.stages.map((s) => ({ ...s, answerAt: 0 })) }).success, false);
    assert.deepEqual(stageSpec('scoring/models/mpnet-sentiment@6'), { dir: 'scoring/models/mpnet-sentiment', answerAt: 6 });
    assert.deepEqual(stageSpec('scoring/models/e5-sentiment'), { dir: 'scoring/models/e5-sentiment' });
  });

  test('every stage but the last needs a threshold, and the last has none', async () => {
    const manifest = (await readJson(join(cascadeModelDir, 'manifest.json'))) as { stages: { model: string; deferBelow?: number }[] };
    const [gate, middle, last] = manifest.stages;
    assert.equal(ModelManifest.safeParse({ ...manifest, stages: [gate, { ...middle, deferBelow: undefined }, last] }).success, false);
    assert.equal(ModelManifest.safeParse({ ...manifest, stages: [gate, middle, { ...last, deferBelow: 0.5 }] }).success, false);
    assert.equal(ModelManifest.safeParse({ ...manifest, stages: [last] }).success, false);
  });
});

describe('threshold and routing', () => {
  const first = [
    [0.9, 0.05, 0.05],
    [0.4, 0.3, 0.3],
    [0.2, 0.7, 0.1],
    [0.1, 0.1, 0.8],
  ];
  const second = [
    [0.1, 0.1, 0.8],
    [0.8, 0.1, 0.1],
    [0.1, 0.8, 0.1],
    [0.3, 0.3, 0.4],
  ];

  test('the share: as given, else the best validation point within a budget, else the cheapest near the second stage', () => {
    const curve = [
      { share: 0, validationMacroF1: 0.8 },
      { share: 0.1, validationMacroF1: 0.837 },
      { share: 0.15, validationMacroF1: 0.8488 },
      { share: 0.2, validationMacroF1: 0.8539 },
      { share: 0.25, validationMacroF1: 0.8596 },
      { share: 0.3, validationMacroF1: 0.8589 },
      { share: 1, validationMacroF1: 0.8631 },
    ];
    assert.equal(chooseShare(curve, 0.8631, { share: 0.3 }), 0.3);
    assert.equal(chooseShare(curve, 0.8631, {}), 0.25); // first within 0.005 of 0.8631
    assert.equal(chooseShare(curve, 0.8631, { maxShare: 0.2 }), 0.2);
    assert.equal(chooseShare(curve, 0.8631, { maxShare: 0.22 }), 0.2); // between curve points
    assert.equal(chooseShare(curve, 0.8631, { maxShare: 0.3 }), 0.25); // the best, not the largest
    const flat = curve.map((p) => ({ ...p, validationMacroF1: Math.min(p.validationMacroF1, 0.85) }));
    assert.equal(chooseShare(flat, 0.8631, { maxShare: 1 }), 0.2); // a tie goes to the smaller share
    assert.throws(() => chooseShare(curve.slice(1), 0.8631, { maxShare: 0.05 }), /below every share/);
  });

  test('a share of the texts falls below the threshold for that share', () => {
    assert.equal(thresholdForShare(first, 0), 0);
    assert.equal(thresholdForShare(first, 1), 1);
    assert.equal(thresholdForShare(first, 0.5), 0.8);
    assert.equal(combine(first, second, thresholdForShare(first, 0.5)).deferred, 0.5);
  });

  test('texts below the threshold take the second stage\'s probabilities, the rest keep the first\'s', () => {
    const { proba, deferred } = combine(first, second, 0.75);
    assert.deepEqual(proba, [first[0], second[1], second[2], first[3]]);
    assert.equal(deferred, 0.5);
    const scores = first.map(([negative, neutral, positive]) => ({ negative: negative!, neutral: neutral!, positive: positive! }));
    assert.deepEqual(deferredRows(scores, 0.75), [1, 2]);
  });

  test('three stages: each passes on only what reached it and is below its threshold', () => {
    const third = [
      [0.2, 0.2, 0.6],
      [0.2, 0.2, 0.6],
      [0.2, 0.2, 0.6],
      [0.2, 0.2, 0.6],
    ];
    // Stage 1 keeps text 0 (0.9 >= 0.85); stage 2 keeps texts 1 and 2 (0.8 >= 0.5), passes on text 3 (0.4).
    const { proba, answered } = route([first, second, third], [0.85, 0.5]);
    assert.deepEqual(proba, [first[0], second[1], second[2], third[3]]);
    assert.deepEqual(answered, [0.25, 0.5, 0.25]);
    // Text 0's top probability from the second stage (0.8) is below 0.85, but it never reached that stage.
    assert.deepEqual(route([first, second, third], [0.85, 0.85]), { proba: [first[0], third[1], third[2], third[3]], answered: [0.25, 0, 0.75] });
  });

  test('the gate: the most accurate on validation, ties to the lower threshold', () => {
    const points = [
      { deferBelow: 0.97, validationMacroF1: 0.858 },
      { deferBelow: 0.95, validationMacroF1: 0.8594 },
      { deferBelow: 0.9, validationMacroF1: 0.85 },
      { deferBelow: 0.96, validationMacroF1: 0.8594 },
    ];
    assert.equal(chooseGate(points), 0.95);
    assert.throws(() => chooseGate([]), /no gate thresholds/);
  });
});

describe('sentiment model: cascade', () => {
  let cascade: SentimentModel;
  let stages: SentimentModel[];

  before(async () => {
    cascade = await loadSentimentModel(cascadeModelDir, { intraOpNumThreads: 1 });
    if (cascade.manifest.kind !== 'cascade') throw new Error('not a cascade');
    // Each stage as the cascade serves it (a stage with answerAt by its exit's answer graph).
    const served = cascade.manifest.stages;
    stages = await Promise.all(STAGE_DIRS.map((dir, k) => loadSentimentModel(dir, { intraOpNumThreads: 1, answerAt: served[k]!.answerAt })));
  });
  after(async () => {
    await Promise.all([cascade, ...stages].map((m) => m.close()));
  });

  test('stamps its own version and carries no licence notice', () => {
    assert.match(cascade.version, /^cascade-/);
    assert.equal(cascade.manifest.kind, 'cascade');
    assert.deepEqual(cascade.notices, []);
  });

  test('each text gets the probabilities of the stage that answers it, and every stage answers some', async () => {
    if (cascade.manifest.kind !== 'cascade') throw new Error('not a cascade');
    const thresholds = cascade.manifest.stages.map((s) => s.deferBelow);
    const fixture = ParityFixture.parse(await readJson(fileURLToPath(new URL('./fixtures/e5-parity.json', import.meta.url))));
    const texts = fixture.cases.map((c) => c.text);
    const [got, ...alone] = await Promise.all([cascade.scoreBatch(texts), ...stages.map((m) => m.scoreBatch(texts))]);
    const answered = stages.map(() => 0);
    texts.forEach((_, i) => {
      // The first stage whose top probability reaches its threshold answers (the last answers the rest).
      const k = thresholds.findIndex((t, j) => t === undefined || top(alone[j]![i]!) >= t);
      answered[k]! += 1;
      const want = alone[k]![i]!;
      assert.equal(got![i]!.stage, k, `text ${i}: answering stage`);
      for (const c of ['negative', 'neutral', 'positive'] as const) {
        assert.ok(Math.abs(got![i]![c] - want[c]) < 1e-5, `text ${i} (stage ${k}) ${c}: ${got![i]![c]} vs ${want[c]}`);
      }
    });
    assert.ok(answered.every((n) => n > 0), `stages answered ${answered.join(' / ')} of ${texts.length}`);
  });

  test('clear headlines get their labels, and probabilities sum to 1', async () => {
    const [pos, neg, empty] = await cascade.scoreBatch(['Bitcoin surges to record high as ETF inflows soar', 'Exchange hacked, token plunges 40% as withdrawals halted', '']);
    assert.equal(labelOf(pos!), 'positive');
    assert.equal(labelOf(neg!), 'negative');
    for (const s of [pos!, neg!, empty!]) assert.ok(Math.abs(s.negative + s.neutral + s.positive - 1) < 1e-6);
  });

  test('a batch scores each text as it is scored alone, in input order', async () => {
    const texts = ['Fed leaves rates unchanged', 'Goldman upgrades $NVDA to buy, sees 30% upside', 'Shares slip after guidance cut', '', 'Tesla deliveries beat estimates'];
    const batch = await cascade.scoreBatch(texts);
    for (const [i, t] of texts.entries()) {
      const [alone] = await cascade.scoreBatch([t]);
      assert.equal(labelOf(batch[i]!), labelOf(alone!), `text ${i}`);
      assert.ok(Math.abs(batch[i]!.positive - alone!.positive) < 1e-5, `text ${i}`);
    }
  });

  test('a cascade naming itself as a stage is refused instead of loading itself forever', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cascade-'));
    try {
      await symlink(gateModelDir, join(root, 'linear-gate'));
      const manifest = CascadeManifest.parse(await readJson(join(cascadeModelDir, 'manifest.json')));
      await mkdir(join(root, 'loop'));
      const loop = { ...manifest, stages: [manifest.stages[0], { model: 'loop', version: manifest.version }] };
      await writeFile(join(root, 'loop', 'manifest.json'), JSON.stringify(loop));
      await assert.rejects(loadSentimentModel(join(root, 'loop')), /stage loop is itself a cascade/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('a stage retrained since the threshold was chosen is refused, naming it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cascade-'));
    try {
      for (const dir of STAGE_DIRS) await symlink(dir, join(root, basename(dir)));
      const manifest = CascadeManifest.parse(await readJson(join(cascadeModelDir, 'manifest.json')));
      await mkdir(join(root, 'cascade'));
      const [gate, middle, last] = manifest.stages;
      const stale = { ...manifest, stages: [gate, middle, { ...last, version: 'mpnet-old' }] };
      await writeFile(join(root, 'cascade', 'manifest.json'), JSON.stringify(stale));
      await assert.rejects(loadSentimentModel(join(root, 'cascade')), /stage mpnet-sentiment is mpnet-base-.*tuned on mpnet-old; rerun npm run cascade/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
