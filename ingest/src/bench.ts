// `npm run bench -w @barometer/ingest`: items/s one ingest process publishes (feeds on a loopback
// server → RSS sources → the whole pipeline → a real Kafka broker) and the memory it holds.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { createMetricsRegistry } from '@barometer/runtime/metrics';
import { createProducer, ensureTopics } from '@barometer/runtime/kafka';
import { createIngest } from './ingest.ts';
import { createRssSources } from './rss-source.ts';
import { createSsrfGuard } from './ssrf-guard.ts';
import { tagAssets } from './asset-tagger.ts';
import { createStoryGrouper } from './story-grouper.ts';

const FEEDS = Number(process.env.BENCH_FEEDS ?? 50);
const ITEMS = Number(process.env.BENCH_ITEMS_PER_FEED ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean);
if (!brokers?.length) {
  process.stderr.write('bench: set KAFKA_BROKERS (e.g. via `tsx kafka-local/src/with-kafka.ts`)\n');
  process.exit(2);
}

const SUBJECTS = ['Bitcoin', 'Ethereum', 'Solana', 'The Nasdaq', 'Gold', 'The dollar', 'Oil', 'XRP', 'Treasury yields', 'European stocks'];
const VERBS = ['climbs', 'slides', 'holds steady', 'jumps', 'falls', 'rebounds', 'edges higher', 'drops sharply'];
const REASONS = ['after the Fed decision', 'as ETF flows grow', 'on inflation data', 'amid regulatory news', 'as traders take profit', 'after earnings'];
let round = 0;

function feedBody(feed: number): string {
  const now = Date.now();
  const items: string[] = [];
  for (let i = 0; i < ITEMS; i++) {
    const n = (round * FEEDS + feed) * ITEMS + i;
    const title = `${SUBJECTS[n % SUBJECTS.length]} ${VERBS[(n >> 3) % VERBS.length]} ${REASONS[(n >> 5) % REASONS.length]} in session ${n}`;
    items.push(`<item><title>${title}</title><link>https://wire.example/${n}</link><pubDate>${new Date(now - (i + 1) * 1000).toUTCString()}</pubDate></item>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>f${feed}</title><link>https://wire.example/</link><language>en</language>${items.join('')}</channel></rss>`;
}

const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(feedBody(Number(req.url?.slice(1) ?? 0)));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const log = pino({ level: 'warn' });
const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'ingest-bench' });
const run = randomUUID().slice(0, 8);
const topics = { raw: `bench-${run}.items.raw.v1`, scored: `bench-${run}.scored`, dlq: `bench-${run}.dlq`, sources: `bench-${run}.sources` };
await ensureTopics(kafka, topics, log);
const producer = createProducer(kafka);
await producer.connect();
const guard = createSsrfGuard({ allow: ['127.0.0.1'] });
const metrics = createMetricsRegistry();
const schedule = { intervalMs: 3_600_000, jitter: 0, backoffBaseMs: 60_000, backoffMaxMs: 3_600_000, timeoutMs: 30_000, maxBytes: 5 << 20, firstReadWithinMs: 3_600_000 };
// random 1: the timers' first reads come an hour out, so only the bench's own polls read the feeds.
const sources = createRssSources(Array.from({ length: FEEDS }, (_, i) => ({ url: `${base}/${i}`, name: `feed ${i}` })), schedule, { guard, log, metrics, random: () => 1 });
// BENCH_NO_STORIES=1 measures the pipeline without story grouping, to see what the grouper costs.
const stories = process.env.BENCH_NO_STORIES === '1' ? undefined : createStoryGrouper();
const ingest = createIngest({ producer, topics, sources, log, metrics, tagAssets, stories });
await ingest.start();

const mib = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
const before = process.memoryUsage();
let published = 0;
const started = performance.now();
for (round = 0; round < ROUNDS; round++) published += (await ingest.pollAll()).published;
const seconds = (performance.now() - started) / 1000;
(globalThis as { gc?: () => void }).gc?.();
const after = process.memoryUsage();
const result = {
  feeds: FEEDS,
  items_per_feed: ITEMS,
  rounds: ROUNDS,
  published,
  seconds: Math.round(seconds * 100) / 100,
  items_per_second: Math.round(published / seconds),
  rss_mib: mib(after.rss),
  heap_used_mib: mib(after.heapUsed),
  heap_growth_mib: mib(after.heapUsed - before.heapUsed),
  gc_forced: typeof (globalThis as { gc?: unknown }).gc === 'function',
};
process.stdout.write(`${JSON.stringify(result)}\n`);

// The two per-item stages on their own (they ran inside the pipeline above): the story grouper on
// 5,000 near-identical headlines (its worst case: every item is an LSH candidate of many), the
// asset tagger on finance headlines.
function microsecondsPerItem(texts: readonly string[], fn: (text: string, i: number) => void): number {
  const t0 = performance.now();
  texts.forEach(fn);
  return Math.round(((performance.now() - t0) * 1000 * 10) / texts.length) / 10;
}
const similar = Array.from({ length: 5000 }, (_, i) => `Bitcoin ETF market update ${i} shows flows in fund ${i % 97} and ${i % 89}`);
const grouper = createStoryGrouper({ capacity: 20_000 });
const at = new Date('2024-01-01T00:00:00Z');
const headlines = Array.from({ length: 5000 }, (_, i) => `${['Bitcoin', 'Ethereum', 'Solana', 'Apple', 'Nasdaq'][i % 5]} ${i % 2 ? 'rallies' : 'slides'} as traders weigh ${i % 7 ? 'the Fed' : 'ETF flows'} (${i})`);
process.stdout.write(
  `${JSON.stringify({
    story_grouper_us_per_item: microsecondsPerItem(similar, (text, i) => grouper.assign(`i${i}`, text, at)),
    asset_tagger_us_per_item: microsecondsPerItem(headlines, (text) => tagAssets(text)),
  })}\n`,
);

await ingest.stop();
await producer.disconnect();
await guard.close();
server.close();
const admin = kafka.admin();
await admin.connect();
await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => {});
await admin.disconnect();
