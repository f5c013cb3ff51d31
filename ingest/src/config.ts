// Ingest configuration, parsed once from the environment in main.ts (or from an explicit source in tests).
import { z } from 'zod';
import { CommonConfig, parseConfig } from '@barometer/runtime/config';
import { resolveFeedEntries, type FeedEntry } from './feed-list.ts';
import type { QualityFilters } from './quality-filters.ts';
import type { RssScheduleOptions } from './rss-source.ts';
import { SocialConfig } from './social-config.ts';

const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

export const IngestConfig = CommonConfig.extend({
  /** A path to a feed file (one URL per line) or a comma-separated list; unset = ingest/feeds.txt. */
  BAROMETER_FEEDS: z.string().optional(),
  BAROMETER_POLL_INTERVAL_S: z.coerce.number().int().min(10).max(86_400).default(300),
  /** Each poll delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  BAROMETER_POLL_JITTER: z.coerce.number().min(0).max(0.9).default(0.2),
  /** After the n-th consecutive failure a feed waits base × 2^(n-1), capped at max. */
  BAROMETER_BACKOFF_BASE_S: z.coerce.number().int().min(1).max(86_400).default(60),
  BAROMETER_BACKOFF_MAX_S: z.coerce.number().int().min(1).max(7 * 86_400).default(6 * 3600),
  BAROMETER_FEED_TIMEOUT_S: z.coerce.number().int().min(1).max(300).default(30),
  BAROMETER_FEED_MAX_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(5 * 1024 * 1024),
  /**
   * Hosts exempt from the SSRF guard (IPs, CIDRs or names), comma-separated. Empty by default: feeds on
   * loopback, private, link-local or metadata addresses are refused. Tests set 127.0.0.1.
   */
  BAROMETER_INGEST_ALLOW_PRIVATE_HOSTS: list.default([]),
  /** Keep only BAROMETER_FILTER_LANGUAGES; when off, every language is published, tagged with its `lang`. */
  BAROMETER_FILTER_LANGUAGE: z.stringbool().default(true),
  BAROMETER_FILTER_LANGUAGES: list.pipe(z.array(z.string().regex(/^[a-z]{2,3}$/)).min(1)).default(['en']),
  /** Whether items whose language could not be determined (`und`, typically short lines) pass the language filter. */
  BAROMETER_FILTER_KEEP_UNDETERMINED: z.stringbool().default(true),
  BAROMETER_FILTER_MIN_WORDS: z.stringbool().default(true),
  BAROMETER_MIN_WORDS: z.coerce.number().int().min(1).max(50).default(5),
  BAROMETER_FILTER_QUESTIONS: z.stringbool().default(true),
  BAROMETER_FILTER_CLICKBAIT: z.stringbool().default(true),
  BAROMETER_FILTER_MAX_AGE: z.stringbool().default(true),
  BAROMETER_MAX_AGE_HOURS: z.coerce.number().min(1).max(24 * 365).default(72),
  /** How many item ids exact dedup remembers. */
  BAROMETER_INGEST_SEEN_CAPACITY: z.coerce.number().int().min(1000).max(10_000_000).default(200_000),
  /** Port of the /metrics and /healthz server when ingest runs on its own. */
  BAROMETER_INGEST_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
}).extend(SocialConfig.shape);
export type IngestConfig = z.infer<typeof IngestConfig> & { feeds: FeedEntry[] };

export function loadIngestConfig(source: NodeJS.ProcessEnv = process.env): IngestConfig {
  const parsed = parseConfig(IngestConfig, source);
  return { ...parsed, feeds: resolveFeedEntries(parsed.BAROMETER_FEEDS) };
}

export function filtersOf(config: IngestConfig): QualityFilters {
  return {
    language: { enabled: config.BAROMETER_FILTER_LANGUAGE, keep: config.BAROMETER_FILTER_LANGUAGES, keepUndetermined: config.BAROMETER_FILTER_KEEP_UNDETERMINED },
    minWords: { enabled: config.BAROMETER_FILTER_MIN_WORDS, min: config.BAROMETER_MIN_WORDS },
    questions: { enabled: config.BAROMETER_FILTER_QUESTIONS },
    clickbait: { enabled: config.BAROMETER_FILTER_CLICKBAIT },
    maxAge: { enabled: config.BAROMETER_FILTER_MAX_AGE, hours: config.BAROMETER_MAX_AGE_HOURS },
  };
}

export function rssScheduleOf(config: IngestConfig): RssScheduleOptions {
  return {
    intervalMs: config.BAROMETER_POLL_INTERVAL_S * 1000,
    jitter: config.BAROMETER_POLL_JITTER,
    backoffBaseMs: config.BAROMETER_BACKOFF_BASE_S * 1000,
    backoffMaxMs: config.BAROMETER_BACKOFF_MAX_S * 1000,
    timeoutMs: config.BAROMETER_FEED_TIMEOUT_S * 1000,
    maxBytes: config.BAROMETER_FEED_MAX_BYTES,
  };
}
