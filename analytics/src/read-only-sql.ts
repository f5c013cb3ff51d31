// Runs an analyst's SQL with ClickHouse's own guards: readonly = 1 (no writes, no settings changes),
// a row cap and a time cap. Used by POST /api/v1/sql and `npm run sql` in embedded mode, where
// analysts cannot connect to chDB themselves.
import type { ClickHouseClient } from '@clickhouse/client';
import type { SqlResponse } from '@barometer/schemas/api';
import { z } from 'zod';

export class SqlError extends Error {
  constructor(
    readonly code: 'SQL_REJECTED' | 'SQL_FAILED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  get retriable() {
    return false;
  }
}

export interface ReadOnlySqlLimits {
  maxRows: number;
  maxExecutionSeconds: number;
}

// Only one statement that reads: the readonly setting is the real guard, this only gives a clearer error.
const READING_STATEMENT = /^\s*(\(\s*)*(select|with|show|describe|desc|explain|exists)\b/i;

const Meta = z.array(z.object({ name: z.string(), type: z.string() }));
const JsonResult = z.object({ meta: Meta, data: z.array(z.record(z.string(), z.unknown())) });

export async function runReadOnlySql(client: ClickHouseClient, query: string, limits: ReadOnlySqlLimits): Promise<SqlResponse> {
  const sql = query.trim().replace(/;\s*$/, '');
  if (!READING_STATEMENT.test(sql)) throw new SqlError('SQL_REJECTED', 'only one SELECT (or WITH/SHOW/DESCRIBE/EXPLAIN) statement is allowed');
  if (sql.includes(';')) throw new SqlError('SQL_REJECTED', 'only one statement is allowed');
  const started = performance.now();
  let parsed: z.infer<typeof JsonResult>;
  try {
    const rs = await client.query({
      query: sql,
      format: 'JSON',
      // readonly comes last: once it is 1 no further setting may change, so the caps are set before it
      // and the query's own SETTINGS clause cannot lift them.
      clickhouse_settings: {
        // One row past the cap tells us the result was cut (result_overflow_mode = break stops there).
        max_result_rows: String(limits.maxRows + 1),
        result_overflow_mode: 'break',
        max_execution_time: limits.maxExecutionSeconds,
        readonly: '1',
      },
    });
    parsed = JsonResult.parse(await rs.json());
  } catch (err) {
    if (err instanceof z.ZodError) throw new SqlError('SQL_FAILED', 'unexpected result shape', { cause: err });
    throw new SqlError('SQL_FAILED', err instanceof Error ? err.message : String(err), { cause: err });
  }
  const truncated = parsed.data.length > limits.maxRows;
  return {
    columns: parsed.meta,
    rows: truncated ? parsed.data.slice(0, limits.maxRows) : parsed.data,
    truncated,
    elapsed_ms: Math.round((performance.now() - started) * 10) / 10,
  };
}
