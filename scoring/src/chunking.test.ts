// How the consumer cuts chunks, against the real broker and embedded chDB: kafkajs hands eachBatch one
// partition at a time, and the combiner in scoring.ts must score several partitions' slices as one
// chunk (one ONNX run, one insert, one publish) without ever exceeding maxBatchSize, and still commit
// every partition's offsets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pino from 'pino';
import type { RawItem } from '@barometer/schemas/items';
import { createProducer, ensureTopics } from '@barometer/runtime/kafka';
import { createMetricsRegistry, readHistogram } from '@barometer/runtime/metrics';
import { createClickHouse, type ClickHouseClient } from '@barometer/analytics/client';
import { migrate } from '@barometer/analytics/migrate';
import { createScoring } from './scoring.ts';
import { linearModelDir, loadSentimentModel } from './sentiment-model.ts';

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PARTITIONS = 6;

function rawItem(run: string, i: number, at: Date): RawItem {
  const id = createHash('md5').update(`${run}/${i}`).digest('hex');
  return {
    v: 1, id, title: `Bitcoin rallies as funds buy #${i}`, url: null, source: 'test', source_kind: 'rss',
    published_at: at.toISOString(), ingested_at: at.toISOString(), assets: ['BTC'], story_id: id, lang: 'en',
  };
}

describe('chunks across partitions', { skip: brokers.length === 0 ? 'KAFKA_BROKERS not set' : false }, () => {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'chunking-test' });
  let root: string;
  let ch: ClickHouseClient;
  let producer: Producer;
  const created: string[] = [];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'barometer-chunking-'));
    ch = createClickHouse({ kind: 'embedded', dataDir: join(root, 'data') });
    await migrate(ch, log);
    producer = createProducer(kafka);
    await producer.connect();
  });
  after(async () => {
    await producer.disconnect();
    // Deleted only now: the shared producer refreshes metadata for every topic it has sent to.
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
    await ch.close();
    await rm(root, { recursive: true, force: true });
  });

  /** Puts `perPartition` items on each partition, then scores them with a fresh group; returns the histogram. */
  async function scoreBacklog(maxBatchSize: number, perPartition: number) {
    const run = randomUUID().slice(0, 8);
    const topics = { raw: `test-${run}.items.raw.v1`, scored: `test-${run}.items.scored.v1`, dlq: `test-${run}.items.dlq.v1`, sources: `test-${run}.sources.health.v1` };
    await ensureTopics(kafka, topics, log, PARTITIONS);
    created.push(...Object.values(topics));
    const at = new Date();
    const items = Array.from({ length: PARTITIONS * perPartition }, (_, i) => rawItem(run, i, at));
    // The whole backlog is on the broker before the consumer starts, so one fetch returns every partition.
    await producer.send({ topic: topics.raw, messages: items.map((it, i) => ({ key: it.id, value: JSON.stringify(it), partition: i % PARTITIONS })) });

    const registry = createMetricsRegistry();
    const groupId = `chunking-${run}`;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
    await consumer.connect();
    const model = await loadSentimentModel(linearModelDir);
    const scoring = createScoring({ consumer, producer, clickhouse: ch, model, topics, log, maxBatchSize, metrics: registry });
    await scoring.start();
    const admin = kafka.admin();
    await admin.connect();
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topics.raw] });
        const done = (committed?.partitions ?? []).filter((p) => Number(p.offset) === perPartition).length;
        if (done === PARTITIONS) break;
        if (Date.now() > deadline) throw new Error(`offsets committed on ${done} of ${PARTITIONS} partitions: ${JSON.stringify(committed?.partitions)}`);
        await sleep(100);
      }
      const rs = await ch.query({
        query: 'SELECT uniqExact(id) AS u, count() AS n FROM barometer.scores WHERE id IN {ids: Array(String)}',
        query_params: { ids: items.map((i) => i.id) },
        format: 'JSONEachRow',
      });
      const [stored] = await rs.json<{ u: number; n: number }>();
      return { stored, sizes: await readHistogram(registry, 'barometer_scoring_batch_size'), total: items.length };
    } finally {
      await admin.disconnect();
      await scoring.stop();
      await model.close();
    }
  }

  test('a backlog spread over six partitions is scored in fewer chunks than partitions', async () => {
    // 6 × 20 = 120 items, maxBatchSize 128: one partition per chunk would take six chunks of 20.
    const { stored, sizes, total } = await scoreBacklog(128, 20);
    assert.equal(Number(stored?.u), total, 'every item stored');
    assert.equal(sizes.sum, total, 'every item went through exactly one chunk');
    assert.ok(sizes.count <= 2, `${sizes.count} chunks for ${total} items over ${PARTITIONS} partitions`);
    assert.ok((sizes.atMost.get(32) ?? 0) < sizes.count, 'at least one chunk held more than one partition (> 32 items)');
  });

  test('a combined chunk never exceeds maxBatchSize', async () => {
    // 6 × 30 = 180 items with maxBatchSize 64: two 30-item slices fit a chunk, a third does not.
    const { stored, sizes, total } = await scoreBacklog(64, 30);
    assert.equal(Number(stored?.u), total);
    assert.equal(sizes.sum, total);
    assert.equal(sizes.atMost.get(64), sizes.count, 'every chunk ≤ 64 items');
    assert.ok(sizes.count >= 3 && sizes.count < PARTITIONS, `${sizes.count} chunks`);
  });
});
