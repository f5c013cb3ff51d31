// The gateway as a service: the real broker, chDB and a real socket.io client on an ephemeral port.
// Covers snapshot-then-stream, asset rooms, tick throttling, connection-state recovery and the
// sources table read from the compacted topic.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { io as connect, type Socket } from 'socket.io-client';
import type { ScoredItem } from '@barometer/schemas/items';
import { SourcesResponse, type SourceHealth } from '@barometer/schemas/api';
import { MAX_SUBSCRIPTIONS, type ClientToServerEvents, type SentimentSnapshot, type SentimentTick, type ServerToClientEvents, type SubscribeAck } from '@barometer/schemas/socket';
import { createClickHouse, type ClickHouseClient } from '@barometer/analytics/client';
import { migrate } from '@barometer/analytics/migrate';
import { insertScoredItems } from '@barometer/analytics/scored-items';
import { createProducer, ensureTopics } from '@barometer/runtime/kafka';
import { createMetricsRegistry } from '@barometer/runtime/metrics';
import { createLive, type Live } from './live.ts';
import { ROOM_REQUESTS_PER_WINDOW } from './socket-gateway.ts';
import { scored } from './test-items.ts';

const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const TICK_MS = 400;
const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

interface Recorder {
  socket: Client;
  snapshots: SentimentSnapshot[];
  ticks: { at: number; tick: SentimentTick }[];
  items: ScoredItem[];
}

