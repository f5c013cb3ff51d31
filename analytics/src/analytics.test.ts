// Migrations, inserts and the sentiment queries against a real embedded ClickHouse engine (chDB).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { ScoredItem } from '@barometer/schemas/items';
import { createClickHouse, type ClickHouseClient } from './clickhouse-client.ts';
import { migrate } from './migrate.ts';
import { insertScoredItems, queryLatestItems } from './scored-items.ts';
import { queryMinuteBuckets, queryRollingSeries, querySentimentWindow } from './sentiment-queries.ts';

const log = pino({ level: 'silent' });
const MIN = 60_000;

function item(id: number, publishedAt: Date, score: number): ScoredItem {
  const positive = score > 0 ? score : 0;
  const negative = score < 0 ? -score : 0;
  return {
    v: 1,
    id: id.toString(16).padStart(32, '0'),
    title: `Headline number ${id}`,
    url: id % 2 === 0 ? `https://example.com/${id}` : null,
    source: 'example.com',
    source_kind: 'rss',
    story_id: id.toString(16).padStart(32, '0'),
    lang: 'en',
    published_at: publishedAt.toISOString(),
    ingested_at: publishedAt.toISOString(),
    assets: ['BTC'],
    negative,
    neutral: 1 - positive - negative,
    positive,
    label: score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral',
    entropy: 0.5,
    score,
    model_version: 'test-1',
    scored_at: publishedAt.toISOString(),
  };
}

describe('analytics on chDB', () => {
  let dir: string;
  let ch: ClickHouseClient;
  const asOf = new Date(Date.UTC(2026, 10, 23, 12, 30, 15));

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'barometer-analytics-'));
    ch = createClickHouse({ kind: 'embedded', dataDir: dir });
    await migrate(ch, log);
  });
  after(async () => {
    await ch.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('migrations are idempotent', async () => {
    assert.deepEqual(await migrate(ch, log), []);
  });

  test('window value, buckets and rolling series agree with the rows', async () => {
    const rows = [
      item(1, new Date(asOf.getTime() - 30 * 60 * MIN), 0.9), // 30 h ago: outside 24 h, inside 7 d
      item(2, new Date(asOf.getTime() - 10 * 60 * MIN), 0.5),
      item(3, new Date(asOf.getTime() - 10 * 60 * MIN + 5000), -0.3), // same minute as item 2
      item(4, new Date(asOf.getTime() - 2 * MIN), -0.8),
      item(5, new Date(asOf.getTime() + 60 * MIN), 1), // future: outside every window
    ];
    await insertScoredItems(ch, rows, 'batch-a');

    const day = await querySentimentWindow(ch, '24h', asOf);
    assert.equal(day.n, 3);
    assert.ok(day.value !== null && Math.abs(day.value - (0.5 - 0.3 - 0.8) / 3) < 1e-9);
    assert.equal(day.index, Math.round(50 * ((0.5 - 0.3 - 0.8) / 3 + 1)));
    assert.equal(day.as_of, asOf.toISOString());

    const week = await querySentimentWindow(ch, '7d', asOf);
    assert.equal(week.n, 4);

    const empty = await querySentimentWindow(ch, '1h', new Date(asOf.getTime() - 5 * 3600_000));
    assert.deepEqual([empty.n, empty.value, empty.index], [0, null, null]);

    const buckets = await queryMinuteBuckets(ch, new Date(asOf.getTime() - 2 * 86400_000), asOf);
    assert.equal(buckets.length, 3);
    assert.equal(buckets[1]!.n, 2);
    assert.ok(Math.abs(buckets[1]!.sum - 0.2) < 1e-9);

    const series = await queryRollingSeries(ch, asOf);
    // Two minutes inside the last 24 h had items; item 1 (30 h ago) still weighs in on the first of them.
    assert.equal(series.length, 2);
    assert.equal(series[0]!.n, 3);
    assert.ok(Math.abs(series[0]!.value - (0.9 + 0.5 - 0.3) / 3) < 1e-9);
    assert.equal(series[1]!.n, 3, 'the 24 h window ending at the last minute no longer holds item 1');
    assert.ok(Math.abs(series[1]!.value - day.value!) < 1e-9, 'the last point equals the 24 h value');
  });

  test('a redelivered batch with the same token is not written twice', async () => {
    const batch = [item(100, new Date(asOf.getTime() - 5 * MIN), 0.2), item(101, new Date(asOf.getTime() - 5 * MIN), 0.4)];
    await insertScoredItems(ch, batch, 'batch-b');
    await insertScoredItems(ch, batch, 'batch-b');
    const rs = await ch.query({
      query: "SELECT toUInt32(count()) AS n FROM barometer.scored_items WHERE id IN ({ids: Array(String)})",
      query_params: { ids: batch.map((b) => b.id) },
      format: 'JSONEachRow',
    });
    assert.deepEqual(await rs.json(), [{ n: 2 }]);
  });

  test('latest items come back in the wire shape, newest first', async () => {
    const latest = await queryLatestItems(ch, 3);
    assert.equal(latest.length, 3);
    assert.equal(latest[0]!.id, item(5, asOf, 0).id);
    const byId = latest.find((i) => i.id === item(4, asOf, 0).id);
    assert.ok(byId);
    assert.equal(byId.url, 'https://example.com/4');
    assert.ok(latest.every((i) => i.published_at.endsWith('Z')));
    assert.ok(Date.parse(latest[0]!.published_at) >= Date.parse(latest[1]!.published_at));
  });
});
