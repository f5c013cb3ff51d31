// The live gateway service: reads the scored topic with a consumer group of its own (so every replica
// sees every item and replicas need no shared socket.io adapter), keeps per-room feeds, and serves
// REST, socket.io and /metrics; also keeps the latest source health from the compacted sources topic.
import type { Kafka } from 'kafkajs';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ScoredItem } from '@barometer/schemas/items';
import { buildApp, type LiveApp, type LiveSocketServer } from './app.ts';
import { DEFAULT_SAMPLER_SETTINGS, type HttpSettings, type SamplerSettings } from './config.ts';
import { createDriftMonitor } from './drift-monitor.ts';
import { createLabelSampler } from './label-sampler.ts';
import { createGatewayMetrics } from './gateway-metrics.ts';
import type { Scorer } from './score-route.ts';
import { createSocketGateway } from './socket-gateway.ts';
import { createSourcesHealth } from './sources-health.ts';

export type { Scorer } from './score-route.ts';
export type { HttpSettings, SamplerSettings } from './config.ts';

export interface LiveDeps {
  clickhouse: ClickHouseClient;
  kafka: Kafka;
  topics: { scored: string; sources: string };
  /**
   * Unique to this replica (e.g. host name + random suffix): each replica must read every scored item
   * and the whole sources table itself. `-sources` is appended for the second consumer.
   */
  groupId: string;
  log: Logger;
  /** The process's Prometheus registry: the gateway registers its metrics on it and serves it at /metrics. */
  metrics: Registry;
  scorer?: Scorer;
  http?: Partial<HttpSettings>;
  staticDir?: string;
  /** Least time between two `sentiment:tick` events of one room. */
  tickIntervalMs?: number;
  /** Full reload period of a room: picks up the window sliding and late-arriving items. */
  reloadIntervalMs?: number;
  /** The labeling sampler's schedule; it runs only with a label token (`http.labelToken`) and `enabled`. */
  sampler?: SamplerSettings;
  /** Time between drift checks (default hourly). */
  driftIntervalMs?: number;
}

export interface Live {
  readonly app: LiveApp;
  readonly io: LiveSocketServer;
  start(listen: { port: number; host: string }): Promise<string>;
  stop(): Promise<void>;
}

export async function createLive(deps: LiveDeps): Promise<Live> {
  const log = deps.log.child({ component: 'live' });
  const consumer = deps.kafka.consumer({ groupId: deps.groupId });
  const sources = createSourcesHealth({ consumer: deps.kafka.consumer({ groupId: `${deps.groupId}-sources` }), topic: deps.topics.sources, log });
  let consumerRunning = false;
  const samplerSettings = deps.sampler ?? DEFAULT_SAMPLER_SETTINGS;
  const sampler = createLabelSampler({ ...samplerSettings, clickhouse: deps.clickhouse, log: deps.log });
  const runSampler = samplerSettings.enabled && Boolean(deps.http?.labelToken);
  const drift = createDriftMonitor({
    clickhouse: deps.clickhouse,
    registry: deps.metrics,
    log: deps.log,
    intervalMs: deps.driftIntervalMs ?? 3_600_000,
    // Each replica checks for itself and tells its own clients.
    onAlert: (alert) => io.emit('drift:alert', alert),
  });
  const { app, io } = await buildApp({
    clickhouse: deps.clickhouse,
    log: deps.log,
    metrics: deps.metrics,
    sources: () => sources.list(),
    scorer: deps.scorer,
    http: deps.http,
    staticDir: deps.staticDir,
    healthChecks: () => ({ kafka: consumerRunning ? 'ok' : 'not consuming' }),
    drift,
    sampleLabels: sampler.run,
  });
  // The gauges are read at scrape time, after `gateway` below exists.
  const metrics = createGatewayMetrics(deps.metrics, { clients: () => io.engine.clientsCount, rooms: () => gateway.roomCount() });
  const gateway = createSocketGateway({
    io,
    clickhouse: deps.clickhouse,
    log: deps.log,
    metrics,
    tickIntervalMs: deps.tickIntervalMs,
    reloadIntervalMs: deps.reloadIntervalMs,
  });

  return {
    app,
    io,
    async start(listen) {
      await gateway.start();
      await consumer.connect();
      // Resolve start() only once the group is joined: a "latest" reader that is not yet assigned
      // would silently skip what is scored meanwhile.
      const joined = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('live consumer did not join its group within 60 s')), 60_000);
        const off = consumer.on(consumer.events.GROUP_JOIN, () => {
          clearTimeout(timer);
          off();
          resolve();
        });
      });
      await consumer.subscribe({ topic: deps.topics.scored, fromBeginning: false });
      await consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            let json: unknown;
            try {
              json = JSON.parse(m.value?.toString('utf8') ?? 'null');
            } catch {
              json = undefined;
            }
            const parsed = ScoredItem.safeParse(json);
            if (!parsed.success) {
              // Scoring validated it on the way in; a bad message here is someone else's producer.
              log.warn({ partition: batch.partition, offset: m.offset }, 'ignored invalid scored message');
              continue;
            }
            gateway.publish(parsed.data);
          }
          metrics.consumerLag.set({ partition: String(batch.partition) }, Number(batch.offsetLag()));
        },
      });
      // The sources table is not needed to serve; it fills in while the gateway already runs.
      const sourcesStarted = sources.start().catch((err: unknown) => log.error({ err }, 'sources health reader failed to start'));
      await joined;
      await sourcesStarted;
      consumerRunning = true;
      drift.start();
      if (runSampler) sampler.start();
      const address = await app.listen(listen);
      log.info({ address }, 'live gateway listening');
      return address;
    },
    async stop() {
      consumerRunning = false;
      await Promise.all([drift.stop(), sampler.stop()]);
      await gateway.stop();
      await Promise.all([consumer.disconnect(), sources.stop()]);
      await app.close();
    },
  };
}
