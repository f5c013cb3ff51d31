// Hot swap, shadow and backfill through the public seams: the real broker, embedded chDB, createScoring
// and followLivePointer. Two copies of the linear model under different versions stand for the live
// model and a candidate (loading is fast; what is tested is routing, not accuracy).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID, createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pino from 'pino';
import type { RawItem } from '@barometer/schemas/items';
import { createProducer, ensureTopics } from '@barometer/runtime/kafka';
import { createClickHouse, type ClickHouseClient } from '@barometer/analytics/client';
import { migrate } from '@barometer/analytics/migrate';
import { insertScoredItems } from '@barometer/analytics/scored-items';
import { querySentiment } from '@barometer/analytics/sentiment';
import { createScoring, toScoredItem } from './scoring.ts';
import { followLivePointer, livePointerPath, writeLivePointer } from './live-pointer.ts';
import { cascadeModelDir, deferredRows, linearModelDir, loadSentimentModel, modelsDir } from './sentiment-model.ts';
import { createMetricsRegistry } from '@barometer/runtime/metrics';
import { backfillRange } from './backfill.ts';

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A copy of the linear model stamped with another version (the hash covers model.onnx only). */
async function modelCopy(root: string, version: string): Promise<string> {
  const dir = join(root, version);
  await cp(linearModelDir, dir, { recursive: true });
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, version }));
  return dir;
}

const TITLES = ['Bitcoin surges to a record high', 'Exchange hacked, users lose funds', 'Fed leaves rates unchanged', 'Ether slides as traders sell', 'Gold steady ahead of data'];

function rawItem(run: string, i: number, at: Date): RawItem {
  const id = createHash('md5').update(`${run}/${i}`).digest('hex');
  return {
    v: 1, id, title: `${TITLES[i % TITLES.length]} #${i}`, url: null, source: 'test', source_kind: 'rss',
    published_at: at.toISOString(), ingested_at: at.toISOString(), assets: ['BTC'], story_id: id, lang: 'en',
  };
}

