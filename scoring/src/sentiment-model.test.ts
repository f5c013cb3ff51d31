// The shipped ONNX model through loadSentimentModel: manifest checks, sanity, batching, parity with sklearn.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ModelManifest } from './model-manifest.ts';
import {
  defaultModelDir,
  entropyOf,
  labelOf,
  loadSentimentModel,
  type SentimentModel,
  type SentimentScores,
} from './sentiment-model.ts';

const ParityFixture = z.object({
  modelVersion: z.string(),
  labels: z.tuple([z.literal('negative'), z.literal('neutral'), z.literal('positive')]),
  tolerance: z.number().positive(),
  cases: z
    .array(z.object({ text: z.string(), probabilities: z.tuple([z.number(), z.number(), z.number()]) }))
    .min(1),
});

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}

// A scratch model directory holding a copy of the real model and a manifest we can break.
async function withManifest(edit: (m: Record<string, unknown>) => void, run: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'sentiment-model-'));
  try {
    const manifest = z.record(z.string(), z.unknown()).parse(await readJson(join(defaultModelDir, 'manifest.json')));
    edit(manifest);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    await copyFile(join(defaultModelDir, 'model.onnx'), join(dir, 'model.onnx'));
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function sumOf(s: SentimentScores): number {
  return s.negative + s.neutral + s.positive;
}

describe('model manifest', () => {
  test('the shipped manifest validates', async () => {
    const parsed = ModelManifest.safeParse(await readJson(join(defaultModelDir, 'manifest.json')));
    assert.ok(parsed.success, parsed.success ? '' : z.prettifyError(parsed.error));
    assert.deepEqual(parsed.data.labels, ['negative', 'neutral', 'positive']);
  });

  test('a manifest with labels out of order is rejected, naming the file and the field', async () => {
    await withManifest(
      (m) => {
        m.labels = ['positive', 'neutral', 'negative'];
      },
      async (dir) => {
        await assert.rejects(loadSentimentModel(dir), (err: Error) => {
          assert.match(err.message, /manifest\.json: invalid model manifest/);
          assert.match(err.message, /labels/);
          return true;
        });
      },
    );
  });

  test('a manifest without a version is rejected', async () => {
    await withManifest(
      (m) => {
        delete m.version;
      },
      async (dir) => {
        await assert.rejects(loadSentimentModel(dir), /manifest\.json: invalid model manifest[\s\S]*version/);
      },
    );
  });

  test('input or output names the model does not have are rejected', async () => {
    await withManifest(
      (m) => {
        m.output = { name: 'logits' };
      },
      async (dir) => {
        await assert.rejects(loadSentimentModel(dir), /expects input "text" and output "logits".*outputs \[.*probabilities/);
      },
    );
  });

  test('a model file that does not match the manifest hash is rejected', async () => {
    await withManifest(
      (m) => {
        m.sha256 = { model: '0'.repeat(64) };
      },
      async (dir) => {
        await assert.rejects(loadSentimentModel(dir), /sha256 .* does not match/);
      },
    );
  });
});

describe('sentiment model', () => {
  let model: SentimentModel;

  before(async () => {
    model = await loadSentimentModel(defaultModelDir, { intraOpNumThreads: 1 });
  });
  after(async () => {
    await model.close();
  });

  test('carries the manifest version', () => {
    assert.equal(model.version, model.manifest.version);
    assert.match(model.version, /^linear-tfidf-/);
  });

  test('a clearly positive headline scores positive', async () => {
    const [s] = await model.scoreBatch(['Bitcoin surges to record high as ETF inflows soar']);
    assert.ok(s);
    assert.equal(labelOf(s), 'positive');
  });

  test('a clearly negative headline scores negative', async () => {
    const [s] = await model.scoreBatch(['Exchange hacked, token plunges 40% as withdrawals halted']);
    assert.ok(s);
    assert.equal(labelOf(s), 'negative');
  });

  test('an empty batch returns no scores', async () => {
    assert.deepEqual(await model.scoreBatch([]), []);
  });

  test('probabilities sum to 1, also for texts that clean to nothing', async () => {
    const scores = await model.scoreBatch(['', '   ', 'https://t.co/x', 'Stocks fall', '€ — …']);
    assert.equal(scores.length, 5);
    for (const s of scores) {
      assert.ok(Math.abs(sumOf(s) - 1) < 1e-6, `sum ${sumOf(s)}`);
      for (const p of [s.negative, s.neutral, s.positive]) assert.ok(p >= 0 && p <= 1);
    }
  });

  test('a batch scores each text exactly as it is scored alone, in input order', async () => {
    const texts = [
      'Exchange hacked, token plunges 40% as withdrawals halted',
      'Bitcoin surges to record high as ETF inflows soar',
      'Fed leaves rates unchanged',
      '',
      'A much longer headline about $AAPL earnings beating estimates while guidance disappoints investors',
    ];
    const batch = await model.scoreBatch(texts);
    const single = await Promise.all(texts.map(async (t) => (await model.scoreBatch([t]))[0]));
    assert.equal(batch.length, texts.length);
    batch.forEach((b, i) => {
      const s = single[i];
      assert.ok(s);
      for (const k of ['negative', 'neutral', 'positive'] as const) {
        assert.ok(Math.abs(b[k] - s[k]) < 1e-6, `text ${i} ${k}: ${b[k]} vs ${s[k]}`);
      }
    });
  });

  test('matches the sklearn probabilities in the parity fixture', async () => {
    const fixture = ParityFixture.parse(await readJson(fileURLToPath(new URL('./fixtures/model-parity.json', import.meta.url))));
    assert.equal(fixture.modelVersion, model.version, 'fixture and model come from different training runs');
    const scores = await model.scoreBatch(fixture.cases.map((c) => c.text));
    let worst = 0;
    fixture.cases.forEach((c, i) => {
      const s = scores[i];
      assert.ok(s);
      fixture.labels.forEach((label, j) => {
        worst = Math.max(worst, Math.abs(s[label] - (c.probabilities[j] ?? Number.NaN)));
      });
    });
    assert.ok(worst <= fixture.tolerance, `max |onnx - sklearn| = ${worst}`);
    assert.ok(worst < 1e-5, `max |onnx - sklearn| = ${worst}: float32 rounding alone stays far below this`);
  });

  test('refuses to score after close', async () => {
    const other = await loadSentimentModel(defaultModelDir);
    await other.close();
    await other.close();
    await assert.rejects(other.scoreBatch(['x']), /closed/);
  });
});

describe('labelOf and entropyOf', () => {
  test('labelOf is the argmax', () => {
    assert.equal(labelOf({ negative: 0.7, neutral: 0.2, positive: 0.1 }), 'negative');
    assert.equal(labelOf({ negative: 0.1, neutral: 0.6, positive: 0.3 }), 'neutral');
    assert.equal(labelOf({ negative: 0.1, neutral: 0.2, positive: 0.7 }), 'positive');
  });

  test('entropyOf is 0 when certain and ln 3 when uniform', () => {
    assert.equal(entropyOf({ negative: 0, neutral: 1, positive: 0 }), 0);
    assert.ok(Math.abs(entropyOf({ negative: 1 / 3, neutral: 1 / 3, positive: 1 / 3 }) - Math.log(3)) < 1e-12);
    const half = entropyOf({ negative: 0.5, neutral: 0, positive: 0.5 });
    assert.ok(Math.abs(half - Math.log(2)) < 1e-12);
  });
});
