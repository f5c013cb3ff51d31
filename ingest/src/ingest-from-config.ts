// Builds the whole ingest service from its parsed config: the SSRF guard, one source per feed, the
// social sources (X, Mastodon), and the pipeline. Shared by ingest's own main.ts and the embedded
// stack; touches nothing until started.
import type { Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createIngest, type Ingest } from './ingest.ts';
import { createSsrfGuard } from './ssrf-guard.ts';
import { createRssSources } from './rss-source.ts';
import { tagAssets } from './asset-tagger.ts';
import { createStoryGrouper } from './story-grouper.ts';
import { createSocialSources } from './social-config.ts';
import { filtersOf, rssScheduleOf, type IngestConfig } from './config.ts';

export interface IngestWiring {
  // Only `send` is used; the caller owns the producer's connection.
  producer: Pick<Producer, 'send'>;
  topics: { raw: string; sources: string };
  log: Logger;
  metrics: Registry;
}

export function createIngestFromConfig(config: IngestConfig, deps: IngestWiring): Ingest {
  const guard = createSsrfGuard({ allow: config.BAROMETER_INGEST_ALLOW_PRIVATE_HOSTS, connectTimeoutMs: config.BAROMETER_FEED_TIMEOUT_S * 1000 });
  const sources = [
    ...createRssSources(config.feeds, rssScheduleOf(config), { guard, log: deps.log, metrics: deps.metrics }),
    ...createSocialSources(config, { log: deps.log }),
  ];
  const ingest = createIngest({
    ...deps,
    sources,
    tagAssets,
    stories: createStoryGrouper(),
    filters: filtersOf(config),
    seenCapacity: config.BAROMETER_INGEST_SEEN_CAPACITY,
  });
  return {
    ...ingest,
    async stop() {
      await ingest.stop();
      await guard.close();
    },
  };
}
