// Runs the live gateway alone (distributed mode): config, ClickHouse, Kafka, the sentiment model for
// POST /api/v1/score, consumer groups of this replica's own, HTTP.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { createLogger } from '@barometer/runtime/logger';
import { createKafka, ensureTopics } from '@barometer/runtime/kafka';
import { installShutdown } from '@barometer/runtime/shutdown';
import { createMetricsRegistry } from '@barometer/runtime/metrics';
import { ConfigError, resolveUserPath } from '@barometer/runtime/config';
import { clickHouseTargetOf, createClickHouse } from '@barometer/analytics/client';
import { migrate } from '@barometer/analytics/migrate';
// Only this composition root reaches into scoring: the gateway itself takes any `{ version, scoreBatch }`.
import { defaultModelDir, loadSentimentModel } from '@barometer/scoring/model';
import { TOPICS } from '@barometer/schemas/kafka';
import { createLive } from './live.ts';
import { httpSettingsOf, loadLiveConfig, samplerSettingsOf } from './config.ts';

async function main(): Promise<void> {
  const config = loadLiveConfig();
  const log = createLogger({ level: config.LOG_LEVEL, name: 'live' });
  if (!config.KAFKA_BROKERS) throw new ConfigError('KAFKA_BROKERS is required when live runs on its own');
  const clickhouse = createClickHouse(clickHouseTargetOf(config, resolveUserPath(config.BAROMETER_DATA_DIR)));
  await migrate(clickhouse, log);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'barometer-live', log });
  await ensureTopics(kafka, TOPICS, log);
  // The same model files scoring uses, one thread: the gateway scores a few texts on request only.
  const model = await loadSentimentModel(config.BAROMETER_MODEL_DIR ? resolveUserPath(config.BAROMETER_MODEL_DIR) : defaultModelDir, {
    intraOpNumThreads: 1,
  });
  const live = await createLive({
    clickhouse,
    kafka,
    topics: TOPICS,
    // Each replica reads every scored item itself, so replicas fan out without a shared socket.io adapter.
    groupId: `barometer-live-${hostname()}-${randomUUID().slice(0, 8)}`,
    log,
    metrics: createMetricsRegistry({ service: 'live' }),
    scorer: model,
    http: httpSettingsOf(config),
    staticDir: config.BAROMETER_STATIC_DIR,
    tickIntervalMs: config.BAROMETER_TICK_INTERVAL_MS,
    // Replicas do not coordinate: the sampler is off here unless BAROMETER_LABEL_SAMPLER=true on one of them.
    sampler: samplerSettingsOf(config, false),
    driftIntervalMs: config.BAROMETER_DRIFT_INTERVAL_MIN * 60_000,
  });
  await live.start({ port: config.PORT, host: config.HOST });
  installShutdown(
    [
      { name: 'live gateway', run: () => live.stop() },
      { name: 'onnx session', run: () => model.close() },
      { name: 'clickhouse', run: () => clickhouse.close() },
    ],
    log,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
