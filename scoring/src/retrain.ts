// One retraining run: collected labels + the base data → a candidate model directory (trained by
// training/train_linear.py or train_transformer.py; for a cascade, its gate retrained and its thresholds
// chosen again), evaluated on the frozen test split through the serving code, gated against the live
// model, the decision recorded beside it and, if it passes, the live.json pointer moved to it.
// `npm run train` (train-cli.ts) is the command; tests call this.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, copyFile, link, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { LabeledText } from '@barometer/schemas/api';
import { parseCsv } from '@barometer/analytics/labeling';
import { applyGate, gateFiguresOf, GateResult } from './model-gate.ts';
import { cryptoMetrics } from './eval-metrics.ts';
import { loadFrozenSplit, loadSurgeHeldOut, metricsOn, probabilitiesOf } from './frozen-split.ts';
import { readLivePointer, writeLivePointer, livePointerPath, resolvePointerDir } from './live-pointer.ts';
import { buildCascade } from './cascade-cli.ts';
import { accurateModelDir, e5ModelDir, loadSentimentModel, readManifest } from './sentiment-model.ts';
import type { CascadeManifest, TransformerManifest } from './model-manifest.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface RetrainOptions {
  /** Candidates and live.json live here. */
  modelsDir: string;
  /** The live model when live.json does not exist yet. */
  defaultLiveDir: string;
  /** shared/data: tfns, surge-crypto. */
  dataDir: string;
  labels: readonly LabeledText[];
  kind: RetrainKind;
  tolerance: number;
  /** The same for negative-vs-positive macro-F1 on the Surge held-out half (a smaller, noisier set). */
  cryptoTolerance: number;
  /** promote: move live.json on a pass; shadow: point live.json's shadow at it; evaluate: record only. */
  mode: 'promote' | 'shadow' | 'evaluate';
  python?: string;
  /** With a cascade: also retrain its middle stage (e5) with the labels, by the recipe its manifest records. */
  deep?: boolean;
  /** Smoke runs: fewer training rows, no grid. */
  trainLimit?: number;
  fixed?: boolean;
  now?: Date;
  /** Where the trainer's own output goes (stderr by default). */
  onTrainerOutput?: (chunk: Buffer) => void;
}

/** linear: the TF-IDF model; transformer: MiniLM; cascade: the live cascade's gate, with its thresholds chosen again. */
export const RetrainKind = z.enum(['linear', 'transformer', 'cascade']);
export type RetrainKind = z.infer<typeof RetrainKind>;

export const Decision = z.object({
  v: z.literal(1),
  decidedAt: z.string(),
  candidateDir: z.string(),
  liveDir: z.string(),
  kind: RetrainKind,
  mode: z.enum(['promote', 'shadow', 'evaluate']),
  gate: GateResult,
  /** What happened to live.json. */
  action: z.enum(['promoted', 'shadowed', 'refused', 'recorded']),
  labels: z.object({ collected: z.number().int(), items: z.number().int(), conflicting: z.number().int() }),
  dataSizes: z.unknown(),
  seconds: z.object({ train: z.number(), evaluate: z.number(), total: z.number() }),
});
export type Decision = z.infer<typeof Decision>;

/**
 * One label per item: the majority of its annotators' latest labels; ties say nothing reliable
 * and are left out (counted as conflicting).
 */
export function labelsForTraining(labels: readonly LabeledText[]): { rows: { text: string; label: string }[]; conflicting: number } {
  const byId = new Map<string, { text: string; votes: Map<string, number> }>();
  for (const l of labels) {
    const entry = byId.get(l.id) ?? { text: l.text, votes: new Map<string, number>() };
    entry.votes.set(l.label, (entry.votes.get(l.label) ?? 0) + 1);
    byId.set(l.id, entry);
  }
  const rows: { text: string; label: string }[] = [];
  let conflicting = 0;
  for (const { text, votes } of byId.values()) {
    const ranked = [...votes.entries()].sort((a, b) => b[1] - a[1]);
    if (ranked.length > 1 && ranked[0]![1] === ranked[1]![1]) conflicting++;
    else rows.push({ text, label: ranked[0]![0] });
  }
  return { rows, conflicting };
}

