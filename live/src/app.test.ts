// The gateway's HTTP surface through fastify's inject, over a real embedded ClickHouse (chDB): every
// route, the hardening (CSP, CORS, rate limit, body limit), OpenAPI and /metrics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { ScoredItem } from '@barometer/schemas/items';
import { scored } from './test-items.ts';
import { HistoryResponse, ModelVersionsResponse, ScoreResponse, SentimentValue, SourcesResponse, SqlResponse, WhyResponse, type SourceHealth } from '@barometer/schemas/api';
import { createClickHouse, type ClickHouseClient } from '@barometer/analytics/client';
import { migrate } from '@barometer/analytics/migrate';
import { insertScoredItems } from '@barometer/analytics/scored-items';
import { createMetricsRegistry } from '@barometer/runtime/metrics';
import { buildApp, type AppDeps, type LiveApp } from './app.ts';

const log = pino({ level: 'silent' });

const source: SourceHealth = {
  v: 1, id: 'rss:https://example.com/feed', kind: 'rss', name: 'Example', status: 'ok', last_success_at: '2025-01-01T00:00:00.000Z',
  last_error: null, last_error_at: null, consecutive_failures: 0, items_seen: 3, items_published: 3, last_item_at: null,
  lag_seconds: 12, next_poll_at: null, updated_at: '2025-01-01T00:00:00.000Z',
};

/** A stand-in for the ONNX model: "up" reads as positive, anything else as negative. */
const scorer = {
  version: 'fake-1',
  scoreBatch: async (texts: readonly string[]) =>
    texts.map((t) => (t.includes('up') ? { negative: 0.1, neutral: 0.2, positive: 0.7 } : { negative: 0.6, neutral: 0.3, positive: 0.1 })),
};

