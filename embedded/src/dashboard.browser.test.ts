// The dashboard in real headless Chromium against the real embedded stack: it renders the gauge,
// chart and headlines, and updates without reload when a new item is scored.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadHeadlines, startFeedServer, startTestStack, type FeedServer, type TestStack } from './test-support.ts';

const STATIC_DIR = fileURLToPath(new URL('../../frontend/dist', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../test-results', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('dashboard in headless Chromium', () => {
  let feed: FeedServer;
  let stack: TestStack;
  let browser: Browser;
  let page: Page;
  let headlines: Awaited<ReturnType<typeof loadHeadlines>>;

  before(async () => {
    assert.ok(existsSync(`${STATIC_DIR}/index.html`), 'the dashboard is built (npm run build -w @barometer/frontend)');
    assert.ok(existsSync(CHROMIUM), `Chromium at ${CHROMIUM} (apt-get install chromium)`);
    await mkdir(RESULTS, { recursive: true });
    headlines = await loadHeadlines();
    feed = await startFeedServer();
    feed.serve(headlines.round1);
    stack = await startTestStack(feed.url, STATIC_DIR);
    // Round 1 is scored before the page opens, so the first snapshot already has history.
    await stack.ingest.pollAll();
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await fetch(`${stack.address}/api/v1/sentiment?window=24h`).then((r) => r.json() as Promise<{ n: number }>);
      if (res.n >= headlines.round1.length) break;
      if (Date.now() > deadline) throw new Error('round 1 was not scored in time');
      await new Promise((r) => setTimeout(r, 200));
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await stack?.dispose();
    await feed?.close();
  });

  test('renders the gauge, the chart and the headlines, then updates live', async () => {
    await page.goto(stack.address);
    await page.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 15_000 });
    await page.locator('[data-testid=headline]').nth(headlines.round1.length - 1).waitFor({ timeout: 15_000 });
    const index = await page.locator('[data-testid=gauge]').getAttribute('data-index');
    assert.match(index ?? '', /^\d+$/, 'the gauge shows an index');
    const pointsBefore = Number(await page.locator('[data-testid=chart]').getAttribute('data-points'));
    assert.ok(pointsBefore >= 1, 'the chart has history');
    assert.ok(await page.locator('[data-testid=chart] canvas').count() > 0, 'lightweight-charts drew on a canvas');
    await page.screenshot({ path: `${RESULTS}/dashboard-initial.png`, fullPage: true });

    feed.serve([...headlines.round1, ...headlines.round2]);
    await stack.ingest.pollAll();
    const newest = headlines.round2[0]!;
    await page.locator('[data-testid=headline]', { hasText: newest }).waitFor({ timeout: 30_000 });
    // The value moved (bad news) and the chart got the tick, without a reload.
    await page.waitForFunction(
      (before) => document.querySelector('[data-testid=gauge]')?.getAttribute('data-index') !== before,
      index,
      { timeout: 15_000 },
    );
    const label = await page.locator('[data-testid=headline]', { hasText: newest }).getAttribute('data-label');
    assert.equal(label, 'negative');
    const n = await page.locator('[data-testid=headline]').count();
    assert.equal(n, headlines.round1.length + headlines.round2.length);
    await page.waitForFunction(
      (before) => Number(document.querySelector('[data-testid=chart]')?.getAttribute('data-updates') ?? '0') > 0 ||
        Number(document.querySelector('[data-testid=chart]')?.getAttribute('data-points')) !== before,
      pointsBefore,
      { timeout: 15_000 },
    );
    await page.screenshot({ path: `${RESULTS}/dashboard-updated.png`, fullPage: true });
  });

  test('is usable at 375 px without horizontal scroll', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `horizontal overflow of ${overflow}px`);
    await page.screenshot({ path: `${RESULTS}/dashboard-375.png`, fullPage: true });
  });
});
