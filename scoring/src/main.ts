// Runs the scoring service alone (distributed mode): config, clients, model, migrations, consumer.
import { createLogger } from '@barometer/runtime/logger';
import { createKafka, createProducer, ensureTopics } from '@barometer/runtime/kafka';
import { installShutdown } from '@barometer/runtime/shutdown';
import { createMetricsRegistry } from '@barometer/runtime/metrics';
import { createMetricsServer } from '@barometer/runtime/metrics-server';
import { ConfigError, resolveUserPath } from '@barometer/runtime/config';
import { clickHouseTargetOf, createClickHouse } from '@barometer/analytics/client';
import { migrate } from '@barometer/analytics/migrate';
import { TOPICS } from '@barometer/schemas/kafka';
import { createScoring } from './scoring.ts';
import { loadScoringConfig } from './config.ts';
import { defaultModelDir, loadSentimentModel } from './sentiment-model.ts';
import { int8SpeedNotice } from './cpu.ts';
import { followLivePointer, livePointerPath, startModelDirs } from './live-pointer.ts';

async function main(): Promise<void> {
  const config = loadScoringConfig();
  const log = createLogger({ level: config.LOG_LEVEL, name: 'scoring' });
  if (!config.KAFKA_BROKERS) throw new ConfigError('KAFKA_BROKERS is required when scoring runs on its own');
  const clickhouse = createClickHouse(clickHouseTargetOf(config, resolveUserPath(config.BAROMETER_DATA_DIR)));
  await migrate(clickhouse, log, { retentionDays: config.BAROMETER_RETENTION_DAYS, rollupRetentionDays: config.BAROMETER_ROLLUP_RETENTION_DAYS });
  const registry = createMetricsRegistry({ service: 'scoring' });
  const load = (dir: string) => loadSentimentModel(dir, { intraOpNumThreads: config.BAROMETER_ONNX_THREADS });
  // live.json (written by `npm run train` on promotion) overrides BAROMETER_MODEL_DIR and is followed.
  const pointerPath = livePointerPath(resolveUserPath(config.BAROMETER_MODELS_DIR ?? `${config.BAROMETER_DATA_DIR}/models`));
  const dirs = await startModelDirs({
    pointerPath,
    modelDir: config.BAROMETER_MODEL_DIR ? resolveUserPath(config.BAROMETER_MODEL_DIR) : defaultModelDir,
    shadowModelDir: config.BAROMETER_SHADOW_MODEL_DIR ? resolveUserPath(config.BAROMETER_SHADOW_MODEL_DIR) : undefined,
  });
  const model = await load(dirs.live);
  const shadowModel = dirs.shadow ? await load(dirs.shadow) : undefined;
  log.info({ model: model.version, kind: model.manifest.kind, shadow: shadowModel?.version, pointerPath }, 'sentiment model loaded');
  // Said at start, where a capacity plan made from the model card's VNNI figures would go wrong.
  const cpuNotice = model.manifest.kind === 'linear' ? undefined : int8SpeedNotice();
  if (cpuNotice) log.warn({ model: model.version }, cpuNotice);
  for (const notice of model.notices) log.warn({ model: model.version }, notice);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'barometer-scoring', log });
  await ensureTopics(kafka, TOPICS, log);
  const producer = createProducer(kafka);
  await producer.connect();
  // A member that neither fetches nor heartbeats for 2 × its session timeout is replaced (consumer-watchdog.ts).
  const sessionTimeout = 30_000;
  const newConsumer = () => kafka.consumer({ groupId: config.BAROMETER_SCORING_GROUP, sessionTimeout });
  const consumer = newConsumer();
  await consumer.connect();
  const scoring = createScoring({
    consumer,
    producer,
    clickhouse,
    model,
    topics: TOPICS,
    log,
    maxBatchSize: config.BAROMETER_SCORING_BATCH,
    restartConsumer: { create: newConsumer, stuckAfterMs: 2 * sessionTimeout },
    metrics: registry,
    ...(shadowModel ? { shadowModel } : {}),
  });
  await scoring.start();
  const follower = followLivePointer({ path: pointerPath, scoring, load, log, initial: { live: dirs.live, ...(dirs.shadow ? { shadow: dirs.shadow } : {}) } });
  const metricsServer = createMetricsServer({ registry, health: () => ({ status: 'ok', model: scoring.models().live.version }), log });
  const metricsPort = await metricsServer.start({ port: config.BAROMETER_SCORING_METRICS_PORT });
  log.info({ metricsPort }, 'scoring metrics served');
  installShutdown(
    [
      { name: 'live pointer', run: () => follower.stop() },
      { name: 'scoring consumer', run: () => scoring.stop() },
      { name: 'metrics server', run: () => metricsServer.stop() },
      { name: 'kafka producer', run: () => producer.disconnect() },
      { name: 'clickhouse', run: () => clickhouse.close() },
      { name: 'onnx sessions', run: async () => {
        const { live, shadow } = scoring.models();
        await live.close();
        await shadow?.close();
      } },
    ],
    log,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
