// `npm run train`: retrains from the base data plus the labels collected in ClickHouse (or an export),
// gates the candidate against the live model and records the decision (decision.json beside the
// candidate, a row in barometer.model_decisions). See training/README.md, "Retraining".
// Usage: npm run train [-- --kind linear|transformer|cascade] [--mode promote|shadow|evaluate] [--labels FILE]
//        [--no-clickhouse] [--fixed] [--deep] [--train-limit N] [--data-dir DIR]
// Without --kind it retrains the live model's kind: a cascade's gate when a cascade is live, else the linear model.
// --deep (with a cascade): also its middle stage, e5, by the recipe its manifest records (30-60 min on two cores).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { LabeledText } from '@barometer/schemas/api';
import { createLogger } from '@barometer/runtime/logger';
import { resolveUserPath } from '@barometer/runtime/config';
import { clickHouseTargetOf, createClickHouse, type ClickHouseClient } from '@barometer/analytics/client';
import { migrate } from '@barometer/analytics/migrate';
import { queryLabeledTexts } from '@barometer/analytics/labeling';
import { insertModelDecision } from '@barometer/analytics/model-decisions';
import { loadScoringConfig } from './config.ts';
import { defaultDataDir } from './frozen-split.ts';
import { defaultKindFor, liveModelDir, parseLabelExport, RetrainKind, retrain } from './retrain.ts';
import { defaultModelDir } from './sentiment-model.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      kind: { type: 'string' },
      mode: { type: 'string', default: 'promote' },
      labels: { type: 'string' },
      'no-clickhouse': { type: 'boolean', default: false },
      fixed: { type: 'boolean', default: false },
      deep: { type: 'boolean', default: false },
      'train-limit': { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  const config = loadScoringConfig();
  const log = createLogger({ level: config.LOG_LEVEL, name: 'train', to: 'stderr' });
  const mode = z.enum(['promote', 'shadow', 'evaluate']).parse(values.mode);
  const modelsDir = resolveUserPath(config.BAROMETER_MODELS_DIR ?? `${config.BAROMETER_DATA_DIR}/models`);
  const defaultLiveDir = config.BAROMETER_MODEL_DIR ? resolveUserPath(config.BAROMETER_MODEL_DIR) : defaultModelDir;
  const kind = values.kind === undefined ? await defaultKindFor(await liveModelDir(modelsDir, defaultLiveDir)) : RetrainKind.parse(values.kind);
  const labelsFile = values.labels ?? config.BAROMETER_LABELS_FILE;

  // In embedded mode chDB's data dir belongs to one process: with Barometer running, open fails and
  // the run goes on without collected labels (export them with the labeling API and pass --labels).
  let clickhouse: ClickHouseClient | undefined;
  if (!values['no-clickhouse']) {
    try {
      clickhouse = createClickHouse(clickHouseTargetOf(config, resolveUserPath(config.BAROMETER_DATA_DIR)));
      await migrate(clickhouse, log);
    } catch (err) {
      log.warn({ err }, 'ClickHouse not reachable (embedded data dir held by a running Barometer?): no labels from it, decision recorded in decision.json only');
      clickhouse = undefined;
    }
  }
  let labels: LabeledText[] = [];
  if (labelsFile) labels = parseLabelExport(await readFile(resolveUserPath(labelsFile), 'utf8'));
  else if (clickhouse) labels = await queryLabeledTexts(clickhouse);
  log.info({ labels: labels.length, from: labelsFile ?? (clickhouse ? 'clickhouse' : 'none'), kind, modelsDir }, 'retraining');

  const decision = await retrain({
    modelsDir,
    defaultLiveDir,
    dataDir: values['data-dir'] ? resolveUserPath(values['data-dir']) : defaultDataDir,
    labels,
    kind,
    mode,
    tolerance: config.BAROMETER_GATE_TOLERANCE,
    cryptoTolerance: config.BAROMETER_GATE_CRYPTO_TOLERANCE,
    fixed: values.fixed,
    deep: values.deep,
    ...(values['train-limit'] ? { trainLimit: Number(values['train-limit']) } : {}),
  });
  if (clickhouse) {
    try {
      await insertModelDecision(clickhouse, {
        decided_at: decision.decidedAt,
        candidate_version: decision.gate.candidate.version,
        live_version: decision.gate.live.version,
        promoted: decision.action === 'promoted' ? 1 : 0,
        tolerance: decision.gate.tolerance,
        candidate_macro_f1: decision.gate.candidate.macroF1,
        live_macro_f1: decision.gate.live.macroF1,
        reasons: decision.gate.reasons,
        candidate_dir: decision.candidateDir,
        decision: JSON.stringify(decision),
      });
    } catch (err) {
      log.warn({ err }, 'decision not recorded in ClickHouse (decision.json has it)');
    }
    await clickhouse.close();
  }
  process.stdout.write(`${JSON.stringify(decision, null, 2)}\n`);
  log.info(
    { action: decision.action, candidate: decision.gate.candidate.macroF1, live: decision.gate.live.macroF1, reasons: decision.gate.reasons, seconds: decision.seconds },
    `candidate ${decision.gate.candidate.version}: ${decision.action}`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
