// `npm run cascade -w @barometer/scoring [-- --share S | --max-share M] [--version V]`: builds
// scoring/models/cascade-sentiment, the default model with the accurate one behind it. Both stages
// score the frozen validation and test splits and the Surge held-out set once; the threshold is the
// first stage's top probability below which a share of the validation texts fall, so the second stage
// takes about that share of a feed like tfns. The share is S; or the most accurate on validation among
// the curve's shares up to M (a speed budget: the second stage's share sets the cascade's cost); or
// else the smallest whose validation macro-F1 is within WITHIN of the second stage's alone, the cheapest
// point that keeps nearly all its accuracy. Test figures are computed after the choice and never feed
// back into it.
// Writes manifest.json only: the stages' files stay in their own directories.

import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { argmax3, cryptoMetrics, expectedCalibrationError, threeClassMetrics, type ClassIndex } from './eval-metrics.ts';
import { CascadeManifest, type DataSource } from './model-manifest.ts';
import { loadFrozenSplit, loadSurgeHeldOut, probabilitiesOf } from './frozen-split.ts';
import { accurateModelDir, cascadeModelDir, defaultModelDir, deferredRows, loadSentimentModel, type SentimentModel } from './sentiment-model.ts';

type Proba = number[][];
const top = (p: readonly number[]) => Math.max(...p);

/** Each text's probabilities from the stage that answers it, routed by the served cascade's own rule. */
export function combine(first: Proba, second: Proba, deferBelow: number): { proba: Proba; deferred: number } {
  const rows = new Set(deferredRows(first.map(([negative = 0, neutral = 0, positive = 0]) => ({ negative, neutral, positive })), deferBelow));
  return { proba: first.map((p, i) => (rows.has(i) ? second[i]! : p)), deferred: rows.size / first.length };
}

/** The threshold under which `share` of the texts' top probabilities fall (0 defers none, 1 defers all). */
export function thresholdForShare(first: Proba, share: number): number {
  if (share <= 0) return 0;
  if (share >= 1) return 1;
  const tops = first.map(top).sort((a, b) => a - b);
  return tops[Math.min(tops.length - 1, Math.round(share * tops.length))]!;
}

const SHARES = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1];
const WITHIN = 0.005;

export interface CurvePoint {
  share: number;
  validationMacroF1: number;
}

/** The share to defer (see the header): `share` if given, else the best validation point up to `maxShare`, else the cheapest within WITHIN of the second stage alone. */
export function chooseShare(curve: readonly CurvePoint[], secondAlone: number, opts: { share?: number; maxShare?: number }): number {
  if (opts.share !== undefined) return opts.share;
  if (opts.maxShare !== undefined) {
    const { maxShare } = opts;
    const affordable = curve.filter((p) => p.share <= maxShare);
    if (affordable.length === 0) throw new Error(`--max-share ${maxShare} is below every share on the curve`);
    // Ties go to the smaller share: the same accuracy for less of the second stage's time.
    return affordable.reduce((best, p) => (p.validationMacroF1 > best.validationMacroF1 ? p : best)).share;
  }
  return curve.find((p) => p.validationMacroF1 >= secondAlone - WITHIN)?.share ?? 1;
}

const macroF1 = (truth: ClassIndex[], proba: Proba) => threeClassMetrics(truth, proba.map(argmax3)).macroF1;
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

async function scored(model: SentimentModel, sets: string[][]): Promise<Proba[]> {
  const out: Proba[] = [];
  for (const texts of sets) out.push(await probabilitiesOf(model, texts));
  return out;
}

