// The chaos suite's scoring process: the real scoring service (createScoring, the shipped model, chDB
// under CHAOS_DATA_DIR) in a child process that a test can kill -9 and start again. It is a TEST SEAM:
// the faults below are injected here only, by wrapping the ClickHouse client and the model the real
// service is handed; no production code path knows about them.
//
//   CHAOS_KILL_AT=before-insert|during-insert|after-insert  SIGKILL itself at that point of the
//     CHAOS_KILL_ON_BATCH-th batch: before its first INSERT; between the raw-items INSERT and the
//     scores INSERT (a torn batch); after both, before the scored topic publish and offset commit.
//   CHAOS_FAIL_INSERTS_MS=n  every INSERT fails for n ms from the first one (the database is away).
//   CHAOS_DEDUP=off          the negative control: scoring's `dedup: false` (no "already scored?"
//     lookup, a unique token per INSERT), so redeliveries are written again.
//   CHAOS_STALL_FIRST_BATCH=true  the first model run never returns and never heartbeats (a stuck
//     consumer), for the watchdog.
// Lines with a `chaos` field on stdout (pino JSON) tell the test what happened.
import { writeSync } from 'node:fs';
import { pino } from 'pino';
import { z } from 'zod';
import { createKafka, createProducer, ensureTopics } from '@barometer/runtime/kafka';
import { installShutdown } from '@barometer/runtime/shutdown';
import { createClickHouse, type ClickHouseClient } from '@barometer/analytics/client';
import { migrate } from '@barometer/analytics/migrate';
import { Topics } from '@barometer/schemas/kafka';
import { createScoring } from '@barometer/scoring';
import { defaultModelDir, loadSentimentModel, type SentimentModel } from '@barometer/scoring/model';

const WorkerEnv = z.object({
  KAFKA_BROKERS: z.string().min(1).transform((s) => s.split(',')),
  CHAOS_TOPICS: z.string().transform((s, ctx) => {
    const parsed = Topics.safeParse(JSON.parse(s));
    if (!parsed.success) ctx.addIssue({ code: 'custom', message: z.prettifyError(parsed.error) });
    return parsed.success ? parsed.data : z.NEVER;
  }),
  CHAOS_GROUP: z.string().min(1),
  CHAOS_DATA_DIR: z.string().min(1),
  CHAOS_MODEL_DIR: z.string().default(defaultModelDir),
  CHAOS_BATCH: z.coerce.number().int().positive().default(64),
  CHAOS_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).default(30_000),
  CHAOS_KILL_AT: z.enum(['before-insert', 'during-insert', 'after-insert']).optional(),
  CHAOS_KILL_ON_BATCH: z.coerce.number().int().positive().default(3),
  CHAOS_FAIL_INSERTS_MS: z.coerce.number().int().min(0).default(0),
  CHAOS_DEDUP: z.enum(['on', 'off']).default('on'),
  CHAOS_STALL_FIRST_BATCH: z.stringbool().default(false),
  LOG_LEVEL: z.string().default('warn'),
});
type WorkerEnv = z.infer<typeof WorkerEnv>;

/** Written synchronously: the line must be out before a SIGKILL that follows it. */
function report(event: Record<string, unknown>) {
  writeSync(1, `${JSON.stringify({ level: 40, time: Date.now(), ...event })}\n`);
}

function killSelf(at: string, batch: number): never {
  report({ chaos: 'killed', at, batch });
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL was sent');
}

/** The ClickHouse client the scoring service is handed, with the faults the env asks for. */
function withFaults(client: ClickHouseClient, env: WorkerEnv): ClickHouseClient {
  let itemBatches = 0;
  let scoreBatches = 0;
  let failUntil: number | undefined;
  const insert: ClickHouseClient['insert'] = async (params) => {
    if (env.CHAOS_FAIL_INSERTS_MS > 0) {
      failUntil ??= Date.now() + env.CHAOS_FAIL_INSERTS_MS;
      if (Date.now() < failUntil) {
        report({ chaos: 'insert-failed', table: params.table });
        throw new Error('chaos: ClickHouse is unavailable');
      }
    }
    const isItems = params.table === 'barometer.items';
    if (isItems) itemBatches += 1;
    else scoreBatches += 1;
    if (env.CHAOS_KILL_AT === 'before-insert' && isItems && itemBatches === env.CHAOS_KILL_ON_BATCH) killSelf('before-insert', itemBatches);
    const result = await client.insert(params);
    if (env.CHAOS_KILL_AT === 'during-insert' && isItems && itemBatches === env.CHAOS_KILL_ON_BATCH) killSelf('during-insert', itemBatches);
    if (env.CHAOS_KILL_AT === 'after-insert' && !isItems && scoreBatches === env.CHAOS_KILL_ON_BATCH) killSelf('after-insert', scoreBatches);
    return result;
  };
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'insert') return insert;
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** The model, with its first run hanging forever when asked (no heartbeat can happen meanwhile). */
function withStall(model: SentimentModel, env: WorkerEnv): SentimentModel {
  if (!env.CHAOS_STALL_FIRST_BATCH) return model;
  let stalled = false;
  const scoreBatch: SentimentModel['scoreBatch'] = (texts) => {
    if (stalled) return model.scoreBatch(texts);
    stalled = true;
    report({ chaos: 'stalled' });
    return new Promise(() => undefined);
  };
  return new Proxy(model, {
    get(target, prop, receiver) {
      if (prop === 'scoreBatch') return scoreBatch;
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

async function main() {
  const parsed = WorkerEnv.safeParse(process.env);
  if (!parsed.success) {
    process.stderr.write(`${z.prettifyError(parsed.error)}\n`);
    process.exit(1);
  }
  const env = parsed.data;
  const log = pino({ level: env.LOG_LEVEL, name: 'chaos-worker' });
  const clickhouse = createClickHouse({ kind: 'embedded', dataDir: env.CHAOS_DATA_DIR });
  await migrate(clickhouse, log);
  const model = await loadSentimentModel(env.CHAOS_MODEL_DIR, { intraOpNumThreads: 1 });
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: 'chaos-worker', log });
  await ensureTopics(kafka, env.CHAOS_TOPICS, log);
  const producer = createProducer(kafka);
  await producer.connect();
  const newConsumer = () =>
    kafka.consumer({ groupId: env.CHAOS_GROUP, sessionTimeout: env.CHAOS_SESSION_TIMEOUT_MS, heartbeatInterval: Math.min(3000, env.CHAOS_SESSION_TIMEOUT_MS / 6) });
  const consumer = newConsumer();
  await consumer.connect();
  const scoring = createScoring({
    consumer,
    producer,
    clickhouse: withFaults(clickhouse, env),
    model: withStall(model, env),
    topics: env.CHAOS_TOPICS,
    log,
    maxBatchSize: env.CHAOS_BATCH,
    restartConsumer: { create: newConsumer, stuckAfterMs: 2 * env.CHAOS_SESSION_TIMEOUT_MS },
    dedup: env.CHAOS_DEDUP === 'on',
  });
  await scoring.start();
  report({ chaos: 'started', pid: process.pid });
  installShutdown(
    [
      { name: 'scoring consumer', run: () => scoring.stop() },
      { name: 'kafka producer', run: () => producer.disconnect() },
      { name: 'clickhouse', run: () => clickhouse.close() },
      { name: 'onnx session', run: () => model.close() },
    ],
    log,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
