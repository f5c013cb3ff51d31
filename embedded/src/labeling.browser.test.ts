// The labeling view in real headless Chromium against the real embedded stack with a label token:
// sign in, queue headlines with the sampler, label one with a keyboard shortcut, find it in the export;
// and the dashboard's drift badge appearing on a `drift:alert`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { z } from 'zod';
import { ItemsResponse, LabeledText } from '@barometer/schemas/api';
import { CHROMIUM, launchChromium, startFeedServer, startTestStack, waitFor, type FeedServer, type TestStack } from './test-support.ts';

const STATIC_DIR = fileURLToPath(new URL('../../frontend/dist', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../test-results', import.meta.url));
const TOKEN = 'browser-label-token-0123';
const HEADLINES = [
  'Bitcoin edges higher as traders weigh ETF flows',
  'Ether slips after network upgrade is delayed again',
  'Gold holds steady while markets await inflation data',
  'Solana outage halts trading on several exchanges',
];

describe('labeling view in headless Chromium', () => {
  let feed: FeedServer;
  let stack: TestStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    assert.ok(existsSync(`${STATIC_DIR}/index.html`), 'the dashboard is built (npm run build -w @barometer/frontend)');
    assert.ok(existsSync(CHROMIUM), `Chromium at ${CHROMIUM} (apt-get install chromium)`);
    await mkdir(RESULTS, { recursive: true });
    feed = await startFeedServer();
    feed.serve(HEADLINES);
    stack = await startTestStack(feed.url, STATIC_DIR, { http: { labelToken: TOKEN } });
    await stack.ingest.pollAll();
    await waitFor('the headlines to be scored', 60_000, async () => {
      const res = await fetch(`${stack.address}/api/v1/items?limit=100`);
      return ItemsResponse.parse(await res.json()).items.length >= HEADLINES.length ? true : undefined;
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 375, height: 812 }, colorScheme: 'dark' });
    page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err));
  });

  after(async () => {
    await browser?.close();
    await stack?.dispose();
    await feed?.close();
  });

  test('a wrong token is refused and the sign-in form says so', async () => {
    await page.goto(`${stack.address}/?view=label`);
    await page.getByLabel('Your name').fill('Ada Lovelace');
    await page.getByLabel('Label token').fill('not-the-right-token');
    await page.getByRole('button', { name: 'Start labeling' }).click();
    await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor({ timeout: 10_000 });
  });

  test('labels one headline with a keyboard shortcut, stored with the annotator', async () => {
    await page.goto(`${stack.address}/?view=label`);
    assert.equal(await page.getByLabel('Your name').inputValue(), 'Ada Lovelace', 'the name is remembered');
    await page.getByLabel('Label token').fill(TOKEN);
    await page.getByRole('button', { name: 'Start labeling' }).click();
    await page.getByTestId('label-view').waitFor({ timeout: 10_000 });
    // The stack's sampler ran before anything was scored; queue the headlines now.
    await page.getByTestId('label-sample').click();
    const headline = page.getByTestId('label-headline');
    await headline.waitFor({ timeout: 10_000 });
    const id = (await headline.getAttribute('data-id')) ?? '';
    const text = (await headline.locator('.label-text').textContent()) ?? '';
    assert.ok(HEADLINES.includes(text), `a queued headline, shown as text: ${text}`);
    const queued = Number(await page.getByTestId('label-progress').getAttribute('data-queued'));
    assert.ok(queued >= 1 && queued <= HEADLINES.length);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `horizontal overflow of ${overflow}px at 375 px`);
    await page.screenshot({ path: `${RESULTS}/labeling-375.png`, fullPage: true });

    await page.keyboard.press('3');
    await page.locator('[data-testid=label-progress][data-done="1"]').waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('label-status').textContent(), 'Labeled positive.');
    if (queued > 1) assert.notEqual(await page.getByTestId('label-headline').getAttribute('data-id'), id, 'the next headline is shown');

    const res = await fetch(`${stack.address}/api/v1/labels/export?format=jsonl`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const rows = (await res.text()).trim().split('\n').map((l) => LabeledText.parse(JSON.parse(l)));
    assert.deepEqual(
      rows.map((r) => [r.id, r.label, r.annotator, r.origin, r.text]),
      [[id, 'positive', 'Ada Lovelace', 'ui', text]],
    );
  });

  test('the dashboard shows a drift badge on drift:alert', async () => {
    await page.goto(stack.address);
    await page.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 15_000 });
    assert.equal(await page.getByTestId('drift-badge').count(), 0, 'no drift on a fresh stack');
    stack.live.io.emit('drift:alert', { feature: 'label', psi: 0.42, threshold: 0.2, at: new Date().toISOString() });
    const badge = page.getByTestId('drift-badge');
    await badge.waitFor({ timeout: 10_000 });
    assert.match((await badge.textContent()) ?? '', /Model drift: label/);
    assert.match(z.string().parse(await badge.getAttribute('title')), /PSI 0\.42 > 0\.2/);
  });
});
