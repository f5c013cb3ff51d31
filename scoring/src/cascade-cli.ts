// `npm run cascade -w @barometer/scoring [-- --share S | --max-share M] [--gate G] [--version V] [--stage DIR[@LAYER] ...]`:
// builds scoring/models/cascade-sentiment, models in sequence served as one. By default three stages: the
// linear gate (fit on train only), e5-small, and the accurate mpnet. Every stage scores the frozen
// validation and test splits and the Surge held-out set once.
// - The last threshold is the next-to-last stage's top probability below which a share of the validation
//   texts fall, so the last stage takes about that share of a feed like tfns. The share is S; or the most
//   accurate on validation among the curve's shares up to M (a speed budget: the last stage's share sets
//   most of the cascade's cost); or else the smallest whose validation macro-F1 is within WITHIN of the
//   last stage's alone, the cheapest point that keeps nearly all its accuracy.
// - With three stages, the first is a gate that answers the texts it is surest of: its threshold is G, or
//   else the most accurate on validation among GATES, each at its best share by the rule above (ties go to
//   the lower threshold, which answers more texts and so costs less).
// - DIR@LAYER serves a transformer stage by the answer graph of its exit after LAYER (every text it sees is
//   answered there); the default last stage is mpnet@6.
// Test figures are computed after the choice and never feed back into it.
// Writes manifest.json only: the stages' files stay in their own directories.

import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { argmax3, cryptoMetrics, expectedCalibrationError, threeClassMetrics, type ClassIndex } from './eval-metrics.ts';
import { CascadeManifest, type DataSource } from './model-manifest.ts';
import { loadFrozenSplit, loadSurgeHeldOut, probabilitiesOf } from './frozen-split.ts';
import { accurateModelDir, cascadeModelDir, deferredRows, e5ModelDir, gateModelDir, loadSentimentModel, type SentimentModel } from './sentiment-model.ts';

type Proba = number[][];
const top = (p: readonly number[]) => Math.max(...p);
const asScores = (p: Proba) => p.map(([negative = 0, neutral = 0, positive = 0]) => ({ negative, neutral, positive }));

/**
 * Each text's probabilities from the stage that answers it, routed by the served cascade's own rule:
 * stage k passes on the texts whose top probability from it is below thresholds[k]. `answered` is the
 * share of the texts each stage answers.
 */
export function route(stages: readonly Proba[], thresholds: readonly number[]): { proba: Proba; answered: number[] } {
  const n = stages[0]?.length ?? 0;
  const proba: Proba = new Array<number[]>(n);
  const answered = stages.map(() => 0);
  let rows = Array.from({ length: n }, (_, i) => i);
  for (const [k, stage] of stages.entries()) {
    const threshold = thresholds[k];
    // The last stage (no threshold) passes nothing on.
    const next = new Set(threshold === undefined ? [] : deferredRows(asScores(rows.map((i) => stage[i]!)), threshold).map((j) => rows[j]!));
    for (const i of rows) {
      if (next.has(i)) continue;
      proba[i] = stage[i]!;
      answered[k]! += 1 / n;
    }
    rows = rows.filter((i) => next.has(i));
  }
  return { proba, answered };
}

/** Two stages: each text's probabilities from the stage that answers it, and the share deferred to the second. */
export function combine(first: Proba, second: Proba, deferBelow: number): { proba: Proba; deferred: number } {
  const { proba, answered } = route([first, second], [deferBelow]);
  return { proba, deferred: answered[1]! };
}

/** The threshold under which `share` of the texts' top probabilities fall (0 defers none, 1 defers all). */
export function thresholdForShare(first: Proba, share: number): number {
  if (share <= 0) return 0;
  if (share >= 1) return 1;
  const tops = first.map(top).sort((a, b) => a - b);
  return tops[Math.min(tops.length - 1, Math.round(share * tops.length))]!;
}

const SHARES = [0, 0.03, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1];
const WITHIN = 0.005;
// A gate's thresholds: below 0.9 the linear gate answers texts it gets wrong often enough to cost test
// points on every first stage tried (training/experiments/2026-12-02-small-12-layer.md, section 4).
export const GATES = [0.9, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99];

export interface CurvePoint {
  share: number;
  validationMacroF1: number;
}

