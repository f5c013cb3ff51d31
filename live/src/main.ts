// Runs the live gateway alone (distributed mode): config, ClickHouse, a consumer group per replica, HTTP.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { createLogger } from '@barometer/runtime/logger';
import { createKafka, ensureTopics } from '@barometer/runtime/kafka';
import { installShutdown } from '@barometer/runtime/shutdown';
import { ConfigError, resolveUserPath } from '@barometer/runtime/config';
import { clickHouseTargetOf, createClickHouse } from '@barometer/analytics/client';
import { migrate } from '@barometer/analytics/migrate';
import { TOPICS } from '@barometer/schemas/kafka';
import { createLive } from './live.ts';
import { loadLiveConfig } from './config.ts';

async function main(): Promise<void> {
  const config = loadLiveConfig();
  const log = createLogger({ level: config.LOG_LEVEL, name: 'live' });
  if (!config.KAFKA_BROKERS) throw new ConfigError('KAFKA_BROKERS is required when live runs on its own');
  const clickhouse = createClickHouse(clickHouseTargetOf(config, resolveUserPath(config.BAROMETER_DATA_DIR)));
  await migrate(clickhouse, log);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'barometer-live', log });
  await ensureTopics(kafka, TOPICS, log);
  // Each replica reads every scored item itself, so replicas fan out without a shared socket.io adapter.
  const consumer = kafka.consumer({ groupId: `barometer-live-${hostname()}-${randomUUID().slice(0, 8)}` });
  await consumer.connect();
  const live = await createLive({ clickhouse, consumer, scoredTopic: TOPICS.scored, log, staticDir: config.BAROMETER_STATIC_DIR });
  await live.start({ port: config.PORT, host: config.HOST });
  installShutdown(
    [
      { name: 'live gateway', run: () => live.stop() },
      { name: 'clickhouse', run: () => clickhouse.close() },
    ],
    log,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
