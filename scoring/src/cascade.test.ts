// The shipped cascade (scoring/models/cascade-sentiment) through loadSentimentModel, against its
// two stages loaded on their own: every text must get exactly the answering stage's probabilities.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseShare, combine, thresholdForShare } from './cascade-cli.ts';
import { CascadeManifest, ModelManifest } from './model-manifest.ts';
import { ParityFixture } from './parity.ts';
import { accurateModelDir, cascadeModelDir, defaultModelDir, deferredRows, labelOf, loadSentimentModel, type SentimentModel } from './sentiment-model.ts';

const readJson = async (path: string): Promise<unknown> => JSON.parse(await readFile(path, 'utf8'));
const top = (s: { negative: number; neutral: number; positive: number }) => Math.max(s.negative, s.neutral, s.positive);

describe('cascade manifest', () => {
  test('the shipped cascade manifest validates and pins its stages to the shipped versions', async () => {
    const manifest = CascadeManifest.parse(await readJson(join(cascadeModelDir, 'manifest.json')));
    assert.equal(ModelManifest.parse(manifest).kind, 'cascade');
    const [first, second] = manifest.stages;
    assert.equal(first.version, ModelManifest.parse(await readJson(join(defaultModelDir, 'manifest.json'))).version);
    assert.equal(second.version, ModelManifest.parse(await readJson(join(accurateModelDir, 'manifest.json'))).version);
    assert.ok(manifest.deferBelow > 0 && manifest.deferBelow < 1);
    assert.ok(manifest.selection.curve.some((p) => p.deferBelow === manifest.deferBelow), 'the chosen threshold is a point of the curve');
  });

  test('a stage named by a path out of the models directory is rejected', async () => {
    const manifest = (await readJson(join(cascadeModelDir, 'manifest.json'))) as Record<string, unknown>;
    const stages = manifest.stages as { model: string; version: string }[];
    const parsed = ModelManifest.safeParse({ ...manifest, stages: [{ ...stages[0], model: '../../etc' }, stages[1]] });
    assert.equal(parsed.success, false);
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
});

describe('sentiment model: cascade', () => {
  let cascade: SentimentModel;
  let fast: SentimentModel;
  let accurate: SentimentModel;

  before(async () => {
    cascade = await loadSentimentModel(cascadeModelDir, { intraOpNumThreads: 1 });
    fast = await loadSentimentModel(defaultModelDir, { intraOpNumThreads: 1 });
    accurate = await loadSentimentModel(accurateModelDir, { intraOpNumThreads: 1 });
  });
  after(async () => {
    await Promise.all([cascade.close(), fast.close(), accurate.close()]);
  });

  test('stamps its own version and carries no licence notice', () => {
    assert.match(cascade.version, /^cascade-/);
    assert.equal(cascade.manifest.kind, 'cascade');
    assert.deepEqual(cascade.notices, []);
  });

  test('each text gets the probabilities of the stage that answers it, and both stages answer some', async () => {
    if (cascade.manifest.kind !== 'cascade') throw new Error('not a cascade');
    const { deferBelow } = cascade.manifest;
    const fixture = ParityFixture.parse(await readJson(fileURLToPath(new URL('./fixtures/transformer-parity.json', import.meta.url))));
    const texts = fixture.cases.map((c) => c.text).slice(0, 60);
    const [got, first, second] = await Promise.all([cascade.scoreBatch(texts), fast.scoreBatch(texts), accurate.scoreBatch(texts)]);
    let deferred = 0;
    texts.forEach((_, i) => {
      const defer = top(first[i]!) < deferBelow;
      if (defer) deferred++;
      const want = defer ? second[i]! : first[i]!;
      assert.equal(got[i]!.deferred, defer, `text ${i}: deferred flag`);
      for (const k of ['negative', 'neutral', 'positive'] as const) {
        assert.ok(Math.abs(got[i]![k] - want[k]) < 1e-5, `text ${i} (${defer ? 'deferred' : 'kept'}) ${k}: ${got[i]![k]} vs ${want[k]}`);
      }
    });
    assert.ok(deferred > 0 && deferred < texts.length, `${deferred} of ${texts.length} deferred`);
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
      await symlink(defaultModelDir, join(root, 'minilm-sentiment'));
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
      await symlink(defaultModelDir, join(root, 'minilm-sentiment'));
      await symlink(accurateModelDir, join(root, 'mpnet-sentiment'));
      const manifest = CascadeManifest.parse(await readJson(join(cascadeModelDir, 'manifest.json')));
      await mkdir(join(root, 'cascade'));
      const stale = { ...manifest, stages: [manifest.stages[0], { ...manifest.stages[1], version: 'mpnet-old' }] };
      await writeFile(join(root, 'cascade', 'manifest.json'), JSON.stringify(stale));
      await assert.rejects(loadSentimentModel(join(root, 'cascade')), /stage mpnet-sentiment is mpnet-base-.*tuned on mpnet-old; rerun npm run cascade/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
