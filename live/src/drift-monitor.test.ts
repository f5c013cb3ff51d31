// The drift monitor over a real chDB and a real socket.io client: a shifted stream of predictions sets
// the PSI and alert gauges on /metrics and sends `drift:alert` once per crossing (edge-triggered).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { DriftResponse } from '@barometer/schemas/api';
import { DriftAlert, type ClientToServerEvents, type ServerToClientEvents } from '@barometer/schemas/socket';
import { createClickHouse, type ClickHouseClient } from '@barometer/analytics/client';
import { migrate } from '@barometer/analytics/migrate';
import { insertScoredItems } from '@barometer/analytics/scored-items';
import { createMetricsRegistry, type Registry } from '@barometer/runtime/metrics';
import { buildApp, type LiveApp } from './app.ts';
import { createDriftMonitor, type DriftMonitor } from './drift-monitor.ts';
import { scored } from './test-items.ts';

const log = pino({ level: 'silent' });
const DAY_MIN = 1440;

describe('drift monitor', () => {
  let dir: string;
  let ch: ClickHouseClient;
  let app: LiveApp;
  let registry: Registry;
  let drift: DriftMonitor;
  let client: Socket<ServerToClientEvents, ClientToServerEvents>;
  const alerts: DriftAlert[] = [];
  let next = 1;

  /** `n` items of one predicted class, `minutesAgo(i)` old. */
  const insert = (n: number, score: number, minutesAgo: (i: number) => number) =>
    insertScoredItems(ch, Array.from({ length: n }, (_, i) => scored(next++, score, minutesAgo(i))), `drift-${next}`);

  const gauge = async (name: string) => {
    const text = await registry.metrics();
    return Number(new RegExp(`^${name}\\{feature="label"\\} (\\S+)$`, 'm').exec(text)?.[1]);
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'barometer-drift-'));
    ch = createClickHouse({ kind: 'embedded', dataDir: dir });
    await migrate(ch, log);
    registry = createMetricsRegistry();
    // The same wiring as createLive: the monitor's alerts go to every client of the gateway's socket.io.
    let emit: (a: DriftAlert) => void = () => undefined;
    drift = createDriftMonitor({ clickhouse: ch, registry, log, intervalMs: 3_600_000, onAlert: (a) => emit(a) });
    const built = await buildApp({ clickhouse: ch, log, metrics: registry, sources: () => [], drift });
    app = built.app;
    emit = (a) => built.io.emit('drift:alert', a);
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    client = connect(address, { transports: ['websocket'] });
    client.on('drift:alert', (payload) => {
      const parsed = DriftAlert.safeParse(payload);
      assert.ok(parsed.success, 'drift:alert matches its schema');
      alerts.push(parsed.data);
    });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  });
  after(async () => {
    client.disconnect();
    await drift.stop();
    await app.close();
    await ch.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Alerts are broadcast over a socket: give them a moment to arrive. */
  const settle = () => new Promise((r) => setTimeout(r, 150));

  test('a shifted prediction stream raises the gauge and one drift:alert per crossing', async () => {
    // Reference (the 7 days before the last 24 h): half negative, half positive.
    await insert(30, -0.5, (i) => 2 * DAY_MIN + i * 60);
    await insert(30, 0.5, (i) => 2 * DAY_MIN + i * 60 + 30);
    // The last 24 h: positive only.
    await insert(40, 0.5, (i) => 10 + i);

    const first = await drift.check();
    const label = first.reports.find((r) => r.feature === 'label');
    assert.ok(label?.drifted && label.psi !== null && label.psi > label.threshold, `label drifted (psi ${label?.psi})`);
    assert.equal(first.reports.find((r) => r.feature === 'length')?.drifted, false, 'titles kept their length');
    assert.equal(await gauge('barometer_drift_alert'), 1);
    assert.ok(Math.abs((await gauge('barometer_drift_psi')) - label.psi!) < 1e-9);
    await settle();
    assert.deepEqual(alerts.map((a) => [a.feature, a.threshold]), [['label', label.threshold]]);

    await drift.check();
    await settle();
    assert.equal(alerts.length, 1, 'still drifted: no second alert');

    // The current window back to the reference mix: the alert clears…
    await insert(40, -0.5, (i) => 60 + i);
    await drift.check();
    assert.equal(await gauge('barometer_drift_alert'), 0);
    // …and a new shift raises a new one.
    await insert(200, 0.5, (i) => 200 + i);
    await drift.check();
    await settle();
    assert.equal(alerts.length, 2, 'a new crossing alerts again');

    const res = await app.inject('/api/v1/drift');
    const body = DriftResponse.parse(res.json());
    assert.equal(body.reports.find((r) => r.feature === 'label')?.drifted, true, 'the API serves the latest check');
    assert.match((await app.inject('/metrics')).body, /barometer_drift_psi\{feature="label"\}/);
  });
});