async function waitFor(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const Counts = (rows: unknown) => rows as { model_version: string; shadow: number; n: number; u: number }[];

describe('model lifecycle', () => {
  let root: string;
  let ch: ClickHouseClient;
  let dirA: string;
  let dirB: string;
  let dirS: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'barometer-lifecycle-'));
    ch = createClickHouse({ kind: 'embedded', dataDir: join(root, 'data') });
    await migrate(ch, log);
    dirA = await modelCopy(join(root, 'models'), 'lin-a');
    dirB = await modelCopy(join(root, 'models'), 'lin-b');
    dirS = await modelCopy(join(root, 'models'), 'lin-shadow');
  });
  after(async () => {
    await ch.close();
    await rm(root, { recursive: true, force: true });
  });

  async function counts(ids: string[]) {
    const rs = await ch.query({
      query: `SELECT model_version, shadow, count() AS n, uniqExact(id) AS u FROM barometer.scores
              WHERE id IN {ids: Array(String)} GROUP BY model_version, shadow ORDER BY model_version`,
      query_params: { ids },
      format: 'JSONEachRow',
    });
    return Counts(await rs.json());
  }

  describe('against the broker', { skip: brokers.length === 0 ? 'KAFKA_BROKERS not set' : false }, () => {
    const run = randomUUID().slice(0, 8);
    const topics = { raw: `test-${run}.items.raw.v1`, scored: `test-${run}.items.scored.v1`, dlq: `test-${run}.items.dlq.v1`, sources: `test-${run}.sources.health.v1` };
    const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'lifecycle-test' });
    let producer: Producer;

    before(async () => {
      await ensureTopics(kafka, topics, log, 2);
      producer = createProducer(kafka);
      await producer.connect();
    });
    after(async () => {
      await producer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
      await admin.disconnect();
    });

    const send = (items: RawItem[]) => producer.send({ topic: topics.raw, messages: items.map((i) => ({ key: i.id, value: JSON.stringify(i) })) });

    test('the pointer swaps the live model under a steady stream: every item scored once, none doubled, none lost', async () => {
      const modelsDir = join(root, 'models');
      const pointer = livePointerPath(modelsDir);
      await writeLivePointer(pointer, { v: 1, modelDir: 'lin-a', version: 'lin-a', promotedAt: new Date().toISOString() });
      const consumer = kafka.consumer({ groupId: `lifecycle-${run}`, maxWaitTimeInMs: 50 });
      await consumer.connect();
      const scoring = createScoring({ consumer, producer, clickhouse: ch, model: await loadSentimentModel(dirA), topics, log, maxBatchSize: 16 });
      const follower = followLivePointer({ path: pointer, scoring, load: (d) => loadSentimentModel(d), log, intervalMs: 100, initial: { live: dirA } });
      await scoring.start();

      const now = new Date();
      const items = Array.from({ length: 600 }, (_, i) => rawItem(run, i, now));
      const ids = items.map((i) => i.id);
      for (let round = 0; round < 30; round++) {
        await send(items.slice(round * 20, round * 20 + 20));
        // Promotion mid-stream: the poller picks it up while batches are in flight.
        if (round === 12) await writeLivePointer(pointer, { v: 1, modelDir: dirB, version: 'lin-b', promotedAt: new Date().toISOString() });
        await sleep(40);
      }
      await waitFor('600 live rows', 30_000, async () => (await counts(ids)).filter((c) => c.shadow === 0).reduce((a, c) => a + c.n, 0) >= 600);
      assert.equal(scoring.models().live.version, 'lin-b');

      // A redelivery after the swap (the same messages again) must not be scored by the new model.
      await send(items.slice(0, 100));
      await waitFor('the redelivered messages consumed and committed', 15_000, async () => {
        const a = kafka.admin();
        await a.connect();
        try {
          const [high, [committed]] = await Promise.all([a.fetchTopicOffsets(topics.raw), a.fetchOffsets({ groupId: `lifecycle-${run}`, topics: [topics.raw] })]);
          const sum = (xs: { offset?: string; high?: string }[], k: 'offset' | 'high') => xs.reduce((n, p) => n + Math.max(0, Number(p[k] ?? 0)), 0);
          return sum(committed?.partitions ?? [], 'offset') >= sum(high, 'high') && sum(high, 'high') === 700;
        } finally {
          await a.disconnect();
        }
      });

      const live = (await counts(ids)).filter((c) => c.shadow === 0);
      const total = live.reduce((a, c) => a + c.n, 0);
      const uniq = await ch.query({ query: 'SELECT uniqExact(id) AS u FROM barometer.scores WHERE id IN {ids: Array(String)} AND shadow = 0', query_params: { ids }, format: 'JSONEachRow' });
      assert.equal(total, 600, JSON.stringify(live));
      assert.equal((await uniq.json<{ u: number }>())[0]!.u, 600);
      assert.deepEqual(live.map((c) => c.model_version), ['lin-a', 'lin-b'], 'rows under both versions');
      assert.ok(live.every((c) => c.n === c.u && c.n > 0));

      const admin = kafka.admin();
      await admin.connect();
      const dlq = await admin.fetchTopicOffsets(topics.dlq);
      await admin.disconnect();
      assert.equal(dlq.reduce((a, p) => a + Number(p.high), 0), 0, 'nothing dead-lettered');

      await follower.stop();
      await scoring.stop();
      await scoring.models().live.close();
    });

    test('a shadow candidate scores the same stream under its version, outside the index', async () => {
      const consumer = kafka.consumer({ groupId: `lifecycle-shadow-${run}`, maxWaitTimeInMs: 50 });
      await consumer.connect();
      const shadowTopics = { ...topics, raw: `test-${run}.shadow.raw.v1` };
      await ensureTopics(kafka, shadowTopics, log, 1);
      const scoring = createScoring({
        consumer, producer, clickhouse: ch, model: await loadSentimentModel(dirA), shadowModel: await loadSentimentModel(dirS),
        topics: shadowTopics, log, maxBatchSize: 16,
      });
      await scoring.start();
      const at = new Date();
      const items = Array.from({ length: 80 }, (_, i) => rawItem(`${run}-shadow`, i, at));
      await producer.send({ topic: shadowTopics.raw, messages: items.map((i) => ({ key: i.id, value: JSON.stringify(i) })) });
      const ids = items.map((i) => i.id);
      await waitFor('live and shadow rows', 20_000, async () => (await counts(ids)).reduce((a, c) => a + c.n, 0) >= 160);
      assert.deepEqual(await counts(ids), [
        { model_version: 'lin-a', shadow: 0, n: 80, u: 80 },
        { model_version: 'lin-shadow', shadow: 1, n: 80, u: 80 },
      ]);
      // The index (live rows only) is unchanged by the shadow; the candidate is read by its version.
      const asOf = new Date(at.getTime() + 60_000);
      const shadowValue = await querySentiment(ch, { window: '1h', asOf, modelVersion: 'lin-shadow' });
      assert.equal(shadowValue.n, 80);
      const liveValue = await querySentiment(ch, { window: '1h', asOf });
      const liveA = await querySentiment(ch, { window: '1h', asOf, modelVersion: 'lin-a' });
      const liveB = await querySentiment(ch, { window: '1h', asOf, modelVersion: 'lin-b' });
      assert.equal(liveValue.n, liveA.n + liveB.n, 'the index counts live rows only');

      await scoring.setShadowModel(undefined);
      await scoring.stop();
      await scoring.models().live.close();
      await admin(kafka, (a) => a.deleteTopics({ topics: [shadowTopics.raw] }));
    });

    test('the shipped cascade serves the stream under its version and counts the texts its later stages answered', async () => {
      const cascadeTopics = { ...topics, raw: `test-${run}.cascade.raw.v1` };
      await ensureTopics(kafka, cascadeTopics, log, 1);
      const registry = createMetricsRegistry();
      const consumer = kafka.consumer({ groupId: `lifecycle-cascade-${run}`, maxWaitTimeInMs: 50 });
      await consumer.connect();
      // Its own producer: the shared one still has the shadow test's deleted topic in its metadata.
      const own = createProducer(kafka);
      await own.connect();
      const cascade = await loadSentimentModel(cascadeModelDir);
      const scoring = createScoring({ consumer, producer: own, clickhouse: ch, model: cascade, topics: cascadeTopics, log, maxBatchSize: 16, metrics: registry });
      try {
        await scoring.start();
        // Three hours back, out of the other tests' one-hour windows. Fixture headlines, because the
        // first stage is sure of every one of TITLES and this test needs it to pass some on.
        const at = new Date(Date.now() - 3 * 3_600_000);
        const fixture = JSON.parse(await readFile(new URL('./fixtures/transformer-parity.json', import.meta.url), 'utf8')) as { cases: { text: string }[] };
        const items = fixture.cases.slice(0, 40).map((c, i) => ({ ...rawItem(`${run}-cascade`, i, at), title: c.text }));
        await own.send({ topic: cascadeTopics.raw, messages: items.map((i) => ({ key: i.id, value: JSON.stringify(i) })) });
        const ids = items.map((i) => i.id);
        await waitFor('40 cascade rows', 30_000, async () => (await counts(ids)).reduce((a, c) => a + c.n, 0) >= 40);
        assert.deepEqual(await counts(ids), [{ model_version: cascade.version, shadow: 0, n: 40, u: 40 }]);

        // What the first stage alone passes on is what the counter must show.
        if (cascade.manifest.kind !== 'cascade') throw new Error('not a cascade');
        const [gate] = cascade.manifest.stages;
        const first = await loadSentimentModel(join(modelsDir, gate!.model));
        const deferBelow = gate!.deferBelow ?? Number.NaN;
        const expected = deferredRows(await first.scoreBatch(items.map((i) => i.title)), deferBelow).length;
        await first.close();
        const counter = (await registry.getSingleMetric('barometer_scoring_deferred_total')?.get())?.values ?? [];
        const ours = counter.filter((v) => v.labels.model_version === cascade.version);
        assert.equal(ours.reduce((a, v) => a + v.value, 0), expected);
        // Labelled by the answering stage: any but the first.
        for (const v of ours) assert.ok(Number(v.labels.stage) >= 1 && Number(v.labels.stage) < cascade.manifest.stages.length, `stage ${String(v.labels.stage)}`);
        assert.ok(expected > 0 && expected < 40, `${expected} of 40 passed on: the first stage answers some, later stages the rest`);
      } finally {
        await scoring.stop();
        await cascade.close();
        await own.disconnect();
      }
      await admin(kafka, (a) => a.deleteTopics({ topics: [cascadeTopics.raw] }));
    });
  });

  test('backfill rescores a time range under the new version only, as shadow rows, and a rerun writes nothing', async () => {
    const modelA = await loadSentimentModel(dirA);
    const modelB = await loadSentimentModel(dirB);
    try {
      const day = new Date(Date.UTC(2026, 0, 10, 12));
      const inside = Array.from({ length: 70 }, (_, i) => rawItem("backfill", i, new Date(day.getTime() + i * 30_000)));
      const outside = Array.from({ length: 5 }, (_, i) => rawItem('backfill-out', i, new Date(day.getTime() - 86_400_000 + i * 1000)));
      const all = [...inside, ...outside];
      const scores = await modelA.scoreBatch(all.map((i) => i.title));
      await insertScoredItems(ch, all.map((item, k) => toScoredItem(item, scores[k]!, 'lin-a', new Date().toISOString())), 'backfill-test/seed');
      const ids = all.map((i) => i.id);

      const from = day;
      const to = new Date(day.getTime() + 3_600_000);
      const first = await backfillRange(ch, modelB, { from, to, batchSize: 32 });
      assert.deepEqual(first, { scored: 70, batches: 3 });
      assert.deepEqual(await counts(ids), [
        { model_version: 'lin-a', shadow: 0, n: 75, u: 75 },
        { model_version: 'lin-b', shadow: 1, n: 70, u: 70 },
      ]);
      assert.deepEqual(await backfillRange(ch, modelB, { from, to, batchSize: 32 }), { scored: 0, batches: 0 });
      // The live index over the range is untouched; the new version is compared by name.
      const asOf = new Date(to.getTime() - 1);
      assert.equal((await querySentiment(ch, { window: '1h', asOf })).n, 70);
      assert.equal((await querySentiment(ch, { window: '1h', asOf, modelVersion: 'lin-b' })).n, 70);
    } finally {
      await modelA.close();
      await modelB.close();
    }
  });
});

async function admin(kafka: Kafka, fn: (a: ReturnType<Kafka['admin']>) => Promise<unknown>) {
  const a = kafka.admin();
  await a.connect();
  try {
    await fn(a);
  } catch {
    // Cleanup only.
  } finally {
    await a.disconnect();
  }
}
