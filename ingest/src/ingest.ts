// The ingest pipeline: every source hands its reads to this one sink, which cleans, identifies,
// filters and dedups the items, publishes one Kafka batch per read, and keeps each source's health
// (in process, in metrics, and on the compacted sources topic).
import type { Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { RawItem } from '@barometer/schemas/items';
import type { SourceHealth } from '@barometer/schemas/api';
import type { CandidateItem, IngestSource, ItemSink, SourceReadInfo } from './source.ts';
import { itemIdOf, normalizeTitle } from './item-id.ts';
import { cleanText } from './text-cleaner.ts';
import { detectLanguage } from './language-detector.ts';
import { DEFAULT_FILTERS, rejectionOf, type FilterReason, type QualityFilters } from './quality-filters.ts';
import { ingestMetricsOf } from './ingest-metrics.ts';

export type { IngestSource, ItemSink, CandidateItem } from './source.ts';

/** Assigns an item to a story: near-duplicates share the id of the story's first item. */
export interface StoryGrouper {
  assign(id: string, title: string, publishedAt: Date): string;
}

export interface IngestDeps {
  // Only `send` is used; the caller owns the producer's connection.
  producer: Pick<Producer, 'send'>;
  topics: { raw: string; sources: string };
  sources: IngestSource[];
  log: Logger;
  metrics: Registry;
  filters?: QualityFilters;
  /** Asset symbols an item is about; absent means every item carries `assets: []`. */
  tagAssets?: (text: string, opts?: { lang?: string }) => string[];
  /** Story grouping; absent means every item is its own story (`story_id = id`). */
  stories?: StoryGrouper;
  /** How many item ids to remember for exact dedup; the oldest are forgotten first. */
  seenCapacity?: number;
  /** A changed health record is published at most this often per source. */
  healthFlushMs?: number;
  /** Every record is republished this often even when nothing changed, so readers can tell a live source from a dead process. */
  healthHeartbeatMs?: number;
  now?: () => Date;
}

export interface Ingest {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Reads every polling source now and resolves once the reads are published (tests, manual refresh). */
  pollAll(): Promise<{ published: number; failed: number }>;
  /** The current health of every source, disabled ones included. */
  health(): SourceHealth[];
  /** The sink the sources write to; exposed for benchmarks and tests that drive the pipeline directly. */
  readonly sink: ItemSink;
}

/** Insertion-ordered map with a cap: the oldest entries are forgotten first. */
function createBoundedMap<V>(capacity: number) {
  const map = new Map<string, V>();
  return {
    get: (k: string) => map.get(k),
    delete: (k: string) => map.delete(k),
    set(k: string, v: V) {
      map.set(k, v);
      if (map.size > capacity) map.delete(map.keys().next().value!);
    },
  };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Cuts at a code-point boundary so a long title never ends in half a surrogate pair. */
function truncate(text: string, max: number): string {
  return text.length <= max ? text : Array.from(text.slice(0, max)).join('').slice(0, max).replace(/[\uD800-\uDBFF]$/, '');
}

function webUrl(url: string | null): string | null {
  if (!url || url.length > 2048) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

type HealthState = Omit<SourceHealth, 'next_poll_at' | 'updated_at'>;

export function createIngest(deps: IngestDeps): Ingest {
  const log = deps.log.child({ component: 'ingest' });
  const filters = deps.filters ?? DEFAULT_FILTERS;
  const now = deps.now ?? (() => new Date());
  const metrics = ingestMetricsOf(deps.metrics);
  // id -> the source that first published it: a re-read of the same feed is not a duplicate, another outlet's copy is.
  const seen = createBoundedMap<string>(deps.seenCapacity ?? 200_000);
  const duplicatesCounted = createBoundedMap<true>(Math.max(1000, (deps.seenCapacity ?? 200_000) >> 2));
  const flushMs = deps.healthFlushMs ?? 5_000;
  const heartbeatMs = deps.healthHeartbeatMs ?? 30_000;

  const states = new Map<string, { source: IngestSource; state: HealthState }>();
  for (const source of deps.sources) {
    if (states.has(source.id)) throw new Error(`two sources share the id ${source.id}`);
    states.set(source.id, {
      source,
      state: {
        v: 1,
        id: source.id,
        kind: source.kind,
        name: truncate(source.name || source.id, 200),
        status: source.enabled ? 'ok' : 'disabled',
        last_success_at: null,
        last_error: null,
        last_error_at: null,
        consecutive_failures: 0,
        items_seen: 0,
        items_published: 0,
        last_item_at: null,
        lag_seconds: null,
      },
    });
  }
  const dirty = new Set<string>(states.keys());
  let flushTimer: NodeJS.Timeout | undefined;
  let lastHeartbeat = 0;
  let flushing: Promise<void> = Promise.resolve();
  let totalPublished = 0;
  let stopped = false;

  function stateOf(source: IngestSource): HealthState {
    const entry = states.get(source.id);
    if (!entry) throw new Error(`unknown source ${source.id}`);
    return entry.state;
  }

  function recordOf(id: string): SourceHealth {
    const { source, state } = states.get(id)!;
    const next = source.enabled ? source.nextPollAt() : null;
    return { ...state, next_poll_at: next ? next.toISOString() : null, updated_at: now().toISOString() };
  }

  function markSuccess(source: IngestSource, at: Date): void {
    const s = stateOf(source);
    s.status = 'ok';
    s.last_success_at = at.toISOString();
    s.consecutive_failures = 0;
    metrics.sourceUp.set({ source: source.id }, 1);
    metrics.sourceLastSuccess.set({ source: source.id }, at.getTime() / 1000);
    dirty.add(source.id);
  }

  function filtered(reason: FilterReason, source: IngestSource, title: string): void {
    metrics.itemsFiltered.inc({ reason });
    log.debug({ source: source.id, reason, title: title.slice(0, 200) }, 'item filtered');
  }

  /** Cleans, identifies and filters one candidate; null when it is not published. */
  function prepare(source: IngestSource, c: CandidateItem, at: Date, batch: Set<string>): RawItem | null {
    const title = truncate(cleanText(c.title), 1000);
    if (normalizeTitle(title).length === 0) {
      filtered('empty', source, c.title);
      return null;
    }
    const id = itemIdOf(title);
    const first = seen.get(id);
    if (first !== undefined || batch.has(id)) {
      // Another outlet's copy is counted once, not again on every re-read of that outlet's feed.
      const key = `${source.id}\n${id}`;
      if (first !== undefined && first !== source.id && duplicatesCounted.get(key) === undefined) {
        duplicatesCounted.set(key, true);
        metrics.duplicates.inc();
      }
      return null;
    }
    // Remembered even when filtered, so a filtered headline is counted once, not on every re-read.
    seen.set(id, source.id);
    batch.add(id);
    const lang = detectLanguage(title, c.lang_hint);
    const declared = c.published_at ? Date.parse(c.published_at) : NaN;
    // A missing, unparseable or future date becomes the ingestion time, so no item lands in a window it cannot belong to.
    const publishedAt = Number.isFinite(declared) && declared <= at.getTime() ? new Date(declared) : at;
    const reason = rejectionOf({ text: title, lang, publishedAt }, filters, at);
    if (reason) {
      filtered(reason, source, title);
      return null;
    }
    const assets = (deps.tagAssets?.(title, { lang }) ?? []).filter((a) => a.length >= 1 && a.length <= 20).slice(0, 50);
    const parsed = RawItem.safeParse({
      v: 1,
      id,
      title,
      url: webUrl(c.url),
      source: truncate(c.source.trim(), 200) || truncate(source.name, 200) || source.kind,
      source_kind: c.source_kind,
      published_at: publishedAt.toISOString(),
      ingested_at: at.toISOString(),
      assets,
      story_id: deps.stories?.assign(id, title, publishedAt) ?? id,
      lang,
    });
    if (!parsed.success) {
      // Our own mapping produced something the contract refuses: a bug to see in the logs, never a crash.
      log.warn({ source: source.id, issues: parsed.error.issues.slice(0, 3) }, 'item failed the raw schema, dropped');
      filtered('invalid', source, title);
      return null;
    }
    return parsed.data;
  }

  const sink: ItemSink = {
    async publish(source: IngestSource, candidates: CandidateItem[], info: SourceReadInfo) {
      const at = now();
      const s = stateOf(source);
      s.items_seen += info.seen;
      metrics.itemsRead.inc({ source_kind: source.kind }, info.seen);
      const batch = new Set<string>();
      const items: RawItem[] = [];
      for (const c of candidates) {
        const item = prepare(source, c, at, batch);
        if (item) items.push(item);
      }
      if (items.length > 0) {
        try {
          await deps.producer.send({ topic: deps.topics.raw, messages: items.map((i) => ({ key: i.id, value: JSON.stringify(i) })) });
        } catch (err) {
          // Not published, so not seen: the next read offers these items again.
          for (const id of batch) seen.delete(id);
          throw err;
        }
      }
      const lags = items.map((i) => (at.getTime() - Date.parse(i.published_at)) / 1000);
      for (const lag of lags) metrics.publishLag.observe({ source_kind: source.kind }, lag);
      metrics.itemsPublished.inc({ source_kind: source.kind }, items.length);
      totalPublished += items.length;
      s.items_published += items.length;
      s.lag_seconds = median(lags);
      const newest = items.reduce<string | null>((m, i) => (m === null || i.published_at > m ? i.published_at : m), s.last_item_at);
      s.last_item_at = newest;
      markSuccess(source, at);
      log.debug({ source: source.id, read: info.seen, candidates: candidates.length, published: items.length }, 'source read published');
      return { published: items.length };
    },
    failed(source: IngestSource, error: Error & { code?: string }) {
      const s = stateOf(source);
      const at = now();
      const code = typeof error.code === 'string' ? error.code : 'SOURCE_FAILED';
      s.status = 'failing';
      s.consecutive_failures += 1;
      s.last_error = truncate(`${code}: ${error.message}`, 2000);
      s.last_error_at = at.toISOString();
      metrics.sourceUp.set({ source: source.id }, 0);
      metrics.sourceFailures.inc({ source: source.id, code });
      dirty.add(source.id);
      log.warn({ source: source.id, code, failures: s.consecutive_failures, reason: error.message }, 'source read failed');
    },
    succeeded(source: IngestSource) {
      const s = stateOf(source);
      s.lag_seconds = null;
      markSuccess(source, now());
    },
  };

  async function flushHealth(all: boolean): Promise<void> {
    const ids = all ? [...states.keys()] : [...dirty];
    if (ids.length === 0) return;
    for (const id of ids) dirty.delete(id);
    try {
      await deps.producer.send({
        topic: deps.topics.sources,
        messages: ids.map((id) => ({ key: id, value: JSON.stringify(recordOf(id)) })),
      });
    } catch (err) {
      for (const id of ids) dirty.add(id);
      log.warn({ err, n: ids.length }, 'source health not published, retried on the next flush');
    }
  }

  function scheduleFlush(): void {
    if (stopped) return;
    flushTimer = setTimeout(() => {
      const heartbeat = Date.now() - lastHeartbeat >= heartbeatMs;
      if (heartbeat) lastHeartbeat = Date.now();
      flushing = flushHealth(heartbeat).finally(scheduleFlush);
    }, flushMs);
  }

  async function pollAll() {
    const pollers = deps.sources.filter((s) => s.enabled && s.pollNow);
    const before = totalPublished;
    const queue = [...pollers];
    // Bounded, so a hundred slow feeds do not open a hundred sockets at once.
    const workers = Array.from({ length: Math.min(8, queue.length) }, async () => {
      for (let s = queue.shift(); s !== undefined; s = queue.shift()) await s.pollNow!();
    });
    await Promise.all(workers);
    const failed = pollers.filter((s) => stateOf(s).status === 'failing').length;
    return { published: totalPublished - before, failed };
  }

  return {
    sink,
    async start() {
      for (const { source } of states.values()) {
        if (!source.enabled) continue;
        try {
          await source.start(sink);
        } catch (err) {
          // A source that cannot start is a failing source, not a failed process.
          sink.failed(source, err instanceof Error ? err : new Error(String(err)));
        }
      }
      lastHeartbeat = Date.now();
      await flushHealth(true);
      scheduleFlush();
      const enabled = deps.sources.filter((s) => s.enabled).length;
      log.info({ sources: deps.sources.length, enabled, filters }, 'ingest started');
    },
    async stop() {
      stopped = true;
      clearTimeout(flushTimer);
      await Promise.allSettled(deps.sources.filter((s) => s.enabled).map((s) => s.stop()));
      await flushing;
      await flushHealth(false);
    },
    pollAll,
    health: () => [...states.keys()].map(recordOf),
  };
}
