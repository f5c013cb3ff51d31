// The scoring service: consume raw items in chunks gathered across partitions, score each chunk in one
// ONNX run, write one ClickHouse insert, publish to the scored topic, then commit each partition's
// offsets (at-least-once, idempotent writes).
import type { Consumer, EachBatchPayload, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { ClickHouseClient } from '@clickhouse/client';
import type { DlqMessage, RawItem, ScoredItem } from '@barometer/schemas/items';
import type { Topics } from '@barometer/schemas/kafka';
import { insertScoredItems, queryStoredScores } from '@barometer/analytics/scored-items';
import { entropyOf, labelOf, type SentimentModel, type SentimentScores } from './sentiment-model.ts';
import { rejectionOf, validateMessage, type IncomingMessage, type Rejection } from './message-validation.ts';
import { createConsumerWatchdog, type ConsumerWatchdog } from './consumer-watchdog.ts';
import { createScoringMetrics } from './scoring-metrics.ts';
import type { Registry } from '@barometer/runtime/metrics';
import { DEFAULT_SCORING_BATCH } from './config.ts';

export interface ScoringDeps {
  consumer: Consumer;
  producer: Producer;
  clickhouse: ClickHouseClient;
  model: SentimentModel;
  topics: Topics;
  log: Logger;
  /** Most items scored in one ONNX run and written in one insert. */
  maxBatchSize?: number;
  /**
   * Attempts for a failing ClickHouse insert before the batch is handed back to Kafka (redelivered
   * from the last commit). Unbounded by default: a database outage is not the message's fault, so the
   * batch waits with backoff, never goes to the DLQ, and nothing after it is committed.
   */
  insertAttempts?: number;
  /** Longest wait between two insert attempts (exponential from 200 ms). */
  insertBackoffMaxMs?: number;
  /**
   * Given, the consumer is watched and replaced by a fresh one from `create` (unconnected; the
   * watchdog connects it) when it has neither fetched nor heartbeated for `stuckAfterMs`, which
   * should be 2 × the consumer's session timeout. See consumer-watchdog.ts.
   */
  restartConsumer?: { create: () => Consumer; stuckAfterMs: number };
  /** False only in the chaos suite's negative control, which must see redeliveries doubled. */
  dedup?: boolean;
  /** The process's Prometheus registry; metrics are registered on it when given. */
  metrics?: Registry;
  /**
   * A candidate scoring every batch beside the live model: its rows are written with `shadow: true`
   * (kept under its model_version, never counted in the index) and not published to the scored topic.
   */
  shadowModel?: SentimentModel;
}

export interface Scoring {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Hot swap: waits for the chunk in flight (scored, written and published by the old model), makes
   * `next` the live model for every later chunk, then closes the old one. Never mid-chunk; an item
   * redelivered across the swap is not scored twice because a live row for its id already exists.
   */
  swapModel(next: SentimentModel): Promise<void>;
  /** Starts, replaces or (undefined) stops shadow scoring between chunks; closes the shadow it replaces. */
  setShadowModel(next: SentimentModel | undefined): Promise<void>;
  /** The models in use now (the caller closes them at shutdown). */
  models(): { live: SentimentModel; shadow: SentimentModel | undefined };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Partitions whose fetched batches are handed to eachBatch at once. kafkajs calls eachBatch once per
 * partition; one at a time, a chunk held only that partition's share of the backlog (39 items on
 * average at 200 items/s over 6 partitions, against 128 allowed), so the model ran at its small-batch
 * speed and every chunk paid its own insert and publish. With the batches handed over together, the
 * combiner below scores the slices of several partitions as one chunk.
 */
const PARTITIONS_CONSUMED_CONCURRENTLY = 32;

/** One partition's share of a chunk: up to maxBatch of its fetched messages, and its eachBatch's controls. */
interface Slice {
  payload: EachBatchPayload;
  messages: KafkaMessage[];
  /** true once the slice is stored and published; false when it was dropped unscored (its batch went stale). */
  settle: (done: boolean) => void;
  fail: (err: unknown) => void;
}

export function toScoredItem(item: RawItem, s: SentimentScores, modelVersion: string, scoredAt: string): ScoredItem {
  return {
    ...item,
    negative: s.negative,
    neutral: s.neutral,
    positive: s.positive,
    label: labelOf(s),
    entropy: entropyOf(s),
    score: s.positive - s.negative,
    model_version: modelVersion,
    scored_at: scoredAt,
  };
}

export function createScoring(deps: ScoringDeps): Scoring {
  const log = deps.log.child({ component: 'scoring' });
  let model = deps.model;
  let shadow = deps.shadowModel;
  // Chunks run one at a time, whatever partitions they hold; swaps queue behind the chunk in flight.
  let turn: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = turn.then(fn);
    turn = run.catch(() => undefined);
    return run;
  }
  const maxBatch = deps.maxBatchSize ?? DEFAULT_SCORING_BATCH;

  // The combiner: eachBatch calls (one per partition, run concurrently) queue their slices here; a
  // chunk takes queued slices, oldest first, up to maxBatch messages, when it gets its turn, so slices
  // that arrive while a chunk runs ride together in the next one.
  let pending: Slice[] = [];
  let takeQueued = false;
  let generation = 0;
  function submit(payload: EachBatchPayload, messages: KafkaMessage[]): Promise<boolean> {
    return new Promise((settle, fail) => {
      pending.push({ payload, messages, settle, fail });
      queueTake();
    });
  }
  function queueTake() {
    if (takeQueued) return;
    takeQueued = true;
    const queuedIn = generation;
    void exclusive(async () => {
      // One macrotask's wait lets the other partitions of the same fetch queue their slices first.
      await new Promise((r) => setImmediate(r));
      if (queuedIn !== generation) return;
      takeQueued = false;
      const slices = take();
      if (slices.length > 0) {
        try {
          await handleChunk(slices);
          for (const sl of slices) sl.settle(true);
        } catch (err) {
          // Every slice of the chunk goes back unresolved; Kafka redelivers them from the last commit.
          for (const sl of slices) sl.fail(err);
        }
      }
      if (pending.length > 0) queueTake();
    });
  }
  function take(): Slice[] {
    const taken: Slice[] = [];
    let n = 0;
    while (pending.length > 0) {
      const next = pending[0]!;
      if (!next.payload.isRunning() || next.payload.isStale()) {
        // Its partition was revoked or the member is stopping: the new owner scores these messages.
        pending.shift();
        next.settle(false);
        continue;
      }
      if (taken.length > 0 && n + next.messages.length > maxBatch) break;
      taken.push(pending.shift()!);
      n += next.messages.length;
    }
    return taken;
  }
  /** A replaced member's slices must not hold the new member's behind them (see the watchdog's start). */
  function resetCombiner() {
    generation++;
    takeQueued = false;
    const dropped = pending;
    pending = [];
    for (const sl of dropped) sl.fail(new Error('scoring consumer replaced'));
  }
  const attempts = deps.insertAttempts ?? Number.POSITIVE_INFINITY;
  const backoffMaxMs = deps.insertBackoffMaxMs ?? 5_000;
  const metrics = deps.metrics ? createScoringMetrics(deps.metrics) : undefined;

  /** Scores in one run; `failed` holds the indexes (into `items`) that could not be scored, with why. */
  async function scoreItems(model: SentimentModel, items: RawItem[]): Promise<{ scored: ScoredItem[]; failed: { index: number; err: unknown }[] }> {
    const scoredAt = new Date().toISOString();
    try {
      const endModel = metrics?.modelSeconds.startTimer({ model_version: model.version });
      const scores = await model.scoreBatch(items.map((i) => i.title));
      endModel?.();
      const byStage = new Map<number, number>();
      for (const s of scores) if (s.stage !== undefined && s.stage > 0) byStage.set(s.stage, (byStage.get(s.stage) ?? 0) + 1);
      for (const [stage, n] of byStage) metrics?.deferred.inc({ model_version: model.version, stage: String(stage) }, n);
      return { scored: items.map((item, k) => toScoredItem(item, scores[k]!, model.version, scoredAt)), failed: [] };
    } catch (err) {
      // One bad input must not sink its neighbours: retry one by one and dead-letter only what still fails.
      log.warn({ err, n: items.length }, 'batch scoring failed, retrying items one by one');
      const scored: ScoredItem[] = [];
      const failed: { index: number; err: unknown }[] = [];
      for (const [index, item] of items.entries()) {
        try {
          const [s] = await model.scoreBatch([item.title]);
          scored.push(toScoredItem(item, s!, model.version, scoredAt));
        } catch (e) {
          failed.push({ index, err: e });
        }
      }
      return { scored, failed };
    }
  }

  /**
   * Retries with capped exponential backoff while this member still owns every slice's partition.
   * Consumption waits meanwhile (one chunk in flight) and heartbeats keep the partitions; if the member
   * is stopping or has lost one of them, the error goes up unresolved and Kafka redelivers from the
   * last commit.
   */
  async function insertWithRetry(items: ScoredItem[], token: string, slices: Slice[]): Promise<string[]> {
    const endInsert = metrics?.insertSeconds.startTimer();
    for (let attempt = 1; ; attempt++) {
      try {
        const { skipped, alreadyScored } = await insertScoredItems(deps.clickhouse, items, token, { dedup: deps.dedup ?? true });
        endInsert?.();
        if (skipped > 0) metrics?.items.inc({ outcome: 'duplicate' }, skipped);
        if (attempt > 1) log.info({ attempt }, 'insert succeeded after retrying');
        return alreadyScored;
      } catch (err) {
        metrics?.insertFailures.inc();
        if (attempt >= attempts || slices.some((sl) => !sl.payload.isRunning() || sl.payload.isStale())) throw err;
        const delay = Math.min(200 * 2 ** (attempt - 1), backoffMaxMs);
        log.warn({ err, attempt, delay, partitions: slices.map((sl) => sl.payload.batch.partition) }, 'insert failed, retrying');
        await sleep(delay);
        // Heartbeats are per member, not per partition: any slice's will do.
        await slices[0]!.payload.heartbeat();
      }
    }
  }

  /**
   * Best effort: a failing candidate must never hold up or fail the live path, so errors are logged
   * and the chunk goes on; `npm run backfill` fills any gap in a candidate's rows.
   */
  async function scoreShadow(candidate: SentimentModel, items: RawItem[], token: string) {
    try {
      const { scored } = await scoreItems(candidate, items);
      await insertScoredItems(deps.clickhouse, scored, token, { shadow: true, dedup: deps.dedup ?? true });
    } catch (err) {
      log.warn({ err, model: candidate.version, n: items.length }, 'shadow scoring failed; chunk kept for the live model');
    }
  }

  async function withStoredScores(scored: ScoredItem[], ids: string[]): Promise<ScoredItem[]> {
    const stored = new Map((await queryStoredScores(deps.clickhouse, ids)).map((s) => [s.id, s]));
    return scored.map((s) => stored.get(s.id) ?? s);
  }

  async function handleChunk(slices: Slice[]) {
    const topic = slices[0]!.payload.batch.topic;
    const endChunk = metrics?.chunkSeconds.startTimer();
    const items: RawItem[] = [];
    const sources: IncomingMessage[] = [];
    const rejects: Rejection[] = [];
    let size = 0;
    for (const { payload, messages } of slices) {
      size += messages.length;
      for (const m of messages) {
        const incoming = { partition: payload.batch.partition, offset: m.offset, key: m.key, value: m.value };
        const r = validateMessage(topic, incoming);
        if ('item' in r) {
          items.push(r.item);
          sources.push(incoming);
        } else rejects.push(r.rejection);
      }
    }
    const { scored, failed } = items.length > 0 ? await scoreItems(model, items) : { scored: [], failed: [] };
    for (const { index, err } of failed)
      rejects.push(rejectionOf(topic, sources[index]!, 'scoring_failed', err instanceof Error ? err.message : String(err)));
    // The token names exactly these slices of these partitions under this model: a redelivery of the
    // same slices is dropped by ClickHouse, and the ReplacingMergeTree on id covers slices cut or
    // combined differently.
    const span = slices.map(({ payload, messages }) => `${payload.batch.partition}/${messages[0]!.offset}-${messages[messages.length - 1]!.offset}`).join('+');
    const alreadyScored = await insertWithRetry(scored, `${topic}/${span}/${model.version}`, slices);
    // A redelivered item goes out again (the first publish may never have happened), but as stored:
    // after a model swap its fresh scoring would differ from the row the index counted.
    const published = alreadyScored.length > 0 ? await withStoredScores(scored, alreadyScored) : scored;
    if (shadow && items.length > 0) await scoreShadow(shadow, items, `${topic}/${span}/${shadow.version}/shadow`);

    const failedAt = new Date().toISOString();
    const dlq: DlqMessage[] = rejects.map((r) => ({ v: 1 as const, ...r, failed_at: failedAt, rejected_by: 'scoring' }));
    const topicMessages = [];
    if (published.length > 0)
      topicMessages.push({ topic: deps.topics.scored, messages: published.map((s) => ({ key: s.id, value: JSON.stringify(s) })) });
    if (dlq.length > 0)
      topicMessages.push({
        topic: deps.topics.dlq,
        messages: dlq.map((d) => ({ key: d.key, value: JSON.stringify(d), headers: { reason: d.reason } })),
      });
    if (topicMessages.length > 0) await deps.producer.sendBatch({ topicMessages });
    if (dlq.length > 0) log.warn({ span, n: dlq.length, reasons: [...new Set(dlq.map((d) => d.reason))] }, 'messages dead-lettered');
    if (metrics) {
      metrics.batchSize.observe(size);
      metrics.items.inc({ outcome: 'scored' }, scored.length);
      metrics.items.inc({ outcome: 'rejected' }, dlq.length);
      for (const d of dlq) metrics.rejected.inc({ reason: d.reason });
      endChunk?.();
    }
    log.debug({ span, scored: scored.length, rejected: dlq.length }, 'chunk scored');
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, commitOffsetsIfNecessary, isRunning, isStale, heartbeat } = payload;
    const messages = batch.messages;
    metrics?.lag.set({ partition: String(batch.partition) }, Number(batch.offsetLag()));
    for (let i = 0; i < messages.length; i += maxBatch) {
      if (!isRunning() || isStale()) break;
      const slice = messages.slice(i, i + maxBatch);
      if (!(await submit(payload, slice))) break;
      // Offsets move only after the durable write and the publish: a crash before this line redelivers.
      resolveOffset(slice[slice.length - 1]!.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  async function runOn(consumer: Consumer) {
    await consumer.subscribe({ topic: deps.topics.raw, fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      autoCommit: true,
      // commitOffsetsIfNecessary commits only when an interval or threshold is set: once a second
      // bounds what a crash redelivers without a commit per chunk.
      autoCommitInterval: 1_000,
      partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
      eachBatch,
    });
  }

  let watchdog: ConsumerWatchdog | undefined;
  const restart = deps.restartConsumer;
  return {
    async start() {
      if (restart) {
        let first: Consumer | undefined = deps.consumer;
        watchdog = createConsumerWatchdog({
          log,
          stuckAfterMs: restart.stuckAfterMs,
          start: async () => {
            // The first member is the caller's, already connected; replacements come from the factory.
            const consumer = first ?? restart.create();
            if (!first) {
              // The replaced member's chunk may never return (that is why it was replaced): later chunks
              // must not queue behind it, or the replacement would be as stuck as the member it replaces.
              turn = Promise.resolve();
              resetCombiner();
              await consumer.connect();
            }
            first = undefined;
            await runOn(consumer);
            return consumer;
          },
        });
        await watchdog.start();
      } else await runOn(deps.consumer);
      log.info({ topic: deps.topics.raw, model: model.version, shadow: shadow?.version }, 'scoring started');
    },
    async stop() {
      // Disconnect lets the in-flight batch finish and commits its resolved offsets.
      if (watchdog) await watchdog.stop();
      else await deps.consumer.disconnect();
    },
    swapModel(next) {
      return exclusive(async () => {
        const old = model;
        if (old === next) return;
        model = next;
        log.info({ from: old.version, to: next.version }, 'live model swapped');
        await old.close();
      });
    },
    setShadowModel(next) {
      return exclusive(async () => {
        const old = shadow;
        if (old === next) return;
        shadow = next;
        log.info({ from: old?.version, to: next?.version }, 'shadow model set');
        await old?.close();
      });
    },
    models: () => ({ live: model, shadow }),
  };
}
