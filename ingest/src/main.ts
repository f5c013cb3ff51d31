// Runs the ingest service alone (distributed mode): config, logger, Kafka producer, then the poll loop.
import { createLogger } from '@barometer/runtime/logger';
import { createKafka, createProducer, ensureTopics } from '@barometer/runtime/kafka';
import { installShutdown } from '@barometer/runtime/shutdown';
import { ConfigError } from '@barometer/runtime/config';
import { TOPICS } from '@barometer/schemas/kafka';
import { createIngest } from './ingest.ts';
import { loadIngestConfig } from './config.ts';

async function main(): Promise<void> {
  const config = loadIngestConfig();
  const log = createLogger({ level: config.LOG_LEVEL, name: 'ingest' });
  if (!config.KAFKA_BROKERS) throw new ConfigError('KAFKA_BROKERS is required when ingest runs on its own');
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'barometer-ingest', log });
  await ensureTopics(kafka, TOPICS, log);
  const producer = createProducer(kafka);
  await producer.connect();
  const ingest = createIngest({
    producer,
    rawTopic: TOPICS.raw,
    feeds: config.feeds,
    log,
    pollIntervalMs: config.BAROMETER_POLL_INTERVAL_S * 1000,
    fetchTimeoutMs: config.BAROMETER_FEED_TIMEOUT_S * 1000,
  });
  await ingest.start();
  installShutdown(
    [
      { name: 'ingest', run: () => ingest.stop() },
      { name: 'kafka producer', run: () => producer.disconnect() },
    ],
    log,
  );
}

main().catch((err: unknown) => {
  // The logger may not exist yet (bad config), so report on stderr and exit non-zero.
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
