// Test plumbing for the end-to-end tests: a local RSS server whose items change by round, and a
// whole embedded stack on fresh topics and a fresh chDB directory.
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { z } from 'zod';
import { defaultModelDir } from '@barometer/scoring/model';
import { loadIngestConfig } from '@barometer/ingest/config';
import { startStack, type Stack, type StackOptions } from './stack.ts';
import { chromium, type Browser } from 'playwright-core';

const Headlines = z.object({ round1: z.array(z.string()), round2: z.array(z.string()), round3: z.array(z.string()) });
export type Round = 'round1' | 'round2' | 'round3';

export async function loadHeadlines() {
  const raw: unknown = JSON.parse(await readFile(fileURLToPath(new URL('./fixtures/headlines.json', import.meta.url)), 'utf8'));
  return Headlines.parse(raw);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An RSS 2.0 document of the given headlines, published a few minutes ago (dates are RFC 822, in GMT). */
export function rssOf(titles: string[], now = Date.now()): string {
  const items = titles
    .map(
      (t, i) => `<item><title>${escapeXml(t)}</title><link>https://news.example.com/${i}-${encodeURIComponent(t.slice(0, 20))}</link>` +
        `<pubDate>${new Date(now - (i + 1) * 1000).toUTCString()}</pubDate></item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Test wire</title><link>https://news.example.com</link><description>fixture</description>\n${items}\n</channel></rss>`;
}

export interface FeedServer {
  url: string;
  /** Replaces what the feed serves from now on. */
  serve(titles: string[]): void;
  close(): Promise<void>;
}

export async function startFeedServer(): Promise<FeedServer> {
  let body = rssOf([]);
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/feed.xml`,
    serve: (titles) => {
      body = rssOf(titles);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export interface TestStack extends Stack {
  dataDir: string;
  dispose(): Promise<void>;
}

/**
 * The real embedded stack: Kafka from KAFKA_BROKERS (the test wrapper starts one) or a local broker of
 * its own, chDB in a temp dir, topics and groups unique to this run so runs never see each other's data.
 */
export async function startTestStack(feedUrl: string, staticDir?: string, extra: Pick<StackOptions, 'http' | 'sampler'> = {}): Promise<TestStack> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'barometer-e2e-'));
  const run = randomUUID().slice(0, 8);
  const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean);
  const stack = await startStack({
    log: pino({ level: process.env.LOG_LEVEL ?? 'warn' }),
    dataDir,
    kafkaBrokers: brokers && brokers.length > 0 ? brokers : undefined,
    localKafkaPort: 0,
    clickhouse: { kind: 'embedded', dataDir },
    // The tests poll explicitly. The loop's own timer also reads each feed once within 15 s of start (then an
    // hour later); a read publishes only headlines not published yet, so the tests wait for the items they
    // serve, never for a poll's count. The feed server is on loopback, which the SSRF guard must be told to allow.
    ingest: loadIngestConfig({
      BAROMETER_FEEDS: feedUrl,
      BAROMETER_POLL_INTERVAL_S: '3600',
      BAROMETER_FEED_TIMEOUT_S: '5',
      BAROMETER_INGEST_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
      // No network in tests: the social sources stay off (they still appear in health as disabled).
      BAROMETER_MASTODON_ENABLED: 'false',
    }),
    modelDir: defaultModelDir,
    onnxThreads: 1,
    scoringBatch: 64,
    port: 0,
    host: '127.0.0.1',
    staticDir,
    topics: { raw: `test-${run}.items.raw.v1`, scored: `test-${run}.items.scored.v1`, dlq: `test-${run}.items.dlq.v1`, sources: `test-${run}.sources.health.v1` },
    scoringGroup: `test-${run}-scoring`,
    ...extra,
  });
  return {
    ...stack,
    dataDir,
    async dispose() {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resolves with the first value `next` produces that passes `pred`, or rejects after `ms`. */
export function waitFor<T>(what: string, ms: number, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  return new Promise<T>((resolve, reject) => {
    const attempt = async () => {
      try {
        const v = await check();
        if (v !== undefined) return resolve(v);
      } catch (err) {
        if (Date.now() > deadline) return reject(err);
      }
      if (Date.now() > deadline) return reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      setTimeout(attempt, 100);
    };
    void attempt();
  });
}

/**
 * Waits until the UTC clock is at least `lead` ms into a minute and at least `tail` ms before its end.
 * A tick carries the series point of its own minute only if that minute holds items, so a round
 * published near the turn of a minute (rssOf dates items up to a few seconds back) and scored just
 * after it gets a tick with no point: right, but not what a test of the point can assert.
 */
export async function clearOfMinuteEdge(lead = 6_000, tail = 20_000): Promise<void> {
  const into = Date.now() % 60_000;
  const wait = into < lead ? lead - into : into > 60_000 - tail ? 60_000 - into + lead : 0;
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

/** Debian's Chromium, as the browser tests drive it (never a downloaded browser). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless Chromium with the flags these tests need in a sandboxed CI container. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
