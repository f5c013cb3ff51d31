// Fetches one feed and turns its entries into raw items; a broken feed yields an error, never a crash.
import Parser from 'rss-parser';
import type { RawItem } from '@barometer/schemas/items';
import { itemIdOf } from './item-id.ts';

export interface FeedResult {
  url: string;
  items: RawItem[];
  /** Entries skipped for having no usable title. */
  skipped: number;
}

export class FeedError extends Error {
  constructor(
    readonly code: 'FEED_FETCH_FAILED' | 'FEED_HTTP_STATUS' | 'FEED_TOO_LARGE' | 'FEED_PARSE_FAILED',
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${url}: ${message}`, options);
  }
}

export interface FetchFeedOptions {
  timeoutMs: number;
  maxBytes: number;
  now?: () => Date;
}

const parser = new Parser();

/** Strips tags that some feeds put in titles and collapses whitespace; the text stays text. */
export function cleanTitle(title: string): string {
  return title
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return url;
  }
}

async function readCapped(res: Response, maxBytes: number, url: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new FeedError('FEED_TOO_LARGE', url, `content-length ${declared} > ${maxBytes}`);
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new FeedError('FEED_TOO_LARGE', url, `body over ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Maps parsed entries to raw items: UTC instants, publication never later than ingestion. */
export function toRawItems(feedUrl: string, entries: Parser.Item[], now: Date): { items: RawItem[]; skipped: number } {
  const items: RawItem[] = [];
  let skipped = 0;
  const ingestedAt = now.toISOString();
  const source = hostOf(feedUrl);
  for (const entry of entries) {
    const title = cleanTitle(entry.title ?? '').slice(0, 1000);
    if (title.length === 0) {
      skipped++;
      continue;
    }
    const published = Date.parse(entry.isoDate ?? entry.pubDate ?? '');
    // A missing, unparseable or future date becomes the ingestion time, so no item lands in a window it cannot belong to.
    const publishedAt = Number.isFinite(published) && published <= now.getTime() ? new Date(published).toISOString() : ingestedAt;
    let link: string | null = null;
    if (entry.link) {
      try {
        const u = new URL(entry.link, feedUrl);
        if ((u.protocol === 'http:' || u.protocol === 'https:') && u.href.length <= 2048) link = u.href;
      } catch {
        link = null;
      }
    }
    const id = itemIdOf(title);
    items.push({
      v: 1,
      id,
      title,
      url: link,
      source,
      source_kind: 'rss',
      published_at: publishedAt,
      ingested_at: ingestedAt,
      assets: [],
      story_id: id,
      lang: 'und',
    });
  }
  return { items, skipped };
}

export async function fetchFeed(url: string, opts: FetchFeedOptions): Promise<FeedResult> {
  let res: Response;
  try {
    res = await fetch(url, {
      signal: AbortSignal.timeout(opts.timeoutMs),
      headers: { accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8', 'user-agent': 'Barometer/0.1 (+self-hosted sentiment monitor)' },
      redirect: 'follow',
    });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    throw new FeedError('FEED_FETCH_FAILED', url, cause, { cause: err });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new FeedError('FEED_HTTP_STATUS', url, `HTTP ${res.status}`);
  }
  const text = await readCapped(res, opts.maxBytes, url);
  let feed: Parser.Output<Parser.Item>;
  try {
    feed = await parser.parseString(text);
  } catch (err) {
    throw new FeedError('FEED_PARSE_FAILED', url, err instanceof Error ? err.message : String(err), { cause: err });
  }
  return { url, ...toRawItems(url, feed.items ?? [], (opts.now ?? (() => new Date()))()) };
}
