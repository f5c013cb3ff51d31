// Reads posts from X: the filtered stream with rules from configuration, or recent search when the
// app's access level does not include streaming. Disabled (one log line) without a bearer token.
//
// Seams: twitter-api-v2 always issues requests through `https.request`; passing an `http.Agent`
// as its `httpAgent` setting makes that a plain-HTTP request, and a v2 client whose prefix
// replaces `https://api.x.com/2/` (the library's `setPrefix` is protected and `cloneWithPrefix`
// calls a class constructor without `new`, so a two-line subclass sets it). Together they point
// the client at `BAROMETER_X_API_URL`, which the tests set to a local fake.
//
// Reconnects follow X's filtered-stream guidance on reconnecting
// (https://docs.x.com/x-api/posts/filtered-stream/integrate/handling-disconnections):
// network errors back off linearly from 250 ms to 16 s; HTTP errors exponentially from 5 s to
// 320 s; 429 exponentially from 60 s, or until `x-rate-limit-reset` when X sends it. The stream
// sends a keep-alive newline every ~20 s, so silence for `keepAliveMs` means a dead connection.
import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import type { Logger } from 'pino';
import { ApiResponseError, ETwitterStreamEvent, TwitterApi, TwitterApiv2, type TweetStream } from 'twitter-api-v2';
import type { CandidateItem, IngestSource, ItemSink } from './source.ts';

/** Tag on the stream rules this service owns; rules with other tags are left alone. */
export const RULE_TAG = 'barometer';

const Tweet = z.object({
  id: z.string().regex(/^\d+$/),
  text: z.string(),
  created_at: z.string().optional(),
  lang: z.string().optional(),
  author_id: z.string().optional(),
});
const Includes = z.object({ users: z.array(z.object({ id: z.string(), username: z.string() })).optional() }).optional();
const StreamPayload = z.object({ data: Tweet, includes: Includes });
const SearchPage = z.object({
  data: z.array(Tweet).optional(),
  includes: Includes,
  meta: z.object({ newest_id: z.string().optional(), result_count: z.number().optional() }).optional(),
});
const RulesResponse = z.object({
  data: z.array(z.object({ id: z.string(), value: z.string(), tag: z.string().optional() })).optional(),
});

export interface XSourceOptions {
  bearerToken?: string | undefined;
  /** Base URL of the API, e.g. `https://api.x.com`. */
  apiUrl: string;
  /** Cashtags and keywords; OR-ed into as few rules (and one search query) as fit X's length limit. */
  rules: string[];
  searchIntervalMs: number;
  log: Logger;
  /** Reconnect the stream after this long without data or keep-alive. */
  keepAliveMs?: number;
  /** Stream posts are batched for this long before they go to the sink. */
  flushMs?: number;
  /** Backoff bases, shortened by tests. */
  backoff?: { networkMs?: number; networkMaxMs?: number; httpMs?: number; httpMaxMs?: number; rateLimitMs?: number };
}

const TWEET_PARAMS = {
  expansions: 'author_id',
  'tweet.fields': 'created_at,lang,author_id',
  'user.fields': 'username',
};

/** Terms joined with OR into rules of at most `max` characters (512 on the basic tiers). */
export function buildRuleValues(terms: string[], max = 512): string[] {
  const suffix = ' -is:retweet';
  const values: string[] = [];
  let current: string[] = [];
  const render = (ts: string[]) => `(${ts.join(' OR ')})${suffix}`;
  for (const term of terms) {
    const quoted = /\s/.test(term) ? `"${term.replace(/"/g, '')}"` : term;
    if (current.length > 0 && render([...current, quoted]).length > max) {
      values.push(render(current));
      current = [];
    }
    current.push(quoted);
  }
  if (current.length > 0) values.push(render(current));
  return values;
}

type Failure = { kind: 'forbidden' } | { kind: 'rate'; resetAt: number | null } | { kind: 'http' } | { kind: 'network' };

function classify(err: unknown): Failure {
  if (err instanceof ApiResponseError) {
    if (err.code === 401 || err.code === 403) return { kind: 'forbidden' };
    if (err.code === 429) {
      const reset = err.rateLimit?.reset ?? Number(err.headers?.['x-rate-limit-reset']);
      return { kind: 'rate', resetAt: Number.isFinite(reset) && reset > 0 ? reset * 1000 : null };
    }
    return { kind: 'http' };
  }
  return { kind: 'network' };
}

