// Runs the ingest service alone (distributed mode): config, logger, Kafka producer, the sources and
// the pipeline, and a small /metrics + /healthz server.
import { createLogger } from '@barometer/runtime/logger';
import { createKafka, createProducer, ensureTopics } from '@barometer/runtime/kafka';
import { installShutdown } from '@barometer/runtime/shutdown';
import { ConfigError } from '@barometer/runtime/config';
import { createMetricsRegistry } from '@barometer/runtime/metrics';
import { TOPICS } from '@barometer/schemas/kafka';
import { createIngestFromConfig } from './ingest-from-config.ts';
import { createMetricsServer } from '@barometer/runtime/metrics-server';
import { loadIngestConfig } from './config.ts';

async function main(): Promise<void> {
  const config = loadIngestConfig();
  const log = createLogger({ level: config.LOG_LEVEL, name: 'ingest' });
  if (!config.KAFKA_BROKERS) throw new ConfigError('KAFKA_BROKERS is required when ingest runs on its own');
  const registry = createMetricsRegistry({ service: 'ingest' });
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'barometer-ingest', log });
  await ensureTopics(kafka, TOPICS, log);
  const producer = createProducer(kafka);
  await producer.connect();
  const ingest = createIngestFromConfig(config, { producer, topics: TOPICS, log, metrics: registry });
  const metricsServer = createMetricsServer({
    registry,
    health: () => {
      const enabled = ingest.health().filter((s) => s.status !== 'disabled');
      const failing = enabled.filter((s) => s.status === 'failing').length;
      // One bad feed is normal; only every source failing at once makes ingest degraded.
      return { status: enabled.length > 0 && failing === enabled.length ? 'degraded' : 'ok', sources: enabled.length, failing };
    },
    log,
  });
  const port = await metricsServer.start({ port: config.BAROMETER_INGEST_METRICS_PORT });
  await ingest.start();
  log.info({ feeds: config.feeds.length, metricsPort: port }, 'ingest running');
  installShutdown(
    [
      { name: 'ingest', run: () => ingest.stop() },
      { name: 'kafka producer', run: () => producer.disconnect() },
      { name: 'metrics server', run: () => metricsServer.stop() },
    ],
    log,
  );
}

main().catch((err: unknown) => {
  // The logger may not exist yet (bad config), so report on stderr and exit non-zero.
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
