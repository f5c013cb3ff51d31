// One retraining run: collected labels + the base data → a candidate model directory (trained by
// training/train_linear.py or train_transformer.py), evaluated on the frozen test split through the
// serving code, gated against the live model, the decision recorded beside it and, if it passes, the
// live.json pointer moved to it. `npm run train` (train-cli.ts) is the command; tests call this.
import { spawn } from 'node:child_process';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { LabeledText } from '@barometer/schemas/api';
import { parseCsv } from '@barometer/analytics/labeling';
import { applyGate, gateFiguresOf, GateResult } from './model-gate.ts';
import { cryptoMetrics } from './eval-metrics.ts';
import { loadFrozenSplit, loadSurgeHeldOut, metricsOn, probabilitiesOf } from './frozen-split.ts';
import { readLivePointer, writeLivePointer, livePointerPath, resolvePointerDir } from './live-pointer.ts';
import { loadSentimentModel } from './sentiment-model.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface RetrainOptions {
  /** Candidates and live.json live here. */
  modelsDir: string;
  /** The live model when live.json does not exist yet. */
  defaultLiveDir: string;
  /** shared/data: tfns, surge-crypto. */
  dataDir: string;
  labels: readonly LabeledText[];
  kind: 'linear' | 'transformer';
  tolerance: number;
  /** The same for negative-vs-positive macro-F1 on the Surge held-out half (a smaller, noisier set). */
  cryptoTolerance: number;
  /** promote: move live.json on a pass; shadow: point live.json's shadow at it; evaluate: record only. */
  mode: 'promote' | 'shadow' | 'evaluate';
  python?: string;
  /** Smoke runs: fewer training rows, no grid. */
  trainLimit?: number;
  fixed?: boolean;
  now?: Date;
  /** Where the trainer's own output goes (stderr by default). */
  onTrainerOutput?: (chunk: Buffer) => void;
}

export const Decision = z.object({
  v: z.literal(1),
  decidedAt: z.string(),
  candidateDir: z.string(),
  liveDir: z.string(),
  kind: z.enum(['linear', 'transformer']),
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

export async function retrain(o: RetrainOptions): Promise<Decision> {
  const started = performance.now();
  const now = o.now ?? new Date();
  const version = `${o.kind === 'linear' ? 'linear-tfidf' : 'minilm-l6-int8-static'}-retrained-${stamp(now)}`;
  const candidateDir = join(o.modelsDir, version);
  await mkdir(candidateDir, { recursive: true });

  const { rows, conflicting } = labelsForTraining(o.labels);
  const labelsPath = join(candidateDir, 'collected-labels.csv');
  await writeFile(labelsPath, ['text,label', ...rows.map((r) => `${csvField(r.text)},${r.label}`)].join('\n') + '\n');

  const reportPath = join(candidateDir, 'training-report.json');
  const python = o.python ?? join(repoRoot, 'training', '.venv', 'bin', 'python');
  const args =
    o.kind === 'linear'
      ? ['training/train_linear.py', '--data-dir', o.dataDir, '--model-dir', candidateDir, '--version', version, '--no-fixture', '--extra-labels', labelsPath, '--report', reportPath]
      : // ~36 min on two cores (training/README.md); its work dir is the candidate's own, not the shared cache.
        ['training/train_transformer.py', '--data-dir', o.dataDir, '--model-dir', candidateDir, '--work-dir', join(candidateDir, '.work'), '--version', version, '--no-fixture', '--extra-labels', labelsPath];
  // --fixed is train_linear.py's (the shipped features and C); the transformer has no grid.
  if (o.fixed && o.kind === 'linear') args.push('--fixed');
  if (o.trainLimit !== undefined) args.push(o.kind === 'linear' ? '--train-limit' : '--limit', String(o.trainLimit));
  const trainStarted = performance.now();
  await run(python, args, o.onTrainerOutput ?? ((c) => process.stderr.write(c)));
  const trainSeconds = (performance.now() - trainStarted) / 1000;

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

  // Both trainers write training-report.json with dataSizes beside the model.
  const report: unknown = JSON.parse(await readFile(reportPath, 'utf8'));
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
    dataSizes: report && typeof report === 'object' && 'dataSizes' in report ? report.dataSizes : undefined,
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
