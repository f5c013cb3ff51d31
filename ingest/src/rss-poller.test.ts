// The feed path against recorded real-world feeds served from a local HTTP server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { RawItem } from '@barometer/schemas/items';
import { FeedError, cleanTitle, fetchFeed, toRawItems } from './rss-poller.ts';
import { itemIdOf, normalizeTitle } from './item-id.ts';
import { parseFeedFile, resolveFeeds } from './feed-list.ts';

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
  test('file format: comments and blank lines are ignored', () => {
    assert.deepEqual(parseFeedFile('# c\nhttps://a.example/rss  # A\n\n https://b.example/feed\n'), [
      'https://a.example/rss',
      'https://b.example/feed',
    ]);
  });
  test('comma list, default list and bad entries', () => {
    assert.deepEqual(resolveFeeds('https://a.example/rss, https://b.example/rss'), ['https://a.example/rss', 'https://b.example/rss']);
    assert.ok(resolveFeeds(undefined).length >= 10, 'the shipped default list has real feeds');
    assert.throws(() => resolveFeeds('https://a.example/rss,ftp://x'), /not http/);
  });
});

describe('raw item mapping', () => {
  const now = new Date('2026-11-23T12:00:00.000Z');
  test('dates become UTC, future or missing dates become the ingestion time', () => {
    const { items, skipped } = toRawItems(
      'https://www.example.com/feed',
      [
        { title: 'A <b>bold</b> title', link: '/a', isoDate: '2026-11-23T10:00:00+02:00' },
        { title: 'From the future', pubDate: 'Tue, 24 Nov 2026 10:00:00 GMT' },
        { title: 'No date at all', link: 'javascript:alert(1)' },
        { title: '   ' },
      ],
      now,
    );
    assert.equal(skipped, 1);
    assert.equal(items.length, 3);
    assert.equal(items[0]!.title, 'A bold title');
    assert.equal(items[0]!.published_at, '2026-11-23T08:00:00.000Z');
    assert.equal(items[0]!.url, 'https://www.example.com/a');
    assert.equal(items[0]!.source, 'example.com');
    assert.equal(items[1]!.published_at, now.toISOString());
    assert.equal(items[2]!.published_at, now.toISOString());
    assert.equal(items[2]!.url, null, 'non-http links are dropped');
    for (const i of items) assert.ok(RawItem.safeParse(i).success);
  });
  test('tags are stripped, text stays text', () => {
    assert.equal(cleanTitle('<script>alert(1)</script> Bitcoin\n  up'), 'alert(1) Bitcoin up');
  });
});

describe('recorded feeds from a local server', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      const name = decodeURIComponent((req.url ?? '/').slice(1));
      if (name === 'huge') {
        res.writeHead(200, { 'content-type': 'application/rss+xml' });
        res.end('<rss>' + 'x'.repeat(2 * 1024 * 1024) + '</rss>');
        return;
      }
      if (name === 'status') {
        res.writeHead(503).end();
        return;
      }
      readFile(`${FIXTURES}/${name}`).then(
        (body) => res.writeHead(200, { 'content-type': 'application/xml' }).end(body),
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('every recorded feed yields valid items or a clear FeedError', async () => {
    const names = (await readdir(FIXTURES)).filter((f) => /\.(rss|atom)$/.test(f));
    assert.ok(names.length >= 20);
    let withItems = 0;
    for (const name of names) {
      try {
        const r = await fetchFeed(`${base}/${name}`, { timeoutMs: 5000, maxBytes: 5 * 1024 * 1024 });
        for (const item of r.items) assert.ok(RawItem.safeParse(item).success, `${name}: ${JSON.stringify(item)}`);
        if (r.items.length > 0) withItems++;
      } catch (err) {
        assert.ok(err instanceof FeedError, `${name} threw a non-FeedError: ${String(err)}`);
        assert.equal(err.code, 'FEED_PARSE_FAILED', `${name}: ${err.message}`);
      }
    }
    assert.ok(withItems >= 15, `only ${withItems} feeds yielded items`);
  });

  test('RSS 2.0, Atom and RDF all parse', async () => {
    for (const name of ['guardian.rss', 'heise.atom', 'rss-1.rss']) {
      const r = await fetchFeed(`${base}/${name}`, { timeoutMs: 5000, maxBytes: 5 * 1024 * 1024 });
      assert.ok(r.items.length > 0, name);
    }
  });

  test('oversized bodies, HTTP errors and dead hosts are refused with a reason', async () => {
    await assert.rejects(fetchFeed(`${base}/huge`, { timeoutMs: 5000, maxBytes: 1024 * 1024 }), { code: 'FEED_TOO_LARGE' });
    await assert.rejects(fetchFeed(`${base}/status`, { timeoutMs: 5000, maxBytes: 1024 }), { code: 'FEED_HTTP_STATUS' });
    await assert.rejects(fetchFeed('http://127.0.0.1:1/feed', { timeoutMs: 2000, maxBytes: 1024 }), { code: 'FEED_FETCH_FAILED' });
  });
});
