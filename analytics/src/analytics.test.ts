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
import { runReadOnlySql } from './read-only-sql.ts';
import { insertScoredItems, queryLatestItems, queryStoredScores } from './scored-items.ts';
import { queryHistory, queryRollingSeries, querySentiment, queryWhy } from './sentiment-queries.ts';

const log = pino({ level: 'silent' });
const counts = ({ inserted, skipped }: { inserted: number; skipped: number }) => ({ inserted, skipped });
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

  test('retention comes from configuration and can be lifted', async () => {
    const ttlOf = async (table: string) => {
      const rs = await ch.query({
        query: "SELECT create_table_query AS q FROM system.tables WHERE database = 'barometer' AND name = {t: String}",
        query_params: { t: table },
        format: 'JSONEachRow',
      });
      return /TTL (.*?) SETTINGS/.exec((await rs.json<{ q: string }>())[0]!.q)?.[1] ?? null;
    };
    await migrate(ch, log, { retentionDays: 90, rollupRetentionDays: 400 });
    assert.match((await ttlOf('scores')) ?? '', /toIntervalDay\(90\)/);
    assert.match((await ttlOf('sentiment_minute_state')) ?? '', /toIntervalDay\(400\)/);
    await migrate(ch, log, { retentionDays: 0, rollupRetentionDays: 0 });
    assert.equal(await ttlOf('scores'), null);
  });

  test('window value, band, baseline and rolling series agree with the rows', async () => {
    const rows = [
      item(1, new Date(asOf.getTime() - 30 * 60 * MIN), 0.9), // 30 h ago: outside 24 h, inside 7 d
      item(2, new Date(asOf.getTime() - 10 * 60 * MIN), 0.5),
      item(3, new Date(asOf.getTime() - 10 * 60 * MIN + 5000), -0.3), // same minute as item 2
      item(4, new Date(asOf.getTime() - 2 * MIN), -0.8),
      item(5, new Date(asOf.getTime() + 60 * MIN), 1), // future: outside every window
    ];
    await insertScoredItems(ch, rows, 'batch-a');

    const day = await querySentiment(ch, { window: '24h', asOf });
    const scores = [0.5, -0.3, -0.8];
    const mean = scores.reduce((a, b) => a + b) / 3;
    assert.equal(day.n, 3);
    assert.ok(day.value !== null && Math.abs(day.value - mean) < 1e-9);
    assert.equal(day.index, Math.round(50 * (mean + 1)));
    assert.equal(day.as_of, asOf.toISOString());
    const sd = Math.sqrt(scores.reduce((a, x) => a + (x - mean) ** 2, 0) / 2);
    assert.ok(day.band && Math.abs(day.band.low - (mean - (1.96 * sd) / Math.sqrt(3))) < 1e-9, 'band is mean ± 1.96·s/√n');
    // The 20-day baseline holds item 1 too.
    const baseline = (0.9 + 0.5 - 0.3 - 0.8) / 4;
    assert.ok(day.baseline && Math.abs(day.baseline.value - baseline) < 1e-9);
    assert.ok(Math.abs(day.baseline.delta! - (mean - baseline)) < 1e-9);

    const week = await querySentiment(ch, { window: '7d', asOf });
    assert.equal(week.n, 4);

    const empty = await querySentiment(ch, { window: '1h', asOf: new Date(asOf.getTime() - 5 * 3600_000) });
    assert.deepEqual([empty.n, empty.value, empty.index, empty.band], [0, null, null, null]);

    const series = await queryRollingSeries(ch, asOf);
    // Gap-filled: every minute whose 24 h window holds an item, up to as_of's minute.
    const first = Math.floor((asOf.getTime() - 24 * 60 * MIN) / 60_000) * 60 + 60;
    assert.equal(series[0]!.time, first);
    assert.equal(series.at(-1)!.time, Math.floor(asOf.getTime() / 60_000) * 60);
    assert.equal(series.length, 1440);
    assert.equal(series[0]!.n, 1, 'at the start only item 1 (30 h ago) is in the window');
    assert.ok(Math.abs(series.at(-1)!.value - day.value!) < 1e-9, 'the last point equals the 24 h value');
    assert.equal(series.at(-1)!.n, 3);
    assert.equal(series.reduce((a, p) => a + p.step_n!, 0), 3, 'step counts add up to the items of the last 24 h');

    const hourly = await queryHistory(ch, { window: '24h', span: '7d', resolution: '1h', asOf });
    assert.ok(hourly.every((p, i) => i === 0 || p.time - hourly[i - 1]!.time === 3600));
    assert.ok(hourly.length > 0 && hourly.length <= 168);
    await assert.rejects(queryHistory(ch, { window: '1h', span: '24h', resolution: '4h', asOf }), { code: 'INVALID_QUERY' });
  });

  test('a story counts once, filters by asset and source, and why-it-moved sums to the change', async () => {
    const at = new Date(Date.UTC(2026, 9, 1, 12, 0, 0)); // a quiet day of its own
    const lead = { ...item(200, new Date(at.getTime() - 30 * MIN), 0.8), assets: ['ETH'], source: 'a.example' };
    const follower = { ...item(201, new Date(at.getTime() - 20 * MIN), 0.6), assets: ['ETH'], story_id: lead.id, source: 'b.example' };
    const other = { ...item(202, new Date(at.getTime() - 10 * MIN), -0.4), assets: ['SOL', 'ETH'], source: 'b.example' };
    const before = { ...item(203, new Date(at.getTime() - 90 * MIN), 0.1), assets: ['ETH'], source: 'a.example' };
    await insertScoredItems(ch, [lead, follower, other, before], 'batch-story');

    const hour = await querySentiment(ch, { window: '1h', asOf: at });
    assert.equal(hour.n, 2, 'the follower shares the lead\'s story and is not counted');
    assert.ok(Math.abs(hour.value! - (0.8 - 0.4) / 2) < 1e-9);
    const sol = await querySentiment(ch, { window: '1h', asset: 'SOL', asOf: at });
    assert.deepEqual([sol.n, sol.value, sol.asset], [1, -0.4, 'SOL']);
    const fromB = await querySentiment(ch, { window: '1h', source: 'b.example', asOf: at });
    assert.deepEqual([fromB.n, fromB.value], [1, -0.4]);

    const why = await queryWhy(ch, { window: '1h', asset: 'ETH', limit: 10, asOf: at });
    assert.equal(why.previous.n, 1);
    assert.ok(Math.abs(why.change! - ((0.8 - 0.4) / 2 - 0.1)) < 1e-9);
    const total = why.items.reduce((a, i) => a + i.contribution, 0);
    assert.ok(Math.abs(total - why.change!) < 1e-9, 'contributions sum to the change');
    // Previous mean 0.1, two counted items: the lead contributes (0.8 − 0.1)/2, the other (−0.4 − 0.1)/2.
    assert.deepEqual(why.items.map((i) => i.item.id), [lead.id, other.id], 'largest |contribution| first; the follower is not counted');

    const listed = await queryLatestItems(ch, { limit: 10, asset: 'ETH', source: 'b.example' });
    assert.deepEqual(listed.map((i) => i.id), [other.id, follower.id], 'the list shows every item, followers too');
    const negatives = await queryLatestItems(ch, { limit: 10, asset: 'SOL', label: 'negative' });
    assert.deepEqual(negatives.map((i) => i.id), [other.id]);
  });

  test('a redelivered batch, retried or cut differently, doubles neither rows nor rollups', async () => {
    const at = new Date(Date.UTC(2026, 8, 1, 12, 0, 0));
    const batch = [100, 101, 102].map((n, i) => item(n, new Date(at.getTime() - (5 + i) * MIN), 0.2 * i));
    const count = async (q: string) => {
      const rs = await ch.query({ query: q, query_params: { ids: batch.map((b) => b.id) }, format: 'JSONEachRow' });
      return (await rs.json<{ n: number }>())[0]!.n;
    };
    assert.deepEqual(counts(await insertScoredItems(ch, batch.slice(0, 2), 'p0/100-101')), { inserted: 2, skipped: 0 });
    // The same batch retried with its token (a timeout after the write)…
    assert.deepEqual(counts(await insertScoredItems(ch, batch.slice(0, 2), 'p0/100-101')), { inserted: 0, skipped: 2 });
    // …and redelivered after a crash before the commit, cut into a bigger batch with another token.
    assert.deepEqual(counts(await insertScoredItems(ch, batch, 'p0/100-102')), { inserted: 1, skipped: 2 });
    assert.equal(await count('SELECT toUInt32(count()) AS n FROM barometer.scores WHERE id IN {ids: Array(String)}'), 3);
    assert.equal(await count('SELECT toUInt32(count()) AS n FROM barometer.items FINAL WHERE id IN {ids: Array(String)}'), 3);
    const hour = await querySentiment(ch, { window: '1h', asOf: at });
    assert.equal(hour.n, 3, 'the rollups count each item once');
  });

  test('a crash between the raw-items and the scores INSERT: the redelivery writes no raw row twice', async (t) => {
    const at = new Date(Date.UTC(2026, 8, 2, 12, 0, 0));
    const batch = [110, 111, 112, 113].map((n, i) => item(n, new Date(at.getTime() - (5 + i) * MIN), 0.1 * i));
    const ids = { ids: batch.map((b) => b.id) };
    const physical = async () => {
      // Without FINAL: the rows as stored, before any merge could collapse a double.
      const rs = await ch.query({ query: 'SELECT toUInt32(count()) AS n FROM barometer.items WHERE id IN {ids: Array(String)}', query_params: ids, format: 'JSONEachRow' });
      return (await rs.json<{ n: number }>())[0]!.n;
    };
    // A background merge of the ReplacingMergeTree would collapse a double before it could be counted.
    await ch.command({ query: 'SYSTEM STOP MERGES barometer.items' });
    t.after(() => ch.command({ query: 'SYSTEM START MERGES barometer.items' }));
    // The first attempt wrote the raw rows of its first three items, then died before the scores.
    await ch.insert({
      table: 'barometer.items',
      values: batch.slice(0, 3).map((b) => ({
        id: b.id, title: b.title, url: b.url ?? '', source: b.source, source_kind: b.source_kind, published_at: b.published_at,
        ingested_at: b.ingested_at, assets: b.assets, story_id: b.story_id, lang: b.lang,
      })),
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplication_token: 'p1/110-112/items' },
    });
    assert.equal(await physical(), 3);
    // The redelivery is cut into a bigger batch, under another token: every item is scored, no raw row doubles.
    assert.deepEqual(counts(await insertScoredItems(ch, batch, 'p1/110-113')), { inserted: 4, skipped: 0 });
    assert.equal(await physical(), 4);
    const rs = await ch.query({ query: 'SELECT toUInt32(count()) AS n FROM barometer.scores WHERE id IN {ids: Array(String)}', query_params: ids, format: 'JSONEachRow' });
    assert.equal((await rs.json<{ n: number }>())[0]!.n, 4);
  });

  test('shadow rows stay out of the index but can be compared; a model swap does not rescore', async () => {
    const at = new Date(Date.UTC(2026, 7, 1, 12, 0, 0));
    const live = [item(300, new Date(at.getTime() - MIN), 0.5), item(301, new Date(at.getTime() - 2 * MIN), 0.1)];
    await insertScoredItems(ch, live, 'live-300');
    const candidate = live.map((i) => ({ ...i, score: -0.5, negative: 0.5, neutral: 0.5, positive: 0, model_version: 'cand-2' }));
    assert.deepEqual(counts(await insertScoredItems(ch, candidate, 'shadow-300', { shadow: true })), { inserted: 2, skipped: 0 });
    assert.deepEqual(counts(await insertScoredItems(ch, candidate, 'shadow-300b', { shadow: true })), { inserted: 0, skipped: 2 });
    const index = await querySentiment(ch, { window: '1h', asOf: at });
    assert.deepEqual([index.n, index.value], [2, 0.3]);
    const underCandidate = await querySentiment(ch, { window: '1h', modelVersion: 'cand-2', asOf: at });
    assert.deepEqual([underCandidate.n, underCandidate.value], [2, -0.5]);
    // After a promotion the new live version meets items the old one already scored: they are skipped.
    const promoted = candidate.map((i) => ({ ...i, model_version: 'cand-2' }));
    const again = await insertScoredItems(ch, promoted, 'live-300-again');
    assert.deepEqual(counts(again), { inserted: 0, skipped: 2 });
    assert.deepEqual(again.alreadyScored.sort(), live.map((i) => i.id).sort());
    // What scoring republishes for them: the rows the index counted, under the old version.
    const stored = await queryStoredScores(ch, again.alreadyScored);
    assert.deepEqual(stored.map((s) => [s.model_version, s.score]).sort(), live.map((i) => [i.model_version, i.score]).sort());
    assert.equal((await querySentiment(ch, { window: '1h', asOf: at })).n, 2);
  });

  test('latest items come back in the wire shape, newest first', async () => {
    const latest = await queryLatestItems(ch, { limit: 3 });
    assert.equal(latest.length, 3);
    assert.equal(latest[0]!.id, item(5, asOf, 0).id);
    const byId = latest.find((i) => i.id === item(4, asOf, 0).id);
    assert.ok(byId);
    assert.equal(byId.url, 'https://example.com/4');
    assert.ok(latest.every((i) => i.published_at.endsWith('Z')));
    assert.ok(Date.parse(latest[0]!.published_at) >= Date.parse(latest[1]!.published_at));
  });
});