async function main(): Promise<void> {
  const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string', default: join(repoRoot, '..', 'shared', 'data') },
      share: { type: 'string' },
      'max-share': { type: 'string' },
      version: { type: 'string' },
      first: { type: 'string', default: defaultModelDir },
      second: { type: 'string', default: accurateModelDir },
      out: { type: 'string', default: cascadeModelDir },
    },
  });
  const rate = (flag: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const x = Number(text);
    if (!(x >= 0 && x <= 1)) throw new Error(`--${flag} must be between 0 and 1, got ${text}`);
    return x;
  };
  const given = rate('share', values.share);
  const maxShare = rate('max-share', values['max-share']);
  if (given !== undefined && maxShare !== undefined) throw new Error('give --share or --max-share, not both');
  const split = await loadFrozenSplit(values['data-dir']);
  const surge = await loadSurgeHeldOut(values['data-dir']);
  const sets = [split.validation.texts, split.test.texts, surge.texts];

  const stages: { dir: string; model: SentimentModel; proba: Proba[] }[] = [];
  for (const dir of [values.first, values.second]) {
    const model = await loadSentimentModel(dir);
    try {
      stages.push({ dir, model, proba: await scored(model, sets) });
    } finally {
      await model.close();
    }
  }
  const [a, b] = stages as [(typeof stages)[0], (typeof stages)[0]];
  const [aVal, aTest, aCrypto] = a.proba as [Proba, Proba, Proba];
  const [bVal, bTest, bCrypto] = b.proba as [Proba, Proba, Proba];

  const point = (deferBelow: number) => {
    const val = combine(aVal, bVal, deferBelow);
    const test = combine(aTest, bTest, deferBelow);
    return {
      deferBelow: round4(deferBelow),
      validationDeferred: round4(val.deferred),
      validationMacroF1: round4(macroF1(split.validation.truth, val.proba)),
      testDeferred: round4(test.deferred),
      testMacroF1: round4(macroF1(split.test.truth, test.proba)),
    };
  };
  // Rounded once, so the served threshold is the one every figure below was computed with.
  const curve = SHARES.map((s) => point(round4(thresholdForShare(aVal, s))));
  const secondAlone = macroF1(split.validation.truth, bVal);
  const share = chooseShare(
    curve.map((p, i) => ({ share: SHARES[i]!, validationMacroF1: p.validationMacroF1 })),
    secondAlone,
    { share: given, maxShare },
  );
  const deferBelow = round4(thresholdForShare(aVal, share));

  const val = combine(aVal, bVal, deferBelow).proba;
  const test = combine(aTest, bTest, deferBelow).proba;
  const crypto = combine(aCrypto, bCrypto, deferBelow).proba;
  const data = new Map<string, DataSource>();
  for (const s of [a, b]) for (const d of s.model.manifest.data) if (!data.has(d.name)) data.set(d.name, d);
  const date = new Date().toISOString().slice(0, 10);
  const manifest = CascadeManifest.parse({
    name: 'barometer-sentiment-cascade',
    // A rebuilt cascade must not reuse an earlier one's version: rows are told apart by it. --version
    // names a second build of the same day.
    version: values.version ?? `cascade-${basename(a.dir).split('-')[0]}-${basename(b.dir).split('-')[0]}-${date.replaceAll('-', '.')}`,
    kind: 'cascade',
    labels: a.model.manifest.labels,
    preprocess: a.model.manifest.preprocess,
    stages: [
      { model: basename(a.dir), version: a.model.version },
      { model: basename(b.dir), version: b.model.version },
    ],
    deferBelow,
    selection: {
      validationShare: share,
      ...(maxShare !== undefined ? { maxShare } : given === undefined ? { withinSecondStage: WITHIN } : {}),
      curve,
    },
    metrics: {
      validation: threeClassMetrics(split.validation.truth, val.map(argmax3)),
      test: threeClassMetrics(split.test.truth, test.map(argmax3)),
      crypto: cryptoMetrics(surge.truth, crypto),
    },
    ece: { validation: expectedCalibrationError(split.validation.truth, val), test: expectedCalibrationError(split.test.truth, test) },
    data: [...data.values()],
  });
  await mkdir(values.out, { recursive: true });
  await writeFile(join(values.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify({ deferBelow, curve, test: manifest.metrics.test.macroF1, validation: manifest.metrics.validation?.macroF1 }, null, 1)}\n`);
  process.stderr.write(`wrote ${join(values.out, 'manifest.json')}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
