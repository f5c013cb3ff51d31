// Ingest configuration, parsed once from the environment in main.ts.
import { z } from 'zod';
import { CommonConfig, parseConfig } from '@barometer/runtime/config';
import { resolveFeeds } from './feed-list.ts';

export const IngestConfig = CommonConfig.extend({
  /** A path to a feed file (one URL per line) or a comma-separated list; unset = ingest/feeds.txt. */
  BAROMETER_FEEDS: z.string().optional(),
  BAROMETER_POLL_INTERVAL_S: z.coerce.number().int().min(10).max(86_400).default(300),
  BAROMETER_FEED_TIMEOUT_S: z.coerce.number().int().min(1).max(300).default(30),
});
export type IngestConfig = z.infer<typeof IngestConfig> & { feeds: string[] };

export function loadIngestConfig(source: NodeJS.ProcessEnv = process.env): IngestConfig {
  const parsed = parseConfig(IngestConfig, source);
  return { ...parsed, feeds: resolveFeeds(parsed.BAROMETER_FEEDS) };
}
