// `npm start`: the whole of Barometer in one process (embedded mode), stopped cleanly by Ctrl-C.
import path from 'node:path';
import { createLogger } from '@barometer/runtime/logger';
import { installShutdown } from '@barometer/runtime/shutdown';
import { resolveUserPath } from '@barometer/runtime/config';
import { defaultModelDir } from '@barometer/scoring/model';
import { int8SpeedNotice } from '@barometer/scoring/cpu';
import { clickHouseTargetOf } from '@barometer/analytics/client';
import { httpSettingsOf, samplerSettingsOf } from '@barometer/live/config';
import { loadEmbeddedConfig } from './config.ts';
import { startStack } from './stack.ts';

async function main(): Promise<void> {
  const config = loadEmbeddedConfig();
  const log = createLogger({ level: config.live.LOG_LEVEL });
  const { live, scoring, ingest } = config;
  const stack = await startStack({
    log,
    dataDir: config.dataDir,
    kafkaBrokers: live.KAFKA_BROKERS,
    localKafkaPort: config.BAROMETER_KAFKA_PORT,
    clickhouse: clickHouseTargetOf(live, config.dataDir),
    ingest,
    modelDir: scoring.BAROMETER_MODEL_DIR ? resolveUserPath(scoring.BAROMETER_MODEL_DIR) : defaultModelDir,
    modelsDir: resolveUserPath(scoring.BAROMETER_MODELS_DIR ?? path.join(config.dataDir, 'models')),
    ...(scoring.BAROMETER_SHADOW_MODEL_DIR ? { shadowModelDir: resolveUserPath(scoring.BAROMETER_SHADOW_MODEL_DIR) } : {}),
    onnxThreads: scoring.BAROMETER_ONNX_THREADS,
    scoringBatch: scoring.BAROMETER_SCORING_BATCH,
    scoringGroup: scoring.BAROMETER_SCORING_GROUP,
    port: live.PORT,
    host: live.HOST,
    staticDir: live.BAROMETER_STATIC_DIR,
    http: httpSettingsOf(live),
    tickIntervalMs: live.BAROMETER_TICK_INTERVAL_MS,
    // One process, so it runs the labeling sampler unless BAROMETER_LABEL_SAMPLER=false.
    sampler: samplerSettingsOf(live, true),
    driftIntervalMs: live.BAROMETER_DRIFT_INTERVAL_MIN * 60_000,
    retention: { days: live.BAROMETER_RETENTION_DAYS, rollupDays: live.BAROMETER_ROLLUP_RETENTION_DAYS },
  });
  log.info({ dashboard: stack.address.replace('0.0.0.0', 'localhost'), brokers: stack.brokers }, 'Barometer is running, Ctrl-C stops it');
  const cpuNotice = int8SpeedNotice();
  if (cpuNotice) log.warn(cpuNotice);
  installShutdown([{ name: 'barometer', run: async () => void (await stack.stop()) }], log, 40_000);
}

main().catch((err: unknown) => {
  process.stderr.write(`barometer failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
