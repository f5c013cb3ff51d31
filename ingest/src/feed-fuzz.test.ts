// Property-based fuzzing of the feed path: whatever bytes a feed serves and whatever a source hands
// the pipeline, nothing throws except a FeedError, and everything published satisfies RawItem.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { RawItem } from '@barometer/schemas/items';
import { parseFeed } from './feed-parser.ts';
import { FeedError, decodeFeedBytes } from './feed-fetcher.ts';
import { cleanText } from './text-cleaner.ts';
import { detectLanguage } from './language-detector.ts';
import { createIngest } from './ingest.ts';
import type { CandidateItem, IngestSource } from './source.ts';

const nasty = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('<![CDATA[', ']]>', '&amp;', '&#0;', '&#xD800;', '&lol;', '<script>', '</title>', '\u0000', '\uFEFF', '🚀', '?', 'javascript:alert(1)', '\u202e'),
);
const dateText = fc.oneof(
  fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((d) => d.toUTCString()),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string({ maxLength: 40 }),
);

/** A document shaped like RSS 2.0, Atom or RDF, with hostile text wherever text goes. */
const feedDocument = fc
  .record({
    kind: fc.constantFrom('rss', 'atom', 'rdf'),
    items: fc.array(fc.record({ title: fc.array(nasty, { maxLength: 4 }).map((p) => p.join(' ')), link: nasty, date: dateText, cdata: fc.boolean() }), { maxLength: 8 }),
    language: fc.option(fc.constantFrom('en', 'en-US', 'de', 'xx-invalid', ''), { nil: undefined }),
  })
  .map(({ kind, items, language }) => {
    const esc = (s: string, cdata: boolean) => (cdata ? `<![CDATA[${s}]]>` : s.replace(/&(?!amp;)/g, '&amp;').replace(/</g, '&lt;'));
    const lang = language === undefined ? '' : `<language>${language}</language>`;
    if (kind === 'atom') {
      return `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>f</title>${items
        .map((i) => `<entry><title>${esc(i.title, i.cdata)}</title><link href="${esc(i.link, false).replace(/"/g, '&quot;')}"/><updated>${esc(i.date, false)}</updated></entry>`)
        .join('')}</feed>`;
    }
    const body = items.map((i) => `<item><title>${esc(i.title, i.cdata)}</title><link>${esc(i.link, i.cdata)}</link><pubDate>${esc(i.date, false)}</pubDate></item>`).join('');
    return kind === 'rss'
      ? `<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>${lang}${body}</channel></rss>`
      : `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel><title>f</title></channel>${body}</rdf:RDF>`;
  });

async function parsesOrFeedError(text: string): Promise<void> {
  try {
    const r = await parseFeed(text, 'https://wire.example/feed');
    for (const c of r.items) assert.equal(typeof c.title, 'string');
  } catch (err) {
    assert.ok(err instanceof FeedError, `not a FeedError: ${String(err)}`);
  }
}

describe('fuzz: the feed path', () => {
  test('generated RSS/Atom/RDF documents parse or fail with a FeedError', async () => {
    await fc.assert(fc.asyncProperty(feedDocument, parsesOrFeedError), { numRuns: 1500 });
  });

  test('arbitrary text and truncated documents parse or fail with a FeedError', async () => {
    const truncated = fc.tuple(feedDocument, fc.nat()).map(([d, n]) => d.slice(0, n % (d.length + 1)));
    await fc.assert(fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary' }), truncated), parsesOrFeedError), { numRuns: 1500 });
  });

  test('decoding, cleaning and language detection are total', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.option(fc.string({ maxLength: 40 }), { nil: null }), nasty, (bytes, contentType, text) => {
        assert.equal(typeof decodeFeedBytes(bytes, contentType), 'string');
        const cleaned = cleanText(text);
        assert.equal(cleaned, cleaned.trim());
        assert.match(detectLanguage(cleaned, contentType), /^([a-z]{2,3}|und)$/);
      }),
      { numRuns: 5000 },
    );
  });

  test('whatever a source hands the sink, every published message is a valid RawItem', async () => {
    const sent: string[] = [];
    const source: IngestSource = { id: 'fuzz', kind: 'rss', name: 'fuzz', enabled: true, start: async () => {}, stop: async () => {}, nextPollAt: () => null };
    const candidate: fc.Arbitrary<CandidateItem> = fc.record({
      title: fc.array(nasty, { minLength: 1, maxLength: 6 }).map((p) => p.join(' ')),
      url: fc.option(fc.oneof(fc.webUrl(), nasty), { nil: null }),
      source: nasty,
      source_kind: fc.constantFrom('rss', 'x', 'mastodon'),
      published_at: fc.option(fc.oneof(dateText, fc.date({ noInvalidDate: true }).map((d) => d.toISOString())), { nil: null }),
      lang_hint: fc.option(nasty, { nil: null }),
    });
    // Filters off, so every generated item that survives cleaning reaches the producer and is checked.
    const withSource = createIngest({
      producer: { send: async ({ messages }) => (messages.forEach((m) => sent.push(String(m.value))), []) },
      topics: { raw: 'raw', sources: 'sources' },
      sources: [source],
      log: pino({ level: 'silent' }),
      metrics: new Registry(),
      filters: { language: { enabled: false, keep: ['en'], keepUndetermined: true }, minWords: { enabled: false, min: 1 }, questions: { enabled: false }, clickbait: { enabled: false }, maxAge: { enabled: false, hours: 1 } },
      tagAssets: (t) => t.split(' ').slice(0, 60),
      stories: { assign: (id) => id },
    });
    await fc.assert(
      fc.asyncProperty(fc.array(candidate, { maxLength: 5 }), async (items) => {
        await withSource.sink.publish(source, items, { seen: items.length });
      }),
      { numRuns: 3000 },
    );
    assert.ok(sent.length > 1000, `only ${sent.length} items survived cleaning`);
    for (const m of sent) {
      const parsed = RawItem.safeParse(JSON.parse(m));
      assert.ok(parsed.success, m);
    }
    const [h] = withSource.health();
    assert.ok(h && h.items_published === sent.length);
  });
});
