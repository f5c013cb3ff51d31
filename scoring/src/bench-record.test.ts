// bench.json keeps the newest run per CPU kind and, of the runs it replaced, each model's figures at the consumer's
// batch: the cards list them beside the newest run so a reader sees how far a shared VM moves between runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { BenchFile, earlierRates, recordRun, summarise, type BenchRun } from './bench-record.ts';
import { DEFAULT_SCORING_BATCH } from './config.ts';

const xeon = { cpu: 'Intel(R) Xeon(R) Processor, 2 cores shared with other work', int8DotProduct: true, int8Matrix: true };
const epyc = { cpu: 'AMD EPYC, 2 cores shared with other work', int8DotProduct: false };

function run(when: string, cpu: typeof xeon | typeof epyc, cascade: number, version = 'cascade-v1'): BenchRun {
  return {
    when,
    ...cpu,
    texts: 'fixture',
    models: [
      { name: 'minilm', version: 'minilm-v1', batches: [{ batch: 1, itemsPerSecond: 100, ratioToDefault: 1 }, { batch: DEFAULT_SCORING_BATCH, itemsPerSecond: 400, ratioToDefault: 1 }] },
      { name: 'cascade', version, stageShares: [0.2, 0.75, 0.05], batches: [{ batch: 1, itemsPerSecond: 90 }, { batch: DEFAULT_SCORING_BATCH, itemsPerSecond: cascade, ratioToDefault: cascade / 400 }] },
    ],
  };
}

test('a run replaces the run of its CPU kind and keeps that run at the consumer batch, newest first', () => {
  const first = recordRun([], run('2026-12-03T10:00Z', xeon, 351));
  assert.deepEqual(first[0]!.earlier, []);
  const second = recordRun(recordRun(first, run('2026-12-02', epyc, 100)), run('2026-12-03T12:00Z', xeon, 440));
  const third = recordRun(second, run('2026-12-03T18:00Z', xeon, 495));

  assert.deepEqual(
    third.map((r) => r.cpu),
    [xeon.cpu, epyc.cpu],
    'the newest run first, then the other kinds as they were',
  );
  assert.equal(third[0]!.models[1]!.batches[1]!.itemsPerSecond, 495);
  assert.deepEqual(
    third[0]!.earlier!.map((e) => [e.when, e.batch, e.models.map((m) => m.itemsPerSecond)]),
    [
      ['2026-12-03T12:00Z', DEFAULT_SCORING_BATCH, [400, 440]],
      ['2026-12-03T10:00Z', DEFAULT_SCORING_BATCH, [400, 351]],
    ],
  );
  assert.deepEqual(third[0]!.earlier![0]!.models[1], { name: 'cascade', version: 'cascade-v1', itemsPerSecond: 440, ratioToDefault: 1.1 });
  assert.deepEqual(third[1], second[1], "another kind's run is untouched");
});

test('an earlier run is a summary: other batches and loose fields are not kept', () => {
  const s = summarise(run('2026-12-03T10:00Z', xeon, 351));
  assert.deepEqual(Object.keys(s).sort(), ['batch', 'models', 'when']);
  assert.deepEqual(Object.keys(s.models[1]!).sort(), ['itemsPerSecond', 'name', 'ratioToDefault', 'version']);
  // A model that did not run at the consumer's batch has nothing to keep.
  const partial = run('2026-12-03T10:00Z', xeon, 351);
  partial.models[0]!.batches = partial.models[0]!.batches.filter((b) => b.batch !== DEFAULT_SCORING_BATCH);
  assert.deepEqual(summarise(partial).models.map((m) => m.name), ['cascade']);
});

test('at most `keep` earlier runs are kept, and only the same version counts as an earlier rate of a model', () => {
  let runs: BenchRun[] = [];
  for (let i = 0; i < 6; i++) runs = recordRun(runs, run(`2026-12-03T1${i}:00Z`, xeon, 300 + i, i < 3 ? 'cascade-v0' : 'cascade-v1'), 3);
  const newest = runs[0]!;
  assert.deepEqual(newest.earlier!.map((e) => e.when), ['2026-12-03T14:00Z', '2026-12-03T13:00Z', '2026-12-03T12:00Z']);
  assert.deepEqual(earlierRates(newest, 'cascade-v1'), [
    { when: '2026-12-03T14:00Z', itemsPerSecond: 304 },
    { when: '2026-12-03T13:00Z', itemsPerSecond: 303 },
  ]);
});

test('the shipped bench.json is a valid record', async () => {
  const file = BenchFile.parse(JSON.parse(await readFile(new URL('../models/bench.json', import.meta.url), 'utf8')));
  assert.ok(file.runs.length > 0);
  for (const r of file.runs) for (const e of r.earlier ?? []) assert.equal(e.batch, DEFAULT_SCORING_BATCH);
});
