// Where the feed URLs come from: BAROMETER_FEEDS as a file (one URL per line) or a comma-separated list.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolveUserPath } from '@barometer/runtime/config';

export const DEFAULT_FEEDS_FILE = fileURLToPath(new URL('../feeds.txt', import.meta.url));

/** A feed to poll and the outlet's name, shown in its health record. */
export interface FeedEntry {
  url: string;
  name: string;
}

function hostNameOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return url;
  }
}

/**
 * Parses a feed file: one URL per line, `#` starts a comment, blank lines ignored. A comment on the
 * URL's own line names the outlet; without one the host name stands in.
 */
export function parseFeedEntries(text: string): FeedEntry[] {
  const entries: FeedEntry[] = [];
  for (const line of text.split('\n')) {
    const hash = line.indexOf('#');
    const url = (hash >= 0 ? line.slice(0, hash) : line).trim();
    if (url.length === 0) continue;
    const comment = hash >= 0 ? line.slice(hash + 1).trim() : '';
    entries.push({ url, name: (comment || hostNameOf(url)).slice(0, 200) });
  }
  return entries;
}

/** The URLs of a feed file. */
export function parseFeedFile(text: string): string[] {
  return parseFeedEntries(text).map((e) => e.url);
}

/**
 * `spec` is either a comma-separated list of URLs or a path to a feed file; unset means the curated
 * default list shipped in the repo. Every entry must be an absolute http(s) URL; duplicates are dropped.
 */
export function resolveFeedEntries(spec: string | undefined): FeedEntry[] {
  const trimmed = spec?.trim();
  const entries = !trimmed
    ? parseFeedEntries(readFileSync(DEFAULT_FEEDS_FILE, 'utf8'))
    : /^https?:\/\//i.test(trimmed)
      ? trimmed.split(',').map((u) => u.trim()).filter(Boolean).map((url) => ({ url, name: hostNameOf(url) }))
      : parseFeedEntries(readFileSync(resolveUserPath(trimmed), 'utf8'));
  const byUrl = new Map<string, FeedEntry>();
  for (const e of entries) {
    let url: URL;
    try {
      url = new URL(e.url);
    } catch {
      throw new Error(`BAROMETER_FEEDS: not a URL: ${e.url}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`BAROMETER_FEEDS: not http(s): ${e.url}`);
    if (!byUrl.has(e.url)) byUrl.set(e.url, e);
  }
  return [...byUrl.values()];
}

/** The URLs only. */
export function resolveFeeds(spec: string | undefined): string[] {
  return resolveFeedEntries(spec).map((e) => e.url);
}
