// ClickHouse away (every INSERT fails for 12 s, the embedded stand-in for a server outage): the
// scoring consumer waits and retries with growing backoff in the same process, commits nothing it has
// not written, sends nothing to the DLQ (the database's fault is not the message's), and loses nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { createTopics, groupLag, itemFactory, kafkaOf, newProducer, newRun, oracleViolations, readOracle, sendAcked, sleep, startWorker, waitForZeroLag } from './chaos/chaos-support.ts';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const FAIL_MS = 12_000;

test('a failing insert pauses and retries with backoff: nothing committed unwritten, nothing lost', { skip: brokers.length === 0 ? 'KAFKA_BROKERS is not set' : false }, async () => {
  const run = await newRun('failing-insert');
  const kafka = kafkaOf(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const producer = newProducer(kafka);
  await producer.connect();
  try {
    await createTopics(admin, run.topics);
    const items = await itemFactory(run.id);
    const produced = new Set<string>();
    const produce = async (from: number, n: number) => {
      const batch = Array.from({ length: n }, (_, k) => items.item(from + k));
      await sendAcked(producer, run.topics.raw, batch.map((i) => ({ key: i.id, value: JSON.stringify(i) })));
      for (const i of batch) produced.add(i.id);
    };
    await produce(0, 200);

    const worker = startWorker(run, brokers, { CHAOS_FAIL_INSERTS_MS: String(FAIL_MS), CHAOS_SESSION_TIMEOUT_MS: '6000' });
    const first = await worker.waitForEvent((e) => e.chaos === 'insert-failed', 60_000);
    const outageEnds = (first.time ?? Date.now()) + FAIL_MS;
    // More items arrive during the outage; they wait behind the failing batch.
    await produce(200, 100);
    let maxCommittedDuringOutage = 0;
    while (Date.now() < outageEnds - 500) {
      const lag = await groupLag(admin, run.group, run.topics.raw);
      maxCommittedDuringOutage = Math.max(maxCommittedDuringOutage, produced.size - lag);
      assert.equal(worker.child.exitCode, null, 'the worker keeps running through the outage');
      await sleep(500);
    }
    assert.equal(maxCommittedDuringOutage, 0, 'no offset was committed while nothing could be written');

    const drainMs = await waitForZeroLag(admin, run.group, run.topics.raw, 60_000);
    const failures = worker.events.filter((e) => e.chaos === 'insert-failed').map((e) => e.time ?? 0);
    const gaps = failures.slice(1).map((t, i) => t - failures[i]!);
    assert.ok(failures.length >= 4, `retried ${failures.length} times`);
    assert.ok(gaps.slice(0, 4).every((g, i) => i === 0 || g > gaps[i - 1]! * 1.5), `the waits grow: ${gaps.join(', ')} ms`);
    assert.ok(gaps.every((g) => g <= 5_500), `the waits are capped at 5 s: ${gaps.join(', ')} ms`);
    const dlq = await admin.fetchTopicOffsets(run.topics.dlq);
    assert.equal(dlq.reduce((s, p) => s + Number(p.high), 0), 0, 'nothing was dead-lettered');
    await worker.stop();

    const reading = await readOracle(run.dataDir);
    assert.deepEqual(oracleViolations(reading, produced, produced.size), []);
    process.stdout.write(`# failing insert: ${failures.length} failed attempts over ${FAIL_MS} ms, waits ${gaps.join(', ')} ms; drained ${drainMs} ms after the outage; ${reading.scores.rows} rows for ${produced.size} items\n`);
  } finally {
    await producer.disconnect();
    await admin.disconnect();
    await rm(run.dataDir, { recursive: true, force: true });
  }
});
