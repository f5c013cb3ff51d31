// The model loop's storage on real chDB: the sampler, labels in and out, drift.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { ScoredItem } from '@barometer/schemas/items';
import { createClickHouse, type ClickHouseClient } from './clickhouse-client.ts';
import { migrate } from './migrate.ts';
import { insertScoredItems } from './scored-items.ts';
import { enqueueForLabeling, formatLabels, insertLabels, nextToLabel, parseLabels, queryLabeledTexts, sampleForLabeling } from './labeling.ts';
import { populationStabilityIndex, queryDrift } from './drift.ts';

const hex = (n: number) => n.toString(16).padStart(32, '0');
const now = new Date(Date.UTC(2026, 10, 23, 12, 0, 0));

function scored(n: number, o: { entropy: number; assets?: string[]; source?: string; story?: number; label?: ScoredItem['label']; title?: string; at?: Date }): ScoredItem {
  const at = (o.at ?? new Date(now.getTime() - n * 60_000)).toISOString();
  const label = o.label ?? 'neutral';
  const p = label === 'positive' ? [0.1, 0.2, 0.7] : label === 'negative' ? [0.7, 0.2, 0.1] : [0.2, 0.6, 0.2];
  return {
    v: 1, id: hex(n), title: o.title ?? `Headline number ${n}`, url: null, source: o.source ?? 'a.example', source_kind: 'rss',
    published_at: at, ingested_at: at, assets: o.assets ?? [], story_id: hex(o.story ?? n), lang: 'en',
    negative: p[0]!, neutral: p[1]!, positive: p[2]!, label, entropy: o.entropy, score: p[2]! - p[0]!, model_version: 'm1', scored_at: at,
  };
}

describe('labeling and drift on chDB', () => {
  let dir: string;
  let ch: ClickHouseClient;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'barometer-labels-'));
    ch = createClickHouse({ kind: 'embedded', dataDir: dir });
    await migrate(ch, pino({ level: 'silent' }));
  });
  after(async () => {
    await ch.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the sampler picks uncertain items, one per story, balanced across sources', async () => {
    await insertScoredItems(ch, [
      scored(1, { entropy: 1.05, source: 'a.example', assets: ['BTC'] }),
      scored(2, { entropy: 1.04, source: 'a.example', assets: ['BTC'], story: 1 }), // same story as 1
      scored(3, { entropy: 1.03, source: 'a.example', assets: ['BTC'] }),
      scored(4, { entropy: 1.02, source: 'a.example', assets: ['BTC'] }),
      scored(5, { entropy: 0.9, source: 'b.example', assets: ['ETH'] }),
      scored(6, { entropy: 0.1, source: 'b.example', assets: ['ETH'] }), // confident: last
    ], 'sample-1');
    const picked = await sampleForLabeling(ch, { since: new Date(now.getTime() - 3600_000), limit: 3 });
    const ids = picked.map((p) => p.id);
    assert.equal(ids[0], hex(1), 'the most uncertain first');
    assert.ok(!ids.includes(hex(2)), 'a story is sampled once');
    assert.ok(ids.includes(hex(5)), 'the other source and asset get a turn before a.example\'s third item');
    assert.ok(!ids.includes(hex(6)));

    assert.equal(await enqueueForLabeling(ch, { since: new Date(now.getTime() - 3600_000), limit: 2, now }), 2);
    const next = await nextToLabel(ch, { annotator: 'ann', limit: 10 });
    assert.deepEqual(next.map((i) => i.id), [hex(1), hex(5)]);
    // Queued items are not sampled again.
    const again = await sampleForLabeling(ch, { since: new Date(now.getTime() - 3600_000), limit: 10 });
    assert.ok(!again.some((p) => p.id === hex(1) || p.id === hex(5)));
  });

  test('a label round-trips through ClickHouse, CSV, JSONL and Label Studio', async () => {
    await insertLabels(ch, [
      { id: hex(1), label: 'positive', annotator: 'ann', labeled_at: now.toISOString(), origin: 'ui' },
      { id: hex(5), label: 'negative', annotator: 'ann', labeled_at: new Date(now.getTime() + 1000).toISOString(), origin: 'ui' },
    ]);
    assert.deepEqual((await nextToLabel(ch, { annotator: 'ann', limit: 10 })).length, 0, 'labeled items leave the annotator\'s queue');
    const rows = await queryLabeledTexts(ch);
    assert.deepEqual(rows.map((r) => [r.id, r.label, r.text]), [[hex(1), 'positive', 'Headline number 1'], [hex(5), 'negative', 'Headline number 5']]);
    for (const format of ['csv', 'jsonl', 'label-studio'] as const) {
      const parsed = parseLabels(formatLabels(rows, format), format, { annotator: 'import', now });
      assert.deepEqual(parsed.errors, [], format);
      assert.deepEqual(parsed.labels.map((l) => [l.id, l.label, l.annotator, l.labeled_at]), rows.map((r) => [r.id, r.label, r.annotator, r.labeled_at]), format);
    }
    const bad = parseLabels('id,label\nnot-an-id,positive\n' + hex(1) + ',great\n', 'csv', { annotator: 'x', now });
    assert.equal(bad.labels.length, 0);
    assert.equal(bad.errors.length, 2, 'every rejected record is reported');
  });

  test('drift fires on a shifted stream and not on a stable one', async () => {
    const rows: ScoredItem[] = [];
    const day = 86_400_000;
    let n = 1000;
    // Reference week: a third of each class, short and long titles alike.
    for (let i = 0; i < 90; i++) rows.push(scored(n++, { entropy: 0.5, label: (['negative', 'neutral', 'positive'] as const)[i % 3], at: new Date(now.getTime() - 3 * day - i * 60_000) }));
    // Current day: mostly negative, long titles.
    for (let i = 0; i < 60; i++) rows.push(scored(n++, { entropy: 0.5, label: i % 6 === 0 ? 'positive' : 'negative', title: 'word '.repeat(25) + i, at: new Date(now.getTime() - 3600_000 - i * 60_000) }));
    await insertScoredItems(ch, rows, 'drift');
    const windows = { reference: { start: new Date(now.getTime() - 8 * day), end: new Date(now.getTime() - day) }, current: { start: new Date(now.getTime() - day), end: now } };
    const label = await queryDrift(ch, { feature: 'label', ...windows });
    const length = await queryDrift(ch, { feature: 'length', ...windows });
    assert.ok(label.drifted && label.psi! > 0.2, `label psi ${label.psi}`);
    assert.ok(length.drifted, `length psi ${length.psi}`);
    assert.ok(populationStabilityIndex([30, 30, 30], [20, 20, 20]) < 1e-12, 'the same shares give 0');
    const stable = await queryDrift(ch, { feature: 'label', reference: windows.reference, current: { start: new Date(now.getTime() - 3 * day - 90 * 60_000), end: new Date(now.getTime() - 3 * day + 1) } });
    assert.equal(stable.drifted, false);
  });
});
