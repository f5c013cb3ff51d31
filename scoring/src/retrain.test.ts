// What retraining takes from the collected labels: one label per item, ties left out; exports parsed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelsForTraining, parseLabelExport } from './retrain.ts';

const at = '2026-11-23T10:00:00.000Z';
const l = (id: string, label: 'negative' | 'neutral' | 'positive', annotator: string) => ({ id: id.repeat(32), text: `text ${id}`, label, annotator, labeled_at: at, origin: 'ui' as const });

test('one label per item by majority; a tie says nothing and is left out', () => {
  const { rows, conflicting } = labelsForTraining([l('a', 'positive', 'x'), l('a', 'positive', 'y'), l('a', 'negative', 'z'), l('b', 'neutral', 'x'), l('c', 'positive', 'x'), l('c', 'negative', 'y')]);
  assert.deepEqual(rows, [{ text: 'text a', label: 'positive' }, { text: 'text b', label: 'neutral' }]);
  assert.equal(conflicting, 1);
});

test('the labeling export parses as CSV and as JSONL', () => {
  const csv = `id,text,label,annotator,labeled_at,origin\r\n${'a'.repeat(32)},"Bitcoin, up",positive,x,${at},ui\r\n`;
  assert.deepEqual(parseLabelExport(csv), [l('a', 'positive', 'x')].map((r) => ({ ...r, text: 'Bitcoin, up' })));
  assert.deepEqual(parseLabelExport(`${JSON.stringify(l('b', 'neutral', 'y'))}\n`), [l('b', 'neutral', 'y')]);
});
