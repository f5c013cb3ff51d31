// Embedded mode's composition: the local Kafka (unless brokers are given), chDB, and the ingest,
// scoring and live services wired together in one process, with one ordered shutdown.
import path from 'node:path';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { createKafka, createProducer, ensureTopics } from '@barometer/runtime/kafka';
import { runShutdown, type ShutdownStep } from '@barometer/runtime/shutdown';
import { createClickHouse, type ClickHouseClient, type ClickHouseTarget } from '@barometer/analytics/client';
import { migrate } from '@barometer/analytics/migrate';
import { TOPICS, type Topics } from '@barometer/schemas/kafka';
import type { Ingest } from '@barometer/ingest';
import type { IngestConfig } from '@barometer/ingest/config';
import { createIngestFromConfig } from '@barometer/ingest/from-config';
import { createScoring } from '@barometer/scoring';
import { loadSentimentModel, type SentimentModel } from '@barometer/scoring/model';
import { followLivePointer, livePointerPath, startModelDirs } from '@barometer/scoring/live-pointer';
import { createLive, type HttpSettings, type Live, type SamplerSettings } from '@barometer/live';
import { createMetricsRegistry, type Registry } from '@barometer/runtime/metrics';
import { ensureKafkaJars, startLocalKafka } from '@barometer/kafka-local';

export interface StackOptions {
  log: Logger;
  dataDir: string;
  /** Existing brokers; undefined starts a local single-node Kafka under dataDir/kafka. */
  kafkaBrokers?: string[];
  localKafkaPort?: number;
  clickhouse: ClickHouseTarget;
  /** Ingest's parsed settings: feeds, schedule, SSRF allowlist, filters. */
  ingest: IngestConfig;
  modelDir: string;
  /** Retrained candidates and live.json, the promotion pointer (overrides modelDir, followed while running). */
  modelsDir?: string;
  /** A candidate scoring in shadow beside the live model. */
  shadowModelDir?: string;
  onnxThreads: number;
  scoringBatch: number;
  port: number;
  host: string;
  staticDir?: string;
  /** The gateway's CORS allowlist, rate limits and SQL token. */
  http?: Partial<HttpSettings>;
  tickIntervalMs?: number;
  /** The labeling sampler (runs only with `http.labelToken`). */
  sampler?: SamplerSettings;
  driftIntervalMs?: number;
  topics?: Topics;
  scoringGroup?: string;
  /** Days raw rows and rollups are kept (0 = forever); unset leaves the tables' TTL as it is. */
  retention?: { days: number; rollupDays: number };
}

export interface Stack {
  readonly brokers: string[];
  readonly clickhouse: ClickHouseClient;
  readonly ingest: Ingest;
  readonly live: Live;
  /** The one Prometheus registry every service of the process registers on; the gateway serves it at /metrics. */
  readonly metrics: Registry;
  readonly address: string;
  readonly topics: Topics;
  stop(): Promise<boolean>;
}

/** Starts everything in dependency order; if a step fails, what already started is stopped again. */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const { log } = opts;
  const topics = opts.topics ?? TOPICS;
  const undo: ShutdownStep[] = [];
  const stopAll = () => runShutdown([...undo].reverse(), log, 30_000);
  try {
    let brokers = opts.kafkaBrokers;
    if (!brokers) {
      await ensureKafkaJars({ logger: log });
      const kafka = await startLocalKafka({ dataDir: path.join(opts.dataDir, 'kafka'), port: opts.localKafkaPort, logger: log });
      undo.push({ name: 'local kafka', run: () => kafka.stop() });
      brokers = kafka.brokers;
    }

    const clickhouse = createClickHouse(opts.clickhouse);
    undo.push({ name: 'clickhouse', run: () => clickhouse.close() });
    await migrate(clickhouse, log, opts.retention && { retentionDays: opts.retention.days, rollupRetentionDays: opts.retention.rollupDays });

    const load = (dir: string) => loadSentimentModel(dir, { intraOpNumThreads: opts.onnxThreads });
    const pointerPath = opts.modelsDir ? livePointerPath(opts.modelsDir) : undefined;
    const dirs = pointerPath
      ? await startModelDirs({ pointerPath, modelDir: opts.modelDir, shadowModelDir: opts.shadowModelDir })
      : { live: opts.modelDir, shadow: opts.shadowModelDir };
    const model = await load(dirs.live);
    const shadowModel = dirs.shadow ? await load(dirs.shadow) : undefined;
    // Scoring swaps models on promotion; the gateway's scorer follows whichever is live.
    let models = (): { live: SentimentModel; shadow: SentimentModel | undefined } => ({ live: model, shadow: shadowModel });
    const scorer = { get version() { return models().live.version; }, scoreBatch: (texts: readonly string[]) => models().live.scoreBatch(texts) };
    undo.push({ name: 'onnx sessions', run: async () => {
      const { live, shadow } = models();
      await live.close();
      await shadow?.close();
    } });

    const kafka = createKafka({ brokers, clientId: 'barometer', log });
    await ensureTopics(kafka, topics, log);

    const producer = createProducer(kafka);
    await producer.connect();
    undo.push({ name: 'kafka producer', run: () => producer.disconnect() });

    const metrics = createMetricsRegistry({ service: 'barometer' });
    // The gateway scores POST /api/v1/score texts with the same session as the pipeline.
    const live = await createLive({
      clickhouse,
      kafka,
      topics,
      groupId: `barometer-live-${hostname()}-${randomUUID().slice(0, 8)}`,
      log,
      metrics,
      scorer,
      http: opts.http,
      staticDir: opts.staticDir,
      tickIntervalMs: opts.tickIntervalMs,
      sampler: opts.sampler,
      driftIntervalMs: opts.driftIntervalMs,
    });
    const address = await live.start({ port: opts.port, host: opts.host });
    undo.push({ name: 'live gateway', run: () => live.stop() });

    // A member that neither fetches nor heartbeats for 2 × its session timeout is replaced (consumer-watchdog.ts).
    const sessionTimeout = 30_000;
    const newScoringConsumer = () => kafka.consumer({ groupId: opts.scoringGroup ?? 'barometer-scoring', sessionTimeout });
    const scoringConsumer = newScoringConsumer();
    await scoringConsumer.connect();
    const scoring = createScoring({
      consumer: scoringConsumer,
      producer,
      clickhouse,
      model,
      topics,
      log,
      maxBatchSize: opts.scoringBatch,
      restartConsumer: { create: newScoringConsumer, stuckAfterMs: 2 * sessionTimeout },
      metrics,
      ...(shadowModel ? { shadowModel } : {}),
    });
    models = () => scoring.models();
    await scoring.start();
    undo.push({ name: 'scoring consumer', run: () => scoring.stop() });
    if (pointerPath) {
      const follower = followLivePointer({ path: pointerPath, scoring, load, log, initial: { live: dirs.live, ...(dirs.shadow ? { shadow: dirs.shadow } : {}) } });
      undo.push({ name: 'live pointer', run: () => follower.stop() });
    }

    const ingest = createIngestFromConfig(opts.ingest, { producer, topics, log, metrics });
    await ingest.start();
    undo.push({ name: 'ingest', run: () => ingest.stop() });

    // Shutdown runs `undo` backwards: intake (ingest) first, then scoring finishes its batch, the
    // gateway disconnects its sockets, and the clients and the broker go last.
    return { brokers, clickhouse, ingest, live, metrics, address, topics, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
