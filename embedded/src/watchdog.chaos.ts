// The stuck-consumer class (KafkaJS members that stop fetching and heartbeating, tulios/kafkajs #267,
// #660, #1630): a scoring member whose batch never returns is replaced by the watchdog after
// 2 × the session timeout, and the replacement scores everything exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { createTopics, itemFactory, kafkaOf, newProducer, newRun, oracleViolations, readOracle, sendAcked, startWorker, waitForZeroLag } from './chaos/chaos-support.ts';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const SESSION_MS = 6_000;

test('a consumer that neither fetches nor heartbeats for 2 × the session timeout is restarted', { skip: brokers.length === 0 ? 'KAFKA_BROKERS is not set' : false }, async () => {
  const run = await newRun('watchdog');
  const kafka = kafkaOf(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const producer = newProducer(kafka);
  await producer.connect();
  const worker = startWorker(run, brokers, { CHAOS_STALL_FIRST_BATCH: 'true', CHAOS_SESSION_TIMEOUT_MS: String(SESSION_MS) });
  try {
    await createTopics(admin, run.topics);
    const items = await itemFactory(run.id);
    const all = Array.from({ length: 200 }, (_, n) => items.item(n));
    await sendAcked(producer, run.topics.raw, all.map((i) => ({ key: i.id, value: JSON.stringify(i) })));

    const stalled = await worker.waitForEvent((e) => e.chaos === 'stalled', 60_000);
    const replaced = await worker.waitForEvent((e) => e.msg === 'consumer neither fetched nor heartbeated: replacing it', 4 * SESSION_MS);
    const quietMs = (replaced.time ?? 0) - (stalled.time ?? 0);
    assert.ok(quietMs >= 2 * SESSION_MS - 1_000, `not replaced before 2 × the session timeout (after ${quietMs} ms)`);
    const drainMs = await waitForZeroLag(admin, run.group, run.topics.raw, 60_000);
    assert.equal(worker.child.exitCode, null, 'the same process recovered');
    await worker.stop();
    const reading = await readOracle(run.dataDir);
    assert.deepEqual(oracleViolations(reading, new Set(all.map((i) => i.id)), all.length), []);
    process.stdout.write(`# watchdog: stalled batch replaced after ${quietMs} ms (session ${SESSION_MS} ms), lag 0 ${drainMs} ms later\n`);
  } finally {
    await worker.stop();
    await producer.disconnect();
    await admin.disconnect();
    await rm(run.dataDir, { recursive: true, force: true });
  }
});
