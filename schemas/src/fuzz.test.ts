// Property-based fuzzing of every message schema on the wire (RawItem, ScoredItem, DlqMessage,
// SourceHealth): arbitrary and mutated JSON never makes safeParse throw, and generated valid messages
// survive a JSON round trip unchanged, as they do through Kafka.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { z } from 'zod';
import { DlqMessage, RawItem, ScoredItem } from './items.ts';
import { SourceHealth } from './api.ts';

const RUNS = 3000;
const hex32 = fc.stringMatching(/^[0-9a-f]{32}$/);
const instant = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const kind = fc.constantFrom('rss', 'x', 'mastodon', 'bluesky', 'reddit', 'social');
const text = (min: number, max: number) => fc.string({ unit: 'grapheme', minLength: min, maxLength: max }).filter((s) => s.length >= min && s.length <= max);

const rawItem = fc.record({
  v: fc.constant(1 as const),
  id: hex32,
  title: text(1, 300),
  url: fc.option(fc.webUrl({ validSchemes: ['http', 'https'] }).filter((u) => u.length <= 2048), { nil: null }),
  source: text(1, 200),
  source_kind: kind,
  published_at: instant,
  ingested_at: instant,
  assets: fc.array(fc.stringMatching(/^[A-Z0-9]{1,20}$/), { maxLength: 50 }),
  story_id: hex32,
  lang: fc.oneof(fc.stringMatching(/^[a-z]{2,3}$/), fc.constant('und')),
});

const probabilities = fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 1000 })).map(([a, b, c]) => {
  const t = a + b + c;
  return [a / t, b / t, c / t] as const;
});
const scoredItem = fc.tuple(rawItem, probabilities, text(1, 100), instant).map(([raw, [negative, neutral, positive], model_version, scored_at]) => {
  const ps = [negative, neutral, positive].filter((p) => p > 0);
  const entropy = Math.min(1.0987, Math.abs(ps.reduce((s, p) => s + p * Math.log(p), 0)));
  const label = positive >= negative && positive >= neutral ? 'positive' : negative >= neutral ? 'negative' : 'neutral';
  return { ...raw, negative, neutral, positive, label: label as 'positive' | 'negative' | 'neutral', entropy, score: positive - negative, model_version, scored_at };
});

const dlqMessage = fc.record({
  v: fc.constant(1 as const),
  reason: fc.constantFrom('invalid_json', 'invalid_schema', 'too_large', 'invalid_utf8', 'scoring_failed'),
  detail: text(0, 4000),
  source_topic: fc.string(),
  partition: fc.nat(),
  offset: fc.bigInt({ min: 0n, max: 2n ** 63n }).map(String),
  key: fc.option(fc.string(), { nil: null }),
  value_base64: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('base64')),
  failed_at: instant,
  rejected_by: fc.string(),
});

const sourceHealth = fc.record({
  v: fc.constant(1 as const),
  id: text(1, 300),
  kind,
  name: text(1, 200),
  status: fc.constantFrom('ok', 'failing', 'disabled'),
  last_success_at: fc.option(instant, { nil: null }),
  last_error: fc.option(text(0, 2000), { nil: null }),
  last_error_at: fc.option(instant, { nil: null }),
  consecutive_failures: fc.nat(),
  items_seen: fc.nat(),
  items_published: fc.nat(),
  last_item_at: fc.option(instant, { nil: null }),
  lag_seconds: fc.option(fc.double({ min: 0, max: 1e9, noNaN: true }), { nil: null }),
  next_poll_at: fc.option(instant, { nil: null }),
  updated_at: instant,
});

/** A valid message with one field removed, replaced by arbitrary JSON, or a stray field added. */
function mutated(valid: fc.Arbitrary<Record<string, unknown>>) {
  return fc.tuple(valid, fc.nat(), fc.jsonValue(), fc.constantFrom('drop', 'replace', 'add')).map(([msg, i, junk, how]) => {
    const keys = Object.keys(msg);
    const key = keys[i % keys.length]!;
    const copy: Record<string, unknown> = { ...msg };
    if (how === 'drop') delete copy[key];
    else if (how === 'replace') copy[key] = junk;
    else copy.__proto__junk = junk;
    return copy;
  });
}

const schemas: [string, z.ZodType, fc.Arbitrary<Record<string, unknown>>][] = [
  ['RawItem', RawItem, rawItem],
  ['ScoredItem', ScoredItem, scoredItem],
  ['DlqMessage', DlqMessage, dlqMessage],
  ['SourceHealth', SourceHealth, sourceHealth],
];

describe('fuzz: message schemas', () => {
  for (const [name, schema, valid] of schemas) {
    test(`${name}: arbitrary and mutated JSON never throws from safeParse`, () => {
      fc.assert(
        fc.property(fc.oneof(fc.jsonValue(), mutated(valid), fc.string().map((s) => JSON.parse(JSON.stringify(s)) as unknown)), (input) => {
          const r = schema.safeParse(input);
          assert.equal(typeof r.success, 'boolean');
        }),
        { numRuns: RUNS },
      );
    });

    test(`${name}: generated valid messages parse and round-trip through JSON`, () => {
      fc.assert(
        fc.property(valid, (msg) => {
          const first = schema.safeParse(msg);
          assert.ok(first.success, JSON.stringify(first.error?.issues));
          const wire: unknown = JSON.parse(JSON.stringify(first.data));
          const again = schema.safeParse(wire);
          assert.ok(again.success);
          assert.deepEqual(again.data, first.data);
        }),
        { numRuns: RUNS },
      );
    });
  }
});
