// The dashboard in real headless Chromium (Debian's package, driven by playwright-core) against the
// real embedded stack: Kafka, the scoring consumer, chDB and the gateway serving the production build.
// Screenshots land in test-results/ for CI to keep as artifacts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { createProducer } from '@barometer/runtime/kafka';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { z } from 'zod';
import { ItemsResponse, ScoreResponse, SentimentValue } from '@barometer/schemas/api';
import { insertScoredItems } from '@barometer/analytics/scored-items';
import type { RawItem } from '@barometer/schemas/items';
import { CHROMIUM, launchChromium, startFeedServer, startTestStack, waitFor, type FeedServer, type TestStack } from './test-support.ts';

const STATIC_DIR = fileURLToPath(new URL('../../frontend/dist', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../test-results', import.meta.url));

const Fixture = z.object({
  bitcoin: z.array(z.string()).min(1),
  ethereum: z.array(z.string()).min(1),
  other: z.array(z.string()),
  live: z.array(z.string()).min(1),
});

async function loadFixture() {
  const raw: unknown = JSON.parse(await readFile(new URL('./fixtures/dashboard-headlines.json', import.meta.url), 'utf8'));
  return Fixture.parse(raw);
}

/**
 * A raw item as a source plug-in that does not strip markup would publish it. The RSS path removes tags
 * at ingestion, so this is how a `<script>` title can still reach the page: the page must not trust it.
 */
function rawItemTitled(title: string): RawItem {
  const id = createHash('md5').update(title).digest('hex');
  const now = new Date().toISOString();
  return {
    v: 1,
    id,
    title,
    url: 'https://news.example.com/xss',
    source: 'markup-wire.example',
    source_kind: 'social',
    published_at: now,
    ingested_at: now,
    assets: [],
    story_id: id,
    lang: 'en',
  };
}

const attr = (page: Page, testId: string, name: string) => page.getByTestId(testId).first().getAttribute(name);

describe('dashboard in headless Chromium', () => {
  let feed: FeedServer;
  let stack: TestStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let fixture: Awaited<ReturnType<typeof loadFixture>>;
  let initial: string[];

  /** What the gateway stored, newest first: the page must show the same. */
  const itemsFor = async (asset: string | null) => {
    const res = await fetch(`${stack.address}/api/v1/items?limit=100${asset ? `&asset=${asset}` : ''}`);
    return ItemsResponse.parse(await res.json()).items;
  };

  /** The overall 24 h item count the gateway reports. */
  const overallN = async () => {
    const res = await fetch(`${stack.address}/api/v1/sentiment?window=24h`);
    return ((await res.json()) as { n: number }).n;
  };

  before(async () => {
    assert.ok(existsSync(`${STATIC_DIR}/index.html`), 'the dashboard is built (npm run build -w @barometer/frontend)');
    assert.ok(existsSync(CHROMIUM), `Chromium at ${CHROMIUM} (apt-get install chromium)`);
    await mkdir(RESULTS, { recursive: true });
    fixture = await loadFixture();
    initial = [...fixture.bitcoin, ...fixture.ethereum, ...fixture.other];
    feed = await startFeedServer();
    feed.serve(initial);
    stack = await startTestStack(feed.url, STATIC_DIR);
    // Scored before the page opens, so the first snapshot already has history.
    await stack.ingest.pollAll();
    await waitFor('the first headlines to be scored', 60_000, async () => ((await overallN()) >= initial.length ? true : undefined));
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
    page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err));
  });

  after(async () => {
    await browser?.close();
    await stack?.dispose();
    await feed?.close();
  });

  test('renders the gauge, the chart and the headlines', async () => {
    await page.goto(stack.address);
    await page.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 15_000 });
    await page.getByTestId('headline').nth(initial.length - 1).waitFor({ timeout: 15_000 });
    assert.match((await attr(page, 'gauge', 'data-index')) ?? '', /^\d+$/, 'the gauge shows an index');
    assert.equal(Number(await attr(page, 'gauge', 'data-n')), initial.length, 'the gauge counts the items');
    assert.match((await page.getByTestId('gauge-band').textContent()) ?? '', /^\d+–\d+$/, 'the gauge shows the 95 % range');
    assert.equal(await page.getByTestId('compare').locator('dt').count(), 3, 'yesterday / last week / last month');
    await page.locator('[data-testid=chart][data-status=ready]').waitFor({ timeout: 15_000 });
    assert.ok(Number(await attr(page, 'chart', 'data-points')) >= 1, 'the chart has history');
    assert.ok((await page.locator('[data-testid=chart] canvas').count()) > 0, 'lightweight-charts drew on a canvas');
    await page.locator('[data-testid=why][data-state=ready]').waitFor({ timeout: 15_000 });
    assert.ok((await page.getByTestId('freshness-row').count()) >= 1, 'per-source freshness');
    await page.screenshot({ path: `${RESULTS}/dashboard-initial.png`, fullPage: true });
  });

  test('a newly scored item appears in the list and moves the chart, without reload', async () => {
    // A marker on window survives only if the page is never reloaded.
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
    const updatesBefore = Number(await attr(page, 'chart', 'data-updates'));
    const nBefore = Number(await attr(page, 'gauge', 'data-n'));

    feed.serve([...initial, ...fixture.live]);
    await stack.ingest.pollAll();
    const newest = fixture.live[0]!;
    const row = page.getByTestId('headline').filter({ hasText: newest });
    await row.waitFor({ timeout: 30_000 });
    // The label shown is the one the pipeline stored, and the badge reveals the probabilities on hover.
    const stored = await itemsFor(null);
    const scored = stored.find((item) => item.title === newest);
    assert.ok(scored, 'the new item is stored');
    assert.equal(await row.getAttribute('data-label'), scored.label);
    await row.locator('.label-badge').hover();
    const tooltip = row.getByRole('tooltip');
    await tooltip.waitFor({ state: 'visible', timeout: 5_000 });
    assert.match((await tooltip.textContent()) ?? '', new RegExp(`negative ${Math.round(scored.negative * 100)}%`));
    await page.waitForFunction(
      (before) => Number(document.querySelector('[data-testid=chart]')?.getAttribute('data-updates')) > before,
      updatesBefore,
      { timeout: 15_000 },
    );
    await page.waitForFunction(
      (before) => Number(document.querySelector('[data-testid=gauge]')?.getAttribute('data-n')) > before,
      nBefore,
      { timeout: 15_000 },
    );
    assert.equal(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument), true, 'no reload');
    await page.screenshot({ path: `${RESULTS}/dashboard-updated.png`, fullPage: true });
  });

  test('switching asset changes the numbers, the list and the URL', async () => {
    // Waits on ingest's asset tagging: the Bitcoin headlines must carry BTC and the Ethereum ones ETH.
    const expected = { BTC: fixture.bitcoin, ETH: fixture.ethereum };
    const viewOf = async (asset: 'BTC' | 'ETH') => {
      await page.getByTestId(`asset-${asset}`).check();
      await page.waitForURL((url) => url.searchParams.get('asset') === asset);
      await page.waitForFunction(
        (n) =>
          document.querySelector('main')?.getAttribute('data-asset') === n.asset &&
          Number(document.querySelector('[data-testid=gauge]')?.getAttribute('data-n')) === n.count,
        { asset, count: expected[asset].length },
        { timeout: 15_000 },
      );
      const titles = await page.getByTestId('headline-title').allTextContents();
      assert.deepEqual(new Set(titles), new Set(expected[asset]), `the list holds the ${asset} headlines`);
      await page.locator('[data-testid=chart][data-status=ready]').waitFor({ timeout: 15_000 });
      // The gauge's number is this asset's: the mean score of its items (one per story).
      const items = (await itemsFor(asset)).filter((item) => expected[asset].includes(item.title));
      const mean = items.reduce((sum, item) => sum + item.score, 0) / items.length;
      const value = Number(await attr(page, 'gauge', 'data-value'));
      assert.ok(Math.abs(value - mean) < 1e-4, `${asset} gauge value ${value} is the mean score of its items, ${mean}`);
      return value;
    };

    const btc = await viewOf('BTC');
    await page.screenshot({ path: `${RESULTS}/dashboard-btc.png`, fullPage: true });
    const eth = await viewOf('ETH');
    assert.notEqual(btc, eth, 'BTC and ETH show different numbers');
    const overall = Number(await page.evaluate(async () => ((await (await fetch('/api/v1/sentiment?window=24h')).json()) as { value: number }).value));
    assert.notEqual(eth, overall, 'an asset view is not the overall number');

    // Back returns to BTC; a deep link opens the view it names.
    await page.goBack();
    await page.waitForFunction(() => document.querySelector('main')?.getAttribute('data-asset') === 'BTC');
    await page.goto(`${stack.address}/?asset=ETH&span=7d`);
    assert.equal(await page.getByTestId('asset-ETH').isChecked(), true);
    assert.equal(await page.getByTestId('span-7d').isChecked(), true);
    await page.locator('[data-testid=chart][data-status=ready]').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: `${RESULTS}/dashboard-eth-7d.png`, fullPage: true });

    // Keyboard: the picker is one radio group; arrow keys move the selection.
    await page.getByTestId('asset-ETH').focus();
    await page.keyboard.press('ArrowLeft');
    await page.waitForURL((url) => url.searchParams.get('asset') === 'BTC');
  });

  test('a headline containing <script> shows as text', async () => {
    await page.goto(stack.address);
    await page.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 15_000 });
    const title = `<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> Solana outage halts network for hours`;
    const kafka = new Kafka({ brokers: stack.brokers, clientId: 'dashboard-test', logLevel: logLevel.NOTHING });
    const producer = createProducer(kafka);
    await producer.connect();
    try {
      const item = rawItemTitled(title);
      await producer.send({ topic: stack.topics.raw, messages: [{ key: item.id, value: JSON.stringify(item) }] });
    } finally {
      await producer.disconnect();
    }
    const row = page.getByTestId('headline').filter({ hasText: '<script>window.__xss' });
    await row.waitFor({ timeout: 30_000 });
    assert.equal(await row.getByTestId('headline-title').textContent(), title, 'the title is shown verbatim, as text');
    assert.equal(await page.locator('[data-testid=headlines] script, [data-testid=headlines] img').count(), 0, 'no markup was created');
    assert.equal(await page.evaluate(() => (window as { __xss?: number }).__xss), undefined, 'nothing ran');
    const link = row.locator('a');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await link.getAttribute('target'), '_blank');
  });

  test('the model box scores a sentence', async () => {
    const text = 'Bitcoin soars to a record high as investors pile in';
    const direct = await fetch(`${stack.address}/api/v1/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ texts: [text] }),
    });
    const expected = ScoreResponse.parse(await direct.json()).results[0]!;
    await page.getByLabel('Type a headline').fill(text);
    await page.getByRole('button', { name: 'Score' }).click();
    const result = page.locator('[data-testid=score-result] [data-label]');
    await result.waitFor({ timeout: 15_000 });
    assert.equal(await result.getAttribute('data-label'), expected.label);
    assert.match((await result.textContent()) ?? '', new RegExp(`positive\\s*${Math.round(expected.positive * 100)}%`));
  });

  test('the index under a shadow model version can be compared with the live one', async () => {
    // A candidate's rows for the items already scored, as shadow scoring or a backfill writes them.
    const items = ItemsResponse.parse(await (await fetch(`${stack.address}/api/v1/items?limit=100`)).json()).items;
    const candidate = items.map((i) => ({ ...i, negative: 0.9, neutral: 0.1, positive: 0, label: 'negative' as const, score: -0.9, model_version: 'candidate-x' }));
    await insertScoredItems(stack.clickhouse, candidate, 'dashboard-shadow', { shadow: true });
    const expected = SentimentValue.parse(await (await fetch(`${stack.address}/api/v1/sentiment?window=24h&model_version=candidate-x`)).json());
    assert.ok(expected.index !== null && expected.index < 10);
    await page.goto(stack.address);
    const select = page.getByTestId('model-select');
    await select.locator('option', { hasText: 'candidate-x (shadow)' }).waitFor({ state: 'attached', timeout: 15_000 });
    await select.selectOption('candidate-x');
    const result = page.getByTestId('model-compare-result');
    await result.waitFor({ timeout: 15_000 });
    assert.equal(await result.getAttribute('data-index'), String(expected.index));
    const live = SentimentValue.parse(await (await fetch(`${stack.address}/api/v1/sentiment?window=24h`)).json());
    assert.notEqual(live.index, expected.index, 'the live index is not the candidate\'s');
  });

  test('is usable at 375 px without horizontal scroll, in both themes', async () => {
    const phone = await context.newPage();
    try {
      await phone.setViewportSize({ width: 375, height: 812 });
      await phone.goto(`${stack.address}/?asset=BTC`);
      await phone.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 15_000 });
      await phone.locator('[data-testid=chart][data-status=ready]').waitFor({ timeout: 15_000 });
      await phone.getByTestId('headline').first().waitFor({ timeout: 15_000 });
      const overflow = () => phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok((await overflow()) <= 0, `horizontal overflow of ${await overflow()}px`);
      await phone.screenshot({ path: `${RESULTS}/dashboard-375-dark.png`, fullPage: true });

      await phone.getByRole('radio', { name: 'Light' }).check();
      await phone.waitForFunction(() => document.documentElement.dataset.theme === 'light');
      const background = await phone.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      assert.equal(background, 'rgb(246, 248, 250)', 'the light palette applies');
      assert.ok((await overflow()) <= 0, `horizontal overflow of ${await overflow()}px in the light theme`);
      await phone.screenshot({ path: `${RESULTS}/dashboard-375-light.png`, fullPage: true });
    } finally {
      await phone.close();
    }
  });
});
