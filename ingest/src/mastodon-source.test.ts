// The Mastodon source against a local fake instance: hashtag timelines, paging, dedup across tags, rate limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createMastodonSource, htmlToText } from './mastodon-source.ts';
import type { CandidateItem, IngestSource, ItemSink } from './source.ts';

const log = pino({ level: 'silent' });

function status(id: string, content: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    created_at: '2025-01-02T03:04:05.000Z',
    url: `https://mastodon.example/@alice/${id}`,
    uri: `https://mastodon.example/users/alice/statuses/${id}`,
    content,
    language: 'en',
    account: { acct: 'alice' },
    ...extra,
  };
}

async function fakeInstance(handler: (req: IncomingMessage, res: ServerResponse, url: URL) => void) {
  const requests: URL[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url);
    handler(req, res, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function recordingSink() {
  const published: CandidateItem[][] = [];
  const failed: Array<Error & { code?: string }> = [];
  let succeeded = 0;
  const sink: ItemSink = {
    async publish(_s: IngestSource, items) {
      published.push(items);
      return { published: items.length };
    },
    failed: (_s, e) => void failed.push(e),
    succeeded: () => void succeeded++,
  };
  return { sink, published, failed, succeeded: () => succeeded };
}

const json = (res: ServerResponse, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

test('reads every tag, strips HTML, dedups a post across tags, then asks only for newer posts', async () => {
  const fake = await fakeInstance((_req, res, url) => {
    const tag = url.pathname.split('/').pop();
    if (url.searchParams.has('min_id')) return json(res, []);
    if (tag === 'bitcoin') {
      return json(res, [
        status('110000000000000002', '<p>Bitcoin &amp; <a href="https://x">#BTC</a> up 5%<br>today</p>'),
        status('110000000000000001', '<p>Shared post</p>', { account: { acct: 'bob@other.social' }, language: null }),
      ]);
    }
    return json(res, [status('110000000000000001', '<p>Shared post</p>', { account: { acct: 'bob@other.social' } }), { id: 'broken' }]);
  });
  const source = createMastodonSource({ instance: fake.base, tags: ['bitcoin', 'crypto'], pollIntervalMs: 60_000, log });
  const rec = recordingSink();
  try {
    await source.start(rec.sink);
    await source.pollNow?.();
    const items = rec.published.flat();
    assert.equal(items.length, 2);
    assert.deepEqual(items[0], {
      title: 'Bitcoin & #BTC up 5% today',
      url: 'https://mastodon.example/@alice/110000000000000002',
      source: '@alice@' + new URL(fake.base).host,
      source_kind: 'mastodon',
      published_at: '2025-01-02T03:04:05.000Z',
      lang_hint: 'en',
    });
    assert.equal(items[1]?.source, '@bob@other.social');
    assert.equal(items[1]?.lang_hint, null);
    assert.equal(rec.succeeded(), 1, 'the second poll found nothing new');
    const second = fake.requests.filter((u) => u.searchParams.has('min_id'));
    assert.deepEqual(
      second.map((u) => [u.pathname, u.searchParams.get('min_id'), u.searchParams.get('limit')]),
      [
        ['/api/v1/timelines/tag/bitcoin', '110000000000000002', '40'],
        ['/api/v1/timelines/tag/crypto', '110000000000000001', '40'],
      ],
    );
    assert.equal(source.id, `mastodon:${new URL(fake.base).host}`);
  } finally {
    await source.stop();
    await fake.close();
  }
});

test('a 429 with X-RateLimit-Reset holds the next request until the reset', async () => {
  let calls = 0;
  let resetAt = 0;
  const times: number[] = [];
  const fake = await fakeInstance((_req, res) => {
    times.push(Date.now());
    calls++;
    if (calls === 1) {
      resetAt = Date.now() + 300;
      res.writeHead(429, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': new Date(resetAt).toISOString() });
      return res.end('{"error":"Too many requests"}');
    }
    return json(res, [status('5', '<p>after reset</p>')]);
  });
  const source = createMastodonSource({ instance: fake.base, tags: ['bitcoin'], pollIntervalMs: 20, log });
  const rec = recordingSink();
  try {
    await source.start(rec.sink);
    for (let i = 0; i < 100 && rec.published.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(rec.failed[0]?.code, 'MASTODON_RATE_LIMITED');
    assert.equal(rec.published.flat()[0]?.title, 'after reset');
    assert.ok((times[1] ?? 0) >= resetAt - 5, `second request ${(times[1] ?? 0) - resetAt} ms after the reset`);
  } finally {
    await source.stop();
    await fake.close();
  }
});

test('a server error is reported to the sink and the source keeps running', async () => {
  let calls = 0;
  const fake = await fakeInstance((_req, res) => {
    calls++;
    if (calls === 1) {
      res.writeHead(503);
      return res.end();
    }
    return json(res, [status('9', '<p>recovered</p>')]);
  });
  const source = createMastodonSource({ instance: fake.base, tags: ['crypto'], pollIntervalMs: 10, log });
  const rec = recordingSink();
  try {
    await source.start(rec.sink);
    for (let i = 0; i < 100 && rec.published.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(rec.failed[0]?.code, 'MASTODON_HTTP_STATUS');
    assert.equal(rec.published.flat()[0]?.title, 'recovered');
    assert.ok(source.nextPollAt() instanceof Date);
  } finally {
    await source.stop();
    await fake.close();
  }
});

test('disabled by configuration: no requests', async () => {
  const fake = await fakeInstance((_req, res) => json(res, []));
  const source = createMastodonSource({ instance: fake.base, tags: ['crypto'], pollIntervalMs: 10, enabled: false, log });
  await source.start(recordingSink().sink);
  await new Promise((r) => setTimeout(r, 50));
  await source.stop();
  await fake.close();
  assert.equal(source.enabled, false);
  assert.equal(fake.requests.length, 0);
});

test('htmlToText decodes entities and keeps words apart', () => {
  assert.equal(htmlToText('<p>A&#39;s</p><p>b&#x27;s &lt;3 &nbsp;c</p>'), "A's b's <3 c");
});
