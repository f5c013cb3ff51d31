// The feed path against recorded feeds served from a local HTTP server: fetching (size cap, timeout,
// conditional GET, charsets), parsing (RSS 2.0, Atom, RDF, hostile XML) and text cleaning.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { FeedError, decodeFeedBytes, fetchFeedBody, type FetchFeedOptions } from './feed-fetcher.ts';
import { parseFeed, unsafeXmlReason } from './feed-parser.ts';
import { createSsrfGuard } from './ssrf-guard.ts';
import { itemIdOf, normalizeTitle } from './item-id.ts';
import { parseFeedEntries, parseFeedFile, resolveFeedEntries, resolveFeeds } from './feed-list.ts';
import { cleanText, decodeEntities } from './text-cleaner.ts';
import { detectLanguage } from './language-detector.ts';
import { DEFAULT_FILTERS, isClickbait, isQuestion, rejectionOf } from './quality-filters.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

describe('item ids', () => {
  test('the same headline with different case and punctuation is one id', () => {
    assert.equal(itemIdOf('Bitcoin Hits $100K!'), itemIdOf('  bitcoin hits $100k '));
    assert.equal(normalizeTitle('Ünïcode – Café'), 'unicode cafe');
    assert.notEqual(itemIdOf('Bitcoin rises'), itemIdOf('Bitcoin falls'));
    assert.match(itemIdOf('x'), /^[0-9a-f]{32}$/);
  });
});

describe('feed list', () => {
  test('file format: comments name the outlet, blank lines are ignored', () => {
    assert.deepEqual(parseFeedFile('# c\nhttps://a.example/rss  # A\n\n https://b.example/feed\n'), ['https://a.example/rss', 'https://b.example/feed']);
    assert.deepEqual(parseFeedEntries('https://a.example/rss  # Outlet A\nhttps://www.b.example/feed'), [
      { url: 'https://a.example/rss', name: 'Outlet A' },
      { url: 'https://www.b.example/feed', name: 'b.example' },
    ]);
  });
  test('comma list, the curated default list and bad entries', () => {
    assert.deepEqual(resolveFeeds('https://a.example/rss, https://b.example/rss'), ['https://a.example/rss', 'https://b.example/rss']);
    const defaults = resolveFeedEntries(undefined);
    assert.ok(defaults.length >= 90, `the shipped list has ~100 feeds, not ${defaults.length}`);
    for (const d of defaults) assert.notEqual(d.name, new URL(d.url).hostname, `${d.url} has a comment naming the outlet`);
    assert.throws(() => resolveFeeds('https://a.example/rss,ftp://x'), /not http/);
  });
});

describe('text cleaning', () => {
  test('tags, entities (also double-escaped), links, emoji and whitespace', () => {
    assert.equal(cleanText('<b>Bitcoin</b>&nbsp;hits  $100K &amp; more'), 'Bitcoin hits $100K & more');
    assert.equal(cleanText('&lt;script&gt;alert(1)&lt;/script&gt; Solana up'), 'Solana up');
    assert.equal(cleanText("<script>alert('x')</script> Solana outage"), 'Solana outage');
    assert.equal(cleanText('ETH 🚀🚀 to the moon 🇺🇸 https://t.co/x www.example.com now'), 'ETH to the moon now');
    assert.equal(cleanText('Fed\u200b cuts\u202e rates\n\t by 25bp'), 'Fed cuts rates by 25bp');
    assert.equal(decodeEntities('&#8217;&#x2019;&rsquo;&unknown;&#0;'), '’’’&unknown;');
  });
});

describe('language', () => {
  test('scripts, function words and hints', () => {
    assert.equal(detectLanguage('Bitcoin surges to record high as spot ETF inflows hit new peak'), 'en');
    assert.equal(detectLanguage('El precio del bitcoin sube tras la decisión de la Reserva Federal'), 'es');
    assert.equal(detectLanguage('Le bitcoin recule après les annonces de la banque centrale'), 'fr');
    assert.equal(detectLanguage('Der Bitcoin-Kurs fällt nach der Entscheidung der Notenbank'), 'de');
    assert.equal(detectLanguage('Биткоин обновил исторический максимум'), 'ru');
    assert.equal(detectLanguage('比特币价格创下历史新高'), 'zh');
    assert.equal(detectLanguage('ビットコインが最高値を更新'), 'ja');
    assert.equal(detectLanguage('비트코인 사상 최고가 경신'), 'ko');
    assert.equal(detectLanguage('Solana Dogecoin Cardano'), 'und');
    assert.equal(detectLanguage('Solana Dogecoin Cardano', 'en-US'), 'en');
  });
});

