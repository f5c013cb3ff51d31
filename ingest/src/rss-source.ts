// One RSS/Atom/RDF feed as an ingest source: its own jittered schedule, conditional GET, exponential
// backoff on failure, and every read handed to the pipeline's sink.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { IngestSource, ItemSink } from './source.ts';
import type { SsrfGuard } from './ssrf-guard.ts';
import { FeedError, fetchFeedBody } from './feed-fetcher.ts';
import { parseFeed } from './feed-parser.ts';
import { ingestMetricsOf } from './ingest-metrics.ts';
import type { FeedEntry } from './feed-list.ts';

export interface RssScheduleOptions {
  intervalMs: number;
  /** Each delay is the interval times a random factor in [1 - jitter, 1 + jitter], so feeds drift apart. */
  jitter: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  timeoutMs: number;
  maxBytes: number;
  /** The first read happens within this long after start, spread at random so a hundred feeds do not start at once. */
  firstReadWithinMs?: number;
}

export interface RssSourceDeps {
  guard: SsrfGuard;
  log: Logger;
  metrics: Registry;
  random?: () => number;
}

/** Delay before the next read: the jittered interval after a success, capped exponential backoff after failures. */
export function nextDelayMs(opts: RssScheduleOptions, failures: number, retriable: boolean, random: () => number): number {
  const spread = 1 + (random() * 2 - 1) * opts.jitter;
  if (failures === 0) return Math.max(1000, opts.intervalMs * spread);
  // A refused address or hostile document will not fix itself in a minute: wait the longest backoff.
  const backoff = retriable ? Math.min(opts.backoffMaxMs, opts.backoffBaseMs * 2 ** Math.min(failures - 1, 30)) : opts.backoffMaxMs;
  return Math.max(1000, backoff * spread);
}

export function createRssSource(feed: FeedEntry, opts: RssScheduleOptions, deps: RssSourceDeps): IngestSource {
  const log = deps.log.child({ component: 'rss-source', feed: feed.url });
  const metrics = ingestMetricsOf(deps.metrics);
  const random = deps.random ?? Math.random;
  let sink: ItemSink | undefined;
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let nextAt: Date | null = null;
  let chain: Promise<void> = Promise.resolve();
  let failures = 0;
  let lastRetriable = true;
  let etag: string | null = null;
  let lastModified: string | null = null;

  const source: IngestSource = {
    id: `rss:${feed.url}`,
    kind: 'rss',
    name: feed.name,
    enabled: true,
    async start(s) {
      sink = s;
      running = true;
      schedule(random() * (opts.firstReadWithinMs ?? 15_000));
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      nextAt = null;
      await chain;
    },
    nextPollAt: () => nextAt,
    pollNow: () => enqueue(),
  };

  function schedule(delayMs: number): void {
    if (!running) return;
    clearTimeout(timer);
    nextAt = new Date(Date.now() + delayMs);
    timer = setTimeout(() => {
      void enqueue().finally(() => schedule(nextDelayMs(opts, failures, lastRetriable, random)));
    }, delayMs);
  }

  /** Reads run one after another, so a manual poll never overlaps the timer's. */
  function enqueue(): Promise<void> {
    chain = chain.then(read);
    return chain;
  }

  async function read(): Promise<void> {
    if (!sink) return;
    const started = performance.now();
    let stage: 'fetch' | 'publish' = 'fetch';
    try {
      const fetched = await fetchFeedBody(feed.url, { guard: deps.guard, timeoutMs: opts.timeoutMs, maxBytes: opts.maxBytes, etag, lastModified });
      if (fetched.status === 'not-modified') {
        metrics.fetchDuration.observe({ outcome: 'not_modified' }, (performance.now() - started) / 1000);
        failures = 0;
        sink.succeeded(source);
        return;
      }
      const parsed = await parseFeed(fetched.text, feed.url);
      metrics.fetchDuration.observe({ outcome: 'ok' }, (performance.now() - started) / 1000);
      stage = 'publish';
      await sink.publish(source, parsed.items, { seen: parsed.seen });
      // Validators are kept only once the items are published: a 304 must never hide items we failed to send.
      etag = fetched.etag;
      lastModified = fetched.lastModified;
      failures = 0;
      lastRetriable = true;
    } catch (err) {
      if (stage === 'fetch') metrics.fetchDuration.observe({ outcome: 'error' }, (performance.now() - started) / 1000);
      failures += 1;
      lastRetriable = !(err instanceof FeedError) || err.retriable;
      const error: Error & { code?: string } = err instanceof Error ? err : new Error(String(err));
      if (stage === 'publish' && !error.code) error.code = 'PUBLISH_FAILED';
      log.debug({ err: error, failures }, 'read failed');
      sink.failed(source, error);
    }
  }

  return source;
}

export function createRssSources(feeds: FeedEntry[], opts: RssScheduleOptions, deps: RssSourceDeps): IngestSource[] {
  return feeds.map((feed) => createRssSource(feed, opts, deps));
}