export class XSourceError extends Error {
  constructor(
    readonly code: 'X_FORBIDDEN' | 'X_RATE_LIMITED' | 'X_HTTP_STATUS' | 'X_NETWORK' | 'X_STREAM_CLOSED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function errorOf(err: unknown, failure: Failure): XSourceError {
  const code = ({ forbidden: 'X_FORBIDDEN', rate: 'X_RATE_LIMITED', http: 'X_HTTP_STATUS', network: 'X_NETWORK' } as const)[failure.kind];
  return new XSourceError(code, err instanceof Error ? err.message : String(err), { cause: err });
}

/** The v2 client with its URL prefix moved to another base. */
class TwitterApiv2At extends TwitterApiv2 {
  constructor(parent: TwitterApi, prefix: string) {
    super(parent);
    this._prefix = prefix;
  }
}

export function createXSource(opts: XSourceOptions): IngestSource {
  const log = opts.log.child({ component: 'x-source' });
  const enabled = opts.bearerToken !== undefined && opts.bearerToken.length > 0;
  const keepAliveMs = opts.keepAliveMs ?? 30_000;
  const flushMs = opts.flushMs ?? 1_000;
  const b = {
    networkMs: opts.backoff?.networkMs ?? 250,
    networkMaxMs: opts.backoff?.networkMaxMs ?? 16_000,
    httpMs: opts.backoff?.httpMs ?? 5_000,
    httpMaxMs: opts.backoff?.httpMaxMs ?? 320_000,
    rateLimitMs: opts.backoff?.rateLimitMs ?? 60_000,
  };
  const ruleValues = buildRuleValues(opts.rules);
  const abort = new AbortController();
  let sink: ItemSink | undefined;
  let loop: Promise<void> = Promise.resolve();
  let stream: TweetStream | undefined;
  let nextAt: Date | null = null;
  let sinceId: string | undefined;

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (abort.signal.aborted) return resolve();
      const t = setTimeout(resolve, Math.max(0, ms));
      abort.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  }

  function toCandidate(tweet: z.infer<typeof Tweet>, includes: z.infer<typeof Includes>): CandidateItem {
    const username = includes?.users?.find((u) => u.id === tweet.author_id)?.username;
    const created = Date.parse(tweet.created_at ?? '');
    return {
      title: tweet.text,
      url: `https://x.com/${username ?? 'i/web'}/status/${tweet.id}`,
      source: username ? `@${username}` : 'x.com',
      source_kind: 'x',
      published_at: Number.isFinite(created) ? new Date(created).toISOString() : null,
      lang_hint: tweet.lang && tweet.lang !== 'und' && tweet.lang !== 'zxx' ? tweet.lang : null,
    };
  }

  /** Waits as X asks after a failure; `attempt` counts consecutive failures of that kind. */
  function delayFor(failure: Failure, attempt: number): number {
    switch (failure.kind) {
      case 'rate':
        return failure.resetAt !== null ? Math.max(failure.resetAt - Date.now(), 0) + 100 : b.rateLimitMs * 2 ** Math.min(attempt, 6);
      case 'network':
        return Math.min(b.networkMs * (attempt + 1), b.networkMaxMs);
      default:
        return Math.min(b.httpMs * 2 ** attempt, b.httpMaxMs);
    }
  }

  async function syncRules(v2: TwitterApiv2): Promise<void> {
    const current = RulesResponse.parse(await v2.streamRules());
    const ours = (current.data ?? []).filter((r) => r.tag === RULE_TAG);
    const stale = ours.filter((r) => !ruleValues.includes(r.value)).map((r) => r.id);
    const missing = ruleValues.filter((v) => !ours.some((r) => r.value === v));
    if (stale.length > 0) await v2.updateStreamRules({ delete: { ids: stale } });
    if (missing.length > 0) await v2.updateStreamRules({ add: missing.map((value) => ({ value, tag: RULE_TAG })) });
    log.info({ added: missing.length, deleted: stale.length, kept: ours.length - stale.length }, 'stream rules synced');
  }

