// Where the feed URLs come from: BAROMETER_FEEDS as a file (one URL per line) or a comma-separated list.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolveUserPath } from '@barometer/runtime/config';

export const DEFAULT_FEEDS_FILE = fileURLToPath(new URL('../feeds.txt', import.meta.url));

/** Parses a feed file: one URL per line, `#` starts a comment, blank lines ignored. */
export function parseFeedFile(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line.length > 0);
}

/**
 * `spec` is either a comma-separated list of URLs or a path to a feed file; unset means the curated
 * default list shipped in the repo. Every entry must be an absolute http(s) URL.
 */
export function resolveFeeds(spec: string | undefined): string[] {
  const trimmed = spec?.trim();
  const urls = !trimmed
    ? parseFeedFile(readFileSync(DEFAULT_FEEDS_FILE, 'utf8'))
    : /^https?:\/\//i.test(trimmed)
      ? trimmed.split(',').map((u) => u.trim()).filter(Boolean)
      : parseFeedFile(readFileSync(resolveUserPath(trimmed), 'utf8'));
  for (const u of urls) {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw new Error(`BAROMETER_FEEDS: not a URL: ${u}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`BAROMETER_FEEDS: not http(s): ${u}`);
  }
  return [...new Set(urls)];
}
