// The one way Barometer talks to ClickHouse: @clickhouse/client, over HTTP to a server or in-process to chDB.
import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import path from 'node:path';

export type { ClickHouseClient } from '@clickhouse/client';

export type ClickHouseTarget =
  | { kind: 'server'; url: string; username?: string; password?: string }
  | { kind: 'embedded'; dataDir: string };

/**
 * Settings every session gets, so rows round-trip as UTC ISO-8601 instants ("…T…Z") both ways and the
 * same code reads a server and chDB alike
 * (https://clickhouse.com/docs/operations/settings/formats#date_time_output_format).
 */
const SESSION_SETTINGS: ClickHouseSettings = {
  date_time_input_format: 'best_effort',
  date_time_output_format: 'iso',
  output_format_json_quote_64bit_integers: 0,
};

/** A ClickHouse server when `CLICKHOUSE_URL` is set, else embedded chDB under `dataDir`. */
export function clickHouseTargetOf(
  config: { CLICKHOUSE_URL?: string; CLICKHOUSE_USER?: string; CLICKHOUSE_PASSWORD?: string },
  dataDir: string,
): ClickHouseTarget {
  return config.CLICKHOUSE_URL
    ? { kind: 'server', url: config.CLICKHOUSE_URL, username: config.CLICKHOUSE_USER, password: config.CLICKHOUSE_PASSWORD }
    : { kind: 'embedded', dataDir };
}

export function createClickHouse(target: ClickHouseTarget): ClickHouseClient {
  if (target.kind === 'server') {
    return createClient({
      url: target.url,
      username: target.username,
      password: target.password,
      clickhouse_settings: SESSION_SETTINGS,
      request_timeout: 30_000,
    });
  }
  // chDB keeps its data under one directory that only this process may open (a second process gets
  // CANNOT_OPEN_FILE), which is why embedded mode runs every service in one Node process.
  const connection = createChdbConnection({ path: path.resolve(target.dataDir, 'chdb') });
  return createClient({
    // chdb types its connection against @clickhouse/client-common 1.23.0 while @clickhouse/client 1.23.1
    // bundles its own copy of those types; the runtime interface is the same, only the declarations differ.
    connection: connection as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'],
    clickhouse_settings: SESSION_SETTINGS,
  });
}