describe('quality filters', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  const fresh = new Date('2026-11-23T11:00:00Z');
  test('each filter rejects what it should, and only when switched on', () => {
    const ok = { text: 'Bitcoin surges to record high as ETF inflows rise', lang: 'en', publishedAt: fresh };
    assert.equal(rejectionOf(ok, DEFAULT_FILTERS, now), null);
    assert.equal(rejectionOf({ ...ok, lang: 'es' }, DEFAULT_FILTERS, now), 'language');
    assert.equal(rejectionOf({ ...ok, lang: 'und' }, DEFAULT_FILTERS, now), null);
    assert.equal(rejectionOf({ ...ok, text: 'Bitcoin up' }, DEFAULT_FILTERS, now), 'too_short');
    assert.equal(rejectionOf({ ...ok, text: 'Is Bitcoin about to crash again this week?' }, DEFAULT_FILTERS, now), 'question');
    assert.equal(rejectionOf({ ...ok, text: '10 altcoins you should buy before the next bull run' }, DEFAULT_FILTERS, now), 'clickbait');
    assert.equal(rejectionOf({ ...ok, publishedAt: new Date('2026-11-10T00:00:00Z') }, DEFAULT_FILTERS, now), 'too_old');
    const off = {
      language: { enabled: false, keep: ['en'], keepUndetermined: true },
      minWords: { enabled: false, min: 5 },
      questions: { enabled: false },
      clickbait: { enabled: false },
      maxAge: { enabled: false, hours: 1 },
    };
    for (const x of [{ ...ok, lang: 'es' }, { ...ok, text: 'Up?' }, { ...ok, text: 'You won’t believe this' }, { ...ok, publishedAt: new Date(0) }]) {
      assert.equal(rejectionOf(x, off, now), null);
    }
  });
  test('news is not mistaken for clickbait or questions', () => {
    for (const t of ['Crypto exchange hacked, withdrawals halted as token plunges 40%', '3 arrested in $25 million crypto fraud case', 'Bitcoin falls 5% after Fed decision']) {
      assert.equal(isClickbait(t), false, t);
      assert.equal(isQuestion(t), false, t);
    }
    assert.ok(isClickbait('Here’s why Bitcoin could hit $200K'.replace('’', "'")));
    assert.ok(isClickbait('Top 5 coins to watch this week'));
    assert.ok(isQuestion('¿Sube el bitcoin hoy?'));
  });
});

