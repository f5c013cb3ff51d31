// Retraining decisions round-trip through migration 010 on chDB, newest first.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createClickHouse, type ClickHouseClient } from './clickhouse-client.ts';
import { migrate } from './migrate.ts';
import { insertModelDecision, queryModelDecisions, type ModelDecisionRow } from './model-decisions.ts';

let dir: string;
let ch: ClickHouseClient;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'barometer-decisions-'));
  ch = createClickHouse({ kind: 'embedded', dataDir: dir });
  await migrate(ch, pino({ level: 'silent' }));
});
after(async () => {
  await ch.close();
  await rm(dir, { recursive: true, force: true });
});

test('decisions are stored with their figures and read newest first', async () => {
  const row = (at: string, promoted: 0 | 1, reasons: string[]): ModelDecisionRow => ({
    decided_at: at, candidate_version: `c-${at}`, live_version: 'live', promoted, tolerance: 0.01,
    candidate_macro_f1: promoted ? 0.8 : 0.7, live_macro_f1: 0.76, reasons, candidate_dir: '/m/c', decision: '{"v":1}',
  });
  await insertModelDecision(ch, row('2026-11-23T10:00:00.000Z', 0, ['macro-F1 0.7000 < live 0.7600 − 0.01']));
  await insertModelDecision(ch, row('2026-11-23T11:00:00.000Z', 1, []));
  const got = await queryModelDecisions(ch, 10);
  assert.deepEqual(got.map((d) => [d.decided_at, d.promoted, d.reasons]), [
    ['2026-11-23T11:00:00.000Z', 1, []],
    ['2026-11-23T10:00:00.000Z', 0, ['macro-F1 0.7000 < live 0.7600 − 0.01']],
  ]);
});