/** An export of the labeling API (CSV with a header, or JSONL), text included. */
export function parseLabelExport(text: string): LabeledText[] {
  const trimmed = text.trimStart();
  const records: unknown[] = trimmed.startsWith('{')
    ? trimmed.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as unknown)
    : (() => {
        const [header, ...rows] = parseCsv(text);
        return rows.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i]])));
      })();
  return z.array(LabeledText).parse(records);
}

const csvField = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

function run(cmd: string, args: string[], onOutput: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HF_HUB_OFFLINE: '1' } });
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`))));
  });
}

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/** The live model's directory: the one live.json names, else the default. */
export async function liveModelDir(modelsDir: string, defaultLiveDir: string): Promise<string> {
  const pointerPath = livePointerPath(modelsDir);
  const pointer = await readLivePointer(pointerPath);
  return pointer ? resolvePointerDir(pointerPath, pointer.modelDir) : defaultLiveDir;
}

/** What `npm run train` retrains when no --kind is given: a live cascade's gate, else the linear model
 *  (MiniLM takes ~36 min, so it is never the scheduled default). */
export async function defaultKindFor(liveDir: string): Promise<RetrainKind> {
  return (await readManifest(join(liveDir, 'manifest.json'))).kind === 'cascade' ? 'cascade' : 'linear';
}

interface StageDir {
  dir: string;
  answerAt?: number | undefined;
}

/**
 * The stages a retrained cascade keeps: every stage of the live cascade after its linear gate (which is
 * the one retrained), or the shipped e5 and mpnet's exit after layer 6 when the live model is not a cascade.
 */
export async function keptStagesOf(liveDir: string): Promise<StageDir[]> {
  const live = await readManifest(join(liveDir, 'manifest.json'));
  if (live.kind !== 'cascade') return [{ dir: e5ModelDir }, { dir: accurateModelDir, answerAt: 6 }];
  const [first, ...rest] = live.stages;
  const firstKind = (await readManifest(join(liveDir, '..', first!.model, 'manifest.json'))).kind;
  if (firstKind !== 'linear' || rest.length !== 2) {
    throw new Error(`${liveDir}: retraining a cascade retrains its linear gate, the first of three stages; this one's stages are ${live.stages.map((st) => st.model).join(', ')} (first: ${firstKind})`);
  }
  return rest.map((st) => ({ dir: join(liveDir, '..', st.model), answerAt: st.answerAt }));
}

/**
 * A cascade finds its stages beside it (the manifest names sibling directories, never paths), so a kept
 * stage that lives elsewhere (the shipped ones, in the repository) is placed in the models directory
 * under its version: files hard-linked where the file system allows, else copied; once per version.
 */
