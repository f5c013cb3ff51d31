// docs/queries.sql is the analysts' proof of every number: each block, run over the scored rows,
// must agree with what the API computes from the rollups. Real chDB, real migrations, varied data.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { ScoredItem } from '@barometer/schemas/items';
import { WINDOW_MINUTES, type SentimentWindow } from '@barometer/schemas/api';
import { createClickHouse, type ClickHouseClient } from './clickhouse-client.ts';
import { migrate } from './migrate.ts';
import { insertScoredItems, queryLatestItems } from './scored-items.ts';
import { queryHistory, querySentiment, queryWhy, toClickHouseTime } from './sentiment-queries.ts';

const DOCS = fileURLToPath(new URL('../../docs/queries.sql', import.meta.url));

/** `-- name: x` blocks of docs/queries.sql, each up to its closing `;`. */
export function docsQueries(text = readFileSync(DOCS, 'utf8')): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const part of text.split(/^-- name: /m).slice(1)) {
    const name = part.slice(0, part.indexOf('\n')).trim();
    blocks.set(name, part.slice(part.indexOf('\n') + 1).replace(/;\s*$/, '').trim());
  }
  return blocks;
}

const MIN = 60_000;
const asOf = new Date(Date.UTC(2026, 10, 23, 12, 30, 15));
const hex = (n: number) => n.toString(16).padStart(32, '0');

/** A deterministic pseudo-random stream, so a failure reproduces. */
function lcg(seed: number) {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

function dataset(): ScoredItem[] {
  const rnd = lcg(7);
  const assets = [[], ['BTC'], ['ETH'], ['BTC', 'ETH'], ['SOL']];
  const sources = ['coindesk.com', 'reuters.com', 'theblock.co'];
  const items: ScoredItem[] = [];
  for (let i = 1; i <= 400; i++) {
    // Spread over the last 25 days, denser in the last two.
    const ago = rnd() < 0.6 ? rnd() * 2 * 1440 * MIN : rnd() * 25 * 1440 * MIN;
    const at = new Date(asOf.getTime() - ago);
    const p = rnd();
    const n = rnd() * (1 - p);
    const score = p - n;
    // Every fifth item follows the story of the item before it.
    const storyId = i % 5 === 0 ? hex(i - 1) : hex(i);
    items.push({
      v: 1,
      id: hex(i),
      title: `Headline ${i}`,
      url: null,
      source: sources[i % 3]!,
      source_kind: 'rss',
      published_at: at.toISOString(),
      ingested_at: at.toISOString(),
      assets: assets[i % 5]!,
      story_id: storyId,
      lang: 'en',
      negative: n,
      neutral: 1 - p - n,
      positive: p,
      label: p > n ? 'positive' : 'negative',
      entropy: 0.5,
      score,
      model_version: 'test-1',
      scored_at: at.toISOString(),
    });
  }
  return items;
}

describe('docs/queries.sql agrees with the API', () => {
  let dir: string;
  let ch: ClickHouseClient;
  const blocks = docsQueries();

  async function run<T>(name: string, params: Record<string, unknown>): Promise<T[]> {
    const query = blocks.get(name);
    assert.ok(query, `docs/queries.sql has a block named ${name}`);
    const rs = await ch.query({ query, query_params: params, format: 'JSONEachRow' });
    return rs.json<T>();
  }

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'barometer-docs-'));
    ch = createClickHouse({ kind: 'embedded', dataDir: dir });
    await migrate(ch, log());
    const rows = dataset();
    // Several batches, as the scoring service writes them.
    for (let i = 0; i < rows.length; i += 100) await insertScoredItems(ch, rows.slice(i, i + 100), `docs-${i}`);
  });
  after(async () => {
    await ch.close();
    await rm(dir, { recursive: true, force: true });
  });

  const close = (a: number | null | undefined, b: number | null | undefined, what: string) =>
    assert.ok(a !== null && a !== undefined && b !== null && b !== undefined && Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

  for (const window of ['1h', '24h', '7d', '30d'] as SentimentWindow[]) {
    for (const [asset, source] of [['', ''], ['BTC', ''], ['', 'reuters.com']] as const) {
      test(`sentiment_window and baseline_20d: ${window} asset=${asset || '*'} source=${source || '*'}`, async () => {
        const params = { as_of: toClickHouseTime(asOf), minutes: WINDOW_MINUTES[window], asset, source };
        const [sql] = await run<{ value: number | null; index: number; n: number; band_low: number; band_high: number }>('sentiment_window', params);
        const api = await querySentiment(ch, { window, asset: asset || null, source: source || null, asOf });
        assert.equal(api.n, Number(sql!.n));
        if (api.n === 0) return;
        close(api.value, sql!.value, 'value');
        assert.equal(api.index, Number(sql!.index));
        if (api.n > 1) {
          close(api.band?.low, sql!.band_low, 'band low');
          close(api.band?.high, sql!.band_high, 'band high');
        }
        const [base] = await run<{ baseline: number }>('baseline_20d', params);
        close(api.baseline?.value, base!.baseline, 'baseline');
      });
    }
  }

  test('rolling_series equals the 24 h history at 1-minute resolution', async () => {
    for (const asset of ['', 'ETH']) {
      const sql = await run<{ time: number; value: number; n: number }>('rolling_series', { as_of: toClickHouseTime(asOf), asset });
      const api = await queryHistory(ch, { window: '24h', span: '24h', resolution: '1m', asset: asset || null, asOf });
      assert.equal(api.length, sql.length, `points for asset ${asset || '*'}`);
      for (const [i, p] of api.entries()) {
        assert.equal(p.time, Number(sql[i]!.time));
        assert.equal(p.n, Number(sql[i]!.n));
        close(p.value, sql[i]!.value, `value at ${p.time}`);
      }
    }
  });

  test('why_moved lists the same items with the same contributions', async () => {
    for (const asset of ['', 'BTC']) {
      const sql = await run<{ id: string; contribution: number }>('why_moved', { as_of: toClickHouseTime(asOf), minutes: 1440, asset });
      const api = await queryWhy(ch, { window: '24h', asset: asset || null, limit: 10, asOf });
      assert.deepEqual(api.items.map((i) => i.item.id), sql.map((r) => r.id));
      api.items.forEach((i, k) => close(i.contribution, sql[k]!.contribution, `contribution of ${i.item.id}`));
    }
  });

  test('latest_items lists the same items', async () => {
    const sql = await run<{ id: string }>('latest_items', { asset: 'SOL', source: '' });
    const api = await queryLatestItems(ch, { limit: 50, asset: 'SOL' });
    assert.deepEqual(api.map((i) => i.id), sql.map((r) => r.id));
  });

  test('the sentiment_minute view adds up to the window', async () => {
    const rows = await run<{ items: number }>('sentiment_minute', { as_of: toClickHouseTime(asOf), minutes: 1440, asset: 'BTC' });
    const api = await querySentiment(ch, { window: '24h', asset: 'BTC', asOf });
    assert.equal(rows.reduce((a, r) => a + Number(r.items), 0), api.n);
  });
});

function log() {
  return pino({ level: 'silent' });
}
