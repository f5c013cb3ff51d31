// The labeling API and GET /api/v1/drift through fastify's inject over a real chDB: off → 404, token →
// 401, the sampler route, a label round trip over HTTP (label → export → import as someone else →
// export shows both), every export format and a bad import reported line by line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { DriftResponse, LabelingNextResponse, LabelSampleResponse, LabelsImportResponse, LabelsResponse } from '@barometer/schemas/api';
import { createClickHouse, type ClickHouseClient } from '@barometer/analytics/client';
import { migrate } from '@barometer/analytics/migrate';
import { insertScoredItems } from '@barometer/analytics/scored-items';
import { createMetricsRegistry } from '@barometer/runtime/metrics';
import { buildApp, type LiveApp } from './app.ts';
import { createLabelSampler } from './label-sampler.ts';
import { scored } from './test-items.ts';

const log = pino({ level: 'silent' });
const TOKEN = 'label-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('labeling routes', () => {
  let dir: string;
  let ch: ClickHouseClient;
  let app: LiveApp;
  let off: LiveApp;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'barometer-labeling-'));
    ch = createClickHouse({ kind: 'embedded', dataDir: dir });
    await migrate(ch, log);
    await insertScoredItems(
      ch,
      [
        scored(1, 0.05, 5, { entropy: 1.0, title: 'Bitcoin "flat", traders wait\nfor the Fed', assets: ['BTC'] }),
        scored(2, 0.6, 6, { entropy: 0.9, assets: ['ETH'], source: 'other.example' }),
        scored(3, -0.7, 7, { entropy: 0.2 }),
      ],
      'labeling-1',
    );
    app = (await buildApp({ clickhouse: ch, log, metrics: createMetricsRegistry(), sources: () => [], http: { labelToken: TOKEN } })).app;
    off = (await buildApp({ clickhouse: ch, log, metrics: createMetricsRegistry(), sources: () => [] })).app;
  });
  after(async () => {
    await Promise.all([app.close(), off.close()]);
    await ch.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('without a label token the routes do not exist', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/labeling/next?annotator=ann'],
      ['POST', '/api/v1/labels'],
      ['GET', '/api/v1/labels/export?format=csv'],
      ['POST', '/api/v1/labels/import?format=csv'],
      ['POST', '/api/v1/labeling/sample'],
    ] as const) {
      const res = await off.inject({ method, url, headers: auth, payload: method === 'POST' ? {} : undefined });
      assert.equal(res.statusCode, 404, `${method} ${url}`);
    }
  });

  test('a missing or wrong token is 401, a bad annotator 400', async () => {
    assert.equal((await app.inject('/api/v1/labeling/next?annotator=ann')).statusCode, 401);
    const wrong = await app.inject({ url: '/api/v1/labels/export', headers: { authorization: 'Bearer not-the-token-at-all' } });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.headers['www-authenticate'], 'Bearer');
    const importWithout = await app.inject({ method: 'POST', url: '/api/v1/labels/import?format=csv', headers: { 'content-type': 'text/csv' }, payload: 'id,label\n' });
    assert.equal(importWithout.statusCode, 401, 'the import scope is behind the token too');
    assert.equal((await app.inject({ url: '/api/v1/labeling/next', headers: auth })).statusCode, 400, 'an annotator is required');
    assert.equal((await app.inject({ url: '/api/v1/labeling/next?annotator=%3Cscript%3E', headers: auth })).statusCode, 400);
    const inHeader = await app.inject({ url: '/api/v1/labeling/next', headers: { ...auth, 'x-barometer-annotator': 'ann' } });
    assert.equal(inHeader.statusCode, 200);
  });

  test('the sample route queues the most uncertain items, and next serves them with progress', async () => {
    const empty = LabelingNextResponse.parse((await app.inject({ url: '/api/v1/labeling/next?annotator=alice', headers: auth })).json());
    assert.deepEqual([empty.items.length, empty.progress], [0, { done: 0, queued: 0 }]);
    const res = await app.inject({ method: 'POST', url: '/api/v1/labeling/sample', headers: auth, payload: { size: 2, annotator: 'alice' } });
    assert.equal(res.statusCode, 200, res.body);
    const sampled = LabelSampleResponse.parse(res.json());
    assert.deepEqual([sampled.queued, sampled.progress], [2, { done: 0, queued: 2 }]);
    const next = LabelingNextResponse.parse((await app.inject({ url: '/api/v1/labeling/next?annotator=alice&limit=5', headers: auth })).json());
    assert.deepEqual(next.items.map((i) => i.id), [scored(1, 0, 0).id, scored(2, 0, 0).id], 'most uncertain first; the confident item is not queued');
    assert.equal(next.annotator, 'alice');
  });

  test('the periodic sampler queues at start and stops cleanly', async () => {
    await insertScoredItems(ch, [scored(4, 0.1, 3, { entropy: 1.05, source: 'third.example' })], 'labeling-2');
    const sampler = createLabelSampler({ clickhouse: ch, log, sizePerRun: 1, intervalMs: 60_000, lookbackHours: 1, strategy: 'least_confidence' });
    sampler.start();
    await sampler.stop();
    const next = LabelingNextResponse.parse((await app.inject({ url: '/api/v1/labeling/next?annotator=zed&limit=10', headers: auth })).json());
    // Least confidence (1 − the top probability) prefers item 3 (0.3) over the high-entropy item 4 (0.1).
    assert.ok(next.items.some((i) => i.id === scored(3, 0, 0).id), 'the run at start queued by the configured strategy');
    assert.ok(!next.items.some((i) => i.id === scored(4, 0, 0).id));
    assert.equal(next.progress.queued, 3);
  });

  test('a label round-trips over HTTP: label → export CSV → import as another annotator → export shows both', async () => {
    const [first, second] = [scored(1, 0, 0).id, scored(2, 0, 0).id];
    const before = Date.now();
    const stored = await app.inject({
      method: 'POST',
      url: '/api/v1/labels',
      headers: auth,
      payload: { annotator: 'alice', labels: [{ id: first, label: 'neutral' }, { id: second, label: 'positive' }] },
    });
    assert.equal(stored.statusCode, 200, stored.body);
    assert.deepEqual(LabelsResponse.parse(stored.json()), { stored: 2, progress: { done: 2, queued: 3 } });
    const left = LabelingNextResponse.parse((await app.inject({ url: '/api/v1/labeling/next?annotator=alice', headers: auth })).json());
    assert.deepEqual([left.items.map((i) => i.id), left.progress.done], [[scored(3, 0, 0).id], 2], 'labeled items leave the queue of that annotator');

    const csv = await app.inject({ url: '/api/v1/labels/export?format=csv', headers: auth });
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.match(String(csv.headers['content-disposition']), /^attachment; filename="barometer-labels-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = csv.body.trim().split('\r\n');
    assert.equal(lines[0], 'id,text,label,annotator,labeled_at,origin');
    assert.equal(lines.length, 3, 'header and two labels (records end in CRLF; the newline inside a title is quoted)');
    assert.ok(csv.body.includes('"Bitcoin ""flat"", traders wait\nfor the Fed"'), 'quotes and newlines survive CSV');
    const labeledAt = Date.parse(/,(\d{4}-[^,]+Z),ui/.exec(csv.body)?.[1] ?? '');
    assert.ok(labeledAt >= before - 1000 && labeledAt <= Date.now(), 'labeled_at is set by the server, in UTC');

    const imported = await app.inject({
      method: 'POST',
      url: '/api/v1/labels/import?format=csv&annotator=bob',
      headers: { ...auth, 'content-type': 'text/csv' },
      payload: csv.body,
    });
    assert.equal(imported.statusCode, 200, imported.body);
    assert.deepEqual(LabelsImportResponse.parse(imported.json()), { imported: 2, errors: [] });

    const jsonl = await app.inject({ url: '/api/v1/labels/export?format=jsonl', headers: auth });
    assert.match(String(jsonl.headers['content-type']), /^application\/x-ndjson/);
    const rows = jsonl.body.trim().split('\n').map((l) => JSON.parse(l) as { id: string; annotator: string; label: string; origin: string });
    assert.deepEqual(
      rows.map((r) => `${r.annotator}:${r.id === first ? 1 : 2}:${r.label}:${r.origin}`).sort(),
      ['alice:1:neutral:ui', 'alice:2:positive:ui', 'bob:1:neutral:import', 'bob:2:positive:import'],
    );

    const studio = await app.inject({ url: '/api/v1/labels/export?format=label-studio', headers: auth });
    assert.match(String(studio.headers['content-type']), /^application\/json/);
    assert.match(String(studio.headers['content-disposition']), /\.label-studio\.json"$/);
    // A Label Studio file comes back as JSON; it is imported as it is, keeping each task's annotator.
    const again = await app.inject({
      method: 'POST',
      url: '/api/v1/labels/import?format=label-studio',
      headers: { ...auth, 'content-type': 'application/json', 'x-barometer-annotator': 'carol' },
      payload: studio.body,
    });
    assert.deepEqual(LabelsImportResponse.parse(again.json()), { imported: 4, errors: [] });
  });

  test('an import reports every rejected record and stores the rest', async () => {
    const id = scored(3, 0, 0).id;
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/labels/import?format=jsonl',
      headers: { ...auth, 'content-type': 'application/x-ndjson', 'x-barometer-annotator': 'dave' },
      payload: `{"id":"${id}","label":"negative"}\nnot json\n{"id":"xyz","label":"positive"}\n{"id":"${id}","label":"great"}\n`,
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = LabelsImportResponse.parse(res.json());
    assert.equal(body.imported, 1);
    assert.deepEqual(body.errors.map((e) => e.split(':')[0]), ['line 2', 'line 3', 'line 4']);
    const next = LabelingNextResponse.parse((await app.inject({ url: '/api/v1/labeling/next?annotator=dave', headers: auth })).json());
    assert.equal(next.annotator, 'dave');
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/labels/import?format=csv', headers: { ...auth, 'content-type': 'text/csv' }, payload: '' })).statusCode, 400);
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/labels/import?format=xml', headers: { ...auth, 'content-type': 'text/csv' }, payload: 'a' })).statusCode, 400);
  });

  test('GET /api/v1/drift answers without a token, in the documented shape', async () => {
    const res = await off.inject('/api/v1/drift');
    assert.equal(res.statusCode, 200, res.body);
    const body = DriftResponse.parse(res.json());
    assert.deepEqual(body.reports.map((r) => [r.feature, r.psi, r.drifted]), [['label', null, false], ['length', null, false]], 'too few items: no verdict');
  });

  test('the labeling routes are in the OpenAPI document', async () => {
    const doc = (await app.inject('/docs/json')).json() as { paths: Record<string, unknown> };
    for (const p of ['/api/v1/labeling/next', '/api/v1/labels', '/api/v1/labels/export', '/api/v1/labels/import', '/api/v1/labeling/sample', '/api/v1/drift']) {
      assert.ok(doc.paths[p], p);
    }
  });
});