export async function placeStage(modelsDir: string, dir: string): Promise<string> {
  if (resolve(dirname(dir)) === resolve(modelsDir)) return dir;
  const { version } = await readManifest(join(dir, 'manifest.json'));
  if (!/^[\w.-]+$/.test(version)) throw new Error(`${dir}: version ${JSON.stringify(version)} cannot name a directory`);
  const target = join(modelsDir, version);
  if (existsSync(join(target, 'manifest.json'))) {
    const placed = (await readManifest(join(target, 'manifest.json'))).version;
    if (placed !== version) throw new Error(`${target} holds ${placed}, not ${version}`);
    return target;
  }
  // Written under a temporary name and renamed, so a run stopped halfway leaves no half model under the version.
  const partial = `${target}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const [from, to] = [join(dir, entry.name), join(partial, entry.name)];
    await link(from, to).catch(() => copyFile(from, to));
  }
  await rename(partial, target);
  return target;
}

// train_transformer.py's --base for each pretrained encoder a manifest names.
const BASE_FLAGS: Record<string, string> = {
  'sentence-transformers/all-MiniLM-L6-v2': 'minilm',
  'sentence-transformers/all-mpnet-base-v2': 'mpnet',
  'BAAI/bge-small-en-v1.5': 'bge',
  'intfloat/e5-small-v2': 'e5',
};

const RecordedTraining = z.object({
  epochs: z.number().int().positive(),
  learningRate: z.number().positive(),
  batch: z.number().int().positive(),
  maxLength: z.number().int().positive(),
  pooling: z.enum(['mean', 'cls']),
  seed: z.number().int(),
  distillation: z.null().optional(),
  surgeTraining: z.object({ weight: z.number() }).nullable().optional(),
});

/** train_transformer.py's arguments that rebuild a transformer stage as its manifest records it (base, depth,
 *  schedule, pooling, seed, early exits), for retraining it with collected labels. */
export function transformerRecipe(m: TransformerManifest): { base: string; args: string[] } {
  const base = BASE_FLAGS[m.base.name];
  if (!base) throw new Error(`${m.version}: no train_transformer.py base for ${m.base.name}`);
  const parsed = RecordedTraining.safeParse(m.training);
  if (!parsed.success) throw new Error(`${m.version}: its manifest does not record a recipe npm run train can repeat (distilled, or from before recipes were recorded): ${z.prettifyError(parsed.error)}`);
  const t = parsed.data;
  const args = [
    ...['--base', base, '--layers', String(m.base.layers), '--pooling', t.pooling, '--epochs', String(t.epochs), '--lr', String(t.learningRate)],
    ...['--batch', String(t.batch), '--max-length', String(t.maxLength), '--seed', String(t.seed)],
    ...(t.surgeTraining ? ['--surge-weight', String(t.surgeTraining.weight)] : ['--no-surge']),
    // Deepest first, as the packaging step fits them.
    ...[...(m.earlyExits ?? [])].reverse().flatMap((x) => ['--exit', `${x.layer}:${x.kind}`]),
  ];
  return { base, args };
}

/** What a retrained cascade keeps of the live one: its later stages, and its rule for the last threshold
 *  (its speed budget, or its fixed share; 5 % of validation, the shipped budget, when the live model is not a cascade). */
async function cascadePlanOf(liveDir: string): Promise<{ kept: StageDir[]; rule: { maxShare?: number; share?: number } }> {
  const live = await readManifest(join(liveDir, 'manifest.json'));
  const kept = await keptStagesOf(liveDir);
  if (live.kind !== 'cascade') return { kept, rule: { maxShare: 0.05 } };
  const { maxShare, withinSecondStage, validationShare } = live.selection;
  return { kept, rule: maxShare !== undefined ? { maxShare } : withinSecondStage === undefined ? { share: validationShare } : {} };
}

/** The card of a retrained cascade: what was retrained, what was kept, and the figures. */
function cascadeCard(
  m: CascadeManifest,
  o: { gateVersion: string; middle: { version: string; recipe: string[] } | undefined; labels: { used: number; droppedInHeldOut: number }; trainSeconds: number },
): string {
  const pct = (x: number | undefined) => (x === undefined ? '' : `${(x * 100).toFixed(1)} %`);
  const gateRow = m.selection.gates?.find((g) => g.deferBelow === m.stages[0]?.deferBelow);
  const curveRow = m.selection.curve.find((c) => c.deferBelow === m.stages[1]?.deferBelow);
  return [
    `# Model card: barometer-sentiment-cascade \`${m.version}\``,
    '',
    `Retrained by \`npm run train -- --kind cascade${o.middle ? ' --deep' : ''}\` (scoring/src/retrain.ts): the live cascade's linear gate trained again`,
    `on the tfns training split, the Surge training half and ${o.labels.used} collected labels (\`${o.gateVersion}\`, train_linear.py`,
    `--fixed --no-refit)${o.middle ? `, its middle stage trained again on the same data (\`${o.middle.version}\`, train_transformer.py ${o.middle.recipe.join(' ')}: the recipe its manifest recorded)` : ''},`,
    `the ${o.middle ? 'last stage' : 'later stages'} kept as ${o.middle ? 'it was' : 'they were'}, and the thresholds chosen again on validation by the rule of \`npm run cascade\``,
    `(scoring/src/cascade-cli.ts). Training took ${o.trainSeconds.toFixed(0)} s. Test figures were computed after the choice.`,
    ...(o.labels.droppedInHeldOut ? [`${o.labels.droppedInHeldOut} collected labels were left out: their text is in the frozen validation or test split.`] : []),
    '',
    '| stage | model | passes a text on when its top probability is below |',
    '|---|---|---|',
    ...m.stages.map((st, k) => `| ${k + 1} | \`${st.version}\`${st.answerAt === undefined ? '' : `, its exit after layer ${st.answerAt}`} | ${st.deferBelow ?? '—'} |`),
    '',
    `The gate answers ${pct(gateRow?.validationAnswered)} of validation (${pct(gateRow?.testAnswered)} of test); the last stage takes ${pct(curveRow?.validationDeferred)} (${pct(curveRow?.testDeferred)}).`,
    '',
    '| figure | validation | test |',
    '|---|---|---|',
    `| macro-F1 | ${m.metrics.validation?.macroF1.toFixed(4) ?? ''} | ${m.metrics.test.macroF1.toFixed(4)} |`,
    `| accuracy | ${m.metrics.validation?.accuracy.toFixed(4) ?? ''} | ${m.metrics.test.accuracy.toFixed(4)} |`,
    ...(m.ece ? [`| expected calibration error | ${m.ece.validation.toFixed(4)} | ${m.ece.test.toFixed(4)} |`] : []),
    '',
    ...(m.metrics.crypto ? [`Surge held-out half (negative vs positive): macro-F1 ${m.metrics.crypto.binaryMacroF1.toFixed(4)}, neutral predicted for ${pct(m.metrics.crypto.predictedNeutralShare)}.`, ''] : []),
    'Data and licences: those of its stages (their `MODEL_CARD.md`); collected labels are your own.',
    '',
  ].join('\n');
}

