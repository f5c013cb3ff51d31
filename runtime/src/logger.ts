// One pino logger per process; components take children of it.
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export function createLogger(opts: { level?: string; name?: string; to?: 'stdout' | 'stderr' } = {}): Logger {
  const options = {
    name: opts.name ?? 'barometer',
    level: opts.level ?? 'info',
    // ISO timestamps in UTC, so log lines line up with the UTC rows in ClickHouse.
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  // A command whose stdout is its result (npm run train's decision) logs to stderr.
  return opts.to === 'stderr' ? pino(options, pino.destination(2)) : pino(options);
}
