// kill -9 of the Kafka broker mid-stream, then a restart on the same data and port: every item the
// broker acknowledged is in ClickHouse exactly once (raw rows and rollups) and the scoring group's lag
// returns to 0 within 60 s. The test runs a broker of its own so it can kill it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startLocalKafka, type LocalKafka } from '@barometer/kafka-local';
import { createTopics, itemFactory, kafkaOf, newProducer, newRun, oracleViolations, readOracle, sendAcked, sleep, startWorker, waitForZeroLag } from './chaos/chaos-support.ts';

const RATE = 50;
const SECONDS = 30;
const KILL_AT_S = 10;

test('the broker killed -9 mid-stream and restarted: nothing lost or doubled, lag 0 within 60 s', async () => {
  const kafkaDir = await mkdtemp(path.join(tmpdir(), 'barometer-chaos-broker-'));
  const port = await freePort();
  let broker: LocalKafka = await startLocalKafka({ dataDir: kafkaDir, port });
  const brokers = broker.brokers;
  const run = await newRun('broker-kill');
  const kafka = kafkaOf(brokers);
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, run.topics);
  const producer = newProducer(kafka);
  await producer.connect();
  // A 10 s session: a member the restart leaves stuck is replaced after 20 s quiet.
  const worker = startWorker(run, brokers, { CHAOS_SESSION_TIMEOUT_MS: '10000' });
  try {
    await worker.waitForEvent((e) => e.chaos === 'started', 60_000);
    const items = await itemFactory(run.id);
    const produced = new Set<string>();
    let restartedAt = 0;
    let downMs = 0;
    const killer = (async () => {
      await sleep(KILL_AT_S * 1000);
      const t = Date.now();
      process.kill(broker.pid, 'SIGKILL');
      await broker.stop();
      broker = await startLocalKafka({ dataDir: kafkaDir, port });
      restartedAt = Date.now();
      downMs = restartedAt - t;
    })();

    const t0 = Date.now();
    for (let n = 0; n < RATE * SECONDS; n += 5) {
      const batch = Array.from({ length: 5 }, (_, k) => items.item(n + k));
      // Retried until acknowledged: while the broker is down the stream waits, as ingest's producer would.
      await sendAcked(producer, run.topics.raw, batch.map((i) => ({ key: i.id, value: JSON.stringify(i) })));
      for (const i of batch) produced.add(i.id);
      const due = t0 + ((n + 5) * 1000) / RATE;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    await killer;
    const producedAt = Date.now();
    const drainMs = await waitForZeroLag(admin, run.group, run.topics.raw, 60_000);
    const sinceRestartMs = Date.now() - restartedAt;
    assert.ok(sinceRestartMs <= 60_000 + (producedAt - restartedAt), `lag 0 ${sinceRestartMs} ms after the restart`);
    await worker.stop();
    const reading = await readOracle(run.dataDir);
    process.stdout.write(`# broker kill: down ${downMs} ms (kill → restarted), ${produced.size} items acknowledged; lag 0 ${drainMs} ms after the last produce, ` +
      `${sinceRestartMs} ms after the restart; ${worker.events.filter((e) => e.msg?.includes('replacing it')).length} watchdog restarts\n`);
    assert.deepEqual(oracleViolations(reading, produced, produced.size), []);
  } finally {
    await worker.stop();
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await broker.stop();
    await rm(kafkaDir, { recursive: true, force: true });
    await rm(run.dataDir, { recursive: true, force: true });
  }
});
