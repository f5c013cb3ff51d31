// The wire schemas accept what producers send and refuse what would hurt a consumer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entropyOf, labelOf, RawItem, ScoredItem } from './items.ts';
import { SentimentValue, toIndex } from './api.ts';
import { TOPICS, topicSpecs } from './kafka.ts';

const raw = {
  v: 1,
  id: '0123456789abcdef0123456789abcdef',
  title: 'Bitcoin rallies',
  url: 'https://example.com/a',
  source: 'example.com',
  source_kind: 'rss',
  story_id: '0123456789abcdef0123456789abcdef',
  lang: 'en',
  published_at: '2026-11-23T10:00:00.000Z',
  ingested_at: '2026-11-23T10:00:01.000Z',
};
const sentiment = {
  negative: 0.1, neutral: 0.2, positive: 0.7, label: 'positive', entropy: 0.8, score: 0.6,
  model_version: 'm1', scored_at: '2026-11-23T10:00:02.000Z',
};

test('a raw item parses, assets default to none', () => {
  const r = RawItem.parse(raw);
  assert.deepEqual(r.assets, []);
});

test('raw items refuse non-web links, offsets in times, other versions and bad ids', () => {
  assert.equal(RawItem.safeParse({ ...raw, url: 'javascript:alert(1)' }).success, false);
  assert.equal(RawItem.safeParse({ ...raw, published_at: '2026-11-23T10:00:00.000+02:00' }).success, false);
  assert.equal(RawItem.safeParse({ ...raw, v: 2 }).success, false);
  assert.equal(RawItem.safeParse({ ...raw, id: 'ABC' }).success, false);
  assert.equal(RawItem.safeParse({ ...raw, url: null }).success, true);
});

test('scored items need probabilities that sum to 1', () => {
  assert.equal(ScoredItem.safeParse({ ...raw, ...sentiment }).success, true);
  const bad = ScoredItem.safeParse({ ...raw, ...sentiment, positive: 0.9 });
  assert.equal(bad.success, false);
  assert.match(JSON.stringify(bad.error?.issues), /sum to 1/);
});

test('index mapping and value bounds', () => {
  assert.deepEqual([toIndex(-1), toIndex(0), toIndex(1), toIndex(0.009)], [0, 50, 100, 50]);
  assert.equal(SentimentValue.safeParse({ window: '24h', value: 1.2, index: 110, n: 1, as_of: raw.ingested_at }).success, false);
});

test('topic specs name every topic, and the sources topic is compacted', () => {
  const specs = topicSpecs();
  assert.deepEqual(specs.map((s) => s.topic), [TOPICS.raw, TOPICS.scored, TOPICS.dlq, TOPICS.sources]);
  const sources = specs.find((s) => s.topic === TOPICS.sources);
  assert.deepEqual(sources?.configEntries, [{ name: 'cleanup.policy', value: 'compact' }]);
});

test('labelOf is the argmax (ties to the earlier label) and entropyOf is in nats', () => {
  assert.equal(labelOf({ negative: 0.2, neutral: 0.3, positive: 0.5 }), 'positive');
  assert.equal(labelOf({ negative: 0.4, neutral: 0.4, positive: 0.2 }), 'negative');
  assert.equal(entropyOf({ negative: 0, neutral: 1, positive: 0 }), 0);
  assert.ok(Math.abs(entropyOf({ negative: 1 / 3, neutral: 1 / 3, positive: 1 / 3 }) - Math.log(3)) < 1e-12);
});
