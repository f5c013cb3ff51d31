// The gateway's REST routes through fastify's inject, over a real embedded ClickHouse (chDB).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { ScoredItem } from '@barometer/schemas/items';
import { createClickHouse, type ClickHouseClient } from '@barometer/analytics/client';
import { migrate } from '@barometer/analytics/migrate';
import { insertScoredItems } from '@barometer/analytics/scored-items';
import { buildApp, type LiveApp } from './app.ts';

const log = pino({ level: 'silent' });

function scored(n: number, score: number, minutesAgo: number): ScoredItem {
  const at = new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const positive = Math.max(score, 0);
  const negative = Math.max(-score, 0);
  return {
    v: 1, id: n.toString(16).padStart(32, 'a'), title: `Item ${n}`, url: null, source: 'example.com', source_kind: 'rss', story_id: n.toString(16).padStart(32, 'a'), lang: 'en',
    published_at: at, ingested_at: at, assets: [], negative, neutral: 1 - positive - negative, positive,
    label: score > 0 ? 'positive' : 'negative', entropy: 0.3, score, model_version: 'm1', scored_at: at,
  };
}

describe('live REST routes', () => {
  let dir: string;
  let ch: ClickHouseClient;
  let app: LiveApp;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'barometer-live-'));
    ch = createClickHouse({ kind: 'embedded', dataDir: dir });
    await migrate(ch, log);
    await insertScoredItems(ch, [scored(1, 0.6, 5), scored(2, -0.2, 3), scored(3, 0.9, 60 * 30)], 't1');
    ({ app } = await buildApp({ clickhouse: ch, log }));
  });
  after(async () => {
    await app.close();
    await ch.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('GET /api/v1/sentiment: mean score over the window, its index and count', async () => {
    const res = await app.inject('/api/v1/sentiment?window=24h');
    assert.equal(res.statusCode, 200);
    const body = res.json<{ window: string; value: number; index: number; n: number; as_of: string }>();
    assert.equal(body.window, '24h');
    assert.equal(body.n, 2);
    assert.ok(Math.abs(body.value - 0.2) < 1e-9);
    assert.equal(body.index, 60);
    assert.match(body.as_of, /Z$/);
    const week = (await app.inject('/api/v1/sentiment?window=7d')).json<{ n: number }>();
    assert.equal(week.n, 3);
    assert.equal((await app.inject('/api/v1/sentiment')).json<{ window: string }>().window, '24h');
  });

  test('bad parameters get a 400 that says what is wrong', async () => {
    const res = await app.inject('/api/v1/sentiment?window=5y');
    assert.equal(res.statusCode, 400);
    assert.match(res.json<{ error: string }>().error, /window/);
    assert.equal((await app.inject('/api/v1/items?limit=0')).statusCode, 400);
  });

  test('GET /api/v1/items: newest first, limited', async () => {
    const res = await app.inject('/api/v1/items?limit=2');
    assert.equal(res.statusCode, 200);
    const { items } = res.json<{ items: ScoredItem[] }>();
    assert.deepEqual(items.map((i) => i.title), ['Item 2', 'Item 1']);
  });

  test('GET /healthz and / without a built dashboard', async () => {
    const health = await app.inject('/healthz');
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json(), { status: 'ok', checks: { clickhouse: 'ok' } });
    const root = await app.inject('/');
    assert.match(root.body, /not built/);
    assert.equal((await app.inject('/api/v1/nope')).statusCode, 404);
  });
});
