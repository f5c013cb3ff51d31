// `npm run bench -w @barometer/analytics`: latency of the reads the gateway makes, over 10 M scored rows
// in embedded chDB (set BENCH_ROWS to change). Prints medians and p99 of repeated runs; not a test.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createClickHouse } from './clickhouse-client.ts';
import { migrate } from './migrate.ts';
import { queryLatestItems } from './scored-items.ts';
import { queryHistory, querySentiment, queryWhy } from './sentiment-queries.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const SPAN_DAYS = 30;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function time(name: string, fn: () => Promise<unknown>): Promise<void> {
  await fn(); // warm-up: first-run costs (mark cache, query parse) are not what a live gateway pays
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  console.log(`${name.padEnd(44)} p50 ${quantile(ms, 0.5).toFixed(1).padStart(7)} ms   p99 ${quantile(ms, 0.99).toFixed(1).padStart(7)} ms   (${RUNS} runs)`);
}

const dir = await mkdtemp(path.join(tmpdir(), 'barometer-bench-'));
const ch = createClickHouse({ kind: 'embedded', dataDir: dir });
try {
  await migrate(ch, pino({ level: 'silent' }));
  const asOf = new Date();
  const t0 = performance.now();
  // Generated in ClickHouse itself: ROWS items spread evenly over 30 days before now, 20 sources, a
  // mix of asset tags, one story follower in ten; the materialized view rolls them up as they land.
  await ch.command({
    query: `
      INSERT INTO barometer.scores
      SELECT
          lower(hex(MD5(toString(number))))                                    AS id,
          concat('Generated headline ', toString(number))                     AS title,
          ''                                                                   AS url,
          concat('source', toString(number % 20), '.example')                  AS source,
          'rss'                                                                AS source_kind,
          now64(3, 'UTC') - toIntervalMillisecond(intDiv(number * ${SPAN_DAYS * 86_400_000}, ${ROWS})) AS published_at,
          published_at                                                         AS ingested_at,
          [[], ['BTC'], ['ETH'], ['BTC', 'ETH'], ['SOL']][number % 5 + 1]     AS assets,
          if(number % 10 = 9, lower(hex(MD5(toString(number - 1)))), id)       AS story_id,
          'en'                                                                 AS lang,
          (number % 7) / 10                                                    AS negative,
          0.3                                                                  AS neutral,
          0.7 - negative                                                       AS positive,
          if(positive > negative, 'positive', 'negative')                      AS label,
          0.8                                                                  AS entropy,
          positive - negative                                                  AS score,
          'bench-1'                                                            AS model_version,
          0                                                                    AS shadow,
          published_at                                                         AS scored_at
      FROM numbers(${ROWS})`,
    clickhouse_settings: { max_insert_threads: '2' },
  });
  const insertS = (performance.now() - t0) / 1000;
  console.log(`inserted ${ROWS.toLocaleString('en')} rows (with rollups) in ${insertS.toFixed(1)} s: ${Math.round(ROWS / insertS).toLocaleString('en')} rows/s`);
  const rs = await ch.query({ query: 'SELECT count() AS n FROM barometer.sentiment_minute_state', format: 'JSONEachRow' });
  console.log(`rollup state rows: ${(await rs.json<{ n: number }>())[0]!.n}`);

  await time('rolling 24 h value (overall)', () => querySentiment(ch, { window: '24h', asOf }));
  await time('rolling 24 h value (asset BTC)', () => querySentiment(ch, { window: '24h', asset: 'BTC', asOf }));
  await time('rolling 30 d value (overall)', () => querySentiment(ch, { window: '30d', asOf }));
  await time('24 h series, 1-minute resolution', () => queryHistory(ch, { window: '24h', span: '24h', resolution: '1m', asOf }));
  await time('30 d series of the 24 h value, 4 h resolution', () => queryHistory(ch, { window: '24h', span: '30d', resolution: '4h', asOf }));
  await time('why it moved (24 h, overall)', () => queryWhy(ch, { window: '24h', limit: 10, asOf }));
  await time('latest 50 items (overall)', () => queryLatestItems(ch, { limit: 50 }));
} finally {
  await ch.close();
  await rm(dir, { recursive: true, force: true });
}
