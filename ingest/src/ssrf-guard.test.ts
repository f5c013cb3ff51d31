// The SSRF refusals: private and special ranges in every notation, names that resolve there, and
// redirects that lead there; and that the connection goes to the address that was checked.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSsrfGuard, refusalOf, type ResolveAll } from './ssrf-guard.ts';
import { fetchFeedBody } from './feed-fetcher.ts';

const RSS = '<rss version="2.0"><channel><title>t</title><item><title>Bitcoin holds steady above key support level</title></item></channel></rss>';

describe('address ranges', () => {
  test('loopback, private, link-local, CGNAT, unique-local, metadata and embedded-IPv4 forms are refused', () => {
    for (const ip of [
      '127.0.0.1', '127.255.255.254', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254',
      '100.64.0.1', '100.100.100.200', '0.0.0.0', '255.255.255.255', '224.0.0.1', '192.0.2.1', '198.18.0.1',
      '::1', '::', 'fe80::1', 'fc00::1', 'fd00:ec2::254', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254',
      '64:ff9b::a00:1', '2002:7f00:1::1', '2001::1', 'ff02::1',
    ]) {
      assert.notEqual(refusalOf(ip), null, ip);
    }
    for (const ip of ['8.8.8.8', '104.16.1.1', '151.101.1.69', '2606:4700::1111', '2a00:1450:4001:80b::200e']) assert.equal(refusalOf(ip), null, ip);
  });

  test('decimal, hex, octal and bracketed literals are refused however they are written', () => {
    const guard = createSsrfGuard();
    for (const url of [
      'http://2130706433/', 'http://0x7f.1/', 'http://0x7f000001/', 'http://0177.0.0.1/', 'http://017700000001/', 'http://127.1/',
      'http://0xa9fea9fe/latest/meta-data/', 'http://2852039166/', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]:8080/',
      'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/', 'http://[fd00:ec2::254]/', 'http://localhost:9092/', 'http://kafka.localhost/',
      'http://metadata.google.internal/computeMetadata/v1/', 'https://10.0.0.1/', 'http://0/', 'file:///etc/passwd', 'gopher://127.0.0.1/',
    ]) {
      assert.throws(() => guard.checkUrl(new URL(url)), { code: 'FEED_ADDRESS_REFUSED' }, url);
    }
    guard.checkUrl(new URL('https://www.coindesk.com/arc/outboundfeeds/rss/'));
    guard.checkUrl(new URL('http://8.8.8.8/'));
    void guard.close();
  });

  test('the allowlist takes IPs, CIDRs and names', () => {
    const guard = createSsrfGuard({ allow: ['127.0.0.1', '10.20.0.0/16', 'feeds.internal'] });
    guard.checkUrl(new URL('http://127.0.0.1:8080/feed'));
    guard.checkUrl(new URL('http://2130706433:8080/feed'));
    guard.checkUrl(new URL('http://10.20.3.4/feed'));
    assert.equal(guard.addressAllowed('10.30.0.1'), false);
    assert.equal(guard.addressAllowed('10.0.0.9', 'feeds.internal'), true);
    assert.throws(() => guard.checkUrl(new URL('http://127.0.0.2/')), { code: 'FEED_ADDRESS_REFUSED' });
    void guard.close();
  });
});

describe('fetching through the guard', () => {
  let server: Server;
  let port: number;
  before(async () => {
    server = createServer((req, res) => {
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
      if (to) return void res.writeHead(302, { location: to }).end();
      res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(RSS);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  const opts = { timeoutMs: 3000, maxBytes: 1 << 20 };

  test('loopback is refused unless allowed', async () => {
    const strict = createSsrfGuard();
    await assert.rejects(fetchFeedBody(`http://127.0.0.1:${port}/feed`, { ...opts, guard: strict }), { code: 'FEED_ADDRESS_REFUSED' });
    await strict.close();
    const allowing = createSsrfGuard({ allow: ['127.0.0.1'] });
    assert.equal((await fetchFeedBody(`http://127.0.0.1:${port}/feed`, { ...opts, guard: allowing })).status, 'ok');
    await allowing.close();
  });

  test('every redirect hop is re-checked: private, metadata and numeric forms are refused', async () => {
    const guard = createSsrfGuard({ allow: ['127.0.0.1'] });
    for (const to of ['http://10.0.0.1/feed', 'http://169.254.169.254/latest/meta-data/', 'http://0xa9fea9fe/', 'http://[::1]/', 'http://localhost/', 'file:///etc/passwd']) {
      await assert.rejects(fetchFeedBody(`http://127.0.0.1:${port}/r?to=${encodeURIComponent(to)}`, { ...opts, guard }), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'FEED_ADDRESS_REFUSED', `${to}: ${err.message}`);
        assert.match(err.message, /redirect/);
        return true;
      });
    }
    await guard.close();
  });

  test('a name is checked on the address the socket connects to (no rebinding window)', async () => {
    // Resolvers that answer like an attacker's DNS: a public-looking name that resolves to loopback or to a mix.
    const answers: Record<string, string[]> = { 'feed.test': ['127.0.0.1'], 'mixed.test': ['127.0.0.1', '8.8.8.8'] };
    const resolve: ResolveAll = (name, _family, cb) => cb(null, (answers[name] ?? []).map((address) => ({ address, family: 4 })));
    const strict = createSsrfGuard({ resolve });
    for (const host of ['feed.test', 'mixed.test']) {
      await assert.rejects(fetchFeedBody(`http://${host}:${port}/feed`, { ...opts, guard: strict }), { code: 'FEED_ADDRESS_REFUSED' }, host);
    }
    await strict.close();
    // Allowed by name, the connection goes to the resolver's answer: feed.test exists in no real DNS.
    const byName = createSsrfGuard({ resolve, allow: ['feed.test'] });
    const ok = await fetchFeedBody(`http://feed.test:${port}/feed`, { ...opts, guard: byName });
    assert.equal(ok.status === 'ok' && ok.text, RSS);
    await byName.close();
  });
});
