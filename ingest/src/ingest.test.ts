// The pipeline end to end within ingest: feeds on a local server → RSS sources → cleaning, filters and
// dedup → the real broker; health in process, on the compacted sources topic and in the metrics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { pino } from 'pino';
import { RawItem } from '@barometer/schemas/items';
import { SourceHealth } from '@barometer/schemas/api';
import { createMetricsRegistry } from '@barometer/runtime/metrics';
import { createProducer, ensureTopics } from '@barometer/runtime/kafka';
import { createIngest, type Ingest } from './ingest.ts';
import { createRssSources } from './rss-source.ts';
import { createSsrfGuard } from './ssrf-guard.ts';
import { DEFAULT_FILTERS } from './quality-filters.ts';
import type { IngestSource } from './source.ts';

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];

function rss(items: { title: string; ago?: number; date?: string }[], language = 'en-us'): string {
  const now = Date.now();
  const body = items
    .map((i, n) => `<item><title><![CDATA[${i.title}]]></title><link>https://wire.example/${n}</link>` +
      `<pubDate>${i.date ?? new Date(now - (i.ago ?? 60) * 1000).toUTCString()}</pubDate></item>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>w</title><link>https://wire.example/</link><language>${language}</language>${body}</channel></rss>`;
}

describe('ingest pipeline against the broker', { skip: brokers.length === 0 ? 'KAFKA_BROKERS not set' : false }, () => {
  let server: Server;
  let base: string;
  let producer: Producer;
  let ingest: Ingest;
  let etagHits = 0;
  const run = randomUUID().slice(0, 8);
  const topics = { raw: `test-${run}.items.raw.v1`, scored: `test-${run}.items.scored.v1`, dlq: `test-${run}.items.dlq.v1`, sources: `test-${run}.sources.health.v1` };
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'ingest-test' });
  const registry = createMetricsRegistry();
  const guard = createSsrfGuard({ allow: ['127.0.0.1'] });
  const disabled: IngestSource = {
    id: 'x:filtered-stream', kind: 'x', name: 'X filtered stream', enabled: false,
    start: async () => {}, stop: async () => {}, nextPollAt: () => null,
  };

  before(async () => {
    const feeds: Record<string, string> = {
      '/a': rss([
        { title: '<b>Bitcoin</b> climbs above $97,000 as ETF inflows &amp; futures rise 🚀 https://t.co/x' },
        { title: 'Ethereum developers schedule the next network upgrade for March' },
        { title: 'Is this the end of the altcoin season for good?' },
        { title: '7 altcoins that could make you rich before 2027' },
        { title: 'XRP rallies' },
        { title: 'Old news about the markets from many days ago', ago: 30 * 86_400 },
        { title: 'Le bitcoin recule après les annonces de la banque centrale' },
        { title: 'Ethereum developers schedule the next network upgrade for March!' },
      ]),
      '/b': rss([{ title: 'BITCOIN climbs above $97,000 as ETF inflows & futures rise' }, { title: 'Solana validators ship a fix after a brief network slowdown' }]),
    };
    server = createServer((req, res) => {
      if (req.url === '/fail') return void res.writeHead(503).end();
      if (req.url === '/etag') {
        etagHits++;
        if (req.headers['if-none-match'] === '"e1"') return void res.writeHead(304).end();
        return void res.writeHead(200, { etag: '"e1"' }).end(rss([{ title: 'Gold holds near a record as the dollar weakens further' }]));
      }
      const body = feeds[req.url ?? ''];
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
    await ensureTopics(kafka, topics, log, 1);
    producer = createProducer(kafka);
    await producer.connect();
    const schedule = { intervalMs: 3_600_000, jitter: 0.1, backoffBaseMs: 60_000, backoffMaxMs: 3_600_000, timeoutMs: 5000, maxBytes: 1 << 20, firstReadWithinMs: 3_600_000 };
    const sources = createRssSources(
      ['/a', '/b', '/fail', '/etag'].map((p) => ({ url: `${base}${p}`, name: `Feed ${p}` })),
      schedule,
      // The timers' first reads come at the end of their hour, so only pollAll reads in this test. With
      // Math.random each feed's first timed read had a few-seconds-in-an-hour chance to land inside the test
      // and read a feed a third time (clean-clone CI on 07f27e5: /fail's consecutive_failures 3 !== 2;
      // forced with random 0.001, /a's items_seen reads 24).
      { guard, log, metrics: registry, random: () => 1 },
    );
    ingest = createIngest({
      producer, topics, sources: [...sources, disabled], log, metrics: registry, filters: DEFAULT_FILTERS,
      tagAssets: (text) => (/bitcoin/i.test(text) ? ['BTC'] : []),
      healthFlushMs: 200,
    });
    await ingest.start();
  });

  after(async () => {
    await ingest?.stop();
    await producer?.disconnect();
    await guard.close();
    await new Promise<void>((r) => server.close(() => r()));
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => {});
    await admin.disconnect();
  });

  test('one poll publishes clean, filtered, deduplicated items; health, metrics and the sources topic follow', async () => {
    const first = await ingest.pollAll();
    assert.equal(first.failed, 1);
    const second = await ingest.pollAll();
    assert.equal(second.published, 0, 're-reading the same feeds publishes nothing new');
    assert.equal(etagHits, 2);

    const raw = new Map<string, RawItem>();
    const health = new Map<string, SourceHealth>();
    const reader = kafka.consumer({ groupId: `reader-${run}` });
    await reader.connect();
    await reader.subscribe({ topics: [topics.raw, topics.sources], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ topic, message }) => {
        const json: unknown = JSON.parse(message.value!.toString());
        if (topic === topics.raw) {
          const item = RawItem.parse(json);
          assert.equal(message.key!.toString(), item.id);
          raw.set(item.id, item);
        } else {
          const h = SourceHealth.parse(json);
          assert.equal(message.key!.toString(), h.id);
          health.set(h.id, h);
        }
      },
    });
    const deadline = Date.now() + 20_000;
    // Health records are published on change (debounced per source), so the failing feed's record may
    // follow its first one: wait for what the assertions below read, not just for a record per source.
    const settled = () =>
      raw.size >= first.published && health.size >= 5 && health.get(`rss:${base}/fail`)?.status === 'failing' && health.get('x:filtered-stream') !== undefined;
    while (!settled() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await reader.disconnect();

    const titles = [...raw.values()].map((i) => i.title).sort();
    assert.deepEqual(titles, [
      'Bitcoin climbs above $97,000 as ETF inflows & futures rise',
      'Ethereum developers schedule the next network upgrade for March',
      'Gold holds near a record as the dollar weakens further',
      'Solana validators ship a fix after a brief network slowdown',
    ]);
    assert.equal(first.published, 4);
    const btc = [...raw.values()].find((i) => i.title.startsWith('Bitcoin'))!;
    assert.deepEqual(btc.assets, ['BTC']);
    assert.equal(btc.lang, 'en');
    assert.equal(btc.story_id, btc.id);
    assert.equal(btc.source, '127.0.0.1');

    const byId = new Map(ingest.health().map((h) => [h.id, h]));
    const a = byId.get(`rss:${base}/a`)!;
    assert.equal(a.status, 'ok');
    assert.equal(a.name, 'Feed /a');
    assert.equal(a.items_seen, 16);
    assert.equal(a.items_published, 2);
    assert.ok(a.last_item_at !== null && a.next_poll_at !== null);
    const fail = byId.get(`rss:${base}/fail`)!;
    assert.equal(fail.status, 'failing');
    assert.equal(fail.consecutive_failures, 2);
    assert.match(fail.last_error ?? '', /FEED_HTTP_STATUS/);
    assert.equal(byId.get('x:filtered-stream')!.status, 'disabled');
    assert.equal(byId.get(`rss:${base}/etag`)!.status, 'ok', 'a 304 is a success');
    assert.equal(health.get('x:filtered-stream')?.status, 'disabled', 'disabled sources are on the topic too');
    assert.equal(health.get(`rss:${base}/fail`)?.status, 'failing');

    const text = await registry.metrics();
    const value = (line: string) => Number(new RegExp(`^${line.replace(/[{}"$]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.equal(value('barometer_ingest_items_filtered_total{reason="question"}'), 1);
    assert.equal(value('barometer_ingest_items_filtered_total{reason="clickbait"}'), 1);
    assert.equal(value('barometer_ingest_items_filtered_total{reason="too_short"}'), 1);
    assert.equal(value('barometer_ingest_items_filtered_total{reason="too_old"}'), 1);
    assert.equal(value('barometer_ingest_items_filtered_total{reason="language"}'), 1);
    assert.equal(value('barometer_ingest_duplicates_total'), 1, 'feed /b repeats one of /a\'s headlines');
    assert.equal(value('barometer_ingest_items_published_total{source_kind="rss"}'), 4);
    assert.equal(value(`barometer_ingest_source_up{source="rss:${base}/fail"}`), 0);
    assert.equal(value(`barometer_ingest_source_up{source="rss:${base}/a"}`), 1);
    assert.ok(value('barometer_ingest_fetch_duration_seconds_count{outcome="not_modified"}') >= 1);
  });
});
