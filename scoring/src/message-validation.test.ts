// Every way a raw message can be wrong ends as a dead letter with its reason and its original bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_VALUE_BYTES, validateMessage } from './message-validation.ts';

const good = {
  v: 1,
  id: 'a'.repeat(32),
  title: 'Bitcoin rallies',
  url: 'https://example.com/a',
  source: 'example.com',
  source_kind: 'rss',
  story_id: 'a'.repeat(32),
  lang: 'en',
  published_at: '2026-11-23T10:00:00.000Z',
  ingested_at: '2026-11-23T10:00:01.000Z',
  assets: ['BTC'],
};
const msg = (value: Buffer | null) => ({ partition: 2, offset: '41', key: Buffer.from('k'), value });

test('a valid raw item passes', () => {
  const r = validateMessage('raw', msg(Buffer.from(JSON.stringify(good))));
  assert.ok('item' in r);
  assert.equal(r.item.title, 'Bitcoin rallies');
});

test('rejections carry reason, detail, position and the original bytes', () => {
  const cases: [Buffer | null, string, RegExp][] = [
    [Buffer.from('{"v":1,'), 'invalid_json', /JSON|Unexpected|Expected/],
    [Buffer.from(JSON.stringify({ ...good, v: 2 })), 'invalid_schema', /v/],
    [Buffer.from(JSON.stringify({ ...good, published_at: '2026-11-23 10:00' })), 'invalid_schema', /published_at/],
    [Buffer.from([0xc3, 0x28]), 'invalid_utf8', /UTF-8/],
    [Buffer.alloc(MAX_VALUE_BYTES + 1, 0x20), 'too_large', /bytes/],
    [null, 'invalid_json', /./],
  ];
  for (const [value, reason, detail] of cases) {
    const r = validateMessage('raw', msg(value));
    assert.ok('rejection' in r, reason);
    assert.equal(r.rejection.reason, reason);
    assert.match(r.rejection.detail, detail);
    assert.equal(r.rejection.partition, 2);
    assert.equal(r.rejection.offset, '41');
    assert.equal(r.rejection.key, 'k');
    // A too large value keeps only its head, so the dead letter fits the DLQ topic.
    assert.deepEqual(Buffer.from(r.rejection.value_base64, 'base64'), (value ?? Buffer.alloc(0)).subarray(0, MAX_VALUE_BYTES));
  }
});