  /** Runs one stream connection until it drops; resolves when it closes. */
  async function streamOnce(v2: TwitterApiv2, onConnected: () => void): Promise<void> {
    const s = await v2.searchStream({ ...TWEET_PARAMS, autoConnect: false });
    stream = s;
    let buffer: CandidateItem[] = [];
    let seen = 0;
    const flush = () => {
      if (buffer.length === 0 || !sink) return;
      const items = buffer;
      const info = { seen };
      buffer = [];
      seen = 0;
      sink.publish(source, items, info).catch((err: unknown) => log.warn({ err }, 'publishing stream posts failed'));
    };
    const flusher = setInterval(flush, flushMs);
    try {
      const closed = new Promise<void>((resolve) => s.on(ETwitterStreamEvent.ConnectionClosed, () => resolve()));
      s.on(ETwitterStreamEvent.Data, (payload: unknown) => {
        seen++;
        const parsed = StreamPayload.safeParse(payload);
        if (parsed.success) buffer.push(toCandidate(parsed.data.data, parsed.data.includes));
        if (buffer.length >= 100) flush();
      });
      await s.connect({ autoReconnect: false, keepAliveTimeout: keepAliveMs });
      onConnected();
      log.info('filtered stream connected');
      abort.signal.addEventListener('abort', () => s.close(), { once: true });
      await closed;
    } finally {
      clearInterval(flusher);
      flush();
      stream = undefined;
    }
  }

  async function searchOnce(v2: TwitterApiv2): Promise<void> {
    const query = ruleValues[0] ?? '';
    const params: Record<string, string> = { query, max_results: '100', ...TWEET_PARAMS };
    if (sinceId) params.since_id = sinceId;
    const res = await v2.get('tweets/search/recent', params, { fullResponse: true });
    const page = SearchPage.parse(res.data);
    const tweets = page.data ?? [];
    if (page.meta?.newest_id) sinceId = page.meta.newest_id;
    const items = tweets.map((t) => toCandidate(t, page.includes));
    if (items.length > 0) await sink?.publish(source, items, { seen: tweets.length });
    else sink?.succeeded(source);
    // Spend the window evenly: if the page says the quota is gone, wait for its reset.
    if (res.rateLimit && res.rateLimit.remaining === 0) {
      nextAt = new Date(Math.max(res.rateLimit.reset * 1000, Date.now() + opts.searchIntervalMs));
    }
  }

  async function run(v2: TwitterApiv2): Promise<void> {
    let mode: 'stream' | 'search' = 'stream';
    let attempt = 0;
    let lastKind: Failure['kind'] | null = null;
    while (!abort.signal.aborted) {
      try {
        if (mode === 'stream') {
          nextAt = null;
          await syncRules(v2);
          await streamOnce(v2, () => (attempt = 0));
          if (abort.signal.aborted) break;
          // X closed a healthy stream (or keep-alive lapsed): reconnect as after a network error.
          sink?.failed(source, new XSourceError('X_STREAM_CLOSED', 'stream closed'));
          await sleep(delayFor({ kind: 'network' }, attempt++));
          continue;
        }
        nextAt = null;
        await searchOnce(v2);
        attempt = 0;
        lastKind = null;
        const wait = nextAt !== null ? (nextAt as Date).getTime() - Date.now() : opts.searchIntervalMs;
        nextAt = new Date(Date.now() + wait);
        await sleep(wait);
      } catch (err) {
        if (abort.signal.aborted) break;
        const failure = classify(err);
        if (failure.kind === 'forbidden' && mode === 'stream') {
          // Filtered stream needs a higher access level than recent search; use what the app has.
          log.warn({ err: errorOf(err, failure).message }, 'filtered stream not allowed for this app, falling back to recent search');
          mode = 'search';
          attempt = 0;
          continue;
        }
        if (failure.kind !== lastKind) attempt = 0;
        lastKind = failure.kind;
        const delay = failure.kind === 'forbidden' ? b.httpMaxMs : delayFor(failure, attempt++);
        sink?.failed(source, errorOf(err, failure));
        log.warn({ err: errorOf(err, failure).message, mode, retryInMs: delay }, 'x read failed');
        nextAt = new Date(Date.now() + delay);
        await sleep(delay);
      }
    }
  }

  const source: IngestSource = {
    id: 'x:posts',
    kind: 'x',
    name: 'X filtered stream / recent search',
    enabled,
    async start(s) {
      sink = s;
      if (!enabled) {
        log.info('X source disabled: no X_BEARER_TOKEN configured');
        return;
      }
      const base = opts.apiUrl.replace(/\/+$/, '');
      const agent = base.startsWith('http:') ? new http.Agent({ keepAlive: true }) : new https.Agent({ keepAlive: true });
      const v2 = new TwitterApiv2At(new TwitterApi(opts.bearerToken ?? '', { httpAgent: agent }), `${base}/2/`);
      log.info({ rules: ruleValues.length }, 'X source started');
      loop = run(v2).catch((err: unknown) => log.error({ err }, 'x loop ended unexpectedly'));
    },
    async stop() {
      abort.abort();
      stream?.close();
      await loop;
      nextAt = null;
    },
    nextPollAt: () => nextAt,
  };
  return source;
}
