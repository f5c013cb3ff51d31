// Applies the numbered SQL migrations in analytics/migrations once each, in order; safe to run at every start.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import { z } from 'zod';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

const MIGRATION_FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const m = MIGRATION_FILE.exec(file);
    if (!m) throw new Error(`migration file name must look like 001_name.sql: ${file}`);
    migrations.push({ version: Number(m[1]), name: m[2]!, sql: await readFile(`${dir}/${file}`, 'utf8') });
  }
  const versions = migrations.map((m) => m.version);
  if (new Set(versions).size !== versions.length) throw new Error(`duplicate migration versions in ${dir}`);
  return migrations;
}

/** A migration file may hold several statements, each ending with `;` at the end of a line. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0);
}

const AppliedRow = z.object({ version: z.number().int() });

/**
 * Every statement is written `IF NOT EXISTS`, so replicas racing at start are harmless; the ledger
 * only saves re-running them and records when each schema change reached this database.
 */
export interface MigrateOptions {
  dir?: string;
  /** Days raw items and scores are kept (TTL on published_at); 0 = forever. */
  retentionDays?: number;
  /** Days the per-minute rollups are kept; 0 = forever. Usually longer than raw retention. */
  rollupRetentionDays?: number;
}

export async function migrate(client: ClickHouseClient, log: Logger, opts: MigrateOptions = {}): Promise<number[]> {
  const dir = opts.dir ?? MIGRATIONS_DIR;
  await client.command({ query: 'CREATE DATABASE IF NOT EXISTS barometer' });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS barometer.schema_migrations
            (version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
            ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const rs = await client.query({ query: 'SELECT version FROM barometer.schema_migrations FINAL', format: 'JSONEachRow' });
  const applied = new Set(z.array(AppliedRow).parse(await rs.json()).map((r) => r.version));
  const done: number[] = [];
  for (const m of await readMigrations(dir)) {
    if (applied.has(m.version)) continue;
    for (const statement of splitStatements(m.sql)) await client.command({ query: statement });
    await client.insert({
      table: 'barometer.schema_migrations',
      values: [{ version: m.version, name: m.name }],
      format: 'JSONEachRow',
    });
    log.info({ version: m.version, name: m.name }, 'migration applied');
    done.push(m.version);
  }
  if (opts.retentionDays !== undefined || opts.rollupRetentionDays !== undefined) {
    await applyRetention(client, log, { rawDays: opts.retentionDays ?? 0, rollupDays: opts.rollupRetentionDays ?? 0 });
  }
  return done;
}

/**
 * Sets the TTLs from configuration at every start, so changing retention needs no migration. The
 * new TTL applies as parts merge (materialize_ttl_after_modify = 0): changing it never rewrites the
 * whole table at start-up.
 */
export async function applyRetention(
  client: ClickHouseClient,
  log: Logger,
  { rawDays, rollupDays }: { rawDays: number; rollupDays: number },
): Promise<void> {
  const targets: [string, string, number][] = [
    ['barometer.items', 'toDateTime(published_at)', rawDays],
    ['barometer.scores', 'toDateTime(published_at)', rawDays],
    ['barometer.sentiment_minute_state', 'minute', rollupDays],
  ];
  for (const [table, column, days] of targets) {
    if (!Number.isInteger(days) || days < 0) throw new Error(`retention for ${table} must be a whole number of days ≥ 0, got ${days}`);
    const ttl = await currentTtl(client, table);
    if (days === 0) {
      if (ttl) await client.command({ query: `ALTER TABLE ${table} REMOVE TTL` });
    } else {
      // Identifiers and a validated integer: nothing here comes from a user as text.
      const wanted = `${column} + toIntervalDay(${days})`;
      if (!ttl?.includes(`toIntervalDay(${days})`)) {
        await client.command({
          query: `ALTER TABLE ${table} MODIFY TTL ${wanted}`,
          clickhouse_settings: { materialize_ttl_after_modify: 0 },
        });
      }
    }
  }
  log.info({ rawDays, rollupDays }, 'retention applied (0 = keep forever)');
}

async function currentTtl(client: ClickHouseClient, table: string): Promise<string | null> {
  const [database, name] = table.split('.');
  const rs = await client.query({
    query: 'SELECT create_table_query AS q FROM system.tables WHERE database = {database: String} AND name = {name: String}',
    query_params: { database, name },
    format: 'JSONEachRow',
  });
  const [row] = z.array(z.object({ q: z.string() })).parse(await rs.json());
  const m = row ? /\bTTL\b(.*?)(SETTINGS|$)/s.exec(row.q) : null;
  return m ? m[1]!.trim() : null;
}
