// The X source against a local fake of the X API v2: rule sync, filtered stream, fallback to recent search, rate limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { buildRuleValues, createXSource, RULE_TAG } from './x-source.ts';
import type { CandidateItem, ItemSink } from './source.ts';

const log = pino({ level: 'silent' });

interface Rule {
  id: string;
  value: string;
  tag?: string;
}

interface FakeOptions {
  stream: 'ok' | 'forbidden';
  rules?: Rule[];
  /** Responses for successive recent-search calls; the last one repeats. */
  search?: Array<(res: ServerResponse) => void>;
}

const tweetPayload = (id: string, text: string, user: string) => ({
  data: { id, text, created_at: '2025-03-01T10:00:00.000Z', lang: 'en', author_id: `u${id}` },
  includes: { users: [{ id: `u${id}`, username: user, name: user }] },
  matching_rules: [{ id: '10', tag: RULE_TAG }],
});

async function fakeX(opts: FakeOptions) {
  const rules: Rule[] = [...(opts.rules ?? [])];
  const requests: Array<{ method: string; url: URL; at: number; auth?: string }> = [];
  const ruleBodies: unknown[] = [];
  let searchCalls = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({ method: req.method ?? '', url, at: Date.now(), auth: req.headers.authorization });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/2/tweets/search/stream/rules' && req.method === 'GET') {
      return send(200, { data: rules, meta: { sent: new Date().toISOString(), result_count: rules.length } });
    }
    if (url.pathname === '/2/tweets/search/stream/rules' && req.method === 'POST') {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw) as { add?: Array<{ value: string; tag?: string }>; delete?: { ids: string[] } };
        ruleBodies.push(body);
        for (const id of body.delete?.ids ?? []) rules.splice(rules.findIndex((r) => r.id === id), 1);
        for (const r of body.add ?? []) rules.push({ id: String(100 + rules.length), ...r });
        send(200, { meta: { sent: new Date().toISOString() } });
      });
      return;
    }
    if (url.pathname === '/2/tweets/search/stream') {
      if (opts.stream === 'forbidden') {
        return send(403, {
          client_id: '1',
          detail: 'When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project.',
          reason: 'client-not-enrolled',
          title: 'Client Forbidden',
          type: 'https://api.twitter.com/2/problems/client-forbidden',
        });
      }
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.write('\r\n');
      res.write(`${JSON.stringify(tweetPayload('1001', 'Bitcoin breaks $100K $BTC', 'whale_alert'))}\r\n`);
      setTimeout(() => res.write(`${JSON.stringify(tweetPayload('1002', 'ETH gas at yearly low', 'ethdaily'))}\r\n`), 10);
      return; // held open, like the real stream
    }
    if (url.pathname === '/2/tweets/search/recent') {
      const handler = opts.search?.[Math.min(searchCalls, (opts.search?.length ?? 1) - 1)];
      searchCalls++;
      if (handler) return handler(res);
      return send(200, { meta: { result_count: 0 } });
    }
    send(404, { title: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    rules,
    ruleBodies,
    requests,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

function recordingSink() {
  const items: CandidateItem[] = [];
  const failures: Array<Error & { code?: string }> = [];
  const sink: ItemSink = {
    async publish(_s, batch) {
      items.push(...batch);
      return { published: batch.length };
    },
    failed: (_s, e) => void failures.push(e),
    succeeded: () => undefined,
  };
  return { sink, items, failures };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const searchPage = (tweets: Array<{ id: string; text: string; user: string }>) => (res: ServerResponse) => {
  res.writeHead(200, {
    'content-type': 'application/json',
    'x-rate-limit-limit': '60',
    'x-rate-limit-remaining': '59',
    'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + 900),
  });
  res.end(
    JSON.stringify({
      data: tweets.map((t) => ({ id: t.id, text: t.text, created_at: '2025-03-01T10:00:00.000Z', lang: 'es', author_id: `u${t.id}` })),
      includes: { users: tweets.map((t) => ({ id: `u${t.id}`, username: t.user, name: t.user })) },
      meta: { newest_id: tweets[0]?.id, oldest_id: tweets.at(-1)?.id, result_count: tweets.length },
    }),
  );
};

test('syncs its own rules and delivers stream posts as items', async () => {
  const fake = await fakeX({
    stream: 'ok',
    rules: [
      { id: '1', value: 'puppies', tag: 'someone-else' },
      { id: '2', value: '(old) -is:retweet', tag: RULE_TAG },
    ],
  });
  const source = createXSource({ bearerToken: 'test-token', apiUrl: fake.url, rules: ['$BTC', 'bitcoin'], searchIntervalMs: 1000, log, flushMs: 20 });
  const rec = recordingSink();
  try {
    await source.start(rec.sink);
    await until(() => rec.items.length >= 2);
    assert.deepEqual(rec.items[0], {
      title: 'Bitcoin breaks $100K $BTC',
      url: 'https://x.com/whale_alert/status/1001',
      source: '@whale_alert',
      source_kind: 'x',
      published_at: '2025-03-01T10:00:00.000Z',
      lang_hint: 'en',
    });
    assert.equal(rec.items[1]?.source, '@ethdaily');
    // The other owner's rule is untouched, the stale one of ours is gone, ours is added once.
    assert.deepEqual(
      fake.rules.map((r) => [r.value, r.tag]),
      [
        ['puppies', 'someone-else'],
        ['($BTC OR bitcoin) -is:retweet', RULE_TAG],
      ],
    );
    assert.equal(fake.requests[0]?.auth, 'Bearer test-token');
    assert.equal(source.nextPollAt(), null);
  } finally {
    await source.stop();
    await fake.close();
  }
});

test('falls back to recent search when the stream is forbidden, then asks only for newer posts', async () => {
  const fake = await fakeX({
    stream: 'forbidden',
    search: [searchPage([{ id: '2002', text: 'El bitcoin sube', user: 'cripto_es' }, { id: '2001', text: 'older', user: 'a' }]), searchPage([])],
  });
  const source = createXSource({ bearerToken: 't', apiUrl: fake.url, rules: ['bitcoin'], searchIntervalMs: 30, log });
  const rec = recordingSink();
  try {
    await source.start(rec.sink);
    await until(() => fake.requests.filter((r) => r.url.pathname === '/2/tweets/search/recent').length >= 2);
    assert.equal(rec.items.length, 2);
    assert.equal(rec.items[0]?.lang_hint, 'es');
    assert.equal(rec.items[0]?.url, 'https://x.com/cripto_es/status/2002');
    const searches = fake.requests.filter((r) => r.url.pathname === '/2/tweets/search/recent');
    assert.equal(searches[0]?.url.searchParams.get('query'), '(bitcoin) -is:retweet');
    assert.equal(searches[0]?.url.searchParams.get('since_id'), null);
    assert.equal(searches[1]?.url.searchParams.get('since_id'), '2002');
    // Between searches the source names its next poll; during one (every 30 ms here) it has none,
    // so this waits for a gap rather than sampling whatever moment the line above ran at.
    await until(() => source.nextPollAt() instanceof Date);
  } finally {
    await source.stop();
    await fake.close();
  }
});

test('a 429 waits until x-rate-limit-reset before the next request', async () => {
  let resetSeconds = 0;
  const fake = await fakeX({
    stream: 'forbidden',
    search: [
      (res) => {
        resetSeconds = Math.floor(Date.now() / 1000) + 1;
        res.writeHead(429, {
          'content-type': 'application/json',
          'x-rate-limit-limit': '60',
          'x-rate-limit-remaining': '0',
          'x-rate-limit-reset': String(resetSeconds),
        });
        res.end(JSON.stringify({ title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 }));
      },
      searchPage([{ id: '3001', text: 'after the reset', user: 'b' }]),
    ],
  });
  const source = createXSource({ bearerToken: 't', apiUrl: fake.url, rules: ['bitcoin'], searchIntervalMs: 10_000, log, backoff: { rateLimitMs: 60_000 } });
  const rec = recordingSink();
  try {
    await source.start(rec.sink);
    await until(() => rec.items.length > 0, 4000);
    assert.equal(rec.failures[0]?.code, 'X_RATE_LIMITED');
    const searches = fake.requests.filter((r) => r.url.pathname === '/2/tweets/search/recent');
    assert.equal(searches.length, 2);
    assert.ok((searches[1]?.at ?? 0) >= resetSeconds * 1000, 'the retry waited for the reset');
  } finally {
    await source.stop();
    await fake.close();
  }
});

test('without a token the source is disabled and makes no requests', async () => {
  const fake = await fakeX({ stream: 'ok' });
  const source = createXSource({ bearerToken: undefined, apiUrl: fake.url, rules: ['bitcoin'], searchIntervalMs: 10, log });
  await source.start(recordingSink().sink);
  await new Promise((r) => setTimeout(r, 50));
  await source.stop();
  await fake.close();
  assert.equal(source.enabled, false);
  assert.equal(fake.requests.length, 0);
});

test('rules are OR-ed within the length limit', () => {
  assert.deepEqual(buildRuleValues(['$BTC', 'crypto market']), ['($BTC OR "crypto market") -is:retweet']);
  const many = Array.from({ length: 100 }, (_, i) => `keyword${i}`);
  const values = buildRuleValues(many);
  assert.ok(values.length > 1);
  assert.ok(values.every((v) => v.length <= 512));
});
