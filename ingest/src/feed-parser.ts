// Turns a fetched RSS 2.0 / Atom / RDF document into candidate items; hostile XML is refused first.
import Parser from 'rss-parser';
import type { CandidateItem } from './source.ts';
import { FeedError } from './feed-fetcher.ts';

export interface ParsedFeed {
  /** The feed's declared language (`<language>`, `xml:lang`), if any. */
  language: string | null;
  items: CandidateItem[];
  /** Entries read, including ones without a usable title. */
  seen: number;
}

// rss-parser (xml2js/sax) does not expand DTD entities itself, but a document that declares them is
// an attack or a broken generator either way, and refusing it up front keeps any later parser safe.
// A bare `<!DOCTYPE rss PUBLIC …>` (old RSS 0.91 feeds) has no internal subset and is allowed.
export function unsafeXmlReason(text: string): string | null {
  const root = /<[A-Za-z]/.exec(text);
  const prolog = root ? text.slice(0, root.index) : text.slice(0, 64 * 1024);
  if (/<!ENTITY/i.test(prolog)) return 'declares entities (entity expansion)';
  if (/<!DOCTYPE[^>[]*\[/i.test(prolog)) return 'has a DOCTYPE with an internal subset';
  return null;
}

const parser = new Parser();
const PARSE_DEADLINE_MS = 10_000;

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return url;
  }
}

// A date without a zone would be read in the server's local time: such dates are treated as missing.
const HAS_ZONE = /(?:[+-]\d{2}:?\d{2}|\dZ|\b(?:GMT|UTC?|[ECMP][SD]T|Z))\s*$/i;

function dateOf(entry: Parser.Item): string | null {
  // rss-parser's isoDate is V8's lenient reading of the same text, so the raw string is judged instead.
  const raw: unknown = entry.pubDate ?? (entry as { updated?: unknown }).updated;
  if (typeof raw !== 'string' || !HAS_ZONE.test(raw.trim())) return null;
  const t = Date.parse(raw.trim());
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

function linkOf(entry: Parser.Item, base: string): string | null {
  if (typeof entry.link !== 'string' || entry.link.length === 0) return null;
  try {
    const u = new URL(entry.link.trim(), base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** Parses `text` fetched from `feedUrl`; throws FeedError (FEED_UNSAFE_XML / FEED_PARSE_FAILED), nothing else. */
export async function parseFeed(text: string, feedUrl: string): Promise<ParsedFeed> {
  const unsafe = unsafeXmlReason(text);
  if (unsafe) throw new FeedError('FEED_UNSAFE_XML', feedUrl, `refused: the document ${unsafe}`);
  // xml2js never calls back for a document with no root element (found by the fuzz test), so that is
  // refused here, and any other silent parse is bounded by a deadline rather than hanging the feed.
  if (!/<[A-Za-z]/.test(text.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<![^>]*>/g, ''))) {
    throw new FeedError('FEED_PARSE_FAILED', feedUrl, 'no root element');
  }
  let feed: Parser.Output<Parser.Item>;
  let timer: NodeJS.Timeout | undefined;
  try {
    feed = await Promise.race([
      parser.parseString(text),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`parser gave no answer within ${PARSE_DEADLINE_MS} ms`)), PARSE_DEADLINE_MS);
      }),
    ]);
  } catch (err) {
    throw new FeedError('FEED_PARSE_FAILED', feedUrl, err instanceof Error ? err.message : String(err), { cause: err });
  } finally {
    clearTimeout(timer);
  }
  const source = hostOf(feedUrl);
  const entries = Array.isArray(feed.items) ? feed.items : [];
  const items: CandidateItem[] = [];
  for (const entry of entries) {
    // Titles arrive as strings, or as xml2js objects ({ _: text, $: attributes }) when the element has attributes.
    const rawTitle: unknown = entry.title;
    const inner = rawTitle && typeof rawTitle === 'object' ? (rawTitle as { _?: unknown })._ : undefined;
    const title = typeof rawTitle === 'string' ? rawTitle : typeof inner === 'string' ? inner : '';
    if (title.trim().length === 0) continue;
    items.push({
      title: title.slice(0, 4000),
      url: linkOf(entry, feedUrl),
      source,
      source_kind: 'rss',
      published_at: dateOf(entry),
      lang_hint: typeof (entry as { language?: unknown }).language === 'string' ? (entry as { language: string }).language : null,
    });
  }
  const declared: unknown = (feed as { language?: unknown }).language;
  const language = typeof declared === 'string' ? declared : null;
  for (const item of items) item.lang_hint ??= language;
  return { language, items, seen: entries.length };
}