describe('read-only SQL on chDB', () => {
  let dir: string;
  let ch: ClickHouseClient;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'barometer-sql-'));
    ch = createClickHouse({ kind: 'embedded', dataDir: dir });
    await migrate(ch, log);
  });
  after(async () => {
    await ch.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('reads, caps rows and refuses writes', async () => {
    const limits = { maxRows: 5, maxExecutionSeconds: 5 };
    const r = await runReadOnlySql(ch, 'SELECT number AS x FROM numbers(10);', limits);
    assert.deepEqual(r.columns, [{ name: 'x', type: 'UInt64' }]);
    assert.equal(r.rows.length, 5);
    assert.equal(r.truncated, true);
    await assert.rejects(runReadOnlySql(ch, 'DROP TABLE barometer.scores', limits), { code: 'SQL_REJECTED' });
    await assert.rejects(runReadOnlySql(ch, 'SELECT 1; DROP TABLE barometer.scores', limits), { code: 'SQL_REJECTED' });
    // A write disguised behind WITH is stopped by ClickHouse's readonly setting, not by our regex.
    await assert.rejects(
      runReadOnlySql(ch, "WITH 1 AS x INSERT INTO barometer.labels (id, annotator, label, labeled_at) VALUES ('a', 'b', 'positive', now64())", limits),
      { code: 'SQL_FAILED' },
    );
    const after = await runReadOnlySql(ch, 'SELECT count() AS n FROM barometer.labels', limits);
    assert.equal(Number(after.rows[0]!.n), 0);
  });
});
