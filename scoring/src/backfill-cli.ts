// `npm run backfill -- --from ISO --to ISO [--model DIR]`: re-scores the items published in [from, to)
// from ClickHouse under one model (default: the live.json pointer's, else the configured model), as
// shadow rows of that version: compare versions with querySentiment / queryHistory `modelVersion`.
// Idempotent: what the version already scored is skipped. In embedded mode stop Barometer first (chDB).
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createLogger } from '@barometer/runtime/logger';
import { resolveUserPath } from '@barometer/runtime/config';
import { clickHouseTargetOf, createClickHouse } from '@barometer/analytics/client';
import { migrate } from '@barometer/analytics/migrate';
import { backfillRange } from './backfill.ts';
import { loadScoringConfig } from './config.ts';
import { livePointerPath, startModelDirs } from './live-pointer.ts';
import { defaultModelDir, loadSentimentModel } from './sentiment-model.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, model: { type: 'string' }, batch: { type: 'string', default: '256' } } });
  const from = z.iso.datetime({ offset: true }).parse(values.from);
  const to = z.iso.datetime({ offset: true }).parse(values.to);
  const config = loadScoringConfig();
  const log = createLogger({ level: config.LOG_LEVEL, name: 'backfill' });
  const dir = values.model
    ? resolveUserPath(values.model)
    : (
        await startModelDirs({
          pointerPath: livePointerPath(resolveUserPath(config.BAROMETER_MODELS_DIR ?? `${config.BAROMETER_DATA_DIR}/models`)),
          modelDir: config.BAROMETER_MODEL_DIR ? resolveUserPath(config.BAROMETER_MODEL_DIR) : defaultModelDir,
        })
      ).live;
  const clickhouse = createClickHouse(clickHouseTargetOf(config, resolveUserPath(config.BAROMETER_DATA_DIR)));
  await migrate(clickhouse, log);
  const model = await loadSentimentModel(dir, { intraOpNumThreads: config.BAROMETER_ONNX_THREADS });
  try {
    const started = performance.now();
    const r = await backfillRange(clickhouse, model, { from: new Date(from), to: new Date(to), batchSize: Number(values.batch), log });
    log.info({ model: model.version, ...r, seconds: Math.round((performance.now() - started) / 100) / 10 }, 'backfill done (shadow rows; the index is unchanged)');
  } finally {
    await model.close();
    await clickhouse.close();
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