describe('recorded feeds from a local server', () => {
  let server: Server;
  let base: string;
  const guard = createSsrfGuard({ allow: ['127.0.0.1'] });
  const opts = (extra: Partial<FetchFeedOptions> = {}): FetchFeedOptions => ({ guard, timeoutMs: 5000, maxBytes: 5 * 1024 * 1024, ...extra });
  before(async () => {
    server = createServer((req, res) => {
      const name = decodeURIComponent((req.url ?? '/').slice(1));
      if (name === 'huge') return void res.writeHead(200, { 'content-type': 'application/rss+xml' }).end('<rss>' + 'x'.repeat(2 * 1024 * 1024) + '</rss>');
      if (name === 'huge-chunked') {
        res.writeHead(200, { 'content-type': 'application/rss+xml' });
        for (let i = 0; i < 40; i++) res.write('x'.repeat(64 * 1024));
        return void res.end();
      }
      if (name === 'status') return void res.writeHead(503).end();
      if (name === 'slow') return void res.writeHead(200).write('<rss>');
      if (name === 'etag') {
        if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304).end();
        return void res.writeHead(200, { etag: '"v1"', 'last-modified': 'Mon, 23 Nov 2026 10:00:00 GMT' }).end('<rss version="2.0"><channel><title>t</title></channel></rss>');
      }
      if (name.startsWith('hop/')) {
        const n = Number(name.slice(4));
        return void res.writeHead(302, { location: n > 0 ? `/hop/${n - 1}` : '/guardian.rss' }).end();
      }
      readFile(`${FIXTURES}/${name}`).then(
        (body) => res.writeHead(200, { 'content-type': 'application/xml' }).end(body),
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await guard.close();
  });

  async function read(name: string) {
    const fetched = await fetchFeedBody(`${base}/${name}`, opts());
    assert.equal(fetched.status, 'ok');
    return parseFeed(fetched.status === 'ok' ? fetched.text : '', `${base}/${name}`);
  }

  test('every recorded feed yields candidates or a clear FeedError', async () => {
    const names = (await readdir(FIXTURES)).filter((f) => /\.(rss|atom|rdf)$/.test(f));
    assert.ok(names.length >= 25);
    let withItems = 0;
    for (const name of names) {
      try {
        const r = await read(name);
        for (const c of r.items) assert.ok(c.title.trim().length > 0 && c.source_kind === 'rss');
        if (r.items.length > 0) withItems++;
      } catch (err) {
        assert.ok(err instanceof FeedError, `${name} threw a non-FeedError: ${String(err)}`);
        assert.ok(['FEED_PARSE_FAILED', 'FEED_UNSAFE_XML'].includes(err.code), `${name}: ${err.message}`);
      }
    }
    assert.ok(withItems >= 18, `only ${withItems} feeds yielded items`);
  });

  test('RSS 2.0, Atom and RDF all parse; the feed language becomes each item\'s hint', async () => {
    for (const name of ['guardian.rss', 'heise.atom', 'rss-1.rss']) assert.ok((await read(name)).items.length > 0, name);
    const html = await read('crypto-html-titles.rss');
    assert.equal(html.language, 'en-US');
    assert.equal(html.items[0]!.lang_hint, 'en-US');
    assert.equal(html.seen, 8);
    assert.equal(cleanText(html.items[0]!.title), 'Bitcoin climbs above $97,000 as ETF inflows & futures open interest rise');
    assert.equal(html.items.find((i) => i.title.startsWith('XRP'))!.url, null, 'javascript: links are dropped');
    assert.equal(html.items.find((i) => i.title.includes('Coinbase'))!.url, `${base}/news/coinbase-q3/`);
  });

  test('bad dates become null (the pipeline clamps them), good ones UTC', async () => {
    const r = await read('crypto-bad-dates.rss');
    const byStart = (s: string) => r.items.find((i) => i.title.startsWith(s))!;
    assert.equal(byStart('Federal Reserve').published_at, '2026-11-23T10:00:00.000Z');
    assert.equal(byStart('Nasdaq').published_at, '2026-11-23T09:30:00.000Z');
    assert.equal(byStart('European').published_at, null);
    assert.equal(byStart('Treasury').published_at, null);
  });

  test('a body mislabelled as UTF-8 is read as Windows-1252; declared charsets are honoured', async () => {
    const r = await read('mislabelled-1252.rss');
    assert.ok(r.items[0]!.title.includes('“stickier than expected”'), r.items[0]!.title);
    assert.ok(r.items[1]!.title.startsWith('Café'));
    const latin = await read('encoding.rss');
    assert.ok(latin.items.some((i) => /[ãçéí]/.test(i.title)), 'ISO-8859-1 accents survive');
    assert.equal(decodeFeedBytes(Buffer.from('caf\xe9', 'latin1'), 'text/xml; charset=iso-8859-1'), 'café');
  });

  test('entity declarations are refused, a bare public DOCTYPE is not', async () => {
    await assert.rejects(read('billion-laughs.rss'), { code: 'FEED_UNSAFE_XML' });
    assert.equal((await read('netscape-doctype.rss')).items.length, 1);
    assert.equal(unsafeXmlReason('<?xml version="1.0"?><rss><title>&lt;!ENTITY in text</title></rss>'), null);
  });

  test('oversized bodies, timeouts, HTTP errors and dead hosts are refused with a reason', async () => {
    await assert.rejects(fetchFeedBody(`${base}/huge`, opts({ maxBytes: 1024 * 1024 })), { code: 'FEED_TOO_LARGE' });
    await assert.rejects(fetchFeedBody(`${base}/huge-chunked`, opts({ maxBytes: 1024 * 1024 })), { code: 'FEED_TOO_LARGE' });
    await assert.rejects(fetchFeedBody(`${base}/status`, opts()), { code: 'FEED_HTTP_STATUS' });
    await assert.rejects(fetchFeedBody(`${base}/slow`, opts({ timeoutMs: 300 })), { code: 'FEED_TIMEOUT' });
    await assert.rejects(fetchFeedBody('http://127.0.0.1:1/feed', opts({ timeoutMs: 2000 })), { code: 'FEED_FETCH_FAILED' });
  });

  test('conditional GET: the validators come back and a 304 is reported as not modified', async () => {
    const first = await fetchFeedBody(`${base}/etag`, opts());
    assert.equal(first.status, 'ok');
    if (first.status !== 'ok') return;
    assert.equal(first.etag, '"v1"');
    assert.equal(first.lastModified, 'Mon, 23 Nov 2026 10:00:00 GMT');
    assert.deepEqual(await fetchFeedBody(`${base}/etag`, opts({ etag: first.etag })), { status: 'not-modified' });
  });

  test('redirects are followed up to the limit', async () => {
    const ok = await fetchFeedBody(`${base}/hop/4`, opts());
    assert.equal(ok.status === 'ok' && ok.finalUrl, `${base}/guardian.rss`);
    await assert.rejects(fetchFeedBody(`${base}/hop/6`, opts()), { code: 'FEED_TOO_MANY_REDIRECTS' });
  });
});
