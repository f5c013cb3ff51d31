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

async function main(): Promise<void> {
  const config = loadScoringConfig();
  const log = createLogger({ level: config.LOG_LEVEL, name: 'scoring' });
  if (!config.KAFKA_BROKERS) throw new ConfigError('KAFKA_BROKERS is required when scoring runs on its own');
  const clickhouse = createClickHouse(clickHouseTargetOf(config, resolveUserPath(config.BAROMETER_DATA_DIR)));
  await migrate(clickhouse, log, { retentionDays: config.BAROMETER_RETENTION_DAYS, rollupRetentionDays: config.BAROMETER_ROLLUP_RETENTION_DAYS });
  const registry = createMetricsRegistry({ service: 'scoring' });
  const model = await loadSentimentModel(config.BAROMETER_MODEL_DIR ? resolveUserPath(config.BAROMETER_MODEL_DIR) : defaultModelDir, { intraOpNumThreads: config.BAROMETER_ONNX_THREADS });
  log.info({ model: model.version, kind: model.manifest.kind }, 'sentiment model loaded');
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
  });
  await scoring.start();
  const metricsServer = createMetricsServer({ registry, health: () => ({ status: 'ok', model: model.version }), log });
  const metricsPort = await metricsServer.start({ port: config.BAROMETER_SCORING_METRICS_PORT });
  log.info({ metricsPort }, 'scoring metrics served');
  installShutdown(
    [
      { name: 'scoring consumer', run: () => scoring.stop() },
      { name: 'metrics server', run: () => metricsServer.stop() },
      { name: 'kafka producer', run: () => producer.disconnect() },
      { name: 'clickhouse', run: () => clickhouse.close() },
      { name: 'onnx session', run: () => model.close() },
    ],
    log,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
