// Settings every service shares (logging, Kafka, ClickHouse) and the one way a config error is reported.
import path from 'node:path';
import { z } from 'zod';

export const CommonConfig = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Comma-separated `host:port` list; unset in embedded mode means "start the local broker". */
  KAFKA_BROKERS: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',').map((b) => b.trim()).filter(Boolean) : undefined))
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'each broker must be host:port')).min(1).optional()),
  /** A ClickHouse server (`http://host:8123`); unset means embedded chDB under BAROMETER_DATA_DIR. */
  CLICKHOUSE_URL: z.url().optional(),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  BAROMETER_DATA_DIR: z.string().min(1).default('./data'),
  /** Days raw items and scores are kept in ClickHouse (TTL on published_at); 0 = forever. */
  BAROMETER_RETENTION_DAYS: z.coerce.number().int().min(0).default(90),
  /** Days the per-minute rollups (what the index and history read) are kept; 0 = forever. */
  BAROMETER_ROLLUP_RETENTION_DAYS: z.coerce.number().int().min(0).default(400),
});
export type CommonConfig = z.infer<typeof CommonConfig>;

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

/** Parses `source` with `schema`; a failure throws with zod's prettified list of what is wrong. */
export function parseConfig<S extends z.ZodType>(schema: S, source: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(source);
  if (!result.success) throw new ConfigError(`invalid configuration:\n${z.prettifyError(result.error)}`);
  return result.data;
}

/**
 * Resolves a path the user typed against the directory they ran the command in: `npm run -w` moves
 * the process into the workspace folder, but keeps the caller's directory in INIT_CWD.
 */
export function resolveUserPath(p: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.INIT_CWD ?? process.cwd(), p);
}
