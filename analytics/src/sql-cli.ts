// `npm run sql -- "SELECT …"`: an analyst's read-only query, wherever the data lives.
//   CLICKHOUSE_URL set            → that server, directly;
//   BAROMETER_SQL_TOKEN set       → through the running gateway's POST /api/v1/sql (embedded mode,
//                                   where the running process holds chDB's data directory);
//   otherwise                     → chDB's data directory itself (Barometer must not be running).
// Prints an aligned table on a terminal, JSON lines otherwise (for pipes and scripts).
import path from 'node:path';
import { z } from 'zod';
import { SqlResponse } from '@barometer/schemas/api';
import { createClickHouse } from './clickhouse-client.ts';
import { runReadOnlySql } from './read-only-sql.ts';

const CliConfig = z.object({
  CLICKHOUSE_URL: z.url().optional(),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  BAROMETER_DATA_DIR: z.string().min(1).default('./data'),
  BAROMETER_SQL_TOKEN: z.string().min(1).optional(),
  BAROMETER_API_URL: z.url().default('http://127.0.0.1:3000'),
  BAROMETER_SQL_MAX_ROWS: z.coerce.number().int().min(1).default(10_000),
});

const LIMITS = { maxExecutionSeconds: 30 };

async function query(sql: string, env: z.infer<typeof CliConfig>): Promise<SqlResponse> {
  if (env.CLICKHOUSE_URL) {
    const ch = createClickHouse({ kind: 'server', url: env.CLICKHOUSE_URL, username: env.CLICKHOUSE_USER, password: env.CLICKHOUSE_PASSWORD });
    try {
      return await runReadOnlySql(ch, sql, { ...LIMITS, maxRows: env.BAROMETER_SQL_MAX_ROWS });
    } finally {
      await ch.close();
    }
  }
  if (env.BAROMETER_SQL_TOKEN) {
    const res = await fetch(new URL('/api/v1/sql', env.BAROMETER_API_URL), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${env.BAROMETER_SQL_TOKEN}` },
      body: JSON.stringify({ query: sql }),
    });
    const body: unknown = await res.json();
    if (!res.ok) throw new Error(`gateway answered ${res.status}: ${JSON.stringify(body)}`);
    return SqlResponse.parse(body);
  }
  const dataDir = path.resolve(process.env.INIT_CWD ?? process.cwd(), env.BAROMETER_DATA_DIR);
  const ch = createClickHouse({ kind: 'embedded', dataDir });
  try {
    return await runReadOnlySql(ch, sql, { ...LIMITS, maxRows: env.BAROMETER_SQL_MAX_ROWS });
  } catch (err) {
    if (err instanceof Error && /CANNOT_OPEN_FILE|Cannot lock file|locked/i.test(err.message)) {
      throw new Error(
        `${dataDir} is held by a running Barometer (chDB allows one process). Start it with BAROMETER_SQL_TOKEN=<secret> and run this with the same BAROMETER_SQL_TOKEN to query through it.`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    await ch.close();
  }
}

function printTable(r: SqlResponse): void {
  const names = r.columns.map((c) => c.name);
  const cells = r.rows.map((row) => names.map((n) => (typeof row[n] === 'string' ? (row[n] as string) : JSON.stringify(row[n]))));
  const widths = names.map((n, i) => Math.min(60, Math.max(n.length, ...cells.map((c) => c[i]!.length))));
  const line = (vals: string[]) => vals.map((v, i) => v.slice(0, 60).padEnd(widths[i]!)).join('  ');
  process.stdout.write(`${line(names)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const c of cells) process.stdout.write(`${line(c)}\n`);
}

async function main(): Promise<number> {
  const sql = process.argv.slice(2).join(' ').trim();
  if (!sql) {
    process.stderr.write('usage: npm run sql -- "SELECT …"\n');
    return 2;
  }
  const env = CliConfig.safeParse(process.env);
  if (!env.success) {
    process.stderr.write(`invalid configuration:\n${z.prettifyError(env.error)}\n`);
    return 1;
  }
  try {
    const r = await query(sql, env.data);
    if (process.stdout.isTTY) printTable(r);
    else for (const row of r.rows) process.stdout.write(`${JSON.stringify(row)}\n`);
    process.stderr.write(`${r.rows.length} row(s)${r.truncated ? ' (truncated)' : ''} in ${r.elapsed_ms} ms\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

process.exitCode = await main();