/** The share to defer (see the header): `share` if given, else the best validation point up to `maxShare`, else the cheapest within WITHIN of the last stage alone. */
export function chooseShare(curve: readonly CurvePoint[], secondAlone: number, opts: { share?: number | undefined; maxShare?: number | undefined }): number {
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

/** The gate threshold: the most accurate on validation; ties go to the lower threshold, which answers more. */
export function chooseGate(points: readonly { deferBelow: number; validationMacroF1: number }[]): number {
  if (points.length === 0) throw new Error('no gate thresholds to choose from');
  return [...points].sort((a, b) => a.deferBelow - b.deferBelow).reduce((best, p) => (p.validationMacroF1 > best.validationMacroF1 ? p : best)).deferBelow;
}

const macroF1 = (truth: ClassIndex[], proba: Proba) => threeClassMetrics(truth, proba.map(argmax3)).macroF1;
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** --stage DIR, or DIR@LAYER: the transformer served by the answer graph of its exit after LAYER. */
export function stageSpec(spec: string): { dir: string; answerAt?: number } {
  const at = /^(.+)@(\d+)$/.exec(spec);
  if (!at) return { dir: spec };
  const answerAt = Number(at[2]);
  if (!(answerAt >= 1)) throw new Error(`--stage ${spec}: the layer after @ must be a positive number`);
  return { dir: at[1]!, answerAt };
}

async function scored(model: SentimentModel, sets: string[][]): Promise<Proba[]> {
  const out: Proba[] = [];
  for (const texts of sets) out.push(await probabilitiesOf(model, texts));
  return out;
}

export interface BuildCascadeOptions {
  /** shared/data: the frozen tfns split and the Surge held-out half. */
  dataDir: string;
  /** Two or three stages, first to last. Each directory becomes the stage's `model`, so the stages must be
   *  siblings of the directory the manifest is written to (the loader finds them there). */
  stages: readonly { dir: string; answerAt?: number | undefined }[];
  share?: number | undefined;
  maxShare?: number | undefined;
  /** The gate's threshold (three stages); unset: the most accurate of GATES on validation. */
  gate?: number | undefined;
  version?: string | undefined;
}

/** Scores every stage on validation, test and the Surge held-out half, chooses the thresholds on validation
 *  (see the header) and returns the manifest with its figures. Writes nothing. */
export async function buildCascade(o: BuildCascadeOptions): Promise<CascadeManifest> {
  const { share: given, maxShare, gate: givenGate } = o;
  if (given !== undefined && maxShare !== undefined) throw new Error('give --share or --max-share, not both');
  if (o.stages.length !== 2 && o.stages.length !== 3) throw new Error(`a cascade has two or three stages (--stage DIR each), got ${o.stages.length}`);
  if (givenGate !== undefined && o.stages.length !== 3) throw new Error('--gate sets the first of three stages');
  const split = await loadFrozenSplit(o.dataDir);
  const surge = await loadSurgeHeldOut(o.dataDir);
  const sets = [split.validation.texts, split.test.texts, surge.texts];

  const stages: { dir: string; answerAt?: number | undefined; model: SentimentModel; proba: Proba[] }[] = [];
  for (const { dir, answerAt } of o.stages) {
    const model = await loadSentimentModel(dir, { answerAt });
    try {
      stages.push({ dir, answerAt, model, proba: await scored(model, sets) });
    } finally {
      await model.close();
    }
  }
  const onSet = (k: 0 | 1 | 2) => stages.map((s) => s.proba[k]!);
  const [val, test, crypto] = [onSet(0), onSet(1), onSet(2)];
  // The last threshold is read on the next-to-last stage's probabilities of every validation text.
  const middle = val[val.length - 2]!;
  const lastAlone = macroF1(split.validation.truth, val[val.length - 1]!);

  const point = (thresholds: number[]) => {
    const v = route(val, thresholds);
    const t = route(test, thresholds);
    return {
      validationAnswered: round4(v.answered[0]!),
      validationDeferred: round4(v.answered.at(-1)!),
      validationMacroF1: round4(macroF1(split.validation.truth, v.proba)),
      testAnswered: round4(t.answered[0]!),
      testDeferred: round4(t.answered.at(-1)!),
      testMacroF1: round4(macroF1(split.test.truth, t.proba)),
    };
  };
  // The curve over the last threshold, the gate (if any) held; rounded once, so the served threshold is
  // the one every figure below was computed with.
  const curveAt = (gate: number | undefined) =>
    SHARES.map((s) => {
      const deferBelow = round4(thresholdForShare(middle, s));
      const p = point(gate === undefined ? [deferBelow] : [gate, deferBelow]);
      return { share: s, deferBelow, p };
    });
  const shareOf = (curve: ReturnType<typeof curveAt>) =>
    chooseShare(
      curve.map((c) => ({ share: c.share, validationMacroF1: c.p.validationMacroF1 })),
      lastAlone,
      { share: given, maxShare },
    );

  let gate: number | undefined;
  let gates: object[] | undefined;
  if (stages.length === 3) {
    const tried = (givenGate === undefined ? GATES : [givenGate]).map((g) => {
      const curve = curveAt(g);
      const share = shareOf(curve);
      const at = curve.find((c) => c.share === share) ?? { p: point([g, round4(thresholdForShare(middle, share))]) };
      return {
        deferBelow: g,
        validationAnswered: at.p.validationAnswered,
        validationShare: share,
        validationMacroF1: at.p.validationMacroF1,
        testAnswered: at.p.testAnswered,
        testMacroF1: at.p.testMacroF1,
      };
    });
    gate = chooseGate(tried);
    gates = tried;
  }
  const curve = curveAt(gate);
  const share = shareOf(curve);
  const deferBelow = round4(thresholdForShare(middle, share));
  const thresholds = gate === undefined ? [deferBelow] : [gate, deferBelow];

  const final = { val: route(val, thresholds).proba, test: route(test, thresholds).proba, crypto: route(crypto, thresholds).proba };
  const data = new Map<string, DataSource>();
  for (const s of stages) for (const d of s.model.manifest.data) if (!data.has(d.name)) data.set(d.name, d);
  const date = new Date().toISOString().slice(0, 10);
  const short = (s: { dir: string; answerAt?: number | undefined }) => `${basename(s.dir).split('-')[0]!}${s.answerAt === undefined ? '' : `x${s.answerAt}`}`;
  return CascadeManifest.parse({
    name: 'barometer-sentiment-cascade',
    // A rebuilt cascade must not reuse an earlier one's version: rows are told apart by it. --version
    // names a second build of the same day.
    version: o.version ?? `cascade-${stages.map(short).join('-')}-${date.replaceAll('-', '.')}`,
    kind: 'cascade',
    labels: stages[0]!.model.manifest.labels,
    preprocess: stages[0]!.model.manifest.preprocess,
    stages: stages.map((s, k) => ({
      model: basename(s.dir),
      version: s.model.version,
      ...(k < thresholds.length ? { deferBelow: thresholds[k] } : {}),
      ...(s.answerAt === undefined ? {} : { answerAt: s.answerAt }),
    })),
    selection: {
      validationShare: share,
      ...(maxShare !== undefined ? { maxShare } : given === undefined ? { withinSecondStage: WITHIN } : {}),
      curve: curve.map(({ deferBelow, p }) => ({
        deferBelow,
        validationDeferred: p.validationDeferred,
        validationMacroF1: p.validationMacroF1,
        testDeferred: p.testDeferred,
        testMacroF1: p.testMacroF1,
      })),
      ...(gates ? { gates } : {}),
    },
    metrics: {
      validation: threeClassMetrics(split.validation.truth, final.val.map(argmax3)),
      test: threeClassMetrics(split.test.truth, final.test.map(argmax3)),
      crypto: cryptoMetrics(surge.truth, final.crypto),
    },
    ece: { validation: expectedCalibrationError(split.validation.truth, final.val), test: expectedCalibrationError(split.test.truth, final.test) },
    data: [...data.values()],
  });
}

async function main(): Promise<void> {
  const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string', default: join(repoRoot, '..', 'shared', 'data') },
      share: { type: 'string' },
      'max-share': { type: 'string' },
      gate: { type: 'string' },
      version: { type: 'string' },
      // mpnet served by its exit after layer 6 alone: as accurate here, at half its layers (2026-12-03-gate-band.md).
      stage: { type: 'string', multiple: true, default: [gateModelDir, e5ModelDir, `${accurateModelDir}@6`] },
      out: { type: 'string', default: cascadeModelDir },
    },
  });
  const rate = (flag: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const x = Number(text);
    if (!(x >= 0 && x <= 1)) throw new Error(`--${flag} must be between 0 and 1, got ${text}`);
    return x;
  };
  const manifest = await buildCascade({
    dataDir: values['data-dir'],
    stages: values.stage.map(stageSpec),
    share: rate('share', values.share),
    maxShare: rate('max-share', values['max-share']),
    gate: rate('gate', values.gate),
    version: values.version,
  });
  await mkdir(values.out, { recursive: true });
  await writeFile(join(values.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const thresholds = manifest.stages.flatMap((s) => (s.deferBelow === undefined ? [] : [s.deferBelow]));
  process.stdout.write(
    `${JSON.stringify({ thresholds, gates: manifest.selection.gates, curve: manifest.selection.curve, test: manifest.metrics.test.macroF1, validation: manifest.metrics.validation?.macroF1 }, null, 1)}\n`,
  );
  process.stderr.write(`wrote ${join(values.out, 'manifest.json')}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
