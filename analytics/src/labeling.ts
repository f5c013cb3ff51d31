// The labeling loop's storage: the sampler that fills the queue, the next items for an annotator,
// labels in and out (CSV, JSONL, Label Studio), all over the same ClickHouse rows the index reads.
import type { ClickHouseClient } from '@clickhouse/client';
import { ItemLabel, LabeledText } from '@barometer/schemas/api';
import { ScoredItem } from '@barometer/schemas/items';
import { z } from 'zod';
import { toClickHouseTime } from './sentiment-queries.ts';
import { sqlFile } from './sql-files.ts';

export type SamplingStrategy = 'entropy' | 'least_confidence';

export interface SampleOptions {
  /** Consider items scored since this instant. */
  since: Date;
  limit: number;
  strategy?: SamplingStrategy;
}

const Sampled = z.object({ id: z.string(), uncertainty: z.number() });

/** The most uncertain recent items, one per story, balanced across assets and sources (label-sample.sql). */
export async function sampleForLabeling(ch: ClickHouseClient, o: SampleOptions): Promise<z.infer<typeof Sampled>[]> {
  const rs = await ch.query({
    query: sqlFile('label-sample'),
    query_params: { since: toClickHouseTime(o.since), limit: o.limit, strategy: o.strategy ?? 'entropy' },
    format: 'JSONEachRow',
  });
  return z.array(Sampled).parse(await rs.json());
}

/** Runs the sampler and queues what it picked; returns how many were queued. */
export async function enqueueForLabeling(ch: ClickHouseClient, o: SampleOptions & { now?: Date }): Promise<number> {
  const picked = await sampleForLabeling(ch, o);
  if (picked.length === 0) return 0;
  const queuedAt = (o.now ?? new Date()).toISOString();
  await ch.insert({
    table: 'barometer.label_queue',
    values: picked.map((p) => ({ ...p, queued_at: queuedAt, strategy: o.strategy ?? 'entropy' })),
    format: 'JSONEachRow',
  });
  return picked.length;
}

/** Queued items this annotator has not labeled yet, most uncertain first. */
export async function nextToLabel(ch: ClickHouseClient, o: { annotator: string; limit: number }): Promise<ScoredItem[]> {
  const rs = await ch.query({ query: sqlFile('label-next'), query_params: o, format: 'JSONEachRow' });
  return z.array(ScoredItem).parse(await rs.json());
}

export async function insertLabels(ch: ClickHouseClient, labels: readonly ItemLabel[]): Promise<void> {
  if (labels.length === 0) return;
  await ch.insert({ table: 'barometer.labels', values: labels.map((l) => ItemLabel.parse(l)), format: 'JSONEachRow' });
}

export async function queryLabeledTexts(ch: ClickHouseClient): Promise<LabeledText[]> {
  const rs = await ch.query({ query: sqlFile('labels-export'), format: 'JSONEachRow' });
  return z.array(LabeledText).parse(await rs.json());
}

export type LabelFormat = 'csv' | 'jsonl' | 'label-studio';

const CSV_COLUMNS = ['id', 'text', 'label', 'annotator', 'labeled_at', 'origin'] as const;
const LABEL_STUDIO_CHOICE: Record<ItemLabel['label'], string> = { negative: 'Negative', neutral: 'Neutral', positive: 'Positive' };

function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * Labels as text. `label-studio` is a Label Studio JSON import (tasks with a `sentiment` choices
 * annotation, `data.id` carrying our item id), so Label Studio users can review them there.
 */
export function formatLabels(rows: readonly LabeledText[], format: LabelFormat): string {
  if (format === 'jsonl') return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
  if (format === 'csv') {
    const lines = [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => csvField(String(r[c]))).join(','))];
    return `${lines.join('\r\n')}\r\n`;
  }
  return JSON.stringify(
    rows.map((r) => ({
      data: { id: r.id, text: r.text },
      annotations: [
        {
          completed_by: r.annotator,
          created_at: r.labeled_at,
          result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [LABEL_STUDIO_CHOICE[r.label]] } }],
        },
      ],
    })),
    null,
    2,
  );
}

/** Splits CSV text into records (RFC 4180: quoted fields, doubled quotes, CRLF or LF). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') record.push(field), (field = '');
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || record.length > 0) record.push(field), records.push(record);
  return records.filter((r) => !(r.length === 1 && r[0] === ''));
}

const LabelStudioTask = z.object({
  data: z.object({ id: z.string(), text: z.string().optional() }),
  annotations: z
    .array(
      z.object({
        completed_by: z.union([z.string(), z.number(), z.object({ email: z.string() })]).optional(),
        created_at: z.string().optional(),
        result: z.array(z.object({ value: z.object({ choices: z.array(z.string()).min(1) }) })).min(1),
      }),
    )
    .min(1),
});

export interface ParsedLabels {
  labels: ItemLabel[];
  /** One line per rejected record: where and why. Nothing is silently dropped. */
  errors: string[];
}

/** Reads an export (or a Label Studio export of tasks we exported); every record is validated. */
export function parseLabels(text: string, format: LabelFormat, defaults: { annotator: string; now: Date }): ParsedLabels {
  const labels: ItemLabel[] = [];
  const errors: string[] = [];
  const accept = (where: string, raw: Record<string, unknown>) => {
    const r = ItemLabel.safeParse({
      annotator: defaults.annotator,
      labeled_at: defaults.now.toISOString(),
      ...Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== '' && v !== undefined)),
      origin: 'import',
    });
    if (r.success) labels.push(r.data);
    else errors.push(`${where}: ${z.prettifyError(r.error).replace(/\n/g, '; ')}`);
  };
  if (format === 'csv') {
    const [header, ...records] = parseCsv(text);
    if (!header) return { labels, errors: ['empty CSV'] };
    if (!header.includes('id') || !header.includes('label')) return { labels, errors: ['CSV needs at least the columns id and label'] };
    records.forEach((rec, i) => accept(`line ${i + 2}`, Object.fromEntries(header.map((h, k) => [h, rec[k]]).filter(([h]) => h !== 'text' && h !== 'origin'))));
  } else if (format === 'jsonl') {
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const { text: _t, origin: _o, ...rest } = z.record(z.string(), z.unknown()).parse(JSON.parse(line));
        accept(`line ${i + 1}`, rest);
      } catch (err) {
        errors.push(`line ${i + 1}: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  } else {
    let tasks: unknown;
    try {
      tasks = JSON.parse(text);
    } catch (err) {
      return { labels, errors: [`not JSON: ${err instanceof Error ? err.message : String(err)}`] };
    }
    z.array(z.unknown()).parse(tasks).forEach((t, i) => {
      const task = LabelStudioTask.safeParse(t);
      if (!task.success) return void errors.push(`task ${i}: ${z.prettifyError(task.error).replace(/\n/g, '; ')}`);
      const a = task.data.annotations.at(-1)!;
      const by = a.completed_by;
      accept(`task ${i}`, {
        id: task.data.data.id,
        label: a.result[0]!.value.choices[0]!.toLowerCase(),
        annotator: typeof by === 'object' ? by.email : by === undefined ? undefined : String(by),
        labeled_at: a.created_at ? new Date(a.created_at).toISOString() : undefined,
      });
    });
  }
  return { labels, errors };
}