describe('live REST routes', () => {
  let dir: string;
  let ch: ClickHouseClient;
  let app: LiveApp;
  const extra: LiveApp[] = [];
  const build = async (over: Partial<AppDeps> = {}) =>
    (await buildApp({ clickhouse: ch, log, metrics: createMetricsRegistry(), sources: () => [source], scorer, ...over })).app;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'barometer-live-'));
    ch = createClickHouse({ kind: 'embedded', dataDir: dir });
    await migrate(ch, log);
    await insertScoredItems(
      ch,
      [
        scored(1, 0.6, 5, { assets: ['BTC'], source: 'coindesk.com' }),
        scored(2, -0.2, 3, { assets: ['ETH'] }),
        scored(3, 0.9, 60 * 30, { assets: ['BTC'] }),
      ],
      't1',
    );
    app = await build();
  });
  after(async () => {
    await Promise.all([app, ...extra].map((a) => a.close()));
    await ch.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('model_version reads one version\'s rows, to compare a shadow candidate with the live model', async () => {
    const candidate = [scored(1, -0.5, 5, { assets: ['BTC'] }), scored(2, -0.5, 3, { assets: ['ETH'] })].map((i) => ({ ...i, model_version: 'cand-9' }));
    await insertScoredItems(ch, candidate, 'shadow-cand-9', { shadow: true });
    const live = SentimentValue.parse((await app.inject('/api/v1/sentiment?window=24h')).json());
    const cand = SentimentValue.parse((await app.inject('/api/v1/sentiment?window=24h&model_version=cand-9')).json());
    assert.deepEqual([cand.n, cand.value], [2, -0.5]);
    assert.notEqual(live.value, cand.value, 'the live index is untouched by shadow rows');
    const hist = HistoryResponse.parse((await app.inject('/api/v1/sentiment/history?model_version=cand-9')).json());
    assert.equal(hist.points.at(-1)?.value, -0.5);
    const models = ModelVersionsResponse.parse((await app.inject('/api/v1/models')).json());
    assert.deepEqual(
      models.versions.map((v) => [v.model_version, v.shadow, v.rows]).sort(),
      [['cand-9', true, 2], ['m1', false, 3]].sort(),
    );
  });

  test('GET /api/v1/sentiment: mean score over the window, its index and count', async () => {
    const res = await app.inject('/api/v1/sentiment?window=24h');
    assert.equal(res.statusCode, 200);
    const body = SentimentValue.parse(res.json());
    assert.equal(body.window, '24h');
    assert.equal(body.n, 2);
    assert.ok(body.value !== null && Math.abs(body.value - 0.2) < 1e-9);
    assert.equal(body.index, 60);
    assert.match(body.as_of, /Z$/);
    assert.equal(SentimentValue.parse((await app.inject('/api/v1/sentiment?window=7d')).json()).n, 3);
    assert.equal(SentimentValue.parse((await app.inject('/api/v1/sentiment')).json()).window, '24h');
    assert.ok(body.band && body.band.low < 0.2 && body.band.high > 0.2, '95 % band around the value');
    assert.ok(body.baseline && Math.abs(body.baseline.value - (0.6 - 0.2 + 0.9) / 3) < 1e-9, '20-day baseline');
    const btc = SentimentValue.parse((await app.inject('/api/v1/sentiment?asset=btc')).json());
    assert.deepEqual([btc.asset, btc.n, btc.value], ['BTC', 1, 0.6]);
    assert.equal(btc.band, null, 'no spread from one item');
    const bySource = SentimentValue.parse((await app.inject('/api/v1/sentiment?source=coindesk.com')).json());
    assert.deepEqual([bySource.source, bySource.n], ['coindesk.com', 1]);
    const past = SentimentValue.parse((await app.inject(`/api/v1/sentiment?window=1h&as_of=${new Date(Date.now() - 86_400_000).toISOString()}`)).json());
    assert.equal(past.n, 0);
    assert.equal(past.value, null);
  });

  test('bad parameters get a 400 that says what is wrong', async () => {
    const res = await app.inject('/api/v1/sentiment?window=5y');
    assert.equal(res.statusCode, 400);
    assert.deepEqual(Object.keys(res.json()).sort(), ['code', 'error']);
    assert.match(res.json<{ error: string }>().error, /window/);
    assert.equal((await app.inject('/api/v1/items?limit=0')).statusCode, 400);
    assert.equal((await app.inject('/api/v1/items?asset=bt-c')).statusCode, 400);
    const future = await app.inject(`/api/v1/sentiment?as_of=${new Date(Date.now() + 3_600_000).toISOString()}`);
    assert.equal(future.statusCode, 400);
    assert.match(future.json<{ error: string }>().error, /future/);
  });

  test('GET /api/v1/sentiment/history: a series at the chosen resolution; too many points is refused', async () => {
    const res = await app.inject('/api/v1/sentiment/history?span=24h');
    assert.equal(res.statusCode, 200);
    const body = HistoryResponse.parse(res.json());
    assert.equal(body.resolution, '1m');
    assert.equal(body.asset, null);
    assert.ok(body.points.length > 0);
    assert.ok(body.points.every((p, i) => i === 0 || p.time > body.points[i - 1]!.time), 'oldest first');
    assert.equal(HistoryResponse.parse((await app.inject('/api/v1/sentiment/history?span=7d')).json()).resolution, '1h');
    const eth = HistoryResponse.parse((await app.inject('/api/v1/sentiment/history?span=24h&resolution=5m&asset=ETH')).json());
    assert.equal(eth.asset, 'ETH');
    assert.ok(eth.points.length > 0 && eth.points.every((p) => p.n === 1 && p.value === -0.2));
    const big = await app.inject('/api/v1/sentiment/history?span=30d&resolution=1m');
    assert.equal(big.statusCode, 400);
    assert.match(big.json<{ error: string }>().error, /points/);
  });

  test('GET /api/v1/why: the current and previous window and the change', async () => {
    const res = await app.inject('/api/v1/why?window=24h&limit=5');
    assert.equal(res.statusCode, 200);
    const body = WhyResponse.parse(res.json());
    assert.equal(body.current.n, 2);
    assert.equal(body.previous.n, 1);
    assert.ok(body.change !== null);
    const sum = body.items.reduce((a, i) => a + i.contribution, 0);
    assert.ok(Math.abs(sum - body.change) < 1e-9, 'contributions add up to the change');
  });

  test('GET /api/v1/items: newest first, limited and filtered', async () => {
    const res = await app.inject('/api/v1/items?limit=2');
    assert.equal(res.statusCode, 200);
    const { items } = res.json<{ items: ScoredItem[] }>();
    assert.deepEqual(items.map((i) => i.title), ['Item 2', 'Item 1']);
    const btc = (await app.inject('/api/v1/items?asset=btc')).json<{ items: ScoredItem[] }>().items;
    assert.deepEqual(btc.map((i) => i.title), ['Item 1', 'Item 3']);
    const negative = (await app.inject('/api/v1/items?label=negative')).json<{ items: ScoredItem[] }>().items;
    assert.deepEqual(negative.map((i) => i.title), ['Item 2']);
    const bySource = (await app.inject('/api/v1/items?source=coindesk.com')).json<{ items: ScoredItem[] }>().items;
    assert.deepEqual(bySource.map((i) => i.title), ['Item 1']);
  });

  test('GET /api/v1/sources: the latest health of every source', async () => {
    const res = await app.inject('/api/v1/sources');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(SourcesResponse.parse(res.json()).sources, [source]);
  });

  test('POST /api/v1/score: label, entropy and score follow from the probabilities; 503 without a model', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/score', payload: { texts: ['BTC up 5%', 'Exchange hacked'] } });
    assert.equal(res.statusCode, 200);
    const body = ScoreResponse.parse(res.json());
    assert.equal(body.model_version, 'fake-1');
    assert.deepEqual(body.results.map((r) => r.label), ['positive', 'negative']);
    assert.ok(Math.abs(body.results[0]!.score - 0.6) < 1e-12);
    const p = [0.1, 0.2, 0.7];
    assert.ok(Math.abs(body.results[0]!.entropy - -p.reduce((h, x) => h + x * Math.log(x), 0)) < 1e-12, 'entropy in nats');
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/score', payload: { texts: [] } })).statusCode, 400);
    const huge = await app.inject({ method: 'POST', url: '/api/v1/score', payload: { texts: ['x'.repeat(70_000)] } });
    assert.equal(huge.statusCode, 413, 'the body limit applies before parsing');
    const bare = await build({ scorer: undefined });
    extra.push(bare);
    const off = await bare.inject({ method: 'POST', url: '/api/v1/score', payload: { texts: ['a'] } });
    assert.equal(off.statusCode, 503);
    assert.equal(off.json<{ code: string }>().code, 'SCORER_UNAVAILABLE');
  });

  test('POST /api/v1/sql: 404 unless a token is configured; then Bearer only, read-only, errors as 400', async () => {
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/sql', payload: { query: 'SELECT 1' } })).statusCode, 404);
    const token = 'a-token-of-enough-length';
    const withSql = await build({ http: { sqlToken: token } });
    extra.push(withSql);
    const sql = (query: string, auth?: string) =>
      withSql.inject({ method: 'POST', url: '/api/v1/sql', payload: { query }, headers: auth ? { authorization: auth } : {} });
    const denied = await sql('SELECT 1');
    assert.equal(denied.statusCode, 401);
    assert.equal(denied.headers['www-authenticate'], 'Bearer');
    assert.equal((await sql('SELECT 1', 'Bearer wrong-token-of-enough-length')).statusCode, 401);
    const ok = await sql('SELECT count() AS n FROM barometer.scored_items', `Bearer ${token}`);
    assert.equal(ok.statusCode, 200);
    const body = SqlResponse.parse(ok.json());
    assert.deepEqual(body.rows, [{ n: 3 }]);
    assert.equal(body.truncated, false);
    const write = await sql('DROP TABLE barometer.scored_items', `Bearer ${token}`);
    assert.equal(write.statusCode, 400);
    assert.equal(write.json<{ code: string }>().code, 'SQL_REJECTED');
    const broken = await sql('SELECT nope FROM nowhere', `Bearer ${token}`);
    assert.equal(broken.statusCode, 400);
    assert.equal(broken.json<{ code: string }>().code, 'SQL_FAILED');
  });

  test('GET /metrics: Prometheus text from the registry it was handed', async () => {
    const res = await app.inject('/metrics');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /text\/plain/);
    assert.match(res.body, /process_cpu_user_seconds_total/);
  });

  test('GET /docs: Swagger UI and an OpenAPI document of every route', async () => {
    assert.equal((await app.inject('/docs')).statusCode < 400, true);
    const spec = (await app.inject('/docs/json')).json<{ openapi: string; paths: Record<string, unknown> }>();
    assert.match(spec.openapi, /^3\./);
    for (const p of ['/api/v1/sentiment', '/api/v1/sentiment/history', '/api/v1/why', '/api/v1/items', '/api/v1/sources', '/api/v1/score'])
      assert.ok(spec.paths[p], `${p} is documented`);
    assert.equal(spec.paths['/metrics'], undefined);
  });

  test('hardening: CSP and friends, CORS only for the allowlist, rate limit with the shared error shape', async () => {
    const res = await app.inject('/api/v1/sentiment');
    assert.match(res.headers['content-security-policy'] as string, /default-src 'self'/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    const cross = await app.inject({ url: '/api/v1/sentiment', headers: { origin: 'https://evil.example' } });
    assert.equal(cross.headers['access-control-allow-origin'], undefined, 'no allowlist: same origin only');

    const limited = await build({ http: { corsOrigins: ['https://dash.example.com'], rateLimit: 2 } });
    extra.push(limited);
    const ok = await limited.inject({ url: '/api/v1/sources', headers: { origin: 'https://dash.example.com' } });
    assert.equal(ok.headers['access-control-allow-origin'], 'https://dash.example.com');
    const other = await limited.inject({ url: '/api/v1/sources', headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    const third = await limited.inject('/api/v1/sources');
    assert.equal(third.statusCode, 429);
    assert.equal(third.json<{ code: string }>().code, 'RATE_LIMITED');
    assert.equal((await limited.inject('/metrics')).statusCode, 200, 'scrapes are not rate limited');
  });

  test('GET /healthz, / without a built dashboard, and unknown routes', async () => {
    const health = await app.inject('/healthz');
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json(), { status: 'ok', checks: { clickhouse: 'ok' } });
    const root = await app.inject('/');
    assert.match(root.body, /not built/);
    const nope = await app.inject('/api/v1/nope');
    assert.equal(nope.statusCode, 404);
    assert.equal(nope.json<{ code: string }>().code, 'NOT_FOUND');
  });
});
