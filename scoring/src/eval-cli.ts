// `npm run eval`: recomputes the model card's figures from the data through the serving code
// (cleanText, the TypeScript tokenizer, onnxruntime-node) for every shipped model and the lexicon
// baseline, fails if a model's figures drift from its manifest, and rewrites the transformer's
// MODEL_CARD.md. Usage: npm run eval [-- --data-dir DIR] [-- --no-write]

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Sentiment from 'sentiment';
import { argmax3, bootstrapMacroF1, cryptoMetrics, expectedCalibrationError, threeClassMetrics, type ClassIndex, type Interval } from './eval-metrics.ts';
import { renderAccurateModelCard, renderCascadeModelCard, renderModelCard, renderStageModelCard, type ModelEvaluation, type Evaluation, type TestIntervals } from './model-card.ts';
import { accurateModelDir, cascadeModelDir, e5ModelDir, gateModelDir, hasModel, linearModelDir, loadSentimentModel, minilmModelDir } from './sentiment-model.ts';
import { cleanText } from './text-clean.ts';
import { loadFrozenSplit, loadSurgeHeldOut, probabilitiesOf, type Labeled, type SurgeHeldOut } from './frozen-split.ts';
import { hasInt8DotProduct } from './cpu.ts';

// Figures are rounded to 4 places; float32 vs float64 can move an argmax on a near-tie.
const DRIFT_TOLERANCE = 0.005;


interface EvalSets {
  validation: Labeled;
  test: Labeled;
  crypto: SurgeHeldOut;
}

type Scored<E> = E & { testPredicted: ClassIndex[] };

async function scoreAll(dir: string, sets: EvalSets): Promise<Scored<ModelEvaluation>> {
  const model = await loadSentimentModel(dir);
  try {
    const proba = (texts: string[]) => probabilitiesOf(model, texts);
    const [pv, pt, pc] = [await proba(sets.validation.texts), await proba(sets.test.texts), await proba(sets.crypto.texts)];
    const testPredicted = pt.map(argmax3);
    return {
      manifest: model.manifest,
      validation: threeClassMetrics(sets.validation.truth, pv.map(argmax3)),
      test: threeClassMetrics(sets.test.truth, testPredicted),
      testPredicted,
      crypto: cryptoMetrics(sets.crypto.truth, pc),
      ece: { validation: expectedCalibrationError(sets.validation.truth, pv), test: expectedCalibrationError(sets.test.truth, pt) },
    };
  } finally {
    await model.close();
  }
}

// npm `sentiment` (AFINN-165 word list): score > 0 positive, < 0 negative, 0 neutral.
function lexiconEvaluation(sets: EvalSets): Scored<Evaluation> {
  const analyzer = new Sentiment();
  const predict = (texts: string[]) => texts.map((t): ClassIndex => {
    const score = analyzer.analyze(t).score;
    return score > 0 ? 2 : score < 0 ? 0 : 1;
  });
  const oneHot = (k: ClassIndex) => [0, 1, 2].map((j) => (j === k ? 1 : 0));
  const testPredicted = predict(sets.test.texts);
  return {
    validation: threeClassMetrics(sets.validation.truth, predict(sets.validation.texts)),
    test: threeClassMetrics(sets.test.truth, testPredicted),
    testPredicted,
    crypto: cryptoMetrics(sets.crypto.truth, predict(sets.crypto.texts).map(oneHot)),
  };
}

// bootstrapMacroF1's differenceFromFirst is other − first; the cards read first − other.
const negate = (i: Interval | undefined): Interval => ({ low: -(i?.high ?? Number.NaN), high: -(i?.low ?? Number.NaN) });