export async function retrain(o: RetrainOptions): Promise<Decision> {
  const started = performance.now();
  const now = o.now ?? new Date();
  const family = { linear: 'linear-tfidf', transformer: 'minilm-l6-int8-static', cascade: 'cascade' }[o.kind];
  const version = `${family}-retrained-${stamp(now)}`;
  const candidateDir = join(o.modelsDir, version);
  // A cascade keeps the live cascade's later stages and its rule for the last threshold, read before
  // training so that a cascade this cannot retrain fails at once.
  const cascade = o.kind === 'cascade' ? await cascadePlanOf(await liveModelDir(o.modelsDir, o.defaultLiveDir)) : undefined;
  if (o.deep && !cascade) throw new Error('--deep retrains a cascade\'s middle stage: it needs --kind cascade');
  const middle = o.deep && cascade ? await readManifest(join(cascade.kept[0]!.dir, 'manifest.json')) : undefined;
  if (middle && middle.kind !== 'transformer') throw new Error(`--deep: the cascade's middle stage ${middle.version} is not a transformer`);
  const middleRecipe = middle?.kind === 'transformer' ? transformerRecipe(middle) : undefined;
  await mkdir(candidateDir, { recursive: true });

  const { rows, conflicting } = labelsForTraining(o.labels);
  const labelsPath = join(candidateDir, 'collected-labels.csv');
  await writeFile(labelsPath, ['text,label', ...rows.map((r) => `${csvField(r.text)},${r.label}`)].join('\n') + '\n');

  // A cascade's candidate is its manifest; the retrained gate is a model directory of its own beside it.
  const trainedDir = o.kind === 'cascade' ? join(o.modelsDir, `linear-gate-retrained-${stamp(now)}`) : candidateDir;
  const trainedVersion = basename(trainedDir);
  await mkdir(trainedDir, { recursive: true });
  const reportPath = join(trainedDir, 'training-report.json');
  const python = o.python ?? join(repoRoot, 'training', '.venv', 'bin', 'python');
  const linearArgs = ['training/train_linear.py', '--data-dir', o.dataDir, '--model-dir', trainedDir, '--version', trainedVersion, '--no-fixture', '--extra-labels', labelsPath, '--report', reportPath];
  const args =
    o.kind === 'transformer'
      ? // ~36 min on two cores (training/README.md); its work dir is the candidate's own, not the shared cache.
        ['training/train_transformer.py', '--data-dir', o.dataDir, '--model-dir', candidateDir, '--work-dir', join(candidateDir, '.work'), '--version', version, '--no-fixture', '--extra-labels', labelsPath]
      : o.kind === 'cascade'
        ? // The gate's own recipe (training/README.md): the fallback's features, fit on the training split only,
          // so that validation is text it never saw when its threshold is chosen.
          [...linearArgs, '--fixed', '--no-refit']
        : linearArgs;
  // --fixed is train_linear.py's (the shipped features and C); the transformer has no grid.
  if (o.fixed && o.kind === 'linear') args.push('--fixed');
  if (o.trainLimit !== undefined) args.push(o.kind === 'transformer' ? '--limit' : '--train-limit', String(o.trainLimit));
  const trainStarted = performance.now();
  const onOutput = o.onTrainerOutput ?? ((c: Buffer) => process.stderr.write(c));
  await run(python, args, onOutput);
  // --deep: the middle stage by its own recorded recipe, the same labels joining its training split
  // (30-60 min on two cores). Its work dir is its own, not the shared cache.
  let middleDir: string | undefined;
  if (middleRecipe) {
    middleDir = join(o.modelsDir, `${middleRecipe.base}-retrained-${stamp(now)}`);
    const middleArgs = ['training/train_transformer.py', ...middleRecipe.args, '--data-dir', o.dataDir, '--model-dir', middleDir, '--work-dir', join(middleDir, '.work'), '--version', basename(middleDir), '--no-fixture', '--extra-labels', labelsPath];
    if (o.trainLimit !== undefined) middleArgs.push('--limit', String(o.trainLimit));
    await run(python, middleArgs, onOutput);
  }
  const trainSeconds = (performance.now() - trainStarted) / 1000;
  // Both trainers write training-report.json with dataSizes beside the model (for a cascade, the gate).
  const report: unknown = JSON.parse(await readFile(reportPath, 'utf8'));
  const dataSizes = report && typeof report === 'object' && 'dataSizes' in report ? report.dataSizes : undefined;

  if (cascade) {
    const stages: StageDir[] = [{ dir: trainedDir }];
    for (const [k, st] of cascade.kept.entries()) {
      stages.push({ dir: k === 0 && middleDir ? middleDir : await placeStage(o.modelsDir, st.dir), answerAt: st.answerAt });
    }
    const manifest = await buildCascade({ dataDir: o.dataDir, stages, ...cascade.rule, version });
    await writeFile(join(candidateDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const used = z.object({ collectedLabels: z.object({ used: z.number(), droppedInHeldOut: z.number() }) }).safeParse(dataSizes).data?.collectedLabels;
    await writeFile(
      join(candidateDir, 'MODEL_CARD.md'),
      cascadeCard(manifest, { gateVersion: trainedVersion, middle: middleDir && middleRecipe ? { version: basename(middleDir), recipe: middleRecipe.args } : undefined, labels: used ?? { used: rows.length, droppedInHeldOut: 0 }, trainSeconds }),
    );
  }

  const pointerPath = livePointerPath(o.modelsDir);
  const pointer = await readLivePointer(pointerPath);
  const liveDir = pointer ? resolvePointerDir(pointerPath, pointer.modelDir) : o.defaultLiveDir;

  // Both models on the same frozen test split and Surge half through the same serving code: figures comparable.
  const evalStarted = performance.now();
  const { test } = await loadFrozenSplit(o.dataDir);
  const surge = await loadSurgeHeldOut(o.dataDir);
  const figures = async (dir: string) => {
    const model = await loadSentimentModel(dir);
    try {
      const crypto = cryptoMetrics(surge.truth, await probabilitiesOf(model, surge.texts));
      return gateFiguresOf(model.version, await metricsOn(model, test), crypto);
    } finally {
      await model.close();
    }
  };
  const candidate = await figures(candidateDir);
  const live = await figures(liveDir);
  const evaluateSeconds = (performance.now() - evalStarted) / 1000;
  const gate = applyGate(candidate, live, o.tolerance, o.cryptoTolerance);

  let action: Decision['action'] = gate.promote ? 'recorded' : 'refused';
  const rel = relative(o.modelsDir, candidateDir);
  if (gate.promote && o.mode === 'promote') {
    // A promoted candidate stops being a shadow of itself; another shadow stays.
    const keepShadow = pointer?.shadowModelDir && resolvePointerDir(pointerPath, pointer.shadowModelDir) !== candidateDir ? { shadowModelDir: pointer.shadowModelDir } : {};
    await writeLivePointer(pointerPath, { v: 1, modelDir: rel, version: candidate.version, promotedAt: new Date().toISOString(), ...keepShadow });
    action = 'promoted';
  } else if (gate.promote && o.mode === 'shadow') {
    await writeLivePointer(pointerPath, {
      v: 1,
      modelDir: pointer?.modelDir ?? liveDir,
      version: pointer?.version ?? live.version,
      promotedAt: pointer?.promotedAt ?? new Date().toISOString(),
      shadowModelDir: rel,
    });
    action = 'shadowed';
  }

  const decision: Decision = {
    v: 1,
    decidedAt: new Date().toISOString(),
    candidateDir,
    liveDir,
    kind: o.kind,
    mode: o.mode,
    gate,
    action,
    labels: { collected: o.labels.length, items: rows.length, conflicting },
    dataSizes,
    seconds: { train: round1(trainSeconds), evaluate: round1(evaluateSeconds), total: round1((performance.now() - started) / 1000) },
  };
  await writeFile(join(candidateDir, 'decision.json'), `${JSON.stringify(decision, null, 2)}\n`);
  await appendFile(join(candidateDir, 'MODEL_CARD.md'), decisionSection(decision));
  return decision;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The gate's figures as a section of the candidate's model card. */
export function decisionSection(d: Decision): string {
  const { candidate, live } = d.gate;
  const row = (name: string, c: number, l: number) => `| ${name} | ${c.toFixed(4)} | ${l.toFixed(4)} | ${(c - l >= 0 ? '+' : '') + (c - l).toFixed(4)} |`;
  return [
    '',
    `## Promotion gate (${basename(d.candidateDir)})`,
    '',
    `Frozen tfns test split, tolerance ${d.gate.tolerance}${d.gate.cryptoTolerance !== undefined ? `; Surge held-out half, tolerance ${d.gate.cryptoTolerance}` : ''}: **${d.gate.promote ? 'passed' : 'refused'}** → ${d.action}.`,
    `Collected labels: ${d.labels.collected} (${d.labels.items} items used, ${d.labels.conflicting} tied). Training ${d.seconds.train} s, evaluation ${d.seconds.evaluate} s.`,
    '',
    `| figure | candidate (${candidate.version}) | live (${live.version}) | Δ |`,
    '|---|---|---|---|',
    row('macro-F1', candidate.macroF1, live.macroF1),
    row('negative recall', candidate.recall.negative, live.recall.negative),
    row('neutral recall', candidate.recall.neutral, live.recall.neutral),
    row('positive recall', candidate.recall.positive, live.recall.positive),
    ...(candidate.cryptoMacroF1 !== undefined && live.cryptoMacroF1 !== undefined ? [row('crypto macro-F1 (Surge held-out, neg vs pos)', candidate.cryptoMacroF1, live.cryptoMacroF1)] : []),
    ...(d.gate.reasons.length ? ['', ...d.gate.reasons.map((r) => `- ${r}`)] : []),
    '',
  ].join('\n');
}