async function waitFor<T>(what: string, ms: number, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live gateway over socket.io', { skip: brokers.length === 0 ? 'KAFKA_BROKERS is not set' : false }, () => {
  let dir: string;
  let ch: ClickHouseClient;
  let live: Live;
  let address: string;
  let producer: Producer;
  const run = randomUUID().slice(0, 8);
  const topics = { raw: `live-${run}.raw`, scored: `live-${run}.scored`, dlq: `live-${run}.dlq`, sources: `live-${run}.sources` };
  const clients: Client[] = [];
  let n = 100;

  function client(): Recorder {
    const socket: Client = connect(address, { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 200 });
    clients.push(socket);
    const r: Recorder = { socket, snapshots: [], ticks: [], items: [] };
    socket.on('sentiment:snapshot', (s) => r.snapshots.push(s));
    socket.on('sentiment:tick', (tick) => r.ticks.push({ at: Date.now(), tick }));
    socket.on('item:scored', (i) => r.items.push(i));
    return r;
  }

  /** What scoring does for each batch: one insert, then the scored topic. */
  async function score(items: ScoredItem[]): Promise<void> {
    await insertScoredItems(ch, items, `t-${items[0]!.id}`);
    await producer.send({ topic: topics.scored, messages: items.map((i) => ({ key: i.id, value: JSON.stringify(i) })) });
  }
  const next = (score: number, assets: string[] = []) => scored(n++, score, 0, { assets });

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'barometer-live-socket-'));
    ch = createClickHouse({ kind: 'embedded', dataDir: dir });
    await migrate(ch, log);
    await insertScoredItems(ch, [scored(1, 0.5, 10, { assets: ['BTC'] }), scored(2, -0.5, 20, { assets: ['ETH'] })], 'seed');
    const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
    await ensureTopics(kafka, topics, log, 2);
    producer = createProducer(kafka);
    await producer.connect();
    live = await createLive({
      clickhouse: ch, kafka, topics, groupId: `live-${run}`, log, metrics: createMetricsRegistry(), tickIntervalMs: TICK_MS,
    });
    address = await live.start({ port: 0, host: '127.0.0.1' });
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await live?.stop();
    await producer?.disconnect();
    await ch?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('connect: the overall snapshot first, then items and ticks as they are scored', async () => {
    const c = client();
    const snap = await waitFor('the snapshot', 5000, () => c.snapshots[0]);
    assert.equal(snap.asset, null);
    assert.equal(snap.current.n, 2);
    assert.deepEqual(snap.items.map((i) => i.title), ['Item 1', 'Item 2']);
    assert.ok(snap.compare, 'yesterday / last week / last month');
    assert.equal(snap.series.length > 0, true);

    const item = next(0.8, ['BTC']);
    await score([item]);
    await waitFor('the item', 10_000, () => c.items.find((i) => i.id === item.id));
    const tick = await waitFor('a tick', 5000, () => c.ticks.find((t) => t.tick.current.n === 3));
    assert.equal(tick.tick.asset, null);
    // The point is null only if the minute turned between scoring and the tick (its minute has no item).
    if (tick.tick.point) assert.deepEqual([tick.tick.point.n, tick.tick.point.step_n], [3, 1], 'window count and the one item of this minute');
    assert.equal(c.snapshots.length, 1, 'one snapshot per connection');
  });

  test('subscribe: one snapshot per new asset room, then only that room’s ticks; bad requests are refused in the ack', async () => {
    const c = client();
    await waitFor('the snapshot', 5000, () => c.snapshots[0]);
    const ack: SubscribeAck = await c.socket.emitWithAck('subscribe', { assets: ['BTC', 'SOL'] });
    assert.deepEqual(ack, { ok: true, assets: ['BTC', 'SOL'] });
    const btc = c.snapshots.find((s) => s.asset === 'BTC');
    assert.ok(btc && c.snapshots.find((s) => s.asset === 'SOL'));
    assert.ok(btc.items.every((i) => i.assets.includes('BTC')));
    // Subscribing again to a held room sends nothing new.
    assert.deepEqual(await c.socket.emitWithAck('subscribe', { assets: ['BTC'] }), { ok: true, assets: ['BTC', 'SOL'] });
    assert.equal(c.snapshots.length, 3);

    const bad = await c.socket.emitWithAck('subscribe', { assets: ['not an asset'] } as never);
    assert.equal(bad.ok, false);
    const many = Array.from({ length: MAX_SUBSCRIPTIONS - 1 }, (_, i) => `A${i}`);
    const over: SubscribeAck = await c.socket.emitWithAck('subscribe', { assets: many });
    assert.equal(over.ok, false);
    assert.match(over.ok ? '' : over.error, /at most/);

    const ticksBefore = c.ticks.length;
    await score([next(-0.9, ['BTC'])]);
    const btcTick = await waitFor('a BTC tick', 5000, () => c.ticks.find((t) => t.tick.asset === 'BTC'));
    assert.equal(btcTick.tick.current.asset, 'BTC');
    await waitFor('the overall tick', 5000, () => c.ticks.slice(ticksBefore).find((t) => t.tick.asset === null));
    await sleep(TICK_MS * 2);
    assert.equal(c.ticks.filter((t) => t.tick.asset === 'SOL').length, 0, 'no SOL item, no SOL tick');

    assert.deepEqual(await c.socket.emitWithAck('unsubscribe', { assets: ['BTC'] }), { ok: true, assets: ['SOL'] });
    const btcTicks = c.ticks.filter((t) => t.tick.asset === 'BTC').length;
    await score([next(0.9, ['BTC'])]);
    await waitFor('the overall tick after unsubscribe', 5000, () => c.ticks.find((t) => t.tick.asset === null && t.tick.current.n === 5));
    await sleep(TICK_MS * 2);
    assert.equal(c.ticks.filter((t) => t.tick.asset === 'BTC').length, btcTicks, 'no BTC ticks after unsubscribe');
  });

  test('a connection that keeps changing rooms is told to slow down', async () => {
    const c = client();
    await waitFor('the snapshot', 5000, () => c.snapshots[0]);
    const acks: SubscribeAck[] = [];
    for (let i = 0; i < ROOM_REQUESTS_PER_WINDOW + 1; i++) acks.push(await c.socket.emitWithAck(i % 2 ? 'unsubscribe' : 'subscribe', { assets: ['DOGE'] }));
    assert.ok(acks.slice(0, ROOM_REQUESTS_PER_WINDOW).every((a) => a.ok));
    const last = acks[ROOM_REQUESTS_PER_WINDOW]!;
    assert.equal(last.ok, false);
    assert.match(last.ok ? '' : last.error, /requests per/);
  });

  test('ticks are throttled: a burst of items gives at most one tick per room per interval', async () => {
    const c = client();
    await waitFor('the snapshot', 5000, () => c.snapshots[0]);
    await c.socket.emitWithAck('subscribe', { assets: ['ETH'] });
    const from = c.ticks.length;
    const burst: ScoredItem[] = [];
    for (let i = 0; i < 12; i++) {
      const item = next(i % 2 ? 0.3 : -0.3, ['ETH']);
      burst.push(item);
      await score([item]);
      await sleep(TICK_MS / 4);
    }
    await waitFor('every burst item', 10_000, () => (burst.every((b) => c.items.some((i) => i.id === b.id)) ? true : undefined));
    await sleep(TICK_MS * 2);
    for (const asset of [null, 'ETH']) {
      const times = c.ticks.slice(from).filter((t) => t.tick.asset === asset).map((t) => t.at);
      assert.ok(times.length >= 2, `${asset ?? 'overall'} ticked during the burst`);
      // 12 items over ~3 intervals: fewer ticks than items, and never two within one interval (less timer jitter).
      assert.ok(times.length < burst.length, `${times.length} ticks for ${burst.length} items`);
      for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= TICK_MS * 0.7, `gap ${times[i]! - times[i - 1]!} ms`);
    }
  });

  test('recovery: a short disconnect replays missed events without a new snapshot; a room dropped meanwhile is resynced', async () => {
    const c = client();
    const observer = client();
    await waitFor('the snapshots', 5000, () => c.snapshots[0] && observer.snapshots[0]);
    // XRP: this client is its only member, so the room (and its feed) goes away while it is disconnected.
    await c.socket.emitWithAck('subscribe', { assets: ['XRP'] });
    const snapshots = c.snapshots.length;
    // Drop the transport as a network failure would, and hold the reconnect until the item went out.
    c.socket.io.reconnection(false);
    const dropped = new Promise<void>((resolve) => c.socket.once('disconnect', () => resolve()));
    c.socket.io.engine.close();
    await dropped;
    const missed = next(0.1);
    await score([missed]);
    await waitFor('the item sent while away', 10_000, () => observer.items.find((i) => i.id === missed.id));
    assert.equal(c.items.find((i) => i.id === missed.id), undefined);
    c.socket.connect();
    await waitFor('reconnected', 5000, () => (c.socket.connected ? true : undefined));
    assert.equal(c.socket.recovered, true);
    await waitFor('the missed item, replayed', 10_000, () => c.items.find((i) => i.id === missed.id));
    const resync = await waitFor('the XRP room resynced', 5000, () => c.snapshots.slice(snapshots).find((s) => s.asset === 'XRP'));
    assert.equal(resync.asset, 'XRP');
    assert.equal(c.snapshots.slice(snapshots).filter((s) => s.asset === null).length, 0, 'no overall snapshot: nothing was lost there');
  });

  test('GET /api/v1/sources: the latest valid record per source from the compacted topic; /metrics has the gateway gauges', async () => {
    const health = (id: string, status: SourceHealth['status'], at: string): SourceHealth => ({
      v: 1, id, kind: 'rss', name: id, status, last_success_at: null, last_error: null, last_error_at: null, consecutive_failures: 0,
      items_seen: 0, items_published: 0, last_item_at: null, lag_seconds: null, next_poll_at: null, updated_at: at,
    });
    await producer.send({
      topic: topics.sources,
      messages: [
        { key: 'rss:a', value: JSON.stringify(health('rss:a', 'failing', '2025-01-01T00:00:00.000Z')) },
        { key: 'rss:b', value: JSON.stringify(health('rss:b', 'ok', '2025-01-01T00:00:00.000Z')) },
        { key: 'rss:a', value: JSON.stringify(health('rss:a', 'ok', '2025-01-01T00:01:00.000Z')) },
        { key: 'junk', value: '{"v":1}' },
        { key: 'rss:b', value: null },
      ],
    });
    const sources = await waitFor('the sources table', 15_000, async () => {
      const { sources } = SourcesResponse.parse((await live.app.inject('/api/v1/sources')).json());
      return sources.length === 1 && sources[0]!.status === 'ok' ? sources : undefined;
    });
    assert.deepEqual(sources.map((s) => [s.id, s.status]), [['rss:a', 'ok']]);
    const metrics = await live.app.inject('/metrics');
    assert.match(metrics.body, /barometer_live_ws_clients \d+/);
    assert.match(metrics.body, /barometer_live_ticks_total [1-9]/);
    assert.match(metrics.body, /barometer_live_tick_fanout_seconds_bucket/);
  });
});
