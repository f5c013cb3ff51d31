// End to end through the real parts: a local RSS feed → ingest → Kafka → ONNX scoring → chDB and the
// scored topic → live gateway → a real socket.io client; then the same rows read back from ClickHouse,
// the scored topic and the REST API.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { io as connect, type Socket } from 'socket.io-client';
import { Kafka, logLevel } from 'kafkajs';
import { createProducer } from '@barometer/runtime/kafka';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DlqMessage, ScoredItem } from '@barometer/schemas/items';
import { ScoreResponse, SentimentValue } from '@barometer/schemas/api';
import type { ClientToServerEvents, SentimentSnapshot, SentimentTick, ServerToClientEvents } from '@barometer/schemas/socket';
import { queryLatestItems } from '@barometer/analytics/scored-items';
import { clearOfMinuteEdge, loadHeadlines, startFeedServer, startTestStack, waitFor, type FeedServer, type TestStack } from './test-support.ts';

describe('the walking system, end to end', () => {
  let feed: FeedServer;
  let stack: TestStack;
  let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  const snapshots: SentimentSnapshot[] = [];
  const ticks: SentimentTick[] = [];
  const scored = new Map<string, ScoredItem>();
  let headlines: Awaited<ReturnType<typeof loadHeadlines>>;

  before(async () => {
    headlines = await loadHeadlines();
    feed = await startFeedServer();
    stack = await startTestStack(feed.url);
    socket = connect(stack.address, { transports: ['websocket'] });
    socket.on('sentiment:snapshot', (s) => snapshots.push(s));
    socket.on('sentiment:tick', (t) => ticks.push(t));
    socket.on('item:scored', (i) => scored.set(i.id, i));
    await waitFor('the first snapshot', 15_000, () => snapshots[0]);
  });

  after(async () => {
    socket?.disconnect();
    await stack?.dispose();
    await feed?.close();
  });

  test('an empty system snapshots an empty window', () => {
    const s = snapshots[0]!;
    assert.equal(s.current.n, 0);
    assert.equal(s.current.value, null);
    assert.deepEqual(s.items, []);
  });

  test('feed items arrive scored over the socket and move the 24 h value', async () => {
    // The first tick must carry round 1's minute as a series point: keep the round inside one minute.
    await clearOfMinuteEdge();
    feed.serve(headlines.round1);
    await stack.ingest.pollAll();
    await waitFor('round 1 scored', 30_000, () => (scored.size >= headlines.round1.length ? true : undefined));
    for (const item of scored.values()) {
      assert.ok(ScoredItem.safeParse(item).success);
      assert.ok(Math.abs(item.negative + item.neutral + item.positive - 1) < 1e-6, 'probabilities sum to 1');
      assert.ok(item.model_version.length > 0);
      assert.equal(item.score, item.positive - item.negative);
      assert.equal(item.source, '127.0.0.1');
    }
    const first = await waitFor('a tick with round 1', 15_000, () => ticks.find((t) => t.current.n === headlines.round1.length));
    assert.ok(first.current.value !== null);
    assert.ok(first.point && first.point.n === headlines.round1.length, `the tick carries its minute as a point: ${JSON.stringify(first)}`);

    feed.serve([...headlines.round1, ...headlines.round2]);
    await stack.ingest.pollAll();
    const total = headlines.round1.length + headlines.round2.length;
    const second = await waitFor('a tick with round 2', 30_000, () => ticks.find((t) => t.current.n === total));
    assert.ok(second.current.value !== null);
    assert.notEqual(second.current.value, first.current.value, 'the 24 h value changed');
    // Round 2 is bad news: the model must pull the mean down.
    assert.ok(second.current.value < first.current.value, `${second.current.value} < ${first.current.value}`);
    const positive = [...scored.values()].find((i) => i.title === headlines.round1[0]);
    const negative = [...scored.values()].find((i) => i.title === headlines.round2[0]);
    assert.equal(positive?.label, 'positive');
    assert.equal(negative?.label, 'negative');
  });

  test('ClickHouse, the scored topic and the REST API hold the same rows and value', async () => {
    const rows = await queryLatestItems(stack.clickhouse, 100);
    assert.equal(rows.length, scored.size);
    for (const row of rows) {
      const seen = scored.get(row.id);
      assert.ok(seen, `row ${row.id} was delivered over the socket`);
      assert.equal(row.title, seen.title);
      assert.ok(Math.abs(row.positive - seen.positive) < 1e-12);
      assert.equal(row.model_version, seen.model_version);
    }

    const kafka = new Kafka({ brokers: stack.brokers, logLevel: logLevel.NOTHING });
    const reader = kafka.consumer({ groupId: `reader-${Date.now()}` });
    await reader.connect();
    await reader.subscribe({ topic: stack.topics.scored, fromBeginning: true });
    // What a consumer in another language does: validate against the published JSON Schema, no zod.
    const ajv = new Ajv2020({ allErrors: true });
    addFormats.default(ajv);
    const jsonSchema: object = JSON.parse(
      readFileSync(fileURLToPath(new URL('../../schemas/json/barometer.items.scored.v1.json', import.meta.url)), 'utf8'),
    );
    const validate = ajv.compile(jsonSchema);
    const onTopic = new Map<string, ScoredItem>();
    await reader.run({
      eachMessage: async ({ message }) => {
        const json: unknown = JSON.parse(message.value!.toString());
        assert.ok(validate(json), `JSON Schema: ${ajv.errorsText(validate.errors)}`);
        const parsed = ScoredItem.safeParse(json);
        assert.ok(parsed.success, 'every scored message validates against the schema');
        assert.equal(message.key?.toString(), parsed.data.id, 'keyed by item id');
        onTopic.set(parsed.data.id, parsed.data);
      },
    });
    await waitFor('the scored topic read back', 30_000, () => (onTopic.size >= rows.length ? true : undefined));
    await reader.disconnect();
    assert.deepEqual([...onTopic.keys()].sort(), rows.map((r) => r.id).sort());

    const res = await fetch(`${stack.address}/api/v1/sentiment?window=24h`);
    assert.equal(res.status, 200);
    const api = SentimentValue.parse(await res.json());
    const lastTick = ticks[ticks.length - 1]!;
    assert.equal(api.n, rows.length);
    assert.ok(api.value !== null && lastTick.current.value !== null);
    assert.ok(Math.abs(api.value - lastTick.current.value) < 1e-9, 'REST and socket agree');
    assert.equal(api.index, Math.round(50 * (api.value + 1)));
    const mean = rows.reduce((s, r) => s + r.score, 0) / rows.length;
    assert.ok(Math.abs(api.value - mean) < 1e-9, 'the value is the mean score of the rows');

    const items = await fetch(`${stack.address}/api/v1/items?limit=2`).then((r) => r.json() as Promise<{ items: unknown[] }>);
    assert.equal(items.items.length, 2);
    assert.equal((await fetch(`${stack.address}/api/v1/items?limit=9999`)).status, 400);
    assert.equal((await fetch(`${stack.address}/healthz`)).status, 200);

    // The gateway's try-the-model route runs the pipeline's own model: the same text scores the same
    // (to padding noise: in a batch the transformer pads to the longest title, alone it does not).
    const sample = rows[0]!;
    const tried = await fetch(`${stack.address}/api/v1/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ texts: [sample.title] }),
    });
    assert.equal(tried.status, 200);
    const score = ScoreResponse.parse(await tried.json());
    assert.equal(score.model_version, sample.model_version);
    for (const p of ['negative', 'neutral', 'positive'] as const)
      assert.ok(Math.abs(score.results[0]![p] - sample[p]) < 0.01, `${p}: ${score.results[0]![p]} vs ${sample[p]}`);
    const metrics = await (await fetch(`${stack.address}/metrics`)).text();
    assert.match(metrics, /barometer_live_ws_clients\{[^}]*\} 1\b|barometer_live_ws_clients 1\b/);
    assert.match(metrics, /barometer_live_items_received_total\{?[^\n]* [1-9]/);
    // One registry per process: scoring's and ingest's metrics are on the same /metrics.
    assert.match(metrics, /barometer_scoring_items_total\{[^}]*outcome="scored"[^}]*\} [1-9]/);
    assert.match(metrics, /barometer_scoring_batch_size_count\{?[^\n]* [1-9]/);
    assert.match(metrics, /barometer_ingest_items_published_total\{?[^\n]* [1-9]/);
  });

  test('invalid messages go to the DLQ with a reason and the pipeline carries on', async () => {
    const kafka = new Kafka({ brokers: stack.brokers, logLevel: logLevel.NOTHING });
    const producer = createProducer(kafka);
    await producer.connect();
    await producer.send({
      topic: stack.topics.raw,
      messages: [
        { key: 'bad-json', value: '{"v":1,' },
        { key: 'bad-schema', value: JSON.stringify({ v: 1, id: 'nope', title: '' }) },
        { key: 'bad-utf8', value: Buffer.from([0xff, 0xfe, 0xfd]) },
      ],
    });
    // Someone else's garbage on the scored topic must not stop the gateway's reader either.
    await producer.send({ topic: stack.topics.scored, messages: [{ key: 'x', value: 'not json' }, { key: 'y', value: '{"v":1}' }] });
    await producer.disconnect();
    const dlq: DlqMessage[] = [];
    const reader = kafka.consumer({ groupId: `dlq-reader-${Date.now()}` });
    await reader.connect();
    await reader.subscribe({ topic: stack.topics.dlq, fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void dlq.push(DlqMessage.parse(JSON.parse(message.value!.toString()))) });
    await waitFor('three dead letters', 30_000, () => (dlq.length >= 3 ? true : undefined));
    await reader.disconnect();
    assert.deepEqual(dlq.map((d) => d.reason).sort(), ['invalid_json', 'invalid_schema', 'invalid_utf8']);
    const utf8 = dlq.find((d) => d.reason === 'invalid_utf8')!;
    assert.deepEqual([...Buffer.from(utf8.value_base64, 'base64')], [0xff, 0xfe, 0xfd], 'the original bytes are kept');
    assert.match(dlq.find((d) => d.reason === 'invalid_schema')!.detail, /id/);

    feed.serve([...headlines.round1, ...headlines.round2, ...headlines.round3]);
    await stack.ingest.pollAll();
    // The socket still delivers after poison on both topics.
    await waitFor('an item after the poison', 30_000, () => [...scored.values()].find((i) => i.title.includes('Solana outage')));
  });
});
