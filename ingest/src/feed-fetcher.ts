// Fetches one feed body ourselves, before any parser sees it: SSRF-checked hops, manual redirects,
// conditional GET, an overall timeout, a size cap, and the bytes decoded with the right charset.
import { request, type Dispatcher } from 'undici';
import type { SsrfGuard } from './ssrf-guard.ts';

export type FeedErrorCode =
  | 'FEED_FETCH_FAILED'
  | 'FEED_TIMEOUT'
  | 'FEED_HTTP_STATUS'
  | 'FEED_TOO_LARGE'
  | 'FEED_ADDRESS_REFUSED'
  | 'FEED_TOO_MANY_REDIRECTS'
  | 'FEED_UNSAFE_XML'
  | 'FEED_PARSE_FAILED';

/** A feed read that failed, with a stable code; `retriable` says whether backing off and retrying can help. */
export class FeedError extends Error {
  readonly retriable: boolean;
  constructor(
    readonly code: FeedErrorCode,
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${url}: ${message}`, options);
    this.retriable = code !== 'FEED_ADDRESS_REFUSED' && code !== 'FEED_UNSAFE_XML';
  }
}

export interface FetchFeedOptions {
  guard: SsrfGuard;
  timeoutMs: number;
  maxBytes: number;
  /** Validators from the previous successful read, sent back for a conditional GET. */
  etag?: string | null;
  lastModified?: string | null;
  maxRedirects?: number;
}

export type FetchedFeed =
  | { status: 'not-modified' }
  | { status: 'ok'; text: string; etag: string | null; lastModified: string | null; finalUrl: string; bytes: number };

const USER_AGENT = 'Barometer/0.2 (+https://github.com/barometer; self-hosted news sentiment monitor)';

function header(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const v = headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? null;
}

/** The code of the first error in a cause chain that carries one of ours (the SSRF lookup's refusal travels wrapped). */
function refusalIn(err: unknown): Error | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === 'FEED_ADDRESS_REFUSED') return e;
  }
  return null;
}

/**
 * Decodes feed bytes: the charset from Content-Type, else the XML declaration, else UTF-8. A body that
 * claims (or defaults to) UTF-8 but is not valid UTF-8 is read as Windows-1252, which is what such
 * feeds almost always are; an unknown label also falls back to UTF-8.
 */
export function decodeFeedBytes(bytes: Uint8Array, contentType: string | null): string {
  const fromHeader = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? '')?.[1];
  const head = Buffer.from(bytes.subarray(0, 256)).toString('latin1');
  const fromDecl = /^\uFEFF?\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']/i.exec(head)?.[1];
  const label = (fromHeader ?? fromDecl ?? 'utf-8').toLowerCase();
  if (WINDOWS_1252_LABELS.has(label)) return decodeWindows1252(bytes);
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(label, { fatal: label === 'utf-8' || label === 'utf8' });
  } catch {
    decoder = new TextDecoder('utf-8', { fatal: true });
  }
  try {
    return decoder.decode(bytes);
  } catch {
    return decodeWindows1252(bytes);
  }
}

// WHATWG Encoding reads all of these as Windows-1252.
const WINDOWS_1252_LABELS = new Set(['windows-1252', 'cp1252', 'iso-8859-1', 'iso8859-1', 'latin1', 'l1', 'us-ascii', 'ascii', 'x-cp1252']);
// 0x80–0x9F, where Windows-1252 has typographic characters and ISO-8859-1 has C1 controls.
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/** Node's TextDecoder reads `windows-1252` as plain Latin-1 (C1 controls), so the 32 differing bytes are mapped here. */
function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('latin1').replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80] ?? c);
}

/** Drops a body we will not read; the abort error undici raises on it has no one to tell. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

async function readCapped(body: Dispatcher.ResponseData['body'], maxBytes: number, url: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      discard(body);
      throw new FeedError('FEED_TOO_LARGE', url, `body over ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** Fetches `url`, following at most `maxRedirects` redirects, each hop re-checked by the guard. */
export async function fetchFeedBody(url: string, opts: FetchFeedOptions): Promise<FetchedFeed> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const maxRedirects = opts.maxRedirects ?? 5;
  let current: URL;
  try {
    current = new URL(url);
  } catch (err) {
    throw new FeedError('FEED_FETCH_FAILED', url, 'not a URL', { cause: err });
  }
  for (let hop = 0; ; hop++) {
    try {
      opts.guard.checkUrl(current);
    } catch (err) {
      throw new FeedError('FEED_ADDRESS_REFUSED', url, hop === 0 ? (err as Error).message : `redirect to ${current.href}: ${(err as Error).message}`, { cause: err });
    }
    const headers: Record<string, string> = {
      accept: 'application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5',
      'user-agent': USER_AGENT,
    };
    // Validators belong to the configured URL; after a redirect they are not sent.
    if (hop === 0 && opts.etag) headers['if-none-match'] = opts.etag;
    if (hop === 0 && opts.lastModified) headers['if-modified-since'] = opts.lastModified;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(current, { method: 'GET', headers, signal, dispatcher: opts.guard.dispatcher });
    } catch (err) {
      const refused = refusalIn(err);
      if (refused) throw new FeedError('FEED_ADDRESS_REFUSED', url, refused.message, { cause: err });
      if (signal.aborted) throw new FeedError('FEED_TIMEOUT', url, `no complete answer within ${opts.timeoutMs} ms`, { cause: err });
      const e = err as Error & { code?: string };
      throw new FeedError('FEED_FETCH_FAILED', url, e.code ? `${e.code}: ${e.message}` : String(e.message ?? err), { cause: err });
    }
    const status = res.statusCode;
    if (status >= 300 && status < 400 && status !== 304) {
      discard(res.body);
      const location = header(res.headers, 'location');
      if (!location) throw new FeedError('FEED_HTTP_STATUS', url, `HTTP ${status} without Location`);
      if (hop >= maxRedirects) throw new FeedError('FEED_TOO_MANY_REDIRECTS', url, `more than ${maxRedirects} redirects`);
      try {
        current = new URL(location, current);
      } catch (err) {
        throw new FeedError('FEED_HTTP_STATUS', url, `HTTP ${status} to a bad Location`, { cause: err });
      }
      continue;
    }
    if (status === 304) {
      discard(res.body);
      return { status: 'not-modified' };
    }
    if (status < 200 || status >= 300) {
      discard(res.body);
      throw new FeedError('FEED_HTTP_STATUS', url, `HTTP ${status}`);
    }
    const declared = Number(header(res.headers, 'content-length') ?? '0');
    if (declared > opts.maxBytes) {
      discard(res.body);
      throw new FeedError('FEED_TOO_LARGE', url, `content-length ${declared} > ${opts.maxBytes}`);
    }
    let bytes: Buffer;
    try {
      bytes = await readCapped(res.body, opts.maxBytes, url);
    } catch (err) {
      if (err instanceof FeedError) throw err;
      if (signal.aborted) throw new FeedError('FEED_TIMEOUT', url, `body not complete within ${opts.timeoutMs} ms`, { cause: err });
      throw new FeedError('FEED_FETCH_FAILED', url, `reading the body: ${(err as Error).message}`, { cause: err });
    }
    return {
      status: 'ok',
      text: decodeFeedBytes(bytes, header(res.headers, 'content-type')),
      etag: header(res.headers, 'etag'),
      lastModified: header(res.headers, 'last-modified'),
      finalUrl: current.href,
      bytes: bytes.byteLength,
    };
  }
}