/** The test split is 944 headlines: how far each macro-F1 could move, and whether the gaps between models are real. */
function testIntervals(truth: ClassIndex[], transformer: Scored<unknown>, linear: Scored<unknown>, lexicon: Scored<unknown>): TestIntervals {
  const b = bootstrapMacroF1(truth, [transformer.testPredicted, linear.testPredicted, lexicon.testPredicted]);
  const at = (k: number): Interval => b.macroF1[k] ?? { low: Number.NaN, high: Number.NaN };
  return {
    resamples: b.resamples,
    level: b.level,
    transformer: at(0),
    linear: at(1),
    lexicon: at(2),
    transformerMinusLinear: negate(b.differenceFromFirst[0]),
    transformerMinusLexicon: negate(b.differenceFromFirst[1]),
  };
}

/** Writes a model card beside its model and says where. */
async function writeCard(dir: string, card: string): Promise<void> {
  await writeFile(join(dir, 'MODEL_CARD.md'), card);
  process.stderr.write(`wrote ${join(dir, 'MODEL_CARD.md')}\n`);
}

async function main(): Promise<number> {
  const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string', default: join(repoRoot, '..', 'shared', 'data') },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const dataDir = values['data-dir'];
  const split = await loadFrozenSplit(dataDir);
  const surge = await loadSurgeHeldOut(dataDir);
  const sets: EvalSets = { validation: split.validation, test: split.test, crypto: surge };

  const transformer = await scoreAll(minilmModelDir, sets);
  const linear = await scoreAll(linearModelDir, sets);
  const lexicon = lexiconEvaluation(sets);
  const intervals = testIntervals(sets.test.truth, transformer, linear, lexicon);
  // The accurate model is optional: a checkout may leave its ~110 MB out.
  const accurate = (await hasModel(accurateModelDir)) ? await scoreAll(accurateModelDir, sets) : undefined;
  // The cascade's other stages: the linear gate (fit on train only) and e5-small.
  const optional = async (dir: string) => ((await hasModel(dir)) ? await scoreAll(dir, sets) : undefined);
  const gate = await optional(gateModelDir);
  const e5 = await optional(e5ModelDir);
  const cascade = accurate && gate && e5 && (await hasModel(cascadeModelDir)) ? await scoreAll(cascadeModelDir, sets) : undefined;

  // The linear model was refit on train + validation, so only its test figures are comparable.
  const drift: string[] = [];
  const compare = (name: string, got: number, want: number | undefined) => {
    if (want !== undefined && Math.abs(got - want) > DRIFT_TOLERANCE) drift.push(`${name}: recomputed ${got}, manifest ${want}`);
  };
  // Every figure a manifest records for a model scored on all three sets.
  const compareModel = (name: string, e: ModelEvaluation) => {
    compare(`${name} test macro-F1`, e.test.macroF1, e.manifest.metrics.test.macroF1);
    compare(`${name} validation macro-F1`, e.validation.macroF1, e.manifest.metrics.validation?.macroF1);
    compare(`${name} crypto macro-F1`, e.crypto.binaryMacroF1, e.manifest.metrics.crypto?.binaryMacroF1);
  };
  compareModel('transformer', transformer);
  compare('linear test macro-F1', linear.test.macroF1, linear.manifest.metrics.test.macroF1);
  if (accurate) compareModel('accurate', accurate);
  // The gate was fit on train only, so all its figures are out-of-sample and comparable.
  if (gate) compareModel('gate', gate);
  if (e5) compareModel('e5', e5);
  if (cascade) compareModel('cascade', cascade);
  // Columns of the cascade card's side-by-side table: the cascade, its stages, the default, the baselines.
  const cascadeColumns = cascade && accurate && gate && e5 ? [cascade, gate, e5, accurate, transformer, linear, lexicon] : undefined;
  const cascadeIntervals = cascadeColumns
    ? (() => {
        const b = bootstrapMacroF1(sets.test.truth, cascadeColumns.map((c) => c.testPredicted));
        // differenceFromFirst is in column order after the first: the default is column 4, the accurate model column 3.
        return { resamples: b.resamples, level: b.level, macroF1: b.macroF1, minusFast: negate(b.differenceFromFirst[3]), minusAccurate: negate(b.differenceFromFirst[2]) };
      })()
    : undefined;
  const e5Intervals = e5
    ? (() => {
        const b = bootstrapMacroF1(sets.test.truth, [e5.testPredicted, transformer.testPredicted, linear.testPredicted, lexicon.testPredicted]);
        return { resamples: b.resamples, level: b.level, macroF1: b.macroF1, accurateMinusFast: negate(b.differenceFromFirst[0]) };
      })()
    : undefined;
  const accurateIntervals = accurate
    ? (() => {
        const b = bootstrapMacroF1(sets.test.truth, [accurate.testPredicted, transformer.testPredicted, linear.testPredicted, lexicon.testPredicted]);
        return { resamples: b.resamples, level: b.level, macroF1: b.macroF1, accurateMinusFast: negate(b.differenceFromFirst[0]) };
      })()
    : undefined;

  const summary = {
    transformer: { version: transformer.manifest.version, validation: transformer.validation, test: transformer.test, crypto: transformer.crypto, ece: transformer.ece },
    ...(accurate
      ? { accurate: { version: accurate.manifest.version, validation: accurate.validation, test: accurate.test, crypto: accurate.crypto, ece: accurate.ece, testIntervals: accurateIntervals } }
      : {}),
    ...(gate ? { gate: { version: gate.manifest.version, validation: gate.validation, test: gate.test, crypto: gate.crypto, ece: gate.ece } } : {}),
    ...(e5 ? { e5: { version: e5.manifest.version, validation: e5.validation, test: e5.test, crypto: e5.crypto, ece: e5.ece, testIntervals: e5Intervals } } : {}),
    ...(cascade
      ? { cascade: { version: cascade.manifest.version, validation: cascade.validation, test: cascade.test, crypto: cascade.crypto, ece: cascade.ece, testIntervals: cascadeIntervals } }
      : {}),
    linear: { version: linear.manifest.version, test: linear.test, crypto: linear.crypto, ece: linear.ece },
    lexicon: { validation: lexicon.validation, test: lexicon.test, crypto: lexicon.crypto },
    testIntervals: intervals,
    drift,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 1)}\n`);

  if (!values['no-write']) {
    const readOptional = async (path: string): Promise<unknown> => {
      try {
        return JSON.parse(await readFile(path, 'utf8'));
      } catch {
        return undefined;
      }
    };
    // What every card shows besides its own model: the baselines, the split, the last bench, the CPU.
    const shared = {
      linear,
      lexicon,
      split: split.stats,
      bench: await readOptional(join(repoRoot, 'scoring', 'models', 'bench.json')),
      int8DotProduct: hasInt8DotProduct(),
    };
    const card = renderModelCard({
      ...shared,
      transformer,
      testIntervals: intervals,
      trainingReport: await readOptional(join(minilmModelDir, 'training-report.json')),
      accurate,
      cascade,
    });
    await writeCard(minilmModelDir, card);
    if (accurate) {
      const accurateCard = renderAccurateModelCard({
        ...shared,
        model: accurate,
        fast: transformer,
        intervals: accurateIntervals,
        trainingReport: await readOptional(join(accurateModelDir, 'training-report.json')),
      });
      await writeCard(accurateModelDir, accurateCard);
    }
    if (e5) {
      const e5Card = renderStageModelCard({
        ...shared,
        model: e5,
        fast: transformer,
        intervals: e5Intervals,
        trainingReport: await readOptional(join(e5ModelDir, 'training-report.json')),
      });
      await writeCard(e5ModelDir, e5Card);
    }
    if (cascade && accurate && gate && e5) {
      const cascadeCard = renderCascadeModelCard({
        ...shared,
        model: cascade,
        stages: [gate, e5, accurate],
        fast: transformer,
        others: [
          ['linear TF-IDF (the fallback)', linear],
          ['lexicon (npm sentiment)', lexicon],
        ],
        intervals: cascadeIntervals,
      });
      await writeCard(cascadeModelDir, cascadeCard);
    }
  }
  if (drift.length > 0) {
    process.stderr.write(`figures drifted from the manifests:\n  ${drift.join('\n  ')}\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
