// Polls public Mastodon hashtag timelines of one instance (no key needed) and hands the posts to the pipeline.
// API: https://docs.joinmastodon.org/methods/timelines/#tag ; rate limits:
// https://docs.joinmastodon.org/api/rate-limits/ (X-RateLimit-Remaining / X-RateLimit-Reset, ISO 8601).
import { z } from 'zod';
import type { Logger } from 'pino';
import type { CandidateItem, IngestSource, ItemSink } from './source.ts';
import { decodeEntities } from './text-cleaner.ts';

const Status = z.object({
  id: z.string().regex(/^\d+$/),
  created_at: z.string(),
  url: z.string().nullish(),
  uri: z.string(),
  content: z.string(),
  spoiler_text: z.string().nullish(),
  language: z.string().nullish(),
  account: z.object({ acct: z.string().min(1) }),
});
type Status = z.infer<typeof Status>;

export class MastodonError extends Error {
  constructor(
    readonly code: 'MASTODON_HTTP_STATUS' | 'MASTODON_FETCH_FAILED' | 'MASTODON_BAD_RESPONSE' | 'MASTODON_RATE_LIMITED',
    message: string,
    readonly retriable = true,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface MastodonSourceOptions {
  /** Hostname (`mastodon.social`) or base URL (`http://127.0.0.1:4000` in tests). */
  instance: string;
  tags: string[];
  pollIntervalMs: number;
  enabled?: boolean;
  log: Logger;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Pages read per tag per poll when a burst fills whole pages. */
  maxPagesPerPoll?: number;
}

const PAGE = 40; // the endpoint's maximum `limit`

/** Mastodon content is HTML: paragraphs and breaks become spaces, tags go, entities are decoded. */
export function htmlToText(html: string): string {
  // Block ends become spaces first so the words of two paragraphs do not run together; entity
  // decoding is the pipeline's own (text-cleaner.ts), which also drops invalid code points.
  return decodeEntities(html.replace(/<(?:br|\/p|\/li)\s*\/?>/gi, ' ').replace(/<[^>]*>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();
}

function baseUrlOf(instance: string): URL {
  return new URL(instance.includes('://') ? instance : `https://${instance}`);
}

/** Numeric snowflake ids compared as numbers (they outgrow 2^53). */
const newer = (a: string, b: string | undefined) => b === undefined || BigInt(a) > BigInt(b);

export function createMastodonSource(opts: MastodonSourceOptions): IngestSource {
  const base = baseUrlOf(opts.instance);
  const host = base.host;
  const log = opts.log.child({ component: 'mastodon-source', instance: host });
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const maxPages = opts.maxPagesPerPoll ?? 5;
  const enabled = opts.enabled ?? true;
  /** Newest status id read per tag: the next poll asks only for newer ones. */
  const cursor = new Map<string, string>();
  /** Status ids recently handed on, so a post carrying two of our tags is one item. */
  const seen = new Set<string>();
  let sink: ItemSink | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let inFlight: Promise<void> = Promise.resolve();
  let nextAt: Date | null = null;
  let failures = 0;
  /** Set from X-RateLimit-* headers: no request before this instant. */
  let notBefore = 0;
  const abort = new AbortController();

  function remember(id: string): boolean {
    if (seen.has(id)) return false;
    seen.add(id);
    if (seen.size > 10_000) seen.delete(seen.values().next().value ?? '');
    return true;
  }

  function toCandidate(s: Status): CandidateItem | null {
    const text = htmlToText(s.spoiler_text ? `${s.spoiler_text} ${s.content}` : s.content);
    if (text.length === 0) return null;
    const created = Date.parse(s.created_at);
    return {
      title: text,
      url: s.url ?? s.uri,
      // Local accounts have a bare `acct`; remote ones already carry their instance.
      source: s.account.acct.includes('@') ? `@${s.account.acct}` : `@${s.account.acct}@${host}`,
      source_kind: 'mastodon',
      published_at: Number.isFinite(created) ? new Date(created).toISOString() : null,
      lang_hint: s.language ?? null,
    };
  }

  async function waitUntil(at: number): Promise<void> {
    const ms = at - Date.now();
    if (ms <= 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      abort.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  }

  async function fetchPage(tag: string, minId: string | undefined): Promise<Status[]> {
    await waitUntil(notBefore);
    const url = new URL(`api/v1/timelines/tag/${encodeURIComponent(tag)}`, base.href.endsWith('/') ? base : `${base.href}/`);
    url.searchParams.set('limit', String(PAGE));
    // min_id pages forward from the cursor without gaps (since_id would skip to the newest page).
    if (minId !== undefined) url.searchParams.set('min_id', minId);
    let res: Response;
    try {
      res = await fetch(url, {
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(timeoutMs)]),
        headers: { accept: 'application/json', 'user-agent': 'Barometer/0.1 (+self-hosted sentiment monitor)' },
      });
    } catch (err) {
      throw new MastodonError('MASTODON_FETCH_FAILED', `${url.host}: ${err instanceof Error ? err.message : String(err)}`, true, { cause: err });
    }
    const remaining = Number(res.headers.get('x-ratelimit-remaining') ?? 'NaN');
    const reset = Date.parse(res.headers.get('x-ratelimit-reset') ?? '');
    if ((res.status === 429 || remaining === 0) && Number.isFinite(reset)) {
      notBefore = Math.max(notBefore, reset);
      log.warn({ resetAt: new Date(reset).toISOString() }, 'rate limit reached, waiting for reset');
    }
    if (res.status === 429) {
      await res.body?.cancel();
      throw new MastodonError('MASTODON_RATE_LIMITED', `${url.host}: HTTP 429`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new MastodonError('MASTODON_HTTP_STATUS', `${url.host}: HTTP ${res.status}`, res.status >= 500 || res.status === 408);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch (err) {
      throw new MastodonError('MASTODON_BAD_RESPONSE', `${url.host}: body is not JSON`, true, { cause: err });
    }
    const page = z.array(z.unknown()).safeParse(body);
    if (!page.success) throw new MastodonError('MASTODON_BAD_RESPONSE', `${url.host}: expected an array of statuses`);
    // One malformed status must not cost the page.
    return page.data.flatMap((s) => {
      const parsed = Status.safeParse(s);
      return parsed.success ? [parsed.data] : [];
    });
  }

  async function readTag(tag: string): Promise<{ items: CandidateItem[]; seen: number }> {
    const items: CandidateItem[] = [];
    let count = 0;
    for (let page = 0; page < maxPages; page++) {
      const from = cursor.get(tag);
      const statuses = await fetchPage(tag, from);
      count += statuses.length;
      for (const s of statuses) {
        if (newer(s.id, cursor.get(tag))) cursor.set(tag, s.id);
        if (!remember(s.id)) continue;
        const item = toCandidate(s);
        if (item) items.push(item);
      }
      // The first read of a tag takes only the newest page; later ones page forward while pages are full.
      if (from === undefined || statuses.length < PAGE) break;
    }
    return { items, seen: count };
  }

  async function poll(): Promise<void> {
    if (!sink) return;
    const items: CandidateItem[] = [];
    let count = 0;
    try {
      for (const tag of opts.tags) {
        const read = await readTag(tag);
        items.push(...read.items);
        count += read.seen;
      }
      failures = 0;
      if (items.length > 0) await sink.publish(source, items, { seen: count });
      else sink.succeeded(source);
    } catch (err) {
      if (abort.signal.aborted) return;
      failures++;
      // Items read before the failure still go out; the cursor has already moved past them.
      if (items.length > 0) await sink.publish(source, items, { seen: count }).catch(() => undefined);
      const e = err instanceof Error ? err : new Error(String(err));
      log.warn({ err: e, failures }, 'mastodon read failed');
      sink.failed(source, e);
    }
  }

  function schedule(): void {
    if (!running) return;
    // Exponential backoff on consecutive failures (×2 each, at most ×16), ±10% jitter so many
    // instances do not poll in lockstep.
    const backoff = Math.min(2 ** failures, 16);
    const delay = opts.pollIntervalMs * backoff * (0.9 + Math.random() * 0.2);
    const at = Math.max(Date.now() + delay, notBefore);
    nextAt = new Date(at);
    timer = setTimeout(() => {
      inFlight = poll().finally(schedule);
    }, at - Date.now());
  }

  const source: IngestSource = {
    id: `mastodon:${host}`,
    kind: 'mastodon',
    name: `Mastodon ${host} ${opts.tags.map((t) => `#${t}`).join(' ')}`,
    enabled,
    async start(s) {
      sink = s;
      if (!enabled) {
        log.info('mastodon source disabled by configuration');
        return;
      }
      if (running) return;
      running = true;
      log.info({ tags: opts.tags, intervalMs: opts.pollIntervalMs }, 'mastodon source started');
      inFlight = poll().finally(schedule);
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      abort.abort();
      await inFlight;
      nextAt = null;
    },
    nextPollAt: () => nextAt,
    async pollNow() {
      await inFlight;
      inFlight = poll();
      await inFlight;
    },
  };
  return source;
}
