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
  // Stopped in finally too: a failed assertion must not leave the worker running, which kept this test
  // file's process (and the run) alive.
  let worker: ReturnType<typeof startWorker> | undefined;
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

    worker = startWorker(run, brokers, { CHAOS_FAIL_INSERTS_MS: String(FAIL_MS), CHAOS_SESSION_TIMEOUT_MS: '6000' });
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
    // A gap is the wait (200 ms doubling, scoring.ts) plus the failed attempt itself, which took up to
    // ~120 ms on a loaded CI machine: so each gap is at least its wait and longer than the one before,
    // rather than 1.5x it (320 then 447 ms failed that once, on waits of 200 and 400).
    assert.ok(
      gaps.slice(0, 4).every((g, i) => g >= 200 * 2 ** i && (i === 0 || g > gaps[i - 1]!)),
      `the waits grow (200, 400, 800, 1600 ms at least): ${gaps.join(', ')} ms`,
    );
    assert.ok(gaps.every((g) => g <= 5_500), `the waits are capped at 5 s: ${gaps.join(', ')} ms`);
    const dlq = await admin.fetchTopicOffsets(run.topics.dlq);
    assert.equal(dlq.reduce((s, p) => s + Number(p.high), 0), 0, 'nothing was dead-lettered');
    await worker.stop();

    const reading = await readOracle(run.dataDir);
    assert.deepEqual(oracleViolations(reading, produced, produced.size), []);
    process.stdout.write(`# failing insert: ${failures.length} failed attempts over ${FAIL_MS} ms, waits ${gaps.join(', ')} ms; drained ${drainMs} ms after the outage; ${reading.scores.rows} rows for ${produced.size} items\n`);
  } finally {
    await worker?.stop();
    await producer.disconnect();
    await admin.disconnect();
    await rm(run.dataDir, { recursive: true, force: true });
  }
});
