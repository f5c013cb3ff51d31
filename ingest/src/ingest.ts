// The ingest service: polls every feed on an interval and publishes new items to the raw topic in batches.
import type { Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { RawItem } from '@barometer/schemas/items';
import { FeedError, fetchFeed, type FeedResult } from './rss-poller.ts';

export interface FeedHealth {
  url: string;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  itemsSeen: number;
}

export interface IngestDeps {
  producer: Producer;
  rawTopic: string;
  feeds: string[];
  log: Logger;
  pollIntervalMs: number;
  fetchTimeoutMs?: number;
  maxFeedBytes?: number;
  /** How many item ids to remember so re-polled entries are not republished. */
  seenCapacity?: number;
}

export interface Ingest {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One pass over every feed; resolves when all published. Used by the loop and by tests. */
  pollAll(): Promise<{ published: number; failed: number }>;
  health(): FeedHealth[];
}

/** Insertion-ordered set with a cap: the oldest ids are forgotten first. */
function createSeenSet(capacity: number) {
  const ids = new Set<string>();
  return {
    has: (id: string) => ids.has(id),
    add(id: string) {
      ids.add(id);
      if (ids.size > capacity) ids.delete(ids.values().next().value!);
    },
  };
}

export function createIngest(deps: IngestDeps): Ingest {
  const log = deps.log.child({ component: 'ingest' });
  const seen = createSeenSet(deps.seenCapacity ?? 200_000);
  const health = new Map<string, FeedHealth>(
    deps.feeds.map((url) => [url, { url, lastSuccessAt: null, lastError: null, lastErrorAt: null, itemsSeen: 0 }]),
  );
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<unknown> = Promise.resolve();
  let running = false;

  async function publish(items: RawItem[]): Promise<void> {
    if (items.length === 0) return;
    await deps.producer.send({
      topic: deps.rawTopic,
      messages: items.map((item) => ({ key: item.id, value: JSON.stringify(item) })),
    });
  }

  async function pollFeed(url: string): Promise<number> {
    const h = health.get(url)!;
    let result: FeedResult;
    try {
      result = await fetchFeed(url, { timeoutMs: deps.fetchTimeoutMs ?? 30_000, maxBytes: deps.maxFeedBytes ?? 5 * 1024 * 1024 });
    } catch (err) {
      h.lastError = err instanceof Error ? err.message : String(err);
      h.lastErrorAt = new Date().toISOString();
      const code = err instanceof FeedError ? err.code : 'FEED_FAILED';
      log.warn({ url, code, reason: h.lastError }, 'feed failed, skipped this round');
      return 0;
    }
    // Within one feed too: a title repeated in one document is one item.
    const fresh: RawItem[] = [];
    for (const item of result.items) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      fresh.push(item);
    }
    await publish(fresh);
    h.lastSuccessAt = new Date().toISOString();
    h.lastError = null;
    h.itemsSeen += result.items.length;
    log.debug({ url, entries: result.items.length, published: fresh.length, skipped: result.skipped }, 'feed polled');
    return fresh.length;
  }

  async function pollAll() {
    // Feeds are fetched concurrently, but bounded, so a hundred slow feeds do not open a hundred sockets at once.
    const queue = [...deps.feeds];
    let published = 0;
    const workers = Array.from({ length: Math.min(8, queue.length) }, async () => {
      for (let url = queue.shift(); url !== undefined; url = queue.shift()) published += await pollFeed(url);
    });
    await Promise.all(workers);
    const failed = [...health.values()].filter((h) => h.lastError !== null);
    if (failed.length > 0) log.warn({ failed: failed.length, of: deps.feeds.length, feeds: failed.map((f) => f.url) }, 'some feeds failed this round');
    log.info({ published, feeds: deps.feeds.length, failed: failed.length }, 'poll round done');
    return { published, failed: failed.length };
  }

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      inFlight = pollAll()
        .catch((err: unknown) => log.error({ err }, 'poll round failed'))
        .finally(schedule);
    }, deps.pollIntervalMs);
  }

  return {
    async start() {
      running = true;
      inFlight = pollAll()
        .catch((err: unknown) => log.error({ err }, 'poll round failed'))
        .finally(schedule);
      log.info({ feeds: deps.feeds.length, intervalMs: deps.pollIntervalMs }, 'ingest started');
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await inFlight;
    },
    pollAll,
    health: () => [...health.values()].map((h) => ({ ...h })),
  };
}
